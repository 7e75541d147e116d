/** The free select(): readiness rules, what it returns, timeouts, and how it fails. */
import { getEventListeners } from 'node:events';
import net from 'node:net';
import t from 'tap';
import {
  EPOLLIN,
  FD_SETSIZE,
  POLLIN,
  Poll,
  Socket,
  getFdLimit,
  select,
  setFdLimit,
  type Selectable,
} from '../lib/index.js';
import {
  acceptT,
  connectT,
  expectNoEvent,
  expectReady,
  listenT,
  portOf,
  socketPair,
  turns,
  until,
  within,
  type Cleanup,
} from './fixtures/helpers.js';
import { epollT } from './fixtures/models.js';

t.test('level-triggered: data stays readable until it is read, then the socket is not readable', async (t) => {
  const { client, server } = await socketPair(t);
  client.send('0123456789');
  await until(() => server.recvQueueSize === 10, 'the data at the server');
  for (let i = 0; i < 3; i++) {
    const [r] = await select([server], [], [], 0);
    t.same(r, [server], `readable, call ${i + 1}`);
  }
  server.recv(4);
  t.same((await select([server], [], [], 0))[0], [server], 'still readable with 6 bytes left');
  server.recv(6);
  await expectNoEvent({ readable: [server] });
});

t.test('EOF stays readable forever: select returns at once every time, even after recv saw the EOF', async (t) => {
  const { client, server } = await socketPair(t);
  client.close();
  await expectReady({ readable: [server] });
  t.equal(server.recv(10)?.length, 0);
  for (let i = 0; i < 5; i++) {
    const [r] = await within(select([server], [], [], null), 'select on a socket at EOF');
    t.same(r, [server], `readable again, call ${i + 1}`);
  }
});

t.test('an idle connected socket in the write list makes select return at once', async (t) => {
  const { client, server } = await socketPair(t);
  const res = await within(select([server], [client], [], null), 'select with an idle socket in wlist');
  t.same(res, [[], [client], []], 'writable; nothing to read');
  const again = await within(select([server], [client], [], null), 'the same select again');
  t.same(again, [[], [client], []], 'and again: a busy loop unless the program removes it');
});

t.test('select returns subsets of the very objects passed, in the order they were passed', async (t) => {
  const l = await listenT(t);
  const clients = [connectT(t, portOf(l)), connectT(t, portOf(l)), connectT(t, portOf(l))];
  const servers = [await acceptT(t, l), await acceptT(t, l), await acceptT(t, l)];
  for (const c of clients) c.send('x');
  const reversed = [...servers].reverse();
  const [r] = await expectReady({ readable: servers }, [reversed, [], []]);
  t.equal(r.length, 3);
  t.ok(r.every((s, i) => s === reversed[i]), 'same objects, input order (not descriptor order)');
  const [r2] = await select([servers[1] as Socket, l], [], [], 0);
  t.same(r2, [servers[1]], 'only what was asked for, and only what is ready');
  t.not(r, reversed, 'a new array, not the input list');
});

t.test('select accepts descriptor numbers and objects with fileno(), and returns those very items', async (t) => {
  const { client, server } = await socketPair(t);
  client.send('x');
  const fd = server.fileno();
  const wrapper = { fileno: () => client.fileno() };
  const [r, w] = await expectReady({ readable: [fd], writable: [wrapper] }, [[fd], [wrapper], []]);
  t.same(r, [fd], 'the number itself');
  t.equal(w[0], wrapper, 'the wrapper object itself');
});

t.test('a socket in several lists is reported in each list where it is ready', async (t) => {
  const { client, server } = await socketPair(t);
  client.send('x');
  const [r, w, x] = await expectReady({ readable: [server], writable: [server] }, [[server], [server], [server]]);
  t.same([r, w, x], [[server], [server], []], 'readable and writable, not exceptional');
});

t.test('a listening socket is readable while a connection waits to be accepted', async (t) => {
  const l = await listenT(t);
  await expectNoEvent({ readable: [l] });
  connectT(t, portOf(l));
  const [r, w, x] = await expectReady({ readable: [l] }, [[l], [l], [l]]);
  t.same([r, w, x], [[l], [], []], 'readable only');
  await acceptT(t, l);
  await expectNoEvent({ readable: [l] });
});

t.test('timeout 0 polls: it settles with three empty lists when nothing is ready', async (t) => {
  const { server } = await socketPair(t);
  t.same(await select([server], [], [server], 0), [[], [], []]);
  t.same(await select([], [], [], 0), [[], [], []], 'three empty lists are allowed with a timeout');
});

t.test('timeout 0 settles with what is ready now', async (t) => {
  const { client, server } = await socketPair(t);
  t.same(await select([server], [client], [], 0), [[], [client], []]);
});

t.test('a positive timeout resolves with three empty lists once it has passed', async (t) => {
  const { server } = await socketPair(t);
  const start = performance.now();
  const res = await select([server], [], [server], 40);
  const waited = performance.now() - start;
  t.same(res, [[], [], []]);
  // Only a lower bound, and a loose one: Node's timers count from the loop's cached clock.
  t.ok(waited >= 20, `it waited rather than polled (${waited.toFixed(1)} ms)`);
  t.same(await select([], [], [], 5), [[], [], []], 'empty lists and a timeout: a sleep, as in C');
});

t.test('a positive timeout returns as soon as something is ready, with it', async (t) => {
  const { client, server } = await socketPair(t);
  const p = select([server], [], [], 10_000);
  await select([], [], [], 20);
  client.send('early');
  t.same(await within(p, 'select with a long timeout'), [[server], [], []]);
});

t.test('no timeout (undefined or null) waits until something is ready', async (t) => {
  for (const timeout of [undefined, null]) {
    const { client, server } = await socketPair(t);
    let settled = false;
    const p = select([server], [], [], timeout).finally(() => (settled = true));
    await select([], [], [], 60); // a wait with nothing ready: p must still be pending
    t.notOk(settled, `still waiting with timeout ${timeout}`);
    client.send('wake up');
    t.same(await within(p, 'select after the data was sent'), [[server], [], []], `woken by the data (${timeout})`);
  }
});

t.test('a bad timeout rejects with a coded error', async (t) => {
  const { server } = await socketPair(t);
  await t.rejects(select([server], [], [], -1), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(select([server], [], [], NaN), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(select([server], [], [], -0.5), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(select([server], [], [], '10' as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await t.rejects(select([server], [], [], {} as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});

t.test('three empty lists and no timeout reject: select would sleep forever', async (t) => {
  await t.rejects(select([], [], []), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  await t.rejects(select([], [], [], null), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
});

t.test('a list that is not an array, or an item that is not selectable, rejects with TypeError', async (t) => {
  const { server } = await socketPair(t);
  await t.rejects(select(server as unknown as Selectable[], [], [], 0), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await t.rejects(select([], null as unknown as Selectable[], [], 0), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  for (const bad of ['3', 3.5, null, {}, { fileno: 4 }, { fileno: () => '4' }, new net.Socket()]) {
    await t.rejects(select([server, bad as Selectable], [], [], 0), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }, `item ${String(bad)}`);
  }
  await t.rejects(select([], [], [-1], 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, 'a negative descriptor');
});

t.test('a closed socket or an unknown descriptor in any list rejects with EBADF and changes nothing', async (t) => {
  const { client, server } = await socketPair(t);
  const closed = connectT(t, 1);
  closed.close();
  client.send('kept');
  await until(() => server.recvQueueSize === 4, 'data at the server');
  const unknown = 1000;
  for (const lists of [
    [[server, closed], [], []],
    [[], [closed], []],
    [[], [], [closed]],
    [[server, unknown], [], []],
    [[], [unknown], []],
    [[], [], [0]],
  ] as [Selectable[], Selectable[], Selectable[]][]) {
    await t.rejects(select(...lists, 0), { name: 'SocketError', code: 'EBADF', syscall: 'select' });
  }
  t.equal(server.recvQueueSize, 4, 'nothing read');
  t.same(await select([server], [client], [], 0), [[server], [client], []], 'the same sockets select fine afterwards');
  t.equal(server.recv(10)?.toString(), 'kept');
});

t.test('a descriptor >= FD_SETSIZE rejects with RangeError, like CPython "filedescriptor out of range in select()"', async (t) => {
  await t.rejects(select([{ fileno: () => 1500 }], [], [], 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(select([], [FD_SETSIZE], [], 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(select([], [], [FD_SETSIZE + 1], 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
});

t.test('real sockets numbered 1023 and 1024: the first fits in select, the second is out of range', async (t) => {
  const saved = getFdLimit();
  setFdLimit(Math.max(saved, 2048));
  t.teardown(() => setFdLimit(saved));
  const l = await listenT(t);
  // Fill the table up to descriptor 1022 with sockets that hold no kernel resource (never connected),
  // so that the next real connection gets 1023 and the one accepted for it 1024.
  const fillers: Socket[] = [];
  t.teardown(() => {
    for (const f of fillers) f.close();
  });
  for (;;) {
    const f = Socket.adopt(new net.Socket());
    fillers.push(f);
    if (f.fileno() >= FD_SETSIZE - 2) break;
  }
  t.equal(fillers.at(-1)?.fileno(), FD_SETSIZE - 2);
  const c = connectT(t, portOf(l));
  await expectReady({ readable: [l] });
  const s = l.accept();
  if (s === null) throw new Error('nothing to accept');
  t.teardown(() => s.close());
  t.equal(c.fileno(), FD_SETSIZE - 1);
  t.equal(s.fileno(), FD_SETSIZE);
  const [, w] = await expectReady({ writable: [c] });
  t.same(w, [c], 'descriptor 1023 works');
  await t.rejects(select([s], [], [], 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(select([], [c, s], [], 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(select([], [], [FD_SETSIZE], 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, 'as a number too');
  c.send('over the limit');
  await until(() => s.recvQueueSize === 14, 'the data at descriptor 1024');
  t.equal(s.recv(100)?.toString(), 'over the limit', 'the socket itself works; only select refuses it');
});

t.test('a select pending while a socket in it is closed rejects promptly with EBADF', async (t) => {
  const { listener, client, server } = await socketPair(t);
  for (const which of [0, 1, 2] as const) {
    // In the write list, a socket still connecting is not writable; elsewhere an idle one is not ready.
    const victim = which === 1 ? connectT(t, portOf(listener)) : (await socketPair(t)).server;
    const lists: [Selectable[], Selectable[], Selectable[]] = [[server], [], []];
    lists[which].push(victim);
    const p = select(...lists, null);
    if (which !== 1) await select([], [], [], 20); // let the call wait a little
    victim.close();
    await t.rejects(within(p, 'select after close'), { code: 'EBADF', syscall: 'select' }, `closed in list ${which}`);
  }
  client.send('x');
  t.same((await expectReady({ readable: [server] }))[0], [server], 'the other socket is unaffected');
});

t.test('a listener closed while select waits on it rejects with EBADF', async (t) => {
  const l = await listenT(t);
  const p = select([l], [], [], null);
  await select([], [], [], 20);
  l.close();
  await t.rejects(within(p, 'select after the listener closed'), { code: 'EBADF', syscall: 'select' });
});

t.test('everything ready in the same event-loop turn comes back in one call', async (t) => {
  const l = await listenT(t);
  const clients = Array.from({ length: 5 }, () => connectT(t, portOf(l)));
  const servers: Socket[] = [];
  for (let i = 0; i < 5; i++) servers.push(await acceptT(t, l));
  await expectReady({ writable: clients });
  for (const c of clients) c.send('all at once');
  const [r] = await within(select(servers, [], [], null), 'select over five servers');
  t.equal(r.length, 5, 'all five in one answer, not one per call');
});

t.test('five peers closing in one turn are all reported by one call', async (t) => {
  const l = await listenT(t);
  const clients = Array.from({ length: 5 }, () => connectT(t, portOf(l)));
  const servers: Socket[] = [];
  for (let i = 0; i < 5; i++) servers.push(await acceptT(t, l));
  await expectReady({ writable: clients });
  await expectNoEvent({ readable: servers });
  for (const c of clients) c.close();
  const [r] = await within(select(servers, [], [], null), 'select over five servers');
  t.equal(r.length, 5);
});

t.test('after a check-phase answer, two calls in the same turn are answered at once and the third waits a turn', async (t) => {
  const { client } = await socketPair(t);
  // More calls than may be answered at once: the last is answered in a check phase, which starts a new budget.
  await Promise.all([0, 1, 2].map(() => select([], [], [], 0)));
  const order: string[] = [];
  setImmediate(() => order.push('next turn'));
  const calls = [1, 2, 3].map((i) => select([], [client], [], null).then(() => order.push(`call ${i}`)));
  await Promise.all(calls);
  t.same(order, ['call 1', 'call 2', 'next turn', 'call 3']);
});

t.test('one list passed for two or three sets is looked at once, and each set gets only what it asks for', async (t) => {
  const { client: a, server: peer } = await socketPair(t);
  const { client: b } = await socketPair(t);
  peer.reset();
  await expectReady({ exceptional: [a] }); // the reset: a pending error, so readable, writable and exceptional
  const inputs = [a];
  t.same(await select(inputs, [], inputs, 0), [[a], [], [a]], 'select(inputs, [], inputs)');
  t.same(await select(inputs, [b], inputs, 0), [[a], [b], [a]], 'select(inputs, [b], inputs)');
  t.same(await select(inputs, inputs, inputs, 0), [[a], [a], [a]], 'select(inputs, inputs, inputs)');
  t.same(await select([], inputs, inputs, 0), [[], [a], [a]], 'select([], inputs, inputs)');
  t.same(await select([b], inputs, [], 0), [[], [a], []], 'select([b], inputs, []): b has nothing to read');
});

t.test('a loop around select on an always-writable socket still lets Node read: no starvation', async (t) => {
  const a = await socketPair(t);
  const b = await socketPair(t);
  let timerRan = false;
  setTimeout(() => (timerRan = true), 0);
  b.client.send('news');
  let sawNews = false;
  let answers = 0;
  let writable = 0;
  for (let i = 0; i < 200 && !(sawNews && timerRan); i++) {
    const [r, w] = await select([b.server], [a.client], [], null);
    answers++;
    if (w.length === 1 && w[0] === a.client) writable++;
    if (r.length > 0) sawNews = b.server.recv(10)?.toString() === 'news';
  }
  // (one assertion for the loop, however many turns the news took: the test's count does not vary)
  t.equal(writable, answers, `the writable socket is in every answer (${answers} answers)`);
  t.ok(sawNews, 'data that arrived meanwhile was read by Node and reported');
  t.ok(timerRan, 'a timer got its turn too');
});

// The rules above, held by the fast path: a waiting call copies its lists in, a list passed for two sets is
// looked at once, each call watches its sockets itself, the timeouts share one timer per host, and a few
// calls per turn are answered at once.

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
