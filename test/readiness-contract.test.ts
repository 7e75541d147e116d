/**
 * One readiness contract, four models: the free `select()`, `Selector`, `Poll` and level-triggered
 * `Epoll` must tell the same facts about the same sockets, over loopback TCP and over the in-memory pair
 * (`net-select/testing`'s `socketpair`). Each model is driven through a small adapter (watch / unwatch /
 * check), and what the models are allowed to differ in is declared as capabilities (CPython's mixins),
 * never as `if (name === ...)` in a test.
 *
 * Absence is proven by the model: a check with timeout 0 answers from the state as it is, so "not
 * reported" means the model holds nothing, not that an event was late.
 */
import t from 'tap';
import {
  Epoll,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  Poll,
  SHUT_WR,
  Selector,
  select,
  type Pollable,
  type PollEvent,
  type Socket,
} from '../lib/index.js';
import { socketpair } from '../lib/testing/index.js';
import { PATIENCE_MS, listenT, connectT, portOf, socketPair, until, type Cleanup } from './fixtures/helpers.js';

/** What one check says about one watched file. */
interface Fact {
  readable: boolean;
  writable: boolean;
  /** A pending error: POLLERR, or select's except set (a documented departure: POSIX puts OOB data there). */
  error: boolean;
  /** POLLHUP: both directions shut. */
  hup: boolean;
  /** POLLNVAL: the descriptor is not open. */
  nval: boolean;
}

const NONE: Fact = { readable: false, writable: false, error: false, hup: false, nval: false };

/** What the models may differ in. */
interface Caps {
  /**
   * A socket closed while watched: `fails` — the whole call fails with EBADF (select); `nval` — its entry
   * reports POLLNVAL (poll); `forgets` — it is dropped silently (epoll).
   */
  closed: 'fails' | 'nval' | 'forgets';
  /** The model can say "hang-up" (poll and epoll); select has only its three sets. */
  hup: boolean;
}

/** A model behind one interface. */
interface Watcher {
  watch(file: Pollable, interest: { read?: boolean; write?: boolean }): void;
  unwatch(file: Pollable): void;
  /** One call: `null` waits, 0 polls, > 0 waits at most that long. Facts for the files reported. */
  check(timeoutMs: number | null): Promise<Map<Pollable, Fact>>;
}

interface Model {
  name: string;
  caps: Caps;
  open(t: Cleanup): Watcher;
}

/** The free select(): every watched file also goes in the except list, where a pending error shows. */
function freeSelect(): Watcher {
  const interest = new Map<Pollable, { read?: boolean; write?: boolean }>();
  return {
    watch: (f, i) => void interest.set(f, i),
    unwatch: (f) => void interest.delete(f),
    async check(timeoutMs) {
      const files = [...interest];
      const [r, w, x] = await select(
        files.filter(([, i]) => i.read).map(([f]) => f),
        files.filter(([, i]) => i.write).map(([f]) => f),
        files.map(([f]) => f),
        timeoutMs,
      );
      return setFacts(r, w, x);
    },
  };
}

function setFacts(r: Iterable<unknown>, w: Iterable<unknown>, x: Iterable<unknown>): Map<Pollable, Fact> {
  const out = new Map<Pollable, Fact>();
  const at = (f: unknown): Fact => {
    const fact = out.get(f as Pollable) ?? { ...NONE };
    out.set(f as Pollable, fact);
    return fact;
  };
  for (const f of r) at(f).readable = true;
  for (const f of w) at(f).writable = true;
  for (const f of x) at(f).error = true;
  return out;
}

function selectorWatcher(t: Cleanup): Watcher {
  const sel = new Selector();
  t.teardown(() => sel.close());
  return {
    watch(f, i) {
      if (i.read) sel.rlist.add(f);
      if (i.write) sel.wlist.add(f);
      sel.xlist.add(f);
    },
    unwatch(f) {
      sel.rlist.delete(f);
      sel.wlist.delete(f);
      sel.xlist.delete(f);
    },
    async check(timeoutMs) {
      const [r, w, x] = await sel.select(timeoutMs);
      return setFacts(r, w, x);
    },
  };
}

function pollerWatcher(t: Cleanup, p: Poll | Epoll): Watcher {
  t.teardown(() => p.close());
  const byFd = new Map<number, Pollable>(); // the number each file had when it was watched
  return {
    watch(f, i) {
      byFd.set(f.fileno(), f);
      p.register(f, (i.read ? POLLIN : 0) | (i.write ? POLLOUT : 0));
    },
    unwatch(f) {
      for (const [fd, file] of byFd) {
        if (file !== f) continue;
        byFd.delete(fd);
        p.unregister(fd);
      }
    },
    async check(timeoutMs) {
      const out = new Map<Pollable, Fact>();
      for (const [fd, ev] of (await p.poll(timeoutMs)) as PollEvent[]) {
        const f = byFd.get(fd);
        if (f === undefined) throw new Error(`reported a descriptor never watched: ${fd}`);
        out.set(f, {
          readable: (ev & POLLIN) !== 0,
          writable: (ev & POLLOUT) !== 0,
          error: (ev & POLLERR) !== 0,
          hup: (ev & POLLHUP) !== 0,
          nval: (ev & POLLNVAL) !== 0,
        });
      }
      return out;
    },
  };
}

const MODELS: Model[] = [
  { name: 'select()', caps: { closed: 'fails', hup: false }, open: () => freeSelect() },
  { name: 'Selector', caps: { closed: 'fails', hup: false }, open: (t) => selectorWatcher(t) },
  { name: 'Poll', caps: { closed: 'nval', hup: true }, open: (t) => pollerWatcher(t, new Poll()) },
  { name: 'Epoll (level-triggered)', caps: { closed: 'forgets', hup: true }, open: (t) => pollerWatcher(t, new Epoll()) },
];

/** The fact about `f` in one answer (NONE when it is not in it). */
function factOf(answer: Map<Pollable, Fact>, f: Pollable): Fact {
  return answer.get(f) ?? NONE;
}

/** Checks with short timeouts until `pred` holds for `f`'s fact; fails naming `what` and the last fact. */
async function waitFor(w: Watcher, f: Pollable, pred: (fact: Fact) => boolean, what: string): Promise<Fact> {
  const deadline = performance.now() + PATIENCE_MS;
  let last = NONE;
  for (;;) {
    last = factOf(await w.check(50), f);
    if (pred(last)) return last;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${PATIENCE_MS} ms; last: ${JSON.stringify(last)}`);
  }
}

/** Where the connected pairs come from. */
interface Transport {
  name: string;
  pair(t: Cleanup): Promise<{ client: Socket; server: Socket }>;
  /** It has listeners (the in-memory pair is connected at once, with no listener). */
  listener: boolean;
}

const TRANSPORTS: Transport[] = [
  { name: 'loopback TCP', pair: (t) => socketPair(t), listener: true },
  {
    name: 'in-memory pair',
    pair: async (t) => {
      const [client, server] = socketpair();
      t.teardown(() => {
        client.close();
        server.close();
      });
      return { client, server };
    },
    listener: false,
  },
];

for (const { name, caps, open } of MODELS) {
  for (const { name: over, pair, listener } of TRANSPORTS) {
    t.test(`${name} over ${over}`, async (t) => {
      t.test('a fresh connection has nothing to read: a zero-timeout check reports nothing', async (t) => {
        const { server } = await pair(t);
        const w = open(t);
        w.watch(server, { read: true });
        t.same(await w.check(0), new Map());
      });

      t.test('interest masks the answer: a writable socket watched for reading only is not reported', async (t) => {
        const { server } = await pair(t);
        const w = open(t);
        w.watch(server, { read: true });
        t.same(await w.check(0), new Map());
        w.unwatch(server);
        w.watch(server, { write: true });
        t.same(factOf(await w.check(0), server), { ...NONE, writable: true }, 'watched for writing: writable');
      });

      t.test('a connected socket is writable, and a check without timeout answers at once', async (t) => {
        const { client } = await pair(t);
        const w = open(t);
        w.watch(client, { read: true, write: true });
        t.same(factOf(await w.check(null), client), { ...NONE, writable: true });
      });

      t.test('data makes the reader readable until it is read (level-triggered)', async (t) => {
        const { client, server } = await pair(t);
        const w = open(t);
        w.watch(server, { read: true });
        client.send('hello');
        await waitFor(w, server, (f) => f.readable, 'readable after data');
        t.ok(factOf(await w.check(0), server).readable, 'again');
        t.ok(factOf(await w.check(0), server).readable, 'and again');
        t.equal(server.recv(100)?.toString(), 'hello');
        t.same(await w.check(0), new Map(), 'read: nothing left to report');
      });

      t.test('a waiting check ends when data arrives', async (t) => {
        const { client, server } = await pair(t);
        const w = open(t);
        w.watch(server, { read: true });
        t.same(await w.check(0), new Map(), 'nothing ready: only readiness can end the wait');
        const waiting = w.check(null);
        client.send('x');
        t.ok(factOf(await waiting, server).readable);
      });

      t.test('timeout 0 and a positive timeout answer with nothing when nothing is ready', async (t) => {
        const { server } = await pair(t);
        const w = open(t);
        w.watch(server, { read: true });
        t.same(await w.check(0), new Map());
        t.same(await w.check(20), new Map(), 'the timeout expires with an empty answer');
      });

      t.test('a socket that is ready already is reported by the first check after it is watched', async (t) => {
        const { client, server } = await pair(t);
        client.send('x');
        await until(() => server.recvQueueSize > 0, 'the byte at the server');
        const w = open(t);
        w.watch(server, { read: true });
        t.ok(factOf(await w.check(0), server).readable);
      });

      t.test('several sockets ready together are reported in one answer', async (t) => {
        const pairs = [await pair(t), await pair(t), await pair(t)];
        const w = open(t);
        for (const p of pairs) w.watch(p.server, { read: true });
        for (const p of pairs) p.client.send('x');
        await until(() => pairs.every((p) => p.server.recvQueueSize > 0), 'the bytes at every server');
        const answer = await w.check(0);
        t.ok(pairs.every((p) => factOf(answer, p.server).readable), 'all three readable in one answer');
      });

      t.test('EOF is readable forever; half-close is not hang-up: still writable', async (t) => {
        const { client, server } = await pair(t);
        const w = open(t);
        w.watch(server, { read: true, write: true });
        client.shutdown(SHUT_WR);
        await waitFor(w, server, (f) => f.readable, 'readable at EOF');
        for (let i = 0; i < 3; i++) {
          t.equal(server.recv(10)?.length, 0, `recv returns EOF, call ${i + 1}`);
          t.same(factOf(await w.check(0), server), { ...NONE, readable: true, writable: true }, `readable and writable, check ${i + 1}`);
        }
      });

      t.test('both directions shut: readable, and a hang-up where the model can say it', async (t) => {
        const { client, server } = await pair(t);
        const w = open(t);
        w.watch(server, { read: true });
        client.shutdown(SHUT_WR);
        await waitFor(w, server, (f) => f.readable, 'readable at EOF');
        server.shutdown(SHUT_WR);
        t.same(factOf(await w.check(0), server), { ...NONE, readable: true, hup: caps.hup });
      });

      t.test('a reset peer: a pending error wakes the reader; recv throws it once', async (t) => {
        const { client, server } = await pair(t);
        const w = open(t);
        w.watch(server, { read: true });
        client.reset();
        const fact = await waitFor(w, server, (f) => f.error, 'the pending error');
        t.ok(fact.readable, 'readable: recv will not block');
        t.equal(fact.hup, caps.hup, 'a reset shuts both directions');
        t.throws(() => server.recv(10), { code: 'ECONNRESET' });
        t.same(factOf(await w.check(0), server), { ...NONE, readable: true, hup: caps.hup }, 'the error was taken; EOF stays');
      });

      if (listener) t.test('a pending connection makes a listener readable; accept takes it', async (t) => {
        const l = await listenT(t);
        const w = open(t);
        w.watch(l, { read: true });
        t.same(await w.check(0), new Map());
        connectT(t, portOf(l));
        await waitFor(w, l, (f) => f.readable, 'the listener readable');
        const s = l.accept();
        t.ok(s);
        t.teardown(() => s?.close());
        t.same(await w.check(0), new Map(), 'nothing left to accept');
      });

      t.test('unwatching stops the reports at once', async (t) => {
        const { client, server } = await pair(t);
        const w = open(t);
        w.watch(server, { read: true });
        w.watch(client, { write: true });
        client.send('x');
        await waitFor(w, server, (f) => f.readable, 'readable');
        w.unwatch(server);
        const answer = await w.check(0);
        t.equal(answer.has(server), false, 'the unwatched socket is not reported');
        t.ok(factOf(answer, client).writable, 'the other one still is');
      });

      t.test(`a socket closed while watched: ${caps.closed}`, async (t) => {
        const { client, server } = await pair(t);
        const w = open(t);
        w.watch(server, { read: true });
        w.watch(client, { write: true });
        server.close();
        if (caps.closed === 'fails') {
          await t.rejects(w.check(0), { code: 'EBADF' }, 'the whole call fails');
          w.unwatch(server);
          t.ok(factOf(await w.check(0), client).writable, 'and works again once it is removed');
          return;
        }
        const answer = await w.check(0);
        t.ok(factOf(answer, client).writable, 'the other socket is still served');
        if (caps.closed === 'nval') t.same(factOf(answer, server), { ...NONE, nval: true }, 'POLLNVAL for its entry only');
        else t.equal(answer.has(server), false, 'forgotten, without a word');
      });
    });
  }
}
