/** examples/udp-echo-server.ts: every datagram comes back whole, to its own sender, as a program and in-process. */
import dgram from 'node:dgram';
import t from 'tap';
import { runUdpEchoServer } from '../examples/udp-echo-server.js';
import { runTs, until, within } from './fixtures/helpers.js';

type Cleanup = { teardown(fn: () => unknown): void };

/** A plain node:dgram client that collects the datagrams it receives; closed at teardown. */
async function udpClient(t: Cleanup): Promise<{ sock: dgram.Socket; got: Buffer[] }> {
  const sock = dgram.createSocket('udp4');
  t.teardown(() => sock.close());
  const got: Buffer[] = [];
  sock.on('message', (m) => got.push(m));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { sock, got };
}

/** Sends each of `msgs` to the server as its own datagram, one after the other. */
function sendEach(sock: dgram.Socket, port: number, msgs: Buffer[]): void {
  for (const m of msgs) sock.send(m, port, '127.0.0.1');
}

t.test('as a program: two senders each get their own datagrams back, whole and one by one', async (t) => {
  const child = runTs(t, 'examples/udp-echo-server.ts', ['0']);
  const [, portText] = await child.line(/^echo server listening on 127\.0\.0\.1:(\d+)$/);
  const port = Number(portText);
  const a = await udpClient(t);
  const b = await udpClient(t);
  const forA = [1, 1000, 9000, 65507].map((n) => Buffer.alloc(n, 'a'));
  const forB = ['one', 'two', 'three'].map((s) => Buffer.from(s));
  sendEach(a.sock, port, forA);
  sendEach(b.sock, port, forB);
  await until(() => a.got.length === forA.length && b.got.length === forB.length, 'every echo', 15_000);
  // Loopback keeps order, and UDP keeps boundaries: the same datagrams, each whole.
  t.same(a.got.map((m) => m.length), forA.map((m) => m.length), 'A: its four datagrams, sizes intact');
  t.ok(a.got.every((m, i) => m.equals(forA[i] as Buffer)));
  t.same(b.got.map(String), ['one', 'two', 'three'], 'B: its own three, never merged');
  child.proc.kill('SIGTERM');
  t.equal(await within(child.exited, 'exit on SIGTERM', 5000), 0);
  t.match(child.out(), /stopped: 7 datagrams, 75519 bytes echoed/);
});

t.test('bug: one empty datagram wedged the UDP echo server (0 from sendto read as would-block)', async (t) => {
  const srv = await runUdpEchoServer({ port: 0, timeoutMs: 50 });
  t.teardown(() => srv.stop());
  const c = await udpClient(t);
  sendEach(c.sock, srv.port, [Buffer.alloc(0)]);
  await until(() => c.got.length === 1, 'the empty echo', 15_000);
  sendEach(c.sock, srv.port, [Buffer.from('hello')]);
  await until(() => c.got.length >= 2, 'the next echo', 15_000);
  t.same(c.got.map((m) => m.toString()), ['', 'hello'], 'one empty echo, then the next datagram: not the empty one again');
  t.equal(srv.stats.datagrams, 2);
});

t.test('in-process: a full send queue delays replies (sendto would block) but loses none', async (t) => {
  const srv = await runUdpEchoServer({ port: 0, sndbuf: 1, timeoutMs: 50 });
  t.teardown(() => srv.stop());
  const c = await udpClient(t);
  const msgs = Array.from({ length: 50 }, (_, i) => Buffer.from(`datagram ${i}`));
  sendEach(c.sock, srv.port, msgs);
  await until(() => c.got.length === msgs.length, 'fifty echoes', 15_000);
  t.same(c.got.map(String), msgs.map(String));
  t.ok(srv.stats.wouldBlock > 0, `sendto returned null ${srv.stats.wouldBlock} times, and the replies waited`);
});
