/** The free select(): readiness rules, what it returns, timeouts, and how it fails. */
import net from 'node:net';
import t from 'tap';
import { FD_SETSIZE, Socket, getFdLimit, select, setFdLimit, type Selectable } from '../lib/index.js';
import {
  acceptT,
  connectT,
  expectNotReady,
  expectReady,
  listenT,
  portOf,
  socketPair,
  until,
  within,
} from './fixtures/helpers.js';

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
  await expectNotReady({ readable: [server] });
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
  await expectNotReady({ readable: [l] });
  connectT(t, portOf(l));
  const [r, w, x] = await expectReady({ readable: [l] }, [[l], [l], [l]]);
  t.same([r, w, x], [[l], [], []], 'readable only');
  await acceptT(t, l);
  await expectNotReady({ readable: [l] });
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
  await expectNotReady({ readable: servers });
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
  for (let i = 0; i < 200 && !(sawNews && timerRan); i++) {
    const [r, w] = await select([b.server], [a.client], [], null);
    t.same(w, [a.client], 'the writable socket is in every answer');
    if (r.length > 0) sawNews = b.server.recv(10)?.toString() === 'news';
  }
  t.ok(sawNews, 'data that arrived meanwhile was read by Node and reported');
  t.ok(timerRan, 'a timer got its turn too');
});
