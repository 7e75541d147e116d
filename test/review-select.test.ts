/**
 * Adversarial tests of the free select() after its rewrite for speed (issue 10): the lists are copied in when
 * a call waits, a list passed for two sets is looked at once, the calls watch their sockets themselves, their
 * timeouts share one timer per host, and a few calls per turn are answered at once.
 */
import { getEventListeners } from 'node:events';
import t from 'tap';
import { EPOLLIN, POLLIN, Poll, select, type Socket } from '../lib/index.js';
import { type Cleanup, expectReady, listenT, connectT, acceptT, portOf, socketPair, until, within } from './fixtures/helpers.js';
import { epollT } from './fixtures/models.js';

/** Resolves after `n` turns of the event loop (each a check phase), so that a pending answer would be given. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** Whether `p` has settled, after letting `n` event-loop turns run. */
async function settledAfter(p: Promise<unknown>, n: number): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await turns(n);
  return done;
}

/** Counts event-loop turns (one per check phase) until the test ends. */
function turnCounter(t: Cleanup): { count: number } {
  const turn = { count: 0 };
  let ticking = true;
  const tick = (): void => {
    turn.count++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  t.teardown(() => {
    ticking = false;
  });
  return turn;
}

t.test('bug: a select with no timeout that saw data at the call answers empty when the data is read before its check phase', async (t) => {
  const { client, server } = await socketPair(t);
  client.send('a');
  await until(() => server.recvQueueSize === 1, 'the byte at the server');
  // Three calls in one job: at most two are answered at once (turn.ts), the third is answered in the check phase.
  const calls = [select([server], [], [], null), select([server], [], [], null), select([server], [], [], null)];
  t.equal(server.recv(10)?.toString(), 'a', 'the program reads the byte in the same job');
  // select(2) with no timeout never returns 0: the call not answered at once must keep waiting for new data.
  const late = calls[2] as Promise<[Socket[], Socket[], Socket[]]>;
  await turns(3); // past the check phase it was queued for, before the new data is sent
  client.send('b');
  const [r] = await within(late, 'the third select after new data');
  t.ok(r.length === 1 && r[0] === server, `answered with the socket readable, never with empty lists (got ${r.length} readable)`);
  await Promise.all(calls);
});

t.test('lists changed while a call waits change nothing: the answer has the items passed, in input order', async (t) => {
  const l = await listenT(t);
  const clients = [connectT(t, portOf(l)), connectT(t, portOf(l)), connectT(t, portOf(l))];
  const servers = [await acceptT(t, l), await acceptT(t, l), await acceptT(t, l)];
  const [s0, s1, s2] = servers as [Socket, Socket, Socket];
  const rlist = [s2, s0, s1];
  const xlist = rlist; // the same array for two sets
  const wlist: Socket[] = [];
  const p = select(rlist, wlist, xlist, null);
  t.notOk(await settledAfter(p, 2), 'nothing ready: it waits');
  rlist.reverse();
  rlist.splice(1, 1);
  rlist.push(l as unknown as Socket);
  wlist.push(clients[0] as Socket); // writable: would answer at once if the call looked at it
  for (const c of clients) c.send('x');
  const [r, w, x] = await within(p, 'select after the data');
  // Every server may not be readable in the same turn; whatever is, is in the order passed.
  t.ok(r.length >= 1, 'something readable');
  const order = [s2, s0, s1];
  t.same(r, order.filter((s) => r.includes(s)), 'input order of the list as it was passed');
  t.notOk(r.includes(l as unknown as Socket), 'an item added later is not looked at');
  t.same(w, [], 'a socket pushed into the write list later is not looked at');
  t.same(x, [], 'no exceptional condition');
});

t.test('the same socket in the read and write lists as two arrays: both bits, once each', async (t) => {
  const { client, server } = await socketPair(t);
  const p = select([server], [server], [], null);
  const res = await within(p, 'select on an idle connected socket in both lists');
  t.same(res, [[], [server], []], 'writable only');
  client.send('z');
  await until(() => server.recvQueueSize === 1, 'the byte');
  t.same(await select([server], [server], [server], 0), [[server], [server], []]);
});

t.test('one array for the read and except lists, a socket closed while the call waits: EBADF, and select still works after', async (t) => {
  const { client, server } = await socketPair(t);
  const pair2 = await socketPair(t);
  const both = [pair2.server, server];
  const p = select(both, [], both, null);
  t.notOk(await settledAfter(p, 2), 'nothing ready: it waits');
  server.close();
  await t.rejects(within(p, 'the select over a closed socket'), { code: 'EBADF' });
  // The closed socket's descriptor may be reused: a new connection must not wake a dead call (nothing to see),
  // and a select over the remaining socket works as usual.
  const q = select([pair2.server], [], [pair2.server], null);
  pair2.client.send('q');
  t.same(await within(q, 'a later select'), [[pair2.server], [], []]);
  client.send('after close');
  t.equal(pair2.server.recv(10)?.toString(), 'q');
});

t.test('an AbortSignal aborting after the call waited rejects with AbortError; data after it changes nothing', async (t) => {
  const { client, server } = await socketPair(t);
  const ac = new AbortController();
  const p = select([server], [], [], 60_000, { signal: ac.signal });
  t.notOk(await settledAfter(p, 2), 'it waits');
  ac.abort();
  await t.rejects(p, { name: 'AbortError', code: 'ABORT_ERR' });
  client.send('late');
  await expectReady({ readable: [server] });
  t.equal(server.recv(10)?.toString(), 'late', 'the data is still there for the next call');
});

t.test('timeout 0 with nothing ready answers three empty lists, many times in a row', async (t) => {
  const { server } = await socketPair(t);
  for (let i = 0; i < 10; i++) t.same(await select([server], [], [server], 0), [[], [], []], `call ${i + 1}`);
});

t.test('a fractional timeout with nothing ready answers empty (it rounds up, and it fires)', async (t) => {
  const { server } = await socketPair(t);
  for (const ms of [0.1, 0.5, 1.5]) {
    t.same(await within(select([server], [], [], ms), `select with ${ms} ms`), [[], [], []], `timeout ${ms}`);
  }
});

t.test('a timeout above 2**31-1 ms does not fire at once: the call waits for the data', async (t) => {
  const { client, server } = await socketPair(t);
  for (const ms of [2 ** 31, 2 ** 32 + 1, 1e12]) {
    const p = select([server], [], [], ms);
    t.notOk(await settledAfter(p, 3), `${ms}: still waiting`);
    await new Promise((r) => setTimeout(r, 5)); // a Node timer that overflowed would fire after 1 ms
    client.send('d');
    const [r] = await within(p, `select with ${ms} ms after data`);
    t.same(r, [server], `${ms}: answered by the data, not by a timeout`);
    server.recv(10);
  }
});

t.test('many waiting selects on one socket are all answered in the same turn', async (t) => {
  const { client, server } = await socketPair(t);
  const turn = turnCounter(t);
  const turnsSeen: number[] = [];
  const calls = Array.from({ length: 50 }, (_, i) =>
    select([server], [], [], i % 2 ? null : 60_000).then((res) => {
      turnsSeen.push(turn.count);
      return res;
    }),
  );
  t.notOk(await settledAfter(Promise.race(calls), 2), 'they wait');
  client.send('all');
  const results = await within(Promise.all(calls), 'the 50 selects');
  t.ok(results.every(([r]) => r.length === 1 && r[0] === server), 'every call sees the socket readable');
  t.equal(new Set(turnsSeen).size, 1, 'all answered in one turn');
});

t.test('a timed-out select next to one answered by data: each gets its own answer', async (t) => {
  const { client, server } = await socketPair(t);
  const short = select([server], [], [], 1);
  const long = select([server], [], [], 60_000);
  t.same(await within(short, 'the short select'), [[], [], []], 'the short one times out empty');
  client.send('x');
  t.same(await within(long, 'the long select'), [[server], [], []], 'the long one is answered by the data');
});

t.test('a loop awaiting select on an always-writable socket still lets timers and incoming data in', async (t) => {
  const { client, server } = await socketPair(t);
  let timerFired = false;
  setTimeout(() => (timerFired = true), 1);
  let got = '';
  let sent = false;
  for (let i = 0; i < 100_000 && !(timerFired && got === 'ping'); i++) {
    const [r, w] = await select([server], [client], [], null);
    if (w.length !== 1) {
      t.fail(`call ${i}: the idle socket is not writable`);
      break;
    }
    if (!sent && i === 10) {
      client.send('ping');
      sent = true;
    }
    if (r.length > 0) got += server.recv(10)?.toString() ?? '';
  }
  t.ok(timerFired, 'the timer fired while the loop ran');
  t.equal(got, 'ping', 'the data came in while the loop ran');
});

t.test('bug: a call queued for the check phase (not answered at once) ignores its AbortSignal aborted before that phase', async (t) => {
  const { client, server } = await socketPair(t);
  client.send('a');
  await until(() => server.recvQueueSize === 1, 'the byte at the server');
  const ac = new AbortController();
  // At most two calls per turn are answered at once; the third is queued for the check phase, still pending.
  const calls = [0, 1, 2].map(() => select([server], [], [], null, { signal: ac.signal }));
  const pending = calls[2] as Promise<unknown>;
  ac.abort();
  // As Poll and Epoll do (their waiting calls listen to the signal from the start), a pending call rejects.
  await t.rejects(within(pending, 'the third call'), { name: 'AbortError' }, 'the pending call rejects with AbortError');
  await Promise.allSettled(calls);
  // The same with a timeout of 0 (a poll queued for the check phase).
  const ac0 = new AbortController();
  const polls0 = [0, 1, 2].map(() => select([server], [], [], 0, { signal: ac0.signal }));
  ac0.abort();
  await t.rejects(within(polls0[2] as Promise<unknown>, 'the third zero-timeout call'), { name: 'AbortError' }, 'timeout 0: the pending call rejects with AbortError');
  await Promise.allSettled(polls0);
  // Poll, for comparison: the same three calls, the third rejects.
  const poll = new Poll();
  t.teardown(() => poll.close());
  poll.register(server, POLLIN);
  const ac2 = new AbortController();
  const polls = [0, 1, 2].map(() => poll.poll(null, { signal: ac2.signal }));
  ac2.abort();
  await t.rejects(within(polls[2] as Promise<unknown>, 'the third poll'), { name: 'AbortError' }, 'Poll: the pending call rejects');
  await Promise.allSettled(polls);
});

t.test('an object with fileno() and a plain descriptor number come back as the very items passed after a wait', async (t) => {
  const { client, server } = await socketPair(t);
  const wrapper = { fileno: () => server.fileno() };
  const fd = server.fileno();
  const p = select([wrapper, fd], [], [wrapper], null);
  t.notOk(await settledAfter(p, 2), 'it waits');
  client.send('n');
  const [r, w, x] = await within(p, 'the select after data');
  t.equal(r.length, 2, 'both items readable');
  t.equal(r[0], wrapper, 'the wrapper object itself');
  t.equal(r[1], fd, 'the number itself');
  t.same(w, []);
  t.same(x, []);
});

t.test('a loop of selects on an always-writable socket takes a new event-loop turn at least every third call', async (t) => {
  const { client } = await socketPair(t);
  const turn = turnCounter(t);
  await select([], [client], [], null); // a check-phase answer starts the count
  const start = turn.count;
  const calls = 30;
  for (let i = 0; i < calls; i++) await select([], [client], [], null);
  t.ok(turn.count - start >= calls / 3 - 1, `${calls} calls spanned ${turn.count - start} turns (two answered at once per turn at most)`);
});

t.test('an AbortSignal shared by many selects keeps no listener once they end (data, timeout, EBADF)', async (t) => {
  const { client, server } = await socketPair(t);
  const other = await socketPair(t);
  const ac = new AbortController();
  const signal = ac.signal;
  for (let i = 0; i < 20; i++) {
    const p = select([server], [], [], null, { signal });
    await turns(1);
    client.send('d');
    await within(p, 'a select answered by data');
    server.recv(10);
  }
  for (let i = 0; i < 20; i++) await within(select([server], [], [], 1, { signal }), 'a select that times out');
  const p = select([other.server], [], [other.server], null, { signal });
  await turns(1);
  other.server.close();
  await t.rejects(within(p, 'a select over a closed socket'), { code: 'EBADF' });
  t.equal(getEventListeners(signal, 'abort').length, 0, 'no abort listener left on the signal');
});

t.test('a waiting select over an Epoll descriptor is woken when a socket the Epoll watches becomes ready', async (t) => {
  const { client, server } = await socketPair(t);
  const ep = epollT(t);
  ep.register(server, EPOLLIN);
  const p = select([ep], [], [], null);
  t.notOk(await settledAfter(p, 2), 'nothing ready: it waits');
  client.send('e');
  t.same(await within(p, 'the select on the epoll'), [[ep], [], []], 'the epoll is readable');
});

t.test('a short timeout armed after a long one still fires, and each of several timeouts fires in turn', async (t) => {
  const { server } = await socketPair(t);
  const long = select([server], [], [], 60_000);
  t.same(await within(select([server], [], [], 5), 'a 5 ms select after a 60 s one'), [[], [], []]);
  const a = select([server], [], [], 3);
  const b = select([server], [], [], 10);
  const c = select([server], [], [], 20);
  t.same(await within(Promise.all([a, b, c]), 'three timeouts'), [[[], [], []], [[], [], []], [[], [], []]]);
  t.notOk(await settledAfter(long, 2), 'the 60 s one still waits');
  server.close();
  await t.rejects(long, { code: 'EBADF' });
});
