/**
 * One contract, three models: the selectors API (after Python's `selectors`) over select, poll and epoll.
 * Every test here runs against SelectSelector, PollSelector and EpollSelector.
 */
import t from 'tap';
import {
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  EpollSelector,
  PollSelector,
  SHUT_WR,
  SelectSelector,
  type BaseSelector,
} from '../lib/index.js';
import { PATIENCE_MS, socketPair } from './fixtures/helpers.js';

const MODELS = [
  ['SelectSelector', () => new SelectSelector<string>()],
  ['PollSelector', () => new PollSelector<string>()],
  ['EpollSelector', () => new EpollSelector<string>()],
] as const;

/** Selects (bounded) until `pred` holds for an answer; returns it. */
async function selectUntil(
  sel: BaseSelector<string>,
  pred: (ans: Awaited<ReturnType<BaseSelector<string>['select']>>) => boolean,
): Promise<Awaited<ReturnType<BaseSelector<string>['select']>>> {
  const deadline = performance.now() + PATIENCE_MS;
  for (;;) {
    const ans = await sel.select(50);
    if (pred(ans)) return ans;
    if (performance.now() > deadline) throw new Error(`condition not met; last answer: ${ans.map(([k, e]) => `${k.data}:${e}`).join(', ')}`);
  }
}

t.equal(DefaultSelector, EpollSelector, 'DefaultSelector is the epoll one, as on Linux');

for (const [name, make] of MODELS) {
  t.test(name, async (t) => {
    const mk = (): BaseSelector<string> => {
      const s = make();
      t.teardown(() => s.close());
      return s;
    };

    t.test('register returns the key; getKey and getMap find it', async (t) => {
      const { server } = await socketPair(t);
      const sel = mk();
      const key = sel.register(server, EVENT_READ, 'srv');
      t.same({ ...key }, { fileobj: server, fd: server.fileno(), events: EVENT_READ, data: 'srv' });
      t.equal(sel.getKey(server), key);
      t.equal(sel.getKey(server.fileno()), key, 'by number too');
      t.equal(sel.getMap().get(server), key);
      t.equal(sel.getMap().size, 1);
      t.equal(sel.getKey(12345), undefined, 'unknown: undefined, not an exception');
    });

    t.test('a failed register changes nothing', async (t) => {
      const { server, client } = await socketPair(t);
      const sel = mk();
      sel.register(server, EVENT_READ);
      t.throws(() => sel.register(server, EVENT_WRITE), { code: 'EEXIST' });
      t.throws(() => sel.register(client, 4), { code: 'ERR_INVALID_ARG_VALUE' });
      t.throws(() => sel.register(client, 0), { code: 'ERR_INVALID_ARG_VALUE' });
      t.throws(() => sel.register({} as never, EVENT_READ), { code: 'ERR_INVALID_ARG_TYPE' });
      client.close();
      t.throws(() => sel.register(client, EVENT_READ), { code: 'EBADF' });
      t.equal(sel.getMap().size, 1);
    });

    t.test('select reports [key, events] masked by what the key asked for', async (t) => {
      const { server, client } = await socketPair(t);
      const sel = mk();
      const key = sel.register(server, EVENT_READ, 'srv');
      t.same(await sel.select(30), [], 'writable, but only reading was asked for');
      client.send('ping');
      const ans = await selectUntil(sel, (a) => a.length > 0);
      t.same(ans, [[key, EVENT_READ]]);
      t.equal(server.recv(10)?.toString(), 'ping');
      sel.modify(server, EVENT_READ | EVENT_WRITE, 'both');
      const both = await selectUntil(sel, (a) => a.length > 0);
      t.equal(both[0]?.[0].data, 'both', 'modify replaced the data');
      t.equal(both[0]?.[1], EVENT_WRITE, 'writable only: nothing to read');
    });

    t.test('EOF stays readable', async (t) => {
      const { server, client } = await socketPair(t);
      const sel = mk();
      sel.register(server, EVENT_READ, 'srv');
      client.shutdown(SHUT_WR);
      await selectUntil(sel, (a) => a.length === 1);
      t.equal(server.recv(10)?.length, 0);
      t.equal((await sel.select(0)).length, 1, 'still readable after reading EOF');
    });

    t.test('a reset peer wakes the reader', async (t) => {
      const { server, client } = await socketPair(t);
      const sel = mk();
      sel.register(server, EVENT_READ, 'srv');
      client.reset();
      const [[, ev] = []] = await selectUntil(sel, (a) => a.length === 1);
      t.equal(ev, EVENT_READ);
      t.throws(() => server.recv(10), { code: 'ECONNRESET' });
    });

    t.test('unregister returns the key, works after the socket was closed, and stops reports', async (t) => {
      const { server, client } = await socketPair(t);
      const sel = mk();
      const key = sel.register(server, EVENT_READ, 'srv');
      sel.register(client, EVENT_WRITE, 'cli');
      server.close();
      t.equal(sel.unregister(server), key);
      t.equal(sel.getKey(server), undefined);
      const ans = await selectUntil(sel, (a) => a.length > 0);
      t.same(ans.map(([k]) => k.data), ['cli'], 'the closed, unregistered socket is gone without error');
      t.throws(() => sel.unregister(server), { code: 'ENOENT' });
      t.throws(() => sel.modify(server, EVENT_READ), { code: 'ENOENT' });
    });

    t.test('a key unregistered before select settles is not delivered stale', async (t) => {
      const a = await socketPair(t);
      const b = await socketPair(t);
      const sel = mk();
      sel.register(a.server, EVENT_READ, 'a');
      sel.register(b.server, EVENT_READ, 'b');
      a.client.send('x');
      b.client.send('y');
      await selectUntil(sel, (ans) => ans.length === 2);
      const pending = sel.select(1000);
      sel.unregister(b.server);
      const ans = await pending;
      t.same(ans.map(([k]) => k.data), ['a']);
    });

    t.test('timeouts: 0 polls, > 0 times out with [], none with nothing registered is refused', async (t) => {
      const sel = mk();
      await t.rejects(sel.select(), { code: 'ERR_INVALID_ARG_VALUE' });
      t.same(await sel.select(0), []);
      t.same(await sel.select(10), []);
      await t.rejects(sel.select(-5), { code: 'ERR_OUT_OF_RANGE' });
    });

    t.test('close fails a waiting select with EBADF and refuses further calls', async (t) => {
      const { server } = await socketPair(t);
      const sel = make();
      sel.register(server, EVENT_READ);
      const pending = sel.select();
      sel.close();
      await t.rejects(pending, { code: 'EBADF' });
      await t.rejects(sel.select(0), { code: 'EBADF' });
      t.throws(() => sel.register(server, EVENT_READ), { code: 'EBADF' });
      sel.close();
    });

    t.test('a descriptor number beyond FD_SETSIZE: select refuses it, poll and epoll have no such cap', async (t) => {
      const sel = mk();
      const far = { fileno: () => 1500 };
      if (name === 'SelectSelector') {
        t.throws(() => sel.register(far, EVENT_READ), { code: 'ERR_OUT_OF_RANGE' });
        t.equal(sel.getMap().size, 0);
      } else if (name === 'EpollSelector') {
        t.throws(() => sel.register(far, EVENT_READ), { code: 'EBADF' }, 'not refused for its size: it is simply not open');
        t.equal(sel.getMap().size, 0);
      } else {
        const key = sel.register(far, EVENT_READ, 'far');
        t.same(await sel.select(0), [[key, EVENT_READ]], 'poll takes any number; POLLNVAL wakes the reader');
      }
    });
  });
}

for (const [name, make] of MODELS) {
  t.test(`${name}: modify of a closed, still-registered socket fails with EBADF and drops its key, as CPython`, async (t) => {
    const sel = make();
    t.teardown(() => sel.close());
    const { server } = await socketPair(t);
    sel.register(server, EVENT_READ, 'k');
    server.close();
    t.throws(() => sel.modify(server, EVENT_WRITE), { code: 'EBADF' });
    t.equal(sel.getKey(server), undefined, 'the key is gone (bpo-30014)');
    t.equal(sel.getMap().size, 0);
    t.throws(() => sel.unregister(server), { code: 'ENOENT' }, 'nothing left to unregister');
    t.same(await sel.select(0), [], 'and the model forgot it too: no EBADF, no POLLNVAL');
  });
}

for (const [name, make] of MODELS) {
  t.test(`${name}: a key unregistered or modified by a handler while its batch is handled is not delivered stale`, async (t) => {
    const sel = make();
    t.teardown(() => sel.close());
    const a = await socketPair(t);
    const b = await socketPair(t);
    const c = await socketPair(t);
    sel.register(a.server, EVENT_READ, 'a');
    sel.register(b.server, EVENT_READ, 'b');
    sel.register(c.server, EVENT_READ, 'c');
    for (const p of [a, b, c]) p.client.send('x');
    const deadline = performance.now() + PATIENCE_MS;
    let batch = await sel.select(1000);
    while (batch.length < 3 && performance.now() < deadline) batch = await sel.select(50);
    t.equal(batch.length, 3, 'all three in one batch');
    const seen: string[] = [];
    for (const [key] of batch) {
      seen.push(key.data as string);
      if (seen.length === 1) {
        // the first handler drops one of the others and stops reading another
        const others = ['a', 'b', 'c'].filter((d) => d !== key.data);
        const byData = { a: a.server, b: b.server, c: c.server } as const;
        sel.unregister(byData[others[0] as 'a' | 'b' | 'c']);
        sel.modify(byData[others[1] as 'a' | 'b' | 'c'], EVENT_WRITE, 'w');
      }
    }
    t.equal(seen.length, 1, `neither the unregistered key nor the one no longer reading was delivered: ${seen.join(',')}`);
    t.equal(batch.length, 3, 'the array itself still shows what was ready when select settled');
  });
}
