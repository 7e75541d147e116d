/** The Selector: three sets kept over time, one 'ready' batch per event-loop turn, its promise form, close. */
import t from 'tap';
import { FD_SETSIZE, POLLERR, POLLIN, Selector, type ReadyLists, type Selectable, type Socket } from '../lib/index.js';
import {
  acceptT,
  connectT,
  expectReady,
  listenT,
  portOf,
  runTs,
  socketPair,
  turns,
  until,
  within,
} from './fixtures/helpers.js';

function selectorT(t: { teardown(fn: () => unknown): void }): Selector {
  const sel = new Selector();
  t.teardown(() => sel.close());
  return sel;
}

/** Three connected pairs over one listener. */
async function threePairs(t: Parameters<typeof socketPair>[0]): Promise<{ clients: Socket[]; servers: Socket[] }> {
  const l = await listenT(t);
  const clients: Socket[] = [];
  const servers: Socket[] = [];
  for (let i = 0; i < 3; i++) {
    clients.push(connectT(t, portOf(l)));
    servers.push(await acceptT(t, l));
  }
  await expectReady({ writable: clients });
  return { clients, servers };
}

t.test('rlist, wlist and xlist are sets: add is idempotent, delete reports whether it removed', async (t) => {
  const sel = selectorT(t);
  const { client, server } = await socketPair(t);
  t.equal(sel.rlist.add(server).add(server), sel.rlist, 'add chains');
  sel.rlist.add(client);
  t.equal(sel.rlist.size, 2, 'added twice, held once');
  t.ok(sel.rlist.has(server));
  t.ok(sel.rlist.has(server.fileno()), 'found by its descriptor number too');
  t.notOk(sel.wlist.has(server), 'the sets are separate');
  t.same([...sel.rlist], [server, client], 'iteration in the order added');
  t.equal(sel.rlist.delete(server), true);
  t.equal(sel.rlist.delete(server), false, 'not there any more');
  t.equal(sel.rlist.size, 1);
  sel.wlist.add(client.fileno());
  t.ok(sel.wlist.has(client.fileno()));
  t.equal(sel.wlist.delete(client.fileno()), true, 'a number is removed by its number');
  sel.xlist.add(client).add(server);
  sel.xlist.clear();
  t.equal(sel.xlist.size, 0, 'clear empties the set');
});

t.test('FdSet.add rejects what select would reject, and leaves the set unchanged', async (t) => {
  const sel = selectorT(t);
  const { client } = await socketPair(t);
  const closed = connectT(t, 1);
  closed.close();
  t.throws(() => sel.rlist.add('3' as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => sel.rlist.add({ fileno: () => FD_SETSIZE }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => sel.rlist.add(FD_SETSIZE + 5), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => sel.rlist.add(closed), { name: 'SocketError', code: 'EBADF', syscall: 'select' });
  t.throws(() => sel.wlist.add(1000), { name: 'SocketError', code: 'EBADF', syscall: 'select' });
  t.equal(sel.rlist.size + sel.wlist.size, 0);
  sel.wlist.add(client);
  const [, w] = await within(sel.select(), 'select on a writable socket');
  t.same(w, [client], 'the selector still works');
});

t.test("'ready' fires once per event-loop turn while sockets are ready, with all of them in one batch", async (t) => {
  const sel = selectorT(t);
  const { clients, servers } = await threePairs(t);
  for (const c of clients) c.send('data');
  await until(() => servers.every((s) => s.recvQueueSize === 4), 'data at all three servers');
  for (const s of [...servers].reverse()) sel.rlist.add(s);
  const batches: ReadyLists[] = [];
  let sameTurn = false;
  let inTurn = false;
  sel.on('ready', (r, w, x) => {
    if (inTurn) sameTurn = true;
    inTurn = true;
    setImmediate(() => (inTurn = false)); // runs before the selector's next turn
    batches.push([r, w, x]);
  });
  await until(() => batches.length >= 4, 'four batches');
  t.notOk(sameTurn, 'never two batches in one turn');
  const byFd = [...servers].sort((a, b) => a.fileno() - b.fileno());
  for (const [r, w, x] of batches.slice(0, 4)) {
    t.same(r, byFd, 'every ready socket, in descriptor order');
    t.same([w, x], [[], []]);
  }
  for (const s of servers) s.recv(100);
  t.same(servers.map((s) => s.events() & POLLIN), [0, 0, 0], 'read: none is readable any more');
  const n = batches.length;
  await turns(2);
  t.ok(batches.length <= n + 1, 'level-triggered: once read, the batches stop (at most one was already on its way)');
  const settled = batches.length;
  await turns(5);
  t.equal(batches.length, settled, 'no batch in five turns while nothing is ready');
});

t.test('one batch carries the sockets that became ready in the same turn', async (t) => {
  const sel = selectorT(t);
  const { clients, servers } = await threePairs(t);
  for (const s of servers) sel.rlist.add(s);
  const first = new Promise<ReadyLists>((resolve) => sel.once('ready', (...lists) => resolve(lists)));
  for (const c of clients) c.send('now');
  const [r] = await within(first, "the first 'ready'");
  t.equal(r.length, 3, 'all three in the first batch, not one per event');
});

t.test("an idle selector emits nothing, and its 'ready' listener is live", async (t) => {
  const sel = selectorT(t);
  const { client, server } = await socketPair(t);
  sel.rlist.add(server);
  sel.xlist.add(server).add(client);
  let fired = 0;
  sel.on('ready', () => fired++);
  t.equal((server.events() | client.events()) & (POLLIN | POLLERR), 0, 'nothing readable, no error');
  await turns(5);
  t.equal(fired, 0, 'nothing ready: no event in five turns');
  client.send('wake');
  await until(() => fired > 0, "a 'ready' once data arrives");
  t.pass('the listener fires once something is ready');
});

t.test('an idle selector keeps no timer: a process holding only one exits by itself', async (t) => {
  const child = runTs(t, 'test/fixtures/idle-selector.ts');
  const code = await within(child.exited, 'the child process to exit by itself', 15_000);
  t.equal(code, 0, `exit code (stderr: ${child.err()})`);
  t.match(child.out(), /idle selector watching fd \d+/);
  t.notMatch(child.out(), /ready fired/, 'no event while nothing was ready');
});

t.test('a writable socket left in wlist fires every turn until it is removed: the busy loop made visible', async (t) => {
  const sel = selectorT(t);
  const { client } = await socketPair(t);
  sel.wlist.add(client);
  let fired = 0;
  sel.on('ready', (_r, w) => {
    if (w.includes(client)) fired++;
  });
  await until(() => fired >= 5, 'five batches with the idle writable socket');
  sel.wlist.delete(client);
  const n = fired;
  await turns(5);
  t.ok(fired <= n + 1, 'removing it stops the batches (at most one was already on its way)');
});

t.test('select(timeout) is the promise form: 0 polls, > 0 waits at most that long, none waits for readiness', async (t) => {
  const sel = selectorT(t);
  const { client, server } = await socketPair(t);
  sel.rlist.add(server);
  sel.xlist.add(server);
  t.same(await sel.select(0), [[], [], []], '0: settles with nothing ready');
  const start = performance.now();
  t.same(await sel.select(40), [[], [], []], '40 ms: settles empty');
  t.ok(performance.now() - start >= 20, 'it waited rather than polled (a loose lower bound only)');
  let settled = false;
  const p = sel.select().finally(() => (settled = true));
  await turns(5);
  t.notOk(settled, 'no timeout: still waiting after five turns while nothing is ready');
  client.send('x');
  t.same(await within(p, 'select after data'), [[server], [], []]);
  t.same(await sel.select(null), [[server], [], []], 'level-triggered: ready again at once');
});

t.test('several calls waiting on one selector all get the same batch', async (t) => {
  const sel = selectorT(t);
  const { client, server } = await socketPair(t);
  sel.rlist.add(server);
  const calls = [sel.select(), sel.select(1000), sel.select(null)];
  client.send('x');
  const answers = await within(Promise.all(calls), 'three selects');
  for (const a of answers) t.same(a, [[server], [], []]);
});

t.test('Selector.select rejects a bad timeout, and no timeout with empty sets', async (t) => {
  const sel = selectorT(t);
  await t.rejects(sel.select(), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }, 'empty sets, no timeout');
  t.same(await sel.select(0), [[], [], []], 'empty sets with a timeout: fine');
  await t.rejects(sel.select(-5), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(sel.select(NaN), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(sel.select('1' as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});

t.test('descriptor numbers in the sets come back as those numbers', async (t) => {
  const sel = selectorT(t);
  const { client, server } = await socketPair(t);
  sel.rlist.add(server.fileno());
  sel.wlist.add(client.fileno());
  client.send('x');
  const [r, w] = await expectReady({ readable: [server.fileno()], writable: [client.fileno()] }, sel);
  t.same([r, w], [[server.fileno()], [client.fileno()]]);
});

t.test('close() rejects a pending select with EBADF, and the selector refuses every later call', async (t) => {
  const sel = new Selector();
  const { client, server } = await socketPair(t);
  sel.rlist.add(server);
  let events = 0;
  sel.on('ready', () => events++);
  const p = sel.select();
  sel.close();
  await t.rejects(within(p, 'the pending select'), { name: 'SocketError', code: 'EBADF', syscall: 'select' });
  t.ok(sel.closed);
  await t.rejects(sel.select(0), { code: 'EBADF', syscall: 'select' });
  t.throws(() => sel.rlist.add(client), { code: 'EBADF', syscall: 'select' });
  t.equal(sel.listenerCount('ready'), 0, 'listeners removed');
  sel.close(); // twice: nothing happens
  client.send('x');
  await expectReady({ readable: [server] });
  t.equal(events, 0, 'no event after close');
  t.ok(server.fileno() >= 3, 'the sockets stay open');
  t.equal(server.recv(10)?.toString(), 'x');
});

t.test("a socket closed while in a set: 'error' with EBADF, and select rejects until it is removed", async (t) => {
  const sel = selectorT(t);
  const { client, server } = await socketPair(t);
  const { server: victim } = await socketPair(t);
  sel.rlist.add(server);
  sel.rlist.add(victim);
  sel.xlist.add(victim);
  const errors: Error[] = [];
  sel.on('error', (err) => errors.push(err));
  sel.on('ready', () => {});
  victim.close();
  await until(() => errors.length > 0, "an 'error' event");
  t.match(errors[0], { name: 'SocketError', code: 'EBADF', syscall: 'select' });
  await t.rejects(sel.select(0), { code: 'EBADF', syscall: 'select' }, 'every answer fails while it is in the sets');
  t.ok(sel.rlist.delete(victim), 'a closed socket can still be removed');
  await t.rejects(sel.select(0), { code: 'EBADF' }, 'still in the except set');
  t.ok(sel.xlist.delete(victim));
  client.send('after');
  const [r] = await within(sel.select(), 'select once the closed socket is removed');
  t.same(r, [server], 'works again');
});

t.test('a select pending when a socket in the sets closes rejects with EBADF', async (t) => {
  const sel = selectorT(t);
  const { server } = await socketPair(t);
  sel.rlist.add(server);
  const p = sel.select();
  await turns(2);
  server.close();
  await t.rejects(within(p, 'the pending select'), { code: 'EBADF', syscall: 'select' });
});

t.test('a listener in the read set reports each waiting connection, and accept empties it', async (t) => {
  const sel = selectorT(t);
  const l = await listenT(t);
  sel.rlist.add(l);
  connectT(t, portOf(l));
  connectT(t, portOf(l));
  await until(() => l.pending === 2, 'two waiting connections');
  const [r] = await sel.select(0);
  t.same(r, [l] as Selectable[]);
  for (let s = l.accept(); s !== null; s = l.accept()) {
    const sock = s;
    t.teardown(() => sock.close());
  }
  t.same(await sel.select(0), [[], [], []], 'nothing left to accept');
});

t.test("a selector with only an 'error' listener hears EBADF when a socket in its sets is closed", async (t) => {
  const sel = selectorT(t);
  const { server } = await socketPair(t);
  sel.rlist.add(server);
  const heard = new Promise<Error>((resolve) => sel.on('error', resolve));
  server.close();
  t.match(await within(heard, "the 'error' event"), { code: 'EBADF', syscall: 'select' });
  sel.rlist.delete(server);
  t.equal(sel.rlist.size, 0, 'removing the closed socket is possible, and clears the error');
  t.same(await sel.select(0), [[], [], []]);
});

t.test("after an EBADF, removing the closed socket lets 'ready' resume for the others", async (t) => {
  const sel = selectorT(t);
  const a = await socketPair(t);
  const b = await socketPair(t);
  a.client.send('hello');
  await expectReady({ readable: [a.server] });
  sel.rlist.add(a.server);
  sel.rlist.add(b.server);
  const errors: Error[] = [];
  sel.on('error', (e) => errors.push(e));
  let batches = 0;
  sel.on('ready', () => batches++);
  b.server.close();
  await until(() => errors.length > 0, "the 'error' event");
  sel.rlist.delete(b.server);
  const before = batches;
  await until(() => batches > before, "'ready' events again");
  t.pass('answers resumed');
});

t.test('close() empties the sets, and a failed add on a closed selector changes nothing', async (t) => {
  const sel = new Selector();
  const { client, server } = await socketPair(t);
  sel.rlist.add(server);
  sel.close();
  t.equal(sel.rlist.size, 0, 'emptied');
  t.throws(() => sel.wlist.add(client), { code: 'EBADF' });
  t.notOk(sel.wlist.has(client), 'not added');
});
