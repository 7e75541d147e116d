/** examples/epoll-echo-server.ts, run as a user runs it, and in-process beside idle connections. */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { runEpollEchoServer } from '../examples/epoll-echo-server.js';
import { netClient, runTs, within } from './fixtures/helpers.js';

/** Sends `msgs` in order, half-closes, and checks the echo is exactly the concatenation. */
async function echoes(port: number, msgs: Buffer[]): Promise<boolean> {
  const got = await netClient(port, (sock) => {
    for (const m of msgs) sock.write(m);
    sock.end();
  });
  return got.equals(Buffer.concat(msgs));
}

t.test('as a program: concurrent clients with messages larger than the buffers get every byte back', async (t) => {
  const child = runTs(t, 'examples/epoll-echo-server.ts', ['0']);
  const [, port] = await child.line(/echo server listening on 127\.0\.0\.1:(\d+)/);
  const clients = Array.from({ length: 8 }, (_, i) =>
    echoes(Number(port), Array.from({ length: 3 }, () => randomBytes(150_000 + i))),
  );
  t.same(await within(Promise.all(clients), 'echo of 8 clients', 20_000), Array(8).fill(true));
  child.proc.kill('SIGTERM');
  t.equal(await within(child.exited, 'exit after SIGTERM', 5000), 0, 'exits 0 on SIGTERM');
  t.match(child.out(), /stopped: 8 clients, 3600\d{3} bytes echoed/);
});

t.test('in-process: active clients are served beside 300 idle connections, with small buffers', async (t) => {
  const srv = await runEpollEchoServer({ port: 0, sndbuf: 4096, rcvbuf: 4096, maxevents: 4, timeoutMs: 50, log: () => {} });
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await srv.stop();
  });
  const idle: net.Socket[] = [];
  t.teardown(() => idle.forEach((s) => s.destroy()));
  for (let i = 0; i < 300; i++) idle.push(net.connect({ host: '127.0.0.1', port: srv.port }));
  await Promise.all(idle.map((s) => new Promise((r) => s.once('connect', r))));
  const ok = await within(
    Promise.all(Array.from({ length: 5 }, () => echoes(srv.port, [randomBytes(100_000), Buffer.from('tail')]))),
    'echo of 5 active clients',
    20_000,
  );
  t.same(ok, Array(5).fill(true));
  stopped = true;
  const stats = await srv.stop();
  t.equal(stats.clients, 305, 'every connection was accepted');
  t.ok(stats.waits > 0);
});
