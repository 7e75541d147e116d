/**
 * CPython's Lib/test/test_selectors.py, ported: `BaseSelectorTestCase` run against SelectSelector,
 * PollSelector, EpollSelector and DefaultSelector, `ScalableSelectorMixIn` against poll and epoll, and the
 * epoll-only case. Real loopback pairs (test/fixtures/helpers.ts) stand in for `socketpair()`: `rd` is the
 * accepted end, `wr` the client.
 *
 * CPython's exceptions map to net-select's codes: KeyError -> ENOENT (unknown key) or EEXIST (registered
 * twice), ValueError -> ERR_INVALID_ARG_VALUE / ERR_OUT_OF_RANGE, RuntimeError("Selector is closed") ->
 * EBADF, OSError -> its errno name. Where CPython's `get_key` raises KeyError for an unknown object,
 * `getKey` returns `undefined` ("empty is a value", STYLE.md).
 *
 * Not ported, and why:
 * - test_modify's "modify uses a shortcut" half: it replaces `register`/`unregister` on the instance with
 *   mocks; `modify` here never calls the public methods, so there is nothing to observe.
 * - test_context_manager: no `with` statement; `close()` is what it checks, and test_close covers it.
 * - test_fileno: the selectors here have no `fileno()` (an `Epoll` has one: test/cpython-epoll.test.ts).
 * - test_select_interrupt_exc / test_select_interrupt_noraise: signals interrupting a blocking select(2);
 *   a select here is a promise in Node's event loop, which a signal handler never interrupts.
 * - test_timeout's elapsed-time bounds (0.8 s <= dt <= 2 s) and `select(-1)` (CPython: poll): no wall-clock
 *   asserts here (STYLE.md), and a negative timeout is ERR_OUT_OF_RANGE, a documented departure.
 * - EpollSelectorTestCase.test_register_file (EPERM for a regular file) is in test/regular-file.test.ts,
 *   beside the regular files it needs. KqueueSelectorTestCase: there is no kqueue.
 */
import t from 'tap';
import {
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  Epoll,
  EpollSelector,
  FD_SETSIZE,
  PollSelector,
  SelectSelector,
  getFdLimit,
  setFdLimit,
  type BaseSelector,
  type SelectorKey,
  type Socket,
} from '../lib/index.js';
import { PATIENCE_MS, acceptT, connectT, listenT, portOf, socketPair, type Cleanup } from './fixtures/helpers.js';

/** What differs between the models, as data (CPython's mixins). */
interface Caps {
  /** poll and epoll have no FD_SETSIZE cap (ScalableSelectorMixIn). */
  scalable: boolean;
  /** poll's table takes a number that is not open (it reports POLLNVAL); select and epoll refuse it. */
  takesUnopened: boolean;
}

const MODELS: [string, () => BaseSelector<unknown>, Caps][] = [
  ['DefaultSelector', () => new DefaultSelector(), { scalable: true, takesUnopened: false }],
  ['SelectSelector', () => new SelectSelector(), { scalable: false, takesUnopened: false }],
  ['PollSelector', () => new PollSelector(), { scalable: true, takesUnopened: true }],
  ['EpollSelector', () => new EpollSelector(), { scalable: true, takesUnopened: false }],
];

/** A connected loopback pair as CPython's `make_socketpair`: [rd, wr], closed at teardown. */
async function makeSocketpair(t: Cleanup): Promise<[rd: Socket, wr: Socket]> {
  const { server, client } = await socketPair(t);
  return [server, client];
}

/** The objects whose events in `ready` include `flag` (CPython's `find_ready_matching`). */
function findReadyMatching(ready: Iterable<[SelectorKey<unknown>, number]>, flag: number): unknown[] {
  const match: unknown[] = [];
  for (const [key, events] of ready) if (events & flag) match.push(key.fileobj);
  return match;
}

/** Selects with short timeouts until `pred` holds for an answer; fails after PATIENCE_MS. */
async function selectUntil(
  s: BaseSelector<unknown>,
  pred: (ready: [SelectorKey<unknown>, number][]) => boolean,
  what: string,
): Promise<[SelectorKey<unknown>, number][]> {
  const deadline = performance.now() + PATIENCE_MS;
  for (;;) {
    const ready = await s.select(50);
    if (pred(ready)) return ready;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${PATIENCE_MS} ms`);
  }
}

/** A socket that holds descriptor number `fd`: connects to `port` until the lowest free number is `fd`. */
function takeNumber(t: Cleanup, port: number, fd: number): Socket {
  for (let i = 0; i <= fd; i++) {
    const s = connectT(t, port);
    if (s.fileno() === fd) return s;
    if (s.fileno() > fd) break;
  }
  throw new Error(`descriptor ${fd} was not reused`);
}

for (const [name, make, caps] of MODELS) {
  t.test(name, async (t) => {
    const mk = (): BaseSelector<unknown> => {
      const s = make();
      t.teardown(() => s.close());
      return s;
    };

    t.test('test_register: the key; unknown events, a negative number, twice, the same number again', async (t) => {
      const s = mk();
      const [rd] = await makeSocketpair(t);
      const key = s.register(rd, EVENT_READ, 'data');
      t.equal(key.fileobj, rd);
      t.equal(key.fd, rd.fileno());
      t.equal(key.events, EVENT_READ);
      t.equal(key.data, 'data');
      t.throws(() => s.register(0, 999999), { code: 'ERR_INVALID_ARG_VALUE' }, 'an unknown event');
      t.throws(() => s.register(-10, EVENT_READ), { code: 'ERR_OUT_OF_RANGE' }, 'an invalid descriptor');
      t.throws(() => s.register(rd, EVENT_READ), { code: 'EEXIST' }, 'twice');
      t.throws(() => s.register(rd.fileno(), EVENT_READ), { code: 'EEXIST' }, 'the same number, another object');
    });

    t.test('test_unregister: an unknown object and a second unregister are ENOENT', async (t) => {
      const s = mk();
      const [rd] = await makeSocketpair(t);
      s.register(rd, EVENT_READ);
      s.unregister(rd);
      t.throws(() => s.unregister(999999), { code: 'ENOENT' });
      t.throws(() => s.unregister(rd), { code: 'ENOENT' });
    });

    t.test('test_unregister_after_fd_close: numbers registered, sockets closed, numbers unregistered', async (t) => {
      const s = mk();
      const [rd, wr] = await makeSocketpair(t);
      const [r, w] = [rd.fileno(), wr.fileno()];
      s.register(r, EVENT_READ);
      s.register(w, EVENT_WRITE);
      rd.close();
      wr.close();
      t.equal(s.unregister(r).fd, r);
      t.equal(s.unregister(w).fd, w);
      t.equal(s.getMap().size, 0);
    });

    t.test('test_unregister_after_fd_close_and_reuse: the numbers now name new sockets', async (t) => {
      const s = mk();
      const [rd, wr] = await makeSocketpair(t);
      const { listener } = await socketPair(t); // where the new sockets connect
      const [r, w] = [rd.fileno(), wr.fileno()];
      s.register(r, EVENT_READ);
      s.register(w, EVENT_WRITE);
      rd.close();
      wr.close();
      // os.dup2 in CPython; here the lowest free number is reused by the next socket.
      const [lo, hi] = r < w ? [r, w] : [w, r];
      takeNumber(t, portOf(listener), lo);
      takeNumber(t, portOf(listener), hi);
      t.equal(s.unregister(r).fd, r);
      t.equal(s.unregister(w).fd, w);
      t.equal(s.getMap().size, 0);
    });

    t.test('test_unregister_after_socket_close: objects registered, closed, unregistered', async (t) => {
      const s = mk();
      const [rd, wr] = await makeSocketpair(t);
      s.register(rd, EVENT_READ);
      s.register(wr, EVENT_WRITE);
      rd.close();
      wr.close();
      t.equal(s.unregister(rd).fileobj, rd);
      t.equal(s.unregister(wr).fileobj, wr);
    });

    t.test('test_modify: events, then data; an unknown object is ENOENT', async (t) => {
      const s = mk();
      const [rd] = await makeSocketpair(t);
      const key = s.register(rd, EVENT_READ);
      const key2 = s.modify(rd, EVENT_WRITE);
      t.not(key.events, key2.events);
      t.equal(s.getKey(rd), key2);
      s.unregister(rd);
      const d1 = {};
      const d2 = {};
      const k1 = s.register(rd, EVENT_READ, d1);
      const k2 = s.modify(rd, EVENT_READ, d2);
      t.equal(k1.events, k2.events);
      t.not(k1.data, k2.data);
      t.equal(s.getKey(rd), k2);
      t.equal(k2.data, d2);
      t.throws(() => s.modify(999999, EVENT_READ), { code: 'ENOENT' });
    });

    t.test('test_modify_unregister, bug 9: a modify the model refuses drops the key (bpo-30014)', async (t) => {
      const s = mk();
      const [rd] = await makeSocketpair(t);
      s.register(rd, EVENT_READ);
      t.equal(s.getMap().size, 1);
      rd.close(); // the one failure a real model gives: the socket is gone
      t.throws(() => s.modify(rd, EVENT_WRITE), { code: 'EBADF' });
      t.equal(s.getMap().size, 0, 'no stale key');
      t.same(await s.select(0), [], 'and the model holds nothing for it: no EBADF, no POLLNVAL');
    });

    t.test('bug 9: a failed modify by number is all or nothing in the model, and drops the key', async (t) => {
      const s = mk();
      const [rd, wr] = await makeSocketpair(t);
      const r = rd.fileno();
      s.register(r, EVENT_READ);
      s.register(wr, EVENT_WRITE, 'wr');
      rd.close();
      if (caps.takesUnopened) {
        // poll's table keeps the number (POLLNVAL): modify succeeds, as CPython's PollSelector does.
        t.equal(s.modify(r, EVENT_WRITE).events, EVENT_WRITE);
        s.unregister(r);
      } else {
        t.throws(() => s.modify(r, EVENT_WRITE), { code: 'EBADF' });
        t.equal(s.getKey(r), undefined, 'the key is dropped');
      }
      const ready = await s.select(0);
      t.same(ready.map(([k, e]) => [k.data, e]), [['wr', EVENT_WRITE]], 'the closed number is in no set: select does not fail');
    });

    t.test('test_close, bug 10: after close, getKey throws like every other method; the map is empty', async (t) => {
      const s = make();
      const mapping = s.getMap();
      const [rd, wr] = await makeSocketpair(t);
      s.register(rd, EVENT_READ);
      s.register(wr, EVENT_WRITE);
      s.close();
      t.throws(() => s.getKey(rd), { code: 'EBADF' }, 'bug 10: getKey on a closed selector throws');
      t.throws(() => s.getKey(wr), { code: 'EBADF' });
      t.throws(() => s.register(rd, EVENT_READ), { code: 'EBADF' });
      t.throws(() => s.modify(rd, EVENT_READ), { code: 'EBADF' });
      t.throws(() => s.unregister(rd), { code: 'EBADF' });
      await t.rejects(s.select(0), { code: 'EBADF' });
      t.equal(mapping.get(rd), undefined);
      t.equal(mapping.get(wr), undefined);
      t.equal(mapping.size, 0);
    });

    t.test('test_get_key: the key, by object; an unknown object is undefined', async (t) => {
      const s = mk();
      const [rd] = await makeSocketpair(t);
      const key = s.register(rd, EVENT_READ, 'data');
      t.equal(s.getKey(rd), key);
      t.equal(s.getKey(999999), undefined);
    });

    t.test('test_get_map, bug 7: a live, read-only view', async (t) => {
      const s = mk();
      const [rd] = await makeSocketpair(t);
      const keys = s.getMap();
      t.equal(keys.size, 0);
      t.same([...keys], []);
      const key = s.register(rd, EVENT_READ, 'data');
      t.ok(keys.has(rd), 'a key registered after the view was taken is in it');
      t.equal(keys.get(rd), key);
      t.equal(keys.get(rd.fileno()), key, 'by number too');
      t.equal(keys.size, 1);
      t.same([...keys.keys()], [rd]);
      t.same([...keys.values()], [key]);
      t.equal(keys.get(999999), undefined);
      // bug 7: the view cannot change the selector's table behind its back.
      const raw = keys as unknown as Partial<Map<unknown, unknown>>;
      t.equal(raw.delete, undefined, 'bug 7: no delete');
      t.equal(raw.set, undefined, 'no set');
      t.equal(raw.clear, undefined, 'no clear');
      t.throws(() => Map.prototype.delete.call(keys, rd), TypeError, "Map's own delete does not apply to it");
      t.equal(s.getKey(rd), key, 'still registered');
      t.equal(s.getMap(), keys, 'the same view every time');
    });

    t.test('test_select: only what is ready, masked by what each key asked for', async (t) => {
      const s = mk();
      const [rd, wr] = await makeSocketpair(t);
      s.register(rd, EVENT_READ);
      const wrKey = s.register(wr, EVENT_WRITE);
      const result = await s.select();
      for (const [key, events] of result) {
        t.ok(events !== 0 && (events & ~(EVENT_READ | EVENT_WRITE)) === 0, `events ${events} within READ|WRITE`);
        t.ok(key === wrKey);
      }
      t.same([...result], [[wrKey, EVENT_WRITE]]);
    });

    t.test('test_selector: 12 pairs, each message read from the right reader', async (t) => {
      const s = mk();
      const MSG = Buffer.from(' This is a test.');
      const writers: Socket[] = [];
      const r2w = new Map<unknown, Socket>();
      const w2r = new Map<unknown, Socket>();
      for (let i = 0; i < 12; i++) {
        const [rd, wr] = await makeSocketpair(t);
        s.register(rd, EVENT_READ);
        s.register(wr, EVENT_WRITE);
        writers.push(wr);
        r2w.set(rd, wr);
        w2r.set(wr, rd);
      }
      const bufs: Buffer[] = [];
      let turn = 0;
      while (writers.length > 0) {
        const readyWriters = findReadyMatching(await s.select(), EVENT_WRITE);
        if (readyWriters.length === 0) t.fail('no sockets ready for writing');
        const wr = readyWriters[turn++ % readyWriters.length] as Socket; // CPython: random.choice
        t.equal(wr.send(MSG), MSG.length);
        const ready = await selectUntil(s, (r) => findReadyMatching(r, EVENT_READ).length > 0, 'a reader');
        const readyReaders = findReadyMatching(ready, EVENT_READ);
        t.same(readyReaders, [w2r.get(wr)], 'exactly the writer’s peer');
        const rd = readyReaders[0] as Socket;
        const buf = rd.recv(MSG.length);
        t.equal(buf?.length, MSG.length);
        bufs.push(buf as Buffer);
        s.unregister(r2w.get(rd) as Socket);
        s.unregister(rd);
        writers.splice(writers.indexOf(r2w.get(rd) as Socket), 1);
      }
      t.same(bufs, Array(12).fill(MSG));
    });

    t.test('test_empty_select: timeout 0 with nothing registered is []', async (t) => {
      t.same(await mk().select(0), []);
    });

    t.test('test_timeout: 0 and none return what is ready; 0 and a positive timeout return [] when nothing is', async (t) => {
      const s = mk();
      const [rd, wr] = await makeSocketpair(t);
      s.register(wr, EVENT_WRITE);
      t.equal((await s.select(0)).length, 1);
      t.equal((await s.select(null)).length, 1);
      s.unregister(wr);
      s.register(rd, EVENT_READ);
      t.same(await s.select(0), []);
      t.same(await s.select(10), [], 'a positive timeout expires with []');
      await t.rejects(s.select(-1), { code: 'ERR_OUT_OF_RANGE' }, 'departure: CPython takes -1 as 0');
    });

    t.test('register of a number that is not open: refused and no key left, except by poll', async (t) => {
      const s = mk();
      const bad = 1000; // below FD_SETSIZE, never opened by these tests
      if (caps.takesUnopened) {
        t.equal(s.register(bad, EVENT_READ).fd, bad);
      } else {
        t.throws(() => s.register(bad, EVENT_READ), { code: 'EBADF' });
        t.throws(() => s.unregister(bad), { code: 'ENOENT' }, 'the key has been removed');
      }
    });

    if (caps.scalable) {
      t.test('test_above_fd_setsize: descriptors past FD_SETSIZE are watched', async (t) => {
        // Epoll instances are descriptors without sockets: they push the next numbers past FD_SETSIZE.
        const listener = await listenT(t); // below FD_SETSIZE, so that the helpers can select on it
        const saved = getFdLimit();
        setFdLimit(Math.max(saved, FD_SETSIZE + 256));
        t.teardown(() => setFdLimit(saved));
        const fillers: Epoll[] = [];
        t.teardown(() => {
          for (const ep of fillers) ep.close();
        });
        for (;;) {
          const ep = new Epoll();
          fillers.push(ep);
          if (ep.fileno() >= FD_SETSIZE) break;
        }
        const s = mk();
        const PAIRS = 8;
        for (let i = 0; i < PAIRS; i++) {
          const wr = connectT(t, portOf(listener));
          const rd = await acceptT(t, listener);
          t.ok(rd.fileno() > FD_SETSIZE && wr.fileno() > FD_SETSIZE);
          s.register(rd, EVENT_READ);
          s.register(wr, EVENT_WRITE);
        }
        const fds = await selectUntil(s, (r) => r.length === PAIRS, 'every writer');
        t.equal(fds.length, PAIRS, 'every writer, no reader');
      });
    }
  });
}

t.test('bug 10: modify without data keeps the key’s data; undefined given explicitly clears it', async (t) => {
  const s = new EpollSelector<string>();
  t.teardown(() => s.close());
  const [rd] = await makeSocketpair(t);
  s.register(rd, EVENT_READ, 'mine');
  t.equal(s.modify(rd, EVENT_WRITE).data, 'mine', 'kept (CPython would set None)');
  t.equal(s.modify(rd, EVENT_READ, undefined).data, undefined, 'cleared when asked');
});

t.test('SelectSelector is not scalable: a number past FD_SETSIZE is refused, and leaves no key', async (t) => {
  const s = new SelectSelector();
  t.teardown(() => s.close());
  t.throws(() => s.register({ fileno: () => FD_SETSIZE }, EVENT_READ), { code: 'ERR_OUT_OF_RANGE' });
  t.equal(s.getMap().size, 0);
});
