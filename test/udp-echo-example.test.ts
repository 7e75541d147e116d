/**
 * examples/udp-echo-server.ts: every datagram comes back whole, to its own sender, as a program and in-process;
 * and on a simulated network that loses datagrams, what UDP promises and what it does not.
 */
import dgram from 'node:dgram';
import t from 'tap';
import { POLLIN } from '../lib/index.js';
import { SimNetwork } from '../lib/testing/index.js';
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

t.test('on a simulated network with 10% loss: what arrives is whole and echoed, some is lost, nothing is resent', async (t) => {
  const sim = new SimNetwork({ seed: 1810, faults: { loss: 0.1, latencyMs: [1, 5] } });
  const server = await sim.host('server').bindDatagram({ port: 5004 });
  const srv = await runUdpEchoServer({ socket: server, timeoutMs: 1000 });
  const client = await sim.host('client').bindDatagram();
  t.teardown(() => client.close());
  // 200 datagrams of 1 to 1400 bytes, one per virtual millisecond, each saying which it is.
  const sent = Array.from({ length: 200 }, (_, i) => Buffer.concat([Buffer.from(`#${i}:`), Buffer.alloc((i * 37) % 1400, i % 256)]));
  const got: Buffer[] = [];
  const senders = new Set<string>();
  const drain = (): void => {
    for (let g = client.recvfrom(65527); g !== null; g = client.recvfrom(65527)) {
      senders.add(`${g[1].address}:${g[1].port}/${g[1].family}`);
      got.push(g[0]);
    }
  };
  const short: number[] = [];
  for (const m of sent) {
    if (client.sendto(m, { address: 'server', port: 5004 }) !== m.length) short.push(m.length);
    await sim.runFor(1);
    drain();
  }
  await sim.runFor(100); // every latency is over
  drain();
  const echoed = srv.stats.datagrams;
  await srv.stop();
  t.same(short, [], 'each sendto sent its whole datagram');

  // What UDP promises: a datagram arrives whole or not at all, and the server echoes each one it gets.
  const byId = new Map(sent.map((m) => [m.toString('latin1').split(':')[0], m]));
  const notWhole = got.filter((m) => !m.equals(byId.get(m.toString('latin1').split(':')[0]) ?? Buffer.alloc(0)));
  t.same(notWhole.map((m) => m.length), [], `each of the ${got.length} echoes is one whole datagram that was sent`);
  t.same([...senders], ['server:5004/sim'], 'each echo came from the server');
  t.equal(echoed, server.stats.received, 'the server echoed every datagram it received');
  t.equal(new Set(got.map((m) => m.toString('latin1').split(':')[0])).size, got.length, 'none arrived twice');

  // What it does not: some are lost on the way there or back, each loss a line of the trace, and nothing is
  // resent — 30 more virtual seconds bring nothing.
  const lostThere = sim.trace.filter((l) => / client:\d+>server:5004 udp \d+ \(lost\)$/.test(l)).length;
  const lostBack = sim.trace.filter((l) => / server:5004>client:\d+ udp \d+ \(lost\)$/.test(l)).length;
  t.ok(lostThere > 0 && lostBack > 0, `lost: ${lostThere} on the way there, ${lostBack} on the way back (of ${sent.length})`);
  t.equal(server.stats.received, sent.length - lostThere, 'the server got all but those lost on the way');
  t.equal(got.length, echoed - lostBack, 'the client got every echo but those lost on the way back');
  t.ok(got.length < sent.length, `${got.length} of ${sent.length} came back`);
  // Nor is order: echoes of datagrams sent a millisecond apart, with 1-5 ms of latency each way, overtake each other.
  const order = got.map((m) => Number(m.toString('latin1').slice(1).split(':')[0]));
  t.ok(order.some((n, i) => i > 0 && n < (order[i - 1] as number)), 'some echoes overtook earlier ones');
  const before = client.stats.received;
  await sim.runFor(30_000);
  t.equal(client.events() & POLLIN, 0, 'nothing more arrived');
  t.equal(client.stats.received, before, 'no retransmission: UDP has none');
});
