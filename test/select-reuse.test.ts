/**
 * The free select() keeps the object of a call that has ended for the host's next call, with the
 * registrations of the files it watched: nothing of one call may reach the next. Each test makes a call wait
 * (so that it registers its files), ends it one way or another, and checks the next calls' answers.
 */
import t from 'tap';
import { POLLOUT, SocketError, select, selectCost, type Socket } from '../lib/index.js';
import { SimNetwork, socketpair } from '../lib/testing/index.js';

t.test('a call over other files, or the same files in other sets, answers from its own lists only', async (t) => {
  const [a, a2] = socketpair();
  const [b, b2] = socketpair();
  t.teardown(() => [a, a2, b, b2].forEach((s) => s.close()));
  const waiting = select([a, b], [], []);
  b2.send('x');
  t.same(await waiting, [[b], [], []], 'the first call: b readable');
  // The same sockets, b first: the registrations of the first call (a at 0, b at 1) do not fit.
  t.same(await select([b, a], [], [], 0), [[b], [], []]);
  t.equal(b.recv(10)?.toString(), 'x');
  // a passed for writing at the place where it was passed for reading: writable, not readable.
  const w = select([a], [a], []);
  t.same(await w, [[], [a], []], 'writable only: the read interest of the call before is gone');
  const r = select([a], [], [], 1000);
  a2.send('y');
  t.same(await r, [[a], [], []], 'the same file in the same place: woken by its data');
  t.equal(a.recv(10)?.toString(), 'y');
});

t.test('a call that timed out, then one woken: each is answered once, by its own wake', async (t) => {
  const [a, a2] = socketpair();
  t.teardown(() => [a, a2].forEach((s) => s.close()));
  t.same(await select([a], [], [], 5), [[], [], []], 'timed out');
  const calls = selectCost.calls;
  const next = select([a], [], []);
  a2.send('z');
  t.same(await next, [[a], [], []]);
  t.equal(selectCost.calls, calls + 1, 'one answer');
});

t.test('a call aborted after a wake, before its delivery: the next call is not answered by that delivery', async (t) => {
  const [a, a2] = socketpair();
  const [b, b2] = socketpair();
  t.teardown(() => [a, a2, b, b2].forEach((s) => s.close()));
  const ac = new AbortController();
  const first = select([a], [], [], null, { signal: ac.signal });
  a2.send('1'); // the wake comes a turn later: abort in the same job as it, before the check phase
  await new Promise((resolve) => setImmediate(resolve));
  ac.abort();
  await t.rejects(first, { name: 'AbortError', code: 'ABORT_ERR' });
  // A call over b alone, b quiet: a's data is not its business.
  t.same(await select([b], [], [], 0), [[], [], []]);
  const second = select([b], [], [], 1000);
  b2.send('2');
  t.same(await second, [[b], [], []]);
  t.equal(a.recv(10)?.toString(), '1', "a's data is still there");
});

t.test('a file closed after the call that watched it: EBADF at the next call, then a call over open files works', async (t) => {
  const [a, a2] = socketpair();
  const [b, b2] = socketpair();
  t.teardown(() => [a2, b, b2].forEach((s) => s.close()));
  const first = select([a, b], [], []);
  b2.send('x');
  t.same(await first, [[b], [], []]);
  a.close();
  await t.rejects(select([a, b], [], []), SocketError);
  await t.rejects(select([a, b], [], []), { code: 'EBADF' });
  const next = select([b], [], [], 1000);
  t.same(await next, [[b], [], []], 'b still has its byte');
});

t.test('two calls waiting at once on one host each get their own answer, and are reused after', async (t) => {
  const [a, a2] = socketpair();
  const [b, b2] = socketpair();
  t.teardown(() => [a, a2, b, b2].forEach((s) => s.close()));
  for (let round = 0; round < 3; round++) {
    const onA = select([a], [], []);
    const onB = select([b], [], []);
    b2.send('b');
    t.same(await onB, [[b], [], []], `round ${round}: b's call`);
    a2.send('a');
    t.same(await onA, [[a], [], []], `round ${round}: a's call`);
    a.recv(10);
    b.recv(10);
  }
});

t.test('a call closed while waiting (its file closed) fails, and the next call over other files waits as it should', async (t) => {
  const [a, a2] = socketpair();
  const [b, b2] = socketpair();
  t.teardown(() => [a2, b, b2].forEach((s) => s.close()));
  const first = select([a], [], []);
  a.close();
  await t.rejects(first, { code: 'EBADF' });
  t.same(await select([b], [], [], 0), [[], [], []], 'b: nothing yet');
  const next = select([b], [], [], 1000);
  b2.send('x');
  t.same(await next, [[b], [], []]);
});

t.test('a socket opened on the number of a closed one, passed at the same place: the new socket is watched, not the old', async (t) => {
  // On a simulated network: whether the call was woken, or answered at its timeout, shows in virtual time.
  const sim = new SimNetwork({ seed: 1 });
  const host = sim.host('h');
  const l = await host.listen({ port: 1 });
  t.teardown(() => l.close());
  // A pair made without select(): one would take the host's kept call and replace its registrations.
  const pair = async (): Promise<[Socket, Socket]> => {
    const c = host.connect({ host: 'h', port: 1 });
    while (l.pending === 0) await sim.runFor(1);
    const s = l.accept() as Socket;
    while ((c.events() & POLLOUT) === 0) await sim.runFor(1);
    return [c, s];
  };
  let [a, a2] = await pair();
  const fd = a.fileno();
  const first = select([a], [], []);
  a2.send('x');
  t.same(await first, [[a], [], []]);
  a.close();
  a2.close();
  [a, a2] = await pair();
  t.teardown(() => [a, a2].forEach((s) => s.close()));
  t.equal(a.fileno(), fd, 'the new socket has the old number');
  const start = sim.now();
  const next = select([a], [], [], 1000);
  await sim.runFor(1);
  a2.send('y');
  t.same(await next, [[a], [], []]);
  t.ok(sim.now() - start < 1000, `woken by the new socket's data, not answered at the timeout (after ${sim.now() - start} virtual ms)`);
  t.equal(a.recv(10)?.toString(), 'y');
});
