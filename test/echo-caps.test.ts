/**
 * The caps of both echo examples, in process: maximum connections (the next one is accepted and closed at
 * once, and counted), the idle timeout, and running out of descriptors (EMFILE) without spinning or dying.
 */
import net from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { getFdLimit, openFdCount, setFdLimit } from '../lib/index.js';
import { ECHO_SERVERS, startEchoT } from './fixtures/echo-servers.js';
import { netClient, receivedAtLeast, runTs, until, within } from './fixtures/helpers.js';

/** A connected plain client with everything it receives collected; destroyed at teardown. */
async function client(t: { teardown(fn: () => unknown): void }, port: number) {
  const sock = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  t.teardown(() => sock.destroy());
  const parts: Buffer[] = [];
  let n = 0;
  let ended = false;
  sock.on('data', (d: Buffer) => {
    parts.push(d);
    n += d.length;
    sock.emit('progress');
  });
  sock.on('end', () => {
    ended = true;
  });
  await once(sock, 'connect');
  return {
    sock,
    received: () => Buffer.concat(parts),
    ended: () => ended,
    /** Sends `msg` and waits for its echo. */
    async echo(msg: Buffer): Promise<boolean> {
      const before = n;
      sock.write(msg);
      await receivedAtLeast(sock, () => n, before + msg.length);
      return Buffer.concat(parts).subarray(before, before + msg.length).equals(msg);
    },
  };
}

for (const ex of ECHO_SERVERS) {
  t.test(`${ex.name}: past maxConnections the next connection is accepted and closed at once, and counted; the others are served`, async (t) => {
    const srv = await startEchoT(t, ex, { maxConnections: 2 });
    const a = await client(t, srv.port);
    const b = await client(t, srv.port);
    t.ok(await a.echo(Buffer.from('a')), 'first served');
    t.ok(await b.echo(Buffer.from('b')), 'second served');
    const refused = await within(netClient(srv.port, () => {}), 'EOF for the third connection');
    t.equal(refused.length, 0, 'the third reads EOF at once');
    t.equal(srv.stats.refused, 1, 'counted in stats.refused');
    t.ok(await a.echo(randomBytes(70_000)), 'the first is still served');
    a.sock.end();
    await until(() => srv.stats.clients === 2 && a.ended(), 'the first to leave');
    const c = await client(t, srv.port);
    await until(() => srv.stats.clients === 3 || srv.stats.refused > 1, 'the next connection to be handled');
    t.ok(await c.echo(Buffer.from('c')), 'a slot freed by a client that left is taken by the next');
  });

  t.test(`${ex.name}: a client silent for idleTimeoutMs is closed and counted; one that keeps talking is not`, async (t) => {
    const srv = await startEchoT(t, ex, { idleTimeoutMs: 300 });
    const quiet = await client(t, srv.port);
    const chatty = await client(t, srv.port);
    // The chatty one talks every 50 ms, for more than twice the timeout, until the quiet one is closed.
    let rounds = 0;
    let allEchoed = true;
    while (!quiet.ended() || rounds < 14) {
      allEchoed &&= await chatty.echo(Buffer.from(`ping ${rounds}`));
      rounds++;
      await new Promise((r) => setTimeout(r, 50));
      if (rounds > 200) break;
    }
    t.ok(allEchoed, 'every ping echoed');
    t.ok(quiet.ended(), 'the silent client read EOF');
    t.equal(srv.stats.idleClosed, 1, 'one client closed for idleness');
    t.notOk(chatty.ended(), `the talking client is still open after ${rounds} rounds`);
    t.ok(await chatty.echo(Buffer.from('still here')));
  });

  t.test(`${ex.name}: out of descriptors (EMFILE), the next connection waits queued while the server goes on serving, and is served once a client leaves`, async (t) => {
    const srv = await startEchoT(t, ex);
    const limit = getFdLimit();
    t.teardown(() => setFdLimit(limit));
    setFdLimit(openFdCount() + 3 + 1); // room for one more descriptor
    const a = await client(t, srv.port);
    t.ok(await a.echo(Buffer.from('first')), 'the first client has the last descriptor');
    const b = await client(t, srv.port);
    b.sock.write('second');
    t.ok(await a.echo(Buffer.from('first again')), 'the server keeps serving while the second waits');
    t.equal(b.received().length, 0, 'the second is not served yet: no descriptor for it');
    a.sock.end();
    await within(receivedAtLeast(b.sock, () => b.received().length, 6), 'the second client served after the first left', 5000);
    t.equal(b.received().toString(), 'second');
  });
}

t.test('as a program: --max-connections and --idle-timeout are taken from the command line and counted in the summary', async (t) => {
  const child = runTs(t, 'examples/epoll-echo-server.ts', ['0', '--max-connections', '1', '--idle-timeout', '100']);
  const [, port] = await child.line(/^echo server listening on 127\.0\.0\.1:(\d+)$/);
  const first = await client(t, Number(port));
  const refused = await within(netClient(Number(port), () => {}), 'EOF for the second connection', 5000);
  t.equal(refused.length, 0);
  await until(() => first.ended(), 'the idle first client to be closed', 5000);
  child.proc.kill('SIGTERM');
  await within(child.exited, 'exit', 5000);
  t.match(child.out(), /1 refused, 1 idle closed/);
});

t.test('as a program: a bad cap value prints the usage and exits 2', async (t) => {
  const child = runTs(t, 'examples/echo-server.ts', ['0', '--max-connections', 'many']);
  t.equal(await within(child.exited, 'exit on a bad value', 10_000), 2);
  t.match(child.err(), /usage: echo-server \[port\] .*\[--max-connections N\].*--max-connections takes a non-negative integer: many/);
});
