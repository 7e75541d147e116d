/**
 * The tap helpers of net-select/testing (lib/testing/helpers.ts), on real loopback, an in-memory pair and the
 * sim: each passes when the condition holds and fails loudly, naming what was missing, when it does not.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { SHUT_WR, select } from '../lib/index.js';
import {
  SimNetwork,
  expectNoEvent,
  expectReady,
  expectWouldBlock,
  loopbackPair,
  recvExactly,
  sendAll,
  socketpair,
} from '../lib/testing/index.js';
import { runTs } from './fixtures/helpers.js';

t.test('loopbackPair: a connected real TCP pair on 127.0.0.1', async (t) => {
  const [a, b] = await loopbackPair();
  t.teardown(() => {
    a.close();
    b.close();
  });
  t.match(a.getpeername(), { address: '127.0.0.1' });
  await sendAll(a, 'over loopback');
  t.equal((await recvExactly(b, 13)).toString(), 'over loopback');
});

t.test('expectWouldBlock passes on an empty socket and fails, saying what came, otherwise', async (t) => {
  const [a, b] = socketpair();
  t.teardown(() => {
    a.close();
    b.close();
  });
  expectWouldBlock(b);
  a.send('xy');
  await expectReady({ readable: [b] });
  t.throws(() => expectWouldBlock(b), { code: 'ERR_ASSERTION', message: /got 2 bytes/ });
});

t.test('expectReady fails after its bounded wait, naming the sockets not ready and the seed', async (t) => {
  const sim = new SimNetwork({ seed: 5 });
  const l = await sim.host('s').listen({ port: 1 });
  t.teardown(() => l.close());
  await t.rejects(expectReady({ readable: [l] }, { sim, timeoutMs: 10_000 }), {
    code: 'ERR_ASSERTION',
    message: new RegExp(`not ready within 10000 ms: fd 3 readable \\[seed ${sim.seed} `),
  });
  t.equal(sim.now(), 10_000, 'waited in virtual time');
});

t.test('expectNoEvent proves silence in virtual time, and fails when something is ready', async (t) => {
  const sim = new SimNetwork({ seed: 6 });
  const l = await sim.host('s').listen({ port: 1 });
  t.teardown(() => l.close());
  await expectNoEvent({ readable: [l] }, { sim, ms: 3_600_000 });
  t.equal(sim.now(), 3_600_000, 'an hour, proved');
  const c = sim.host('c').connect({ host: 's', port: 1 });
  t.teardown(() => c.close());
  await t.rejects(expectNoEvent({ readable: [l] }, { sim, ms: 1000 }), { code: 'ERR_ASSERTION', message: /fd 3 readable/ });
});

t.test('recvExactly gathers pieces and fails on EOF before n bytes', async (t) => {
  const sim = new SimNetwork({ seed: 7, faults: { fragment: true } });
  const l = await sim.host('s').listen({ port: 1 });
  t.teardown(() => l.close());
  const c = sim.host('c').connect({ host: 's', port: 1 });
  t.teardown(() => c.close());
  await expectReady({ readable: [l] });
  const s = l.accept();
  if (s === null) throw new Error('no connection');
  t.teardown(() => s.close());
  await sendAll(c, 'abcdefgh', { sim });
  c.shutdown(SHUT_WR);
  t.equal((await recvExactly(s, 6, { sim })).toString(), 'abcdef');
  await t.rejects(recvExactly(s, 5, { sim }), { code: 'ERR_ASSERTION', message: /EOF on fd \d+ after 2 of 5 bytes/ });
});

t.test('sendAll finishes a send larger than the send buffer', async (t) => {
  const [a, b] = socketpair({ sndbuf: 100 });
  t.teardown(() => {
    a.close();
    b.close();
  });
  const data = Buffer.alloc(1000, 3);
  const got = recvExactly(b, 1000);
  await sendAll(a, data);
  t.ok((await got).equals(data));
});

t.test('bug: expectWouldBlock took sim bare where every other helper takes { sim }: it takes { sim } (and still a bare sim)', async (t) => {
  const sim = new SimNetwork({ seed: 11 });
  const [a, b] = await sim.socketpair();
  t.teardown(() => {
    a.close();
    b.close();
  });
  expectWouldBlock(b, { sim });
  a.send('xyz');
  await expectReady({ readable: [b] }, { sim });
  t.throws(() => expectWouldBlock(b, { sim }), { code: 'ERR_ASSERTION', message: new RegExp(`got 3 bytes \\[seed ${sim.seed} `) });
  a.send('z');
  await expectReady({ readable: [b] }, { sim });
  t.throws(() => expectWouldBlock(b, sim), { code: 'ERR_ASSERTION', message: new RegExp(`\\[seed ${sim.seed} `) }, 'a bare sim');
});

t.test('bug: expectReady accepted listeners but was typed to return Socket[]: it answers with what it was given', async (t) => {
  const sim = new SimNetwork({ seed: 12 });
  const l = await sim.host('s').listen({ port: 1 });
  t.teardown(() => l.close());
  const c = sim.host('c').connect({ host: 's', port: 1 });
  t.teardown(() => c.close());
  // Typed: `readable` is Listener[], so accept() needs no cast (`npm test` type-checks this line first).
  const [readable] = await expectReady({ readable: [l] }, { sim });
  const accepted = readable[0]?.accept();
  t.ok(accepted, 'the listener, as a Listener');
  accepted?.close();
  const [, writable] = await expectReady({ writable: [c] }, { sim });
  t.equal(writable[0]?.send('x'), 1, 'a socket, as a Socket');
});

t.test('bug: socketpair() runs on the real clock and said nothing of it; sim.socketpair() is a pair on virtual time', async (t) => {
  const sim = new SimNetwork({ seed: 13, faults: { fragment: true, latencyMs: [1, 20] } });
  const [a, b] = await sim.socketpair();
  t.teardown(() => {
    a.close();
    b.close();
  });
  t.same(a.getpeername(), b.getsockname(), 'connected to each other');
  t.same(b.getpeername(), a.getsockname());
  const before = sim.now();
  const [readable] = await select([b], [], [], 5000);
  t.same(readable, [], 'nothing came');
  t.ok(sim.now() - before >= 5000, `the 5 s timeout ran on the sim's clock (${sim.now() - before} virtual ms)`);
  await sendAll(a, 'over the sim', { sim });
  t.equal((await recvExactly(b, 12, { sim })).toString(), 'over the sim', 'through fragmentation and latency');
  const doc = readFileSync(new URL('../lib/testing/socketpair.ts', import.meta.url), 'utf8');
  t.match(doc, /The pair runs on the real clock/, 'socketpair() says it runs on the real clock');
  t.match(doc, /sim\.socketpair\(\)/, 'and names the pair on virtual time');
  await t.rejects(sim.socketpair({ host: '' }), { code: 'ERR_INVALID_ARG_TYPE' });
  await t.rejects(sim.socketpair({ sndbuf: 0 }), { code: 'ERR_OUT_OF_RANGE' });
});

t.test("bug: simTest could not take node:test's TestContext (TS2345) and there was no node:test recipe", async (t) => {
  // test/fixtures/node-test-sim.ts is compiled by the repository's type check (the TS2345 was there) and
  // run here by node:test itself; docs/testing.md shows it.
  const child = runTs(t, 'test/fixtures/node-test-sim.ts');
  t.equal(await child.exited, 0, child.out() + child.err());
  t.match(child.out(), /# pass 1/);
  t.match(child.out(), /sim seed 42 \(replay with NET_SELECT_SEED=42\)/, "the seed, as a node:test diagnostic");
  const guide = readFileSync(new URL('../docs/testing.md', import.meta.url), 'utf8');
  const recipe = readFileSync(new URL('fixtures/node-test-sim.ts', import.meta.url), 'utf8');
  const body = recipe.slice(recipe.indexOf("test('")).trim();
  t.ok(guide.includes(body), 'docs/testing.md shows the recipe');
});
