/**
 * The tap helpers of net-select/testing (lib/testing/helpers.ts), on real loopback, an in-memory pair and the
 * sim: each passes when the condition holds and fails loudly, naming what was missing, when it does not.
 */
import t from 'tap';
import { SHUT_WR } from '../lib/index.js';
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
