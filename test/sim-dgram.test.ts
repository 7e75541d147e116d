/**
 * UDP over the in-memory pair and the simulated network (lib/backends/memory/memory-dgram.ts,
 * lib/backends/sim/sim-dgram.ts): the same DatagramSocket as over Node, datagrams whole or not at all, and the
 * datagram faults — loss, duplication, reordering, latency with jitter, partition and hold — seeded and
 * deterministic. Absence is shown by virtual time and the socket's own state, never by a wait.
 */
import t from 'tap';
import { POLLERR, POLLIN, POLLOUT, select, type DatagramSocket } from '../lib/index.js';
import { SimNetwork, datagramPair, type Faults } from '../lib/testing/index.js';

/** Every datagram queued on `s` now, as strings. */
function drain(s: DatagramSocket, bufsize = 65527): string[] {
  const out: string[] = [];
  for (let g = s.recvfrom(bufsize); g !== null; g = s.recvfrom(bufsize)) out.push(g[0].toString());
  return out;
}

/** A network with `faults`, a server socket on port 9 and a client socket; closed at teardown. */
async function udpPair(t: { teardown(fn: () => unknown): void }, faults: Faults, seed = 7) {
  const sim = new SimNetwork({ seed, faults });
  const srv = await sim.host('server').bindDatagram({ port: 9 });
  const cli = await sim.host('client').bindDatagram();
  t.teardown(() => {
    srv.close();
    cli.close();
  });
  return { sim, srv, cli, to: { address: 'server', port: 9 } };
}

t.test('datagramPair: one sendto is one datagram, whole, from the peer; recvfrom cuts at its size', async (t) => {
  const [a, b] = datagramPair();
  t.teardown(() => (a.close(), b.close()));
  t.same(a.getsockname(), { address: 'memory', port: 1, family: 'memory' });
  t.same(b.getsockname(), { address: 'memory', port: 2, family: 'memory' });
  t.equal(a.sendto('hello', b.getsockname()), 5);
  t.equal(a.sendto('', b.getsockname()), 0, 'an empty datagram is a datagram');
  t.equal(a.sendto('0123456789', b.getsockname()), 10);
  t.equal(b.events() & POLLIN, 0, 'nothing yet: it arrives on a later turn');
  await select([b], [], []);
  const first = b.recvfrom(100);
  t.same(first && [first[0].toString(), first[1]], ['hello', { address: 'memory', port: 1, family: 'memory' }]);
  t.equal(b.recvfrom(100)?.[0].length, 0, 'the empty one, not merged with the next');
  t.equal(b.recvfrom(4)?.[0].toString(), '0123', 'cut at the size asked for');
  t.equal(b.recvfrom(100), null, 'the rest of that datagram is gone');
  t.equal(b.stats.received, 3);
});

t.test('datagramPair: a datagram to any other address is lost; a full receive queue drops and counts', async (t) => {
  const [a, b] = datagramPair({ rcvbuf: 8 });
  t.teardown(() => (a.close(), b.close()));
  a.sendto('nowhere', { address: 'memory', port: 3 });
  a.sendto('12345678', b.getsockname());
  a.sendto('dropped', b.getsockname());
  await select([b], [], []);
  t.same(drain(b), ['12345678'], 'the first sent went nowhere; the third found the queue full');
  t.equal(b.stats.dropped, 1);
  t.ok(a.events() & POLLOUT, 'the sender is writable: its sends have left');
});

t.test('sim: a host binds a port and sends to another by name; the reply goes to the sender\'s address', async (t) => {
  const { sim, srv, cli, to } = await udpPair(t, {});
  t.same(srv.getsockname(), { address: 'server', port: 9, family: 'sim' });
  t.equal(sim.host('server').openFdCount, 1, 'the socket holds a descriptor of its host');
  cli.sendto('ping', to);
  await select([srv], [], []);
  const got = srv.recvfrom(2);
  t.same(got?.[0].toString(), 'pi', 'cut at the size asked for');
  const from = got?.[1] ?? { address: '', port: 0 };
  t.same(from, cli.getsockname(), 'from the client\'s own address');
  srv.sendto('pong', from);
  await select([cli], [], []);
  t.same(drain(cli), ['pong']);
  t.equal(srv.recvfrom(100), null, 'the rest of "ping" went with it');
});

t.test('sim: ports are per host and apart from TCP\'s; a taken one is EADDRINUSE; 0 picks a free one', async (t) => {
  const sim = new SimNetwork({ seed: 1 });
  const a = await sim.host('server').bindDatagram({ port: 9 });
  const l = await sim.host('server').listen({ port: 9 });
  const other = await sim.host('other').bindDatagram({ port: 9 });
  const free = await sim.host('server').bindDatagram();
  t.teardown(() => (a.close(), l.close(), other.close(), free.close()));
  await t.rejects(sim.host('server').bindDatagram({ port: 9 }), { code: 'EADDRINUSE', syscall: 'bind' });
  t.ok(free.getsockname().port >= 49152, 'an ephemeral port');
  a.close();
  const again = await sim.host('server').bindDatagram({ port: 9 });
  t.teardown(() => again.close());
  t.equal(again.getsockname().port, 9, 'free again once closed');
});

t.test('sim: a port nobody is bound to loses the datagram; nothing is queued anywhere', async (t) => {
  const { sim, srv, cli } = await udpPair(t, {});
  cli.sendto('lost', { address: 'server', port: 10 });
  cli.sendto('lost', { address: 'nobody', port: 9 });
  await sim.runFor(1000);
  t.equal(srv.events() & POLLIN, 0);
  t.match(sim.trace.join('\n'), /client:\d+>server:10 udp 4 \(lost: no socket\)/);
  t.match(sim.trace.join('\n'), /client:\d+>nobody:9 udp 4 \(lost: no socket\)/);
});

t.test('sim: never split or merged, whatever the stream faults say', async (t) => {
  const { sim, srv, cli, to } = await udpPair(t, { fragment: true, coalesceMs: 10 });
  const sizes = [1, 1000, 0, 65527, 7];
  for (const n of sizes) cli.sendto(Buffer.alloc(n, 'x'), to);
  await sim.runFor(100);
  const got: number[] = [];
  for (let g = srv.recvfrom(65527); g !== null; g = srv.recvfrom(65527)) got.push(g[0].length);
  t.same(got, sizes, 'the same datagrams, in order on a link with no jitter');
  t.throws(() => cli.sendto(Buffer.alloc(65528), to), { code: 'EMSGSIZE' });
});

t.test('sim: latency with jitter delays each datagram on its own, so that they overtake each other', async (t) => {
  const { sim, srv, cli, to } = await udpPair(t, { latencyMs: [10, 50] });
  for (let i = 0; i < 20; i++) cli.sendto(String(i), to);
  await sim.runFor(9);
  t.equal(srv.events() & POLLIN, 0, 'nothing before the least latency');
  await sim.runFor(41);
  const got = drain(srv).map(Number);
  t.same([...got].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i), 'all of them, by the most latency');
  t.not(got.join(','), [...got].sort((a, b) => a - b).join(','), 'not in the order sent');
});

t.test('sim: loss loses some, each whole rest arrives once; duplicate delivers twice; reorder holds some back', async (t) => {
  const lossy = await udpPair(t, { loss: 0.3 });
  for (let i = 0; i < 100; i++) lossy.cli.sendto(String(i), lossy.to);
  await lossy.sim.runFor(10);
  const got = drain(lossy.srv);
  const lost = lossy.sim.trace.filter((l) => l.endsWith('(lost)')).length;
  t.ok(lost > 0 && lost < 100, `${lost} lost of 100`);
  t.equal(got.length, 100 - lost, 'the others arrived');
  t.equal(new Set(got).size, got.length, 'each once');

  const dup = await udpPair(t, { duplicate: 1 });
  for (let i = 0; i < 5; i++) dup.cli.sendto(String(i), dup.to);
  await dup.sim.runFor(10);
  t.same(drain(dup.srv), ['0', '0', '1', '1', '2', '2', '3', '3', '4', '4'], 'every datagram twice');

  const late = await udpPair(t, { reorder: 0.5 });
  for (let i = 0; i < 40; i++) late.cli.sendto(String(i), late.to);
  await late.sim.runFor(0);
  const early = drain(late.srv).map(Number);
  t.ok(early.length > 0 && early.length < 40, `${early.length} of 40 on time, the rest held back`);
  await late.sim.runFor(10);
  const rest = drain(late.srv).map(Number);
  t.same([...early, ...rest].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i), 'all of them within 10 ms');
  t.ok(rest.some((n) => n < (early[early.length - 1] as number)), 'overtaken by later ones');
});

t.test('sim: faults per link and direction', async (t) => {
  const { sim, srv, cli, to } = await udpPair(t, {});
  sim.link('client', 'server', { loss: 1 });
  sim.link('server', 'client', { latencyMs: 30 });
  cli.sendto('up', to);
  srv.sendto('down', cli.getsockname());
  await sim.runFor(29);
  t.equal(cli.events() & POLLIN, 0, 'the downlink is slow');
  await sim.runFor(1);
  t.same(drain(cli), ['down']);
  t.equal(srv.events() & POLLIN, 0, 'the uplink loses everything');
  t.equal(srv.stats.received, 0);
});

t.test('sim: a partition loses what reaches it (no retransmission after repair); a hold keeps it until release', async (t) => {
  const { sim, srv, cli, to } = await udpPair(t, { latencyMs: 5 });
  sim.partition('client', 'server');
  cli.sendto('cut', to);
  await sim.runFor(10);
  sim.repair('client', 'server');
  await sim.runFor(10_000);
  t.equal(srv.stats.received, 0, 'lost, and never resent');
  t.match(sim.trace.join('\n'), /udp 3 \(lost: partition\)/);

  sim.hold('client', 'server');
  cli.sendto('a', to);
  cli.sendto('b', to);
  await sim.runFor(10_000);
  t.equal(srv.events() & POLLIN, 0, 'held');
  sim.release('client', 'server');
  await select([srv], [], []);
  t.same(drain(srv), ['a', 'b'], 'delivered at release, in order');
});

t.test('sim: the same seed gives the same run of datagram faults; another seed another', async (t) => {
  const run = async (seed: number): Promise<string> => {
    const { sim, srv, cli, to } = await udpPair(t, { loss: 0.2, duplicate: 0.2, reorder: 0.2, latencyMs: [1, 9] }, seed);
    for (let i = 0; i < 50; i++) {
      cli.sendto(String(i), to);
      await sim.runFor(1);
    }
    await sim.runFor(100);
    return [...sim.trace, drain(srv).join(' ')].join('\n');
  };
  const a = await run(11);
  t.equal(await run(11), a);
  if (process.env.NET_SELECT_SEED === undefined) t.not(await run(12), a);
});

t.test('sim: a small send buffer makes sendto would-block (null) until the bandwidth has sent the queue', async (t) => {
  const { sim, cli, to } = await udpPair(t, { bandwidth: 1000, sndbuf: 100 });
  t.equal(cli.sendto(Buffer.alloc(100), to), 100);
  t.equal(cli.sendto('x', to), null, 'the queue holds sndbuf bytes');
  t.equal(cli.events() & POLLOUT, 0);
  await sim.runFor(99);
  t.equal(cli.events() & POLLOUT, 0, '100 bytes at 1000 B/s take 100 ms');
  await sim.runFor(1);
  t.ok(cli.events() & POLLOUT, 'writable once it has left');
});

t.test('sim: a connected socket sending to a port nobody is bound to gets ECONNREFUSED, one round trip later', async (t) => {
  const { sim, cli } = await udpPair(t, { latencyMs: 5 });
  cli.connect({ address: 'server', port: 10 });
  t.same(cli.getpeername(), { address: 'server', port: 10, family: 'sim' });
  const start = sim.now();
  t.equal(cli.send('anyone?'), 7);
  const [r, , x] = await select([cli], [], [cli]);
  t.equal(sim.now() - start, 10, 'there and back: two latencies of virtual time');
  t.same([r.length, x.length], [1, 1], 'readable and in the except set');
  t.equal(cli.events() & (POLLERR | POLLIN | POLLOUT), POLLERR | POLLOUT);
  t.match(sim.trace.join('\n'), /server>client:\d+ icmp port unreachable/);
  t.throws(() => cli.recv(100), { code: 'ECONNREFUSED', syscall: 'recv' });
  t.equal(cli.events() & POLLERR, 0, 'once, then cleared');
  t.equal(cli.recv(100), null);
});

t.test('sim: the refusal is the same in every run of a seed, and an unconnected socket hears none', async (t) => {
  const run = async (seed: number): Promise<string[]> => {
    const { sim, cli } = await udpPair(t, { latencyMs: [1, 20] }, seed);
    const other = await sim.host('client').bindDatagram();
    t.teardown(() => other.close());
    cli.connect({ address: 'server', port: 10 });
    cli.send('1');
    other.sendto('2', { address: 'server', port: 10 });
    await select([cli], [], []);
    await sim.runFor(100); // long past the other's refusal, had there been one
    t.equal(other.events() & POLLERR, 0, 'the unconnected socket: lost silently');
    return [...sim.trace, String(sim.now())];
  };
  t.same(await run(3), await run(3), 'the same seed, the same trace and times');
});

t.test('sim: a connected socket takes datagrams only from its peer; the others are lost on arrival', async (t) => {
  const { sim, srv, cli, to } = await udpPair(t, {});
  const other = await sim.host('other').bindDatagram({ port: 9 });
  t.teardown(() => other.close());
  cli.connect(to);
  other.sendto('stranger', cli.getsockname());
  srv.sendto('server', cli.getsockname());
  await sim.runFor(10);
  t.same(drain(cli), ['server']);
  t.match(sim.trace.join('\n'), /other:9>client:\d+ udp 8 \(lost: connected elsewhere\)/);
  t.equal(cli.send('reply'), 5);
  await select([srv], [], []);
  t.same(drain(srv), ['reply'], 'send goes to the peer');
});

t.test('sim: a refusal that meets a partition on its way back is lost', async (t) => {
  const { sim, cli } = await udpPair(t, { latencyMs: 5 });
  cli.connect({ address: 'server', port: 10 });
  cli.send('x');
  await sim.runFor(6); // arrived, refused; the ICMP is on its way back
  sim.partition('server', 'client');
  await sim.runFor(20);
  t.equal(cli.events() & POLLERR, 0);
  t.match(sim.trace.join('\n'), /icmp port unreachable \(lost: partition\)/);
});

t.test('datagramPair: a connected end is refused (ECONNREFUSED) once its peer is closed, or at another address', async (t) => {
  const [a, b] = datagramPair();
  t.teardown(() => a.close());
  a.connect(b.getsockname());
  t.equal(a.send('hi'), 2);
  await select([b], [], []);
  t.same(drain(b), ['hi']);
  b.close();
  a.send('gone?');
  await select([a], [], []);
  t.throws(() => a.recv(10), { code: 'ECONNREFUSED' });
  t.equal(a.recv(10), null, 'thrown once');
  const [c, d] = datagramPair();
  t.teardown(() => (c.close(), d.close()));
  c.connect({ address: 'memory', port: 3 });
  d.sendto('dropped', c.getsockname());
  c.send('nowhere');
  await select([c], [], []);
  t.throws(() => c.send('x'), { code: 'ECONNREFUSED' }, 'nobody at port 3');
  t.equal(c.recv(10), null, "d's datagram was dropped: c is connected elsewhere");
  t.equal(c.stats.received, 0);
});
