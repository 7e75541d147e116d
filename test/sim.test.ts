/**
 * The simulated network (lib/testing/sim-network.ts): hosts, virtual time, seeded faults and determinism.
 * The sockets and the select/poll/epoll models are the library's own, unchanged; no test waits on wall time.
 */
import t, { type Test } from 'tap';
import { EPOLLET, EPOLLIN, Epoll, Poll, POLLIN, Selector, SHUT_WR, listen, select, type Socket } from '../lib/index.js';
import { DefaultSelector, EVENT_READ, SelectSelector } from '../lib/index.js';
import { SimNetwork, expectNoEvent, expectReady, recvExactly, sendAll, simTest } from '../lib/testing/index.js';
import type { SimOptions } from '../lib/testing/index.js';
import { lookupFd } from '../lib/core/fd-table.js';

type T = Test;

/** A connected pair over `sim`: [client on host 'client', server on host 'server']. */
async function simPair(t: T, sim: SimNetwork, port = 7000): Promise<[Socket, Socket]> {
  const l = await sim.host('server').listen({ port });
  t.teardown(() => l.close());
  const c = sim.host('client').connect({ host: 'server', port });
  t.teardown(() => c.close());
  await expectReady({ readable: [l] }, { sim });
  const s = l.accept() as Socket;
  t.teardown(() => s.close());
  await expectReady({ writable: [c] }, { sim });
  return [c, s];
}

function recvAll(sock: Socket): Buffer {
  const d = sock.recv(1 << 20);
  return d ?? Buffer.alloc(0);
}

t.test('each host has its own descriptor table starting at 3, and its name is its address', async (t) => {
  const sim = simTest(t, { seed: 1 });
  const [c, s] = await simPair(t, sim);
  t.equal(c.fileno(), 3, 'the client host: its first socket is 3');
  t.equal(s.fileno(), 4, 'the server host: 3 is its listener, the accepted socket 4');
  t.same(s.getpeername(), { address: 'client', port: 49152, family: 'sim' });
  t.same(c.getpeername(), { address: 'server', port: 7000, family: 'sim' });
  t.equal(sim.host('client').openFdCount, 1);
});

t.test('connect to a port or a host nobody listens on is refused with ECONNREFUSED', async (t) => {
  const sim = simTest(t, { seed: 2 });
  await sim.host('server').listen({ port: 1 }).then((l) => t.teardown(() => l.close()));
  for (const [host, port] of [['server', 2], ['nobody', 7000]] as const) {
    const c = sim.host('client').connect({ host, port });
    t.teardown(() => c.close());
    await expectReady({ readable: [c], exceptional: [c] }, { sim });
    t.throws(() => c.recv(1), { code: 'ECONNREFUSED' }, `${host}:${port}`);
  }
});

t.test('connect across a partition fails with ETIMEDOUT after the connect timeout, in virtual time', async (t) => {
  const sim = simTest(t, { seed: 3, connectTimeoutMs: 20_000 });
  const l = await sim.host('server').listen({ port: 7000 });
  t.teardown(() => l.close());
  sim.partition('client', 'server');
  const c = sim.host('client').connect({ host: 'server', port: 7000 });
  t.teardown(() => c.close());
  await expectReady({ writable: [c] }, { sim, timeoutMs: 60_000 });
  t.equal(sim.now(), 20_000, 'failed exactly at the connect timeout');
  t.throws(() => c.send('x'), { code: 'ETIMEDOUT' });
  t.equal(l.pending, 0, 'the server never saw it');
});

t.test('the refuse and timeout faults fail connects although someone listens', async (t) => {
  const sim = simTest(t, { seed: 18, connectTimeoutMs: 5000, faults: { refuse: 1 } });
  const l = await sim.host('server').listen({ port: 7000 });
  t.teardown(() => l.close());
  const refused = sim.host('client').connect({ host: 'server', port: 7000 });
  t.teardown(() => refused.close());
  await expectReady({ readable: [refused] }, { sim });
  t.throws(() => refused.recv(1), { code: 'ECONNREFUSED' });
  sim.link('client', 'server', { refuse: 0, timeout: 1 });
  const lost = sim.host('client').connect({ host: 'server', port: 7000 });
  t.teardown(() => lost.close());
  const start = sim.now();
  await expectReady({ readable: [lost] }, { sim, timeoutMs: 10_000 });
  t.equal(sim.now() - start, 5000, 'after the connect timeout');
  t.throws(() => lost.recv(1), { code: 'ETIMEDOUT' });
  t.equal(l.pending, 0);
});

t.test('link faults apply to one direction only', async (t) => {
  const sim = simTest(t, { seed: 19 });
  sim.link('server', 'client', { latencyMs: 200 });
  const [c, s] = await simPair(t, sim);
  let start = sim.now();
  c.send('up');
  await recvExactly(s, 2, { sim });
  t.equal(sim.now() - start, 0, 'client to server: no delay');
  start = sim.now();
  s.send('down');
  await recvExactly(c, 4, { sim });
  t.equal(sim.now() - start, 200, 'server to client: 200 ms');
  t.throws(() => sim.link('a', 'b', { latencyMs: [5, 1] }), { code: 'ERR_OUT_OF_RANGE' });
});

t.test('a 30 s timeout with no traffic returns after 30 virtual seconds, for every model', async (t) => {
  const sim = simTest(t, { seed: 4 });
  const [c] = await simPair(t, sim);
  let start = sim.now();
  t.same(await select([c], [], [], 30_000), [[], [], []], 'select');
  t.equal(sim.now() - start, 30_000);
  const sel = new Selector();
  t.teardown(() => sel.close());
  sel.rlist.add(c);
  start = sim.now();
  t.same(await sel.select(30_000), [[], [], []], 'Selector');
  t.equal(sim.now() - start, 30_000);
  for (const P of [Poll, Epoll]) {
    const p = new P();
    t.teardown(() => p.close());
    p.register(c, POLLIN);
    start = sim.now();
    t.same(await p.poll(30_000), [], P.name);
    t.equal(sim.now() - start, 30_000);
  }
  for (const S of [DefaultSelector, SelectSelector]) {
    const ds = new S();
    t.teardown(() => ds.close());
    ds.register(c, EVENT_READ);
    start = sim.now();
    t.same([...(await ds.select(30_000))], [], S.name);
    t.equal(sim.now() - start, 30_000);
  }
});

t.test('SelectSelector takes a simulated socket whose number is not open in the process', async (t) => {
  const sim = simTest(t, { seed: 20 });
  const host = sim.host('server');
  let l = await host.listen({ port: 0 });
  t.teardown(() => l.close());
  while (lookupFd(l.fileno()) !== undefined) {
    l = await host.listen({ port: 0 });
    const mine = l;
    t.teardown(() => mine.close());
  }
  const sel = new SelectSelector();
  t.teardown(() => sel.close());
  sel.register(l, EVENT_READ);
  const c = sim.host('client').connect({ host: 'server', port: (l.getsockname() as { port: number }).port });
  t.teardown(() => c.close());
  const got = await sel.select(5000);
  t.same(got.map(([k]) => k.fileobj), [l]);
});

t.test('a call over simulated and real sockets fails with ERR_INVALID_ARG_VALUE and changes nothing', async (t) => {
  const sim = simTest(t, { seed: 5 });
  const [c] = await simPair(t, sim);
  const real = await listen({ port: 0 });
  t.teardown(() => real.close());
  await t.rejects(select([real, c], [], [], 0), { code: 'ERR_INVALID_ARG_VALUE' }, 'select');
  const sel = new Selector();
  t.teardown(() => sel.close());
  sel.rlist.add(real);
  t.throws(() => sel.rlist.add(c), { code: 'ERR_INVALID_ARG_VALUE' }, 'Selector');
  t.equal(sel.rlist.size, 1);
  const ep = new Epoll();
  t.teardown(() => ep.close());
  ep.register(c, EPOLLIN);
  t.throws(() => ep.register(real, EPOLLIN), { code: 'ERR_INVALID_ARG_VALUE' }, 'Epoll');
  t.equal(ep.size, 1);
  const other = sim.host('third').connect({ host: 'server', port: 7000 });
  t.teardown(() => other.close());
  await t.rejects(select([c, other], [], [], 0), { code: 'ERR_INVALID_ARG_VALUE' }, 'two simulated hosts');
});

t.test('fragment: one send arrives in several recvs, in order, nothing lost', async (t) => {
  const sim = simTest(t, { seed: 6, faults: { fragment: true } });
  const [c, s] = await simPair(t, sim);
  const msg = Buffer.alloc(1000, 'abcdefghij');
  c.send(msg);
  const sizes: number[] = [];
  const parts: Buffer[] = [];
  while (Buffer.concat(parts).length < msg.length) {
    await expectReady({ readable: [s] }, { sim });
    const d = recvAll(s);
    sizes.push(d.length);
    parts.push(d);
  }
  t.ok(sizes.length > 1, `arrived in ${sizes.length} pieces: ${sizes.join(',')}`);
  t.ok(Buffer.concat(parts).equals(msg));
});

t.test('latency with jitter keeps TCP order', async (t) => {
  const sim = simTest(t, { seed: 7, faults: { latencyMs: [1, 50] } });
  const [c, s] = await simPair(t, sim);
  const want: string[] = [];
  for (let i = 0; i < 50; i++) {
    want.push(`${i};`);
    c.send(`${i};`);
    await sim.runFor(1);
  }
  const got = await recvExactly(s, want.join('').length, { sim });
  t.equal(got.toString(), want.join(''));
});

t.test('coalesceMs: several sends arrive as one recv', async (t) => {
  const sim = simTest(t, { seed: 8, faults: { coalesceMs: 10 } });
  const [c, s] = await simPair(t, sim);
  c.send('a');
  await sim.runFor(1);
  c.send('b');
  await expectReady({ readable: [s] }, { sim });
  t.equal(s.recv(10)?.toString(), 'ab');
});

t.test('bandwidth: 10 000 bytes at 1000 B/s take 10 virtual seconds', async (t) => {
  const sim = simTest(t, { seed: 9, faults: { bandwidth: 1000 } });
  const [c, s] = await simPair(t, sim);
  const start = sim.now();
  await sendAll(c, Buffer.alloc(10_000, 1), { sim });
  await recvExactly(s, 10_000, { sim, timeoutMs: 60_000 });
  t.ok(sim.now() - start >= 10_000, `took ${sim.now() - start} virtual ms`);
});

t.test('a small sndbuf fault forces partial sends', async (t) => {
  const sim = simTest(t, { seed: 10, faults: { sndbuf: 100, latencyMs: 5 } });
  const [c, s] = await simPair(t, sim);
  t.equal(c.send(Buffer.alloc(1000)), 100, 'partial');
  t.equal(c.send('x'), 0, 'full');
  await sendAll(c, Buffer.alloc(900), { sim });
  t.equal((await recvExactly(s, 1000, { sim })).length, 1000);
});

t.test('reset on demand: both ends see ECONNRESET', async (t) => {
  const sim = simTest(t, { seed: 11 });
  const [c, s] = await simPair(t, sim);
  sim.reset('client', 'server');
  await expectReady({ readable: [c] }, { sim });
  await expectReady({ readable: [s] }, { sim });
  t.throws(() => c.recv(1), { code: 'ECONNRESET' });
  t.throws(() => s.recv(1), { code: 'ECONNRESET' });
});

t.test('reset at random: a delivery resets the connection instead', async (t) => {
  const sim = simTest(t, { seed: 12, faults: { reset: 1 } });
  const [c, s] = await simPair(t, sim);
  c.send('doomed');
  await expectReady({ readable: [s] }, { sim });
  t.throws(() => s.recv(10), { code: 'ECONNRESET' }, 'the receiver');
  await expectReady({ readable: [c] }, { sim });
  t.throws(() => c.recv(10), { code: 'ECONNRESET' }, 'the sender, by the RST');
});

t.test('half-close: the peer reads EOF and can still send', async (t) => {
  const sim = simTest(t, { seed: 13, faults: { latencyMs: [1, 5] } });
  const [c, s] = await simPair(t, sim);
  c.send('bye');
  c.shutdown(SHUT_WR);
  t.equal((await recvExactly(s, 3, { sim })).toString(), 'bye');
  await expectReady({ readable: [s] }, { sim });
  t.equal(s.recv(10)?.length, 0, 'EOF');
  await sendAll(s, 'still here', { sim });
  t.equal((await recvExactly(c, 10, { sim })).toString(), 'still here');
});

t.test('partition: nothing crosses; after repair what was sent arrives in order, nothing lost', async (t) => {
  const sim = simTest(t, { seed: 14, faults: { latencyMs: [1, 10], fragment: true } });
  const [c, s] = await simPair(t, sim);
  sim.partition('client', 'server');
  c.send('one,');
  c.send('two,');
  await expectNoEvent({ readable: [s] }, { sim, ms: 60_000 });
  sim.repair('client', 'server');
  t.equal((await recvExactly(s, 8, { sim })).toString(), 'one,two,');
});

t.test('hold keeps segments until release delivers them, in order', async (t) => {
  const sim = simTest(t, { seed: 15 });
  const [c, s] = await simPair(t, sim);
  sim.hold('client', 'server');
  c.send('a');
  c.send('b');
  await expectNoEvent({ readable: [s] }, { sim, ms: 1000 });
  const at = sim.now();
  sim.release('client', 'server');
  await expectReady({ readable: [s] }, { sim });
  t.equal(sim.now(), at, 'delivered at once');
  t.equal(s.recv(10)?.toString(), 'ab');
});

t.test('a peer that stops reading fills the sender\'s queue; reading again drains it', async (t) => {
  const sim = simTest(t, { seed: 16 });
  const [c, s] = await simPair(t, sim);
  sim.stopReading('server');
  let sent = 0;
  for (let n = c.send(Buffer.alloc(65536)); n > 0; n = c.send(Buffer.alloc(65536))) sent += n;
  t.equal(sent, c.sndbuf, 'send returns 0 once the queue is full');
  await expectNoEvent({ readable: [s] }, { sim, ms: 10_000 });
  await expectNoEvent({ writable: [c] }, { sim });
  sim.resumeReading('server');
  t.equal((await recvExactly(s, sent, { sim })).length, sent);
  await expectReady({ writable: [c] }, { sim });
});

t.test('EPOLLET over the sim: one edge per arrival, none from our own recv', async (t) => {
  const sim = simTest(t, { seed: 17 });
  const [c, s] = await simPair(t, sim);
  const ep = new Epoll();
  t.teardown(() => ep.close());
  ep.register(s, EPOLLIN | EPOLLET);
  c.send('x');
  t.same(await ep.poll(1000), [[s.fileno(), EPOLLIN]]);
  t.same(await ep.poll(1000), [], 'no new edge');
  t.equal(sim.now() >= 1000, true);
});

/** One scenario with faults; returns its trace and what the program saw. */
async function scenario(t: T, options: SimOptions): Promise<string[]> {
  const sim = new SimNetwork(options);
  const [c, s] = await simPair(t, sim);
  const sel = new Selector();
  t.teardown(() => sel.close());
  sel.rlist.add(s);
  c.send(Buffer.alloc(3000, 7));
  let got = 0;
  while (got < 3000) {
    const [r] = await sel.select(10_000);
    const d = recvAll(s);
    got += d.length;
    sim.record(`ready ${r.length} recv ${d.length}`);
  }
  return sim.trace;
}

t.test('the same seed gives the same trace: recv sizes, readiness answers, virtual timestamps', async (t) => {
  const faults = { fragment: true, latencyMs: [1, 20] as [number, number] };
  const a = await scenario(t, { seed: 1234, faults });
  const b = await scenario(t, { seed: 1234, faults });
  t.ok(a.length > 10, `a trace of ${a.length} lines`);
  t.same(b, a);
  if (process.env.NET_SELECT_SEED === undefined) {
    const other = await scenario(t, { seed: 4321, faults });
    t.not(other.join('\n'), a.join('\n'), 'another seed, another run');
  }
});

t.test('NET_SELECT_SEED overrides the seed of every sim', async (t) => {
  const saved = process.env.NET_SELECT_SEED;
  t.teardown(() => {
    if (saved === undefined) delete process.env.NET_SELECT_SEED;
    else process.env.NET_SELECT_SEED = saved;
  });
  process.env.NET_SELECT_SEED = '99';
  t.equal(new SimNetwork({ seed: 1 }).seed, 99);
  process.env.NET_SELECT_SEED = 'x';
  t.throws(() => new SimNetwork(), { code: 'ERR_OUT_OF_RANGE' });
});

t.test('simTest prints the seed of a failing test', async (t) => {
  const lines: string[] = [];
  let teardown: () => void = () => {};
  const fake = { teardown: (fn: () => void) => void (teardown = fn), passing: () => false, comment: (m: unknown) => void lines.push(String(m)) };
  const sim = simTest(fake, { seed: 77 });
  teardown();
  const seed = process.env.NET_SELECT_SEED ? Number(process.env.NET_SELECT_SEED) : 77;
  t.equal(sim.seed, seed);
  t.match(lines[0], new RegExp(`seed ${seed} .*NET_SELECT_SEED=${seed}`));
});
