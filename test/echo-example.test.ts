/** examples/echo-server.ts, the seed's select() echo server: run as a user runs it, and in-process. */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { runEchoServer, type EchoServer, type EchoServerOptions } from '../examples/echo-server.js';
import { netClient, receivedAtLeast, runTs, until, within } from './fixtures/helpers.js';

/** An in-process echo server, quiet and quick to stop, stopped at teardown. */
async function echoServerT(t: { teardown(fn: () => unknown): void }, opts: EchoServerOptions = {}): Promise<EchoServer> {
  const srv = await runEchoServer({ port: 0, timeoutMs: 50, log: () => {}, ...opts });
  let stopped = false;
  const stop = srv.stop.bind(srv);
  srv.stop = () => {
    stopped = true;
    return stop();
  };
  t.teardown(async () => {
    if (!stopped) await stop();
  });
  return srv;
}

/**
 * A client that sends each message and waits for its whole echo before sending the next (the server
 * sees it idle between messages), then half-closes; resolves with everything echoed up to the server's EOF.
 */
function pingPong(port: number, msgs: Buffer[]): Promise<Buffer> {
  return netClient(port, async (sock, received) => {
    let total = 0;
    for (const m of msgs) {
      sock.write(m);
      total += m.length;
      await receivedAtLeast(sock, received, total);
    }
    sock.end();
  });
}

t.test('as a program: concurrent clients sending messages larger than the buffers get every byte back', async (t) => {
  const child = runTs(t, 'examples/echo-server.ts', ['0']);
  const [, port] = await child.line(/^echo server listening on 127\.0\.0\.1:(\d+)$/);
  // The server's buffers are 256 KiB; each message is bigger, so every message takes several partial sends.
  const msgs = Array.from({ length: 4 }, () => Array.from({ length: 3 }, () => randomBytes(300_000)));
  const got = await within(
    Promise.all(msgs.map((m, i) => (i % 2 === 0 ? pingPong(Number(port), m) : netClient(Number(port), (s) => {
      for (const part of m) s.write(part);
      s.end();
    })))),
    'the echo of four clients',
    20_000,
  );
  for (let i = 0; i < msgs.length; i++) {
    t.ok((got[i] as Buffer).equals(Buffer.concat(msgs[i] as Buffer[])), `client ${i}: all 900000 bytes, in order`);
  }
  child.proc.kill('SIGTERM');
  t.equal(await within(child.exited, 'exit after SIGTERM', 5000), 0, 'exits 0 on SIGTERM');
  t.match(child.out(), /stopped: 4 clients, 3600000 bytes echoed, \d+ select calls/);
  t.equal(child.err(), '', 'nothing on stderr');
});

t.test('as a program: a bad port argument prints the usage and exits 2', async (t) => {
  const child = runTs(t, 'examples/echo-server.ts', ['70000']);
  t.equal(await within(child.exited, 'exit on a bad port', 10_000), 2);
  t.match(child.err(), /usage: echo-server \[port\]/);
});

t.test('a client that sends, then half-closes, still gets its whole echo, with partial sends on the way', async (t) => {
  const srv = await echoServerT(t, { sndbuf: 4096, rcvbuf: 4096 });
  const data = randomBytes(200_000);
  const got = await within(
    netClient(srv.port, (s) => {
      s.end(data);
    }),
    'the echo to a half-closed client',
    10_000,
  );
  t.ok(got.equals(data), 'every byte, then EOF');
  const stats = await srv.stop();
  t.equal(stats.clients, 1);
  t.equal(stats.bytesEchoed, data.length);
  t.ok(stats.partialSends > 0, 'the 4 KiB send buffer forced partial sends');
});

t.test('with the seed recv size of 1024 bytes the echo is the same', async (t) => {
  const srv = await echoServerT(t, { recvSize: 1024 });
  const msgs = [randomBytes(5000), Buffer.from('short'), randomBytes(3000)];
  const got = await within(pingPong(srv.port, msgs), 'the echo', 10_000);
  t.ok(got.equals(Buffer.concat(msgs)));
});

t.test('a client that resets does not crash the server, which goes on serving the others', async (t) => {
  const lines: string[] = [];
  const srv = await echoServerT(t, { log: (l) => lines.push(l) });
  // One client resets after its data was echoed at least in part, another before anything comes back.
  await new Promise<void>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: srv.port }, () => s.write(randomBytes(100_000)));
    s.once('data', () => {
      s.resetAndDestroy();
      resolve();
    });
    s.on('error', reject);
  });
  await new Promise<void>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: srv.port }, () => {
      s.write('doomed');
      s.resetAndDestroy();
      resolve();
    });
  });
  await until(() => lines.filter((l) => /^a client (failed|exit)/.test(l)).length === 2, 'the server to drop both');
  t.ok(lines.some((l) => l === 'a client failed: ECONNRESET' || l === 'a client failed'), 'a reset is reported as a failure');
  const data = randomBytes(50_000);
  const got = await within(netClient(srv.port, (s) => void s.end(data)), 'the echo after the resets', 10_000);
  t.ok(got.equals(data), 'a later client is served');
  const stats = await srv.stop();
  t.equal(stats.clients, 3);
});

t.test('a client that closes without sending anything is removed: "a client exit"', async (t) => {
  const lines: string[] = [];
  const srv = await echoServerT(t, { log: (l) => lines.push(l) });
  const got = await netClient(srv.port, (s) => void s.end());
  t.equal(got.length, 0);
  await until(() => lines.includes('a client exit'), 'the exit line');
  t.pass('logged');
});

t.test("the timeout line counts the watched sockets, as the seed's fixed print does", async (t) => {
  const lines: string[] = [];
  const srv = await echoServerT(t, { timeoutMs: 10, log: (l) => lines.push(l) });
  await until(() => lines.includes('Wait Timeout : in_list = 1'), 'a timeout line with only the listener');
  const idle = net.connect({ host: '127.0.0.1', port: srv.port });
  t.teardown(() => idle.destroy());
  await until(() => lines.includes('Wait Timeout : in_list = 2'), 'a timeout line with the listener and one idle client');
  t.pass('both counts seen');
});

t.test('verbose mode prints each message as the seed does; trace mode prints one line per select call', async (t) => {
  const lines: string[] = [];
  const srv = await echoServerT(t, { verbose: true, trace: true, log: (l) => lines.push(l) });
  const got = await netClient(srv.port, (s) => void s.end('hello seed'));
  t.equal(got.toString(), 'hello seed');
  t.ok(lines.includes('recv= hello seed'));
  t.ok(lines.includes('send msg= hello seed'));
  t.ok(
    lines.some((l) => /^select\(r=\[\d+(,\d+)*\] w=\[[\d,]*\] x=\[\d+(,\d+)*\]\) -> r=\[[\d,]*\] w=\[[\d,]*\] x=\[[\d,]*\]/.test(l)),
    'a trace line',
  );
});
