/**
 * The free select() keeps the object of a call that ended for its host's next call (its waiting queue, its
 * ready list and its registrations): random programs try to make one call's state reach the next. fast-check
 * generates programs over socket pairs on two hosts of a simulated network (virtual time, seeded): calls
 * started over random lists (duplicates, other orders, one array passed for two sets), with timeout 0, a
 * short one or none, some aborted later; and between them sends, recvs, shutdowns, closes, resets, pairs
 * opened again on the numbers closed ones freed, and virtual time passing. Calls are never awaited by the
 * program: several wait at once, on both hosts.
 *
 * Each answer is checked against an oracle as soon as it arrives, before the program does anything else:
 * - each list is exactly the items of the call's own list that are ready for that set now (`events()` and
 *   SELECT_READ / SELECT_WRITE / SELECT_EXCEPT), in input order;
 * - three empty lists only from a call with a timeout, at its deadline in virtual time (timeout 0: at once);
 *   no answer after the deadline;
 * - `EBADF` only for a call with a closed socket in its lists; `AbortError` only for a call that was aborted.
 * Whenever virtual time has passed, every call still waiting must be one with nothing ready, nothing closed,
 * not aborted and not past its deadline: otherwise a wake was lost (a stale registration) or a timer or an
 * abort listener went astray.
 *
 * The seed is printed; `NET_SELECT_SEED=N` replays a run, `NET_SELECT_RUNS=N` makes it longer.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import t from 'tap';
import fc from 'fast-check';
import { POLLOUT, SELECT_EXCEPT, SELECT_READ, SELECT_WRITE } from '../lib/core/flags.js';
import { select, type Listener, type Socket } from '../lib/index.js';
import { SimNetwork } from '../lib/testing/index.js';
import { SELECT_CHANNEL, type SelectTrace } from '../lib/trace/trace.js';

const seed = Number(process.env.NET_SELECT_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Programs per run: kept small for `npm test`; NET_SELECT_RUNS=N for a longer hunt. */
const RUNS = Number(process.env.NET_SELECT_RUNS ?? 200);
t.comment(`property seed ${seed} (NET_SELECT_SEED=${seed} replays it)`);

const STEPS = 40;
const HOSTS = ['h0', 'h1'] as const;
const PAIRS = 2; // per host: four sockets each
const SOCKS = PAIRS * 2;
const MASKS = [SELECT_READ, SELECT_WRITE, SELECT_EXCEPT] as const;

type Alias = 'none' | 'w=r' | 'x=r' | 'x=w';
type Lists = [number[], number[], number[]];
type Op =
  | { k: 'select'; host: number; lists: Lists; alias: Alias; timeout: number | null; withClosed: boolean; numbers: boolean; usual: number | null }
  | { k: 'send'; host: number; sock: number; n: number }
  | { k: 'recv'; host: number; sock: number; n: number }
  | { k: 'shutdown'; host: number; sock: number; how: number }
  | { k: 'close'; host: number; sock: number }
  | { k: 'reset'; host: number; sock: number }
  | { k: 'reopen'; host: number; pair: number }
  | { k: 'abort'; back: number }
  | { k: 'run'; ms: number };

const host = fc.integer({ min: 0, max: HOSTS.length - 1 });
const sock = fc.integer({ min: 0, max: SOCKS - 1 });
const list = fc.array(sock, { maxLength: 4 });
/** A write list: mostly empty, since a socket with room is writable at once and the call would not wait. */
const wlist = fc.oneof({ weight: 3, arbitrary: fc.constant<number[]>([]) }, { weight: 1, arbitrary: list });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('select' as const),
      host,
      lists: fc.tuple(list, wlist, list),
      // Mostly one of the program's few usual lists, as a select loop passes the same lists call after call.
      usual: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.constant(null) }),
      alias: fc.constantFrom<Alias>('none', 'none', 'none', 'w=r', 'x=r', 'x=w'),
      timeout: fc.oneof(fc.constant(null), fc.constant(0), fc.integer({ min: 1, max: 30 })),
      // Mostly the open sockets of the lists only: a closed one fails the call at once, and tests little more.
      withClosed: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
      numbers: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
    }),
  },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('send' as const), host, sock, n: fc.integer({ min: 1, max: 700 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('recv' as const), host, sock, n: fc.integer({ min: 1, max: 700 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('shutdown' as const), host, sock, how: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('close' as const), host, sock }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reset' as const), host, sock }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('reopen' as const), host, pair: fc.integer({ min: 0, max: PAIRS - 1 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('abort' as const), back: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('run' as const), ms: fc.constantFrom(0, 1, 3, 10, 40) }) },
);

const sel = (host: number, r: number[], w: number[], x: number[], timeout: number | null = null, alias: Alias = 'none'): Op => ({ k: 'select', host, lists: [r, w, x], alias, timeout, withClosed: false, numbers: false, usual: null });
/** A program: its usual lists, and its steps. */
const program = fc.tuple(fc.array(fc.tuple(list, wlist, list), { minLength: 1, maxLength: 3 }), fc.array(op, { minLength: 10, maxLength: STEPS }));
/**
 * Programs run before the random ones, each aimed at one way a kept call could carry state into the next.
 */
const EXAMPLES: [[Lists[], Op[]], number, number][] = [
  // A pair closed and opened again on the same numbers, passed at the same place: the new socket must be watched.
  [[[], [sel(0, [0], [], []), { k: 'send', host: 0, sock: 1, n: 1 }, { k: 'run', ms: 5 }, { k: 'reopen', host: 0, pair: 0 }, sel(0, [0], [], []), { k: 'run', ms: 5 }, { k: 'send', host: 0, sock: 1, n: 1 }, { k: 'run', ms: 5 }]], 1, 1],
];

/** One select() of the program and what became of it. */
interface Call {
  id: number;
  lists: Socket[][];
  /** What it passed: each socket, or its descriptor number. */
  items: Item[][];
  timeout: number | null;
  start: number;
  ac: AbortController;
  aborted: boolean;
  settled: boolean;
  /** The readiness of its lists at each answer published that may be its own (two calls may ask alike). */
  expected: { at: number; lists: Item[][] }[];
  promise: Promise<void>;
}

/** Lets the answers already given run their checks before the program goes on (a few microtask hops). */
async function hops(): Promise<void> {
  for (let i = 0; i < 4; i++) await null;
}

/** What the programs' calls came to, over a run: each kind must have happened, or the run proved little. */
const seen = { answered: 0, timedOut: 0, polled: 0, ebadf: 0, aborted: 0, waitedAtCheck: 0, reopened: 0 };

const sameNumbers = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((n, i) => n === b[i]);
type Item = Socket | number;
const sameItems = (a: readonly Item[], b: readonly Item[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

/** Where the answers published on select's trace channel go: the program running now. */
let onAnswer: (msg: SelectTrace) => void = () => {};

const ready = (s: Socket, mask: number): boolean => s.fileno() !== -1 && (s.events() & mask) !== 0;

async function runProgram([usual, ops]: [Lists[], Op[]], simSeed: number, latencyMs: number): Promise<void> {
  // Latency with a fraction too: virtual time then has one, and so does every deadline.
  const sim = new SimNetwork({ seed: simSeed, faults: { latencyMs, fragment: true } });
  const opts = { sndbuf: 512, rcvbuf: 512 };
  const listeners = await Promise.all(HOSTS.map((name) => sim.host(name).listen({ port: 1, backlog: 1, ...opts })));
  /** A connected pair on host `h`: the client gets the lowest free number, the server the next one. */
  const pairOn = async (h: number): Promise<[Socket, Socket]> => {
    const l = listeners[h] as Listener;
    const client = sim.host(HOSTS[h] as string).connect({ host: HOSTS[h] as string, port: 1, ...opts });
    // Waited for without select(): a select here would take the host's kept call and replace its registrations.
    while (l.pending === 0) await sim.runFor(1);
    const server = l.accept() as Socket;
    while ((client.events() & POLLOUT) === 0) await sim.runFor(1);
    return [client, server];
  };
  const socks: Socket[][] = [];
  for (let h = 0; h < HOSTS.length; h++) {
    socks.push([]);
    for (let p = 0; p < PAIRS; p++) socks[h]?.push(...(await pairOn(h)));
  }
  const all: Socket[] = socks.flat();
  const calls: Call[] = [];
  const failures: string[] = [];
  const fail = (c: Call | undefined, msg: string): void => {
    failures.push(`${c ? `call #${c.id} (${c.lists.map((l) => `[${l.map((s) => all.indexOf(s)).join(',')}]`).join(' ')} timeout ${c.timeout} at t=${c.start})` : ''} t=${sim.now()}: ${msg}`);
  };

  // The answer as it is given (select publishes it on its trace channel, in the same job): the readiness of
  // each call it may be, at that moment. A later event of the same virtual instant cannot blur the check.
  onAnswer = (msg: SelectTrace): void => {
    if (msg.source !== 'select') return;
    const asked = [msg.rlist, msg.wlist, msg.xlist];
    for (const c of calls) {
      if (c.settled || c.timeout !== msg.timeoutMs) continue;
      if (!c.lists.every((l, k) => sameNumbers(l.map((s) => s.fileno()), asked[k] as number[]))) continue;
      const now = c.items.map((l, k) => l.filter((_, i) => ready(c.lists[k]?.[i] as Socket, MASKS[k] as number)));
      c.expected.push({ at: sim.now(), lists: now });
    }
  };

  const start = (o: Extract<Op, { k: 'select' }>): void => {
    const mine = socks[o.host] as Socket[];
    const pick = (l: number[]): Socket[] => l.map((i) => mine[i] as Socket).filter((s) => o.withClosed || s.fileno() !== -1);
    const lists0 = (o.usual === null ? undefined : usual[o.usual % usual.length]) ?? o.lists;
    const r = pick(lists0[0]);
    let w = pick(lists0[1]);
    let x = pick(lists0[2]);
    if (o.alias === 'w=r') w = r;
    if (o.alias === 'x=r') x = r;
    if (o.alias === 'x=w') x = w;
    const lists = [r.slice(), w.slice(), x.slice()]; // the sockets of what the call was given (it copies them too)
    // Three empty lists name no host: such a call waits on the process's real clock, not the network's.
    if (lists.every((l) => l.length === 0) && o.timeout !== null) return;
    // Some calls pass descriptor numbers for open sockets, all but one socket (which names the host).
    const first = lists.flat()[0];
    const asItems = (l: Socket[]): Item[] => l.map((s) => (o.numbers && s !== first && s.fileno() !== -1 ? s.fileno() : s));
    const pr = asItems(r);
    const pw = w === r ? pr : asItems(w);
    const px = x === r ? pr : x === w ? pw : asItems(x);
    const items = [pr.slice(), pw.slice(), px.slice()];
    const ac = new AbortController();
    const call: Call = { id: calls.length, lists, items, timeout: o.timeout, start: sim.now(), ac, aborted: false, settled: false, expected: [], promise: Promise.resolve() };
    calls.push(call); // before the call: it may be answered at once
    const closedAtCall = lists.some((l) => l.some((s) => s.fileno() === -1));
    const empty = r.length + w.length + x.length === 0;
    call.promise = select(pr, pw, px, o.timeout, { signal: ac.signal }).then(
      (got) => {
        call.settled = true;
        if (closedAtCall) fail(call, 'answered although a socket in its lists was closed at the call');
        if (call.aborted) fail(call, 'answered after its abort');
        const show = (l: Item[]): string => `[${l.map((s) => (typeof s === 'number' ? `fd ${s}` : all.indexOf(s))).join(',')}]`;
        const none = got.every((l) => l.length === 0);
        if (o.timeout === 0) seen.polled++;
        else if (none) seen.timedOut++;
        else seen.answered++;
        // Its answer is one published for lists like its own (another call may have asked alike: any will do),
        // holding what was ready then, at a time its timeout allows.
        const problems = (e: Call['expected'][number]): string[] => {
          const out: string[] = [];
          if (!e.lists.every((l, k) => sameItems(l, got[k] as Item[]))) out.push(`answered ${got.map(show).join(' ')}, ready then ${e.lists.map(show).join(' ')}`);
          if (o.timeout === null && none) out.push('three empty lists from a call without a timeout');
          if (o.timeout !== null) {
            const deadline = call.start + o.timeout;
            if (e.at > deadline) out.push(`answered after its deadline ${deadline}`);
            if (none && e.at !== deadline) out.push(`three empty lists before its deadline ${deadline}`);
          }
          return out.map((p) => `${p} (an answer at ${e.at})`);
        };
        const found = call.expected.map(problems);
        if (found.length === 0) fail(call, `answered ${got.map(show).join(' ')}, and no answer was published for it`);
        else if (found.every((p) => p.length > 0)) fail(call, found.flat().join('; '));
      },
      (err: unknown) => {
        call.settled = true;
        const e = err as { code?: string; name?: string };
        if (e.code === 'EBADF') {
          seen.ebadf++;
          if (!lists.some((l) => l.some((s) => s.fileno() === -1))) fail(call, 'EBADF with every socket of its lists open');
        } else if (e.name === 'AbortError') {
          seen.aborted++;
          if (!call.aborted) fail(call, 'AbortError without an abort');
        } else if (e.code === 'ERR_INVALID_ARG_VALUE') {
          if (!(empty && o.timeout === null)) fail(call, `ERR_INVALID_ARG_VALUE: ${String(err)}`);
        } else fail(call, `failed with ${String(err)}`);
      },
    );
  };

  /** Every call still waiting must have a reason to wait. */
  const checkWaiting = (): void => {
    const now = sim.now();
    for (const c of calls) {
      if (c.settled) continue;
      seen.waitedAtCheck++;
      if (c.aborted) fail(c, 'still waiting after its abort');
      if (c.lists.some((l) => l.some((s) => s.fileno() === -1))) fail(c, 'still waiting with a closed socket in its lists');
      else if (c.lists.some((l, k) => l.some((s) => ready(s, MASKS[k] as number)))) fail(c, 'still waiting with a socket ready for its set (a lost wake)');
      if (c.timeout !== null && now > c.start + c.timeout) fail(c, `still waiting past its deadline ${c.start + c.timeout}`);
    }
  };

  const quiet = (f: () => unknown): void => {
    try {
      f();
    } catch {
      // the program's own calls may fail (EPIPE, EAGAIN, ECONNRESET, EBADF): that is not what is tested here
    }
  };

  for (const o of ops) {
    const s = o.k === 'select' || o.k === 'reopen' || o.k === 'abort' || o.k === 'run' ? undefined : (socks[o.host]?.[o.sock] as Socket);
    switch (o.k) {
      case 'select':
        start(o);
        break;
      case 'send':
        quiet(() => s?.send(Buffer.alloc(o.n, 0x61)));
        break;
      case 'recv':
        quiet(() => s?.recv(o.n));
        break;
      case 'shutdown':
        quiet(() => s?.shutdown(o.how));
        break;
      case 'close':
        s?.close();
        break;
      case 'reset':
        quiet(() => s?.reset());
        break;
      case 'reopen': {
        const mine = socks[o.host] as Socket[];
        const a = mine[o.pair * 2] as Socket;
        const b = mine[o.pair * 2 + 1] as Socket;
        // Closed, then opened again: the new pair gets the numbers the old one freed, and calls pass it where
        // earlier calls passed the old one.
        a.close();
        b.close();
        const pair = await pairOn(o.host);
        mine[o.pair * 2] = pair[0];
        mine[o.pair * 2 + 1] = pair[1];
        all.push(...pair);
        seen.reopened++;
        break;
      }
      case 'abort': {
        const c = calls[calls.length - 1 - o.back];
        if (c === undefined || c.aborted) break;
        c.aborted = !c.settled; // one that has been answered already is not concerned
        c.ac.abort();
        break;
      }
      case 'run':
        await sim.runFor(o.ms);
        await hops();
        checkWaiting();
        break;
    }
    await hops();
    if (failures.length > 0) break;
  }
  // The end: a while for everything to arrive, then every call must have a reason to still wait.
  if (failures.length === 0) {
    await sim.runFor(100);
    await hops();
    checkWaiting();
  }
  for (const c of calls) {
    if (!c.settled) {
      c.aborted = true;
      c.ac.abort();
    }
  }
  await Promise.all(calls.map((c) => c.promise));
  for (const s of all) s.close();
  for (const l of listeners) l.close();
  if (failures.length > 0) throw new Error(`sim seed ${simSeed}:\n${failures.join('\n')}`);
}

t.test('random programs of select() calls over a simulated network: every answer is the readiness of its own lists, at the right virtual time, and no call waits without a reason', async (t) => {
  const listen = (msg: unknown): void => onAnswer(msg as SelectTrace);
  subscribe(SELECT_CHANNEL, listen);
  t.teardown(() => unsubscribe(SELECT_CHANNEL, listen));
  await fc.assert(
    fc.asyncProperty(program, fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(0, 0.3, 0.7, 1, 1.1, 2), runProgram),
    { seed, numRuns: RUNS, examples: EXAMPLES },
  );
  t.comment(JSON.stringify(seen));
  for (const [kind, n] of Object.entries(seen)) t.ok(n > 0, `calls that ${kind}: ${n}`);
});

t.test('bug: on a simulated network whose virtual time has a fraction, a timeout fires a millisecond late (a float sum rounded up)', async (t) => {
  // A latency of 0.7 ms: the pair connects at 1.4 ms, and every deadline after it has a fraction.
  const sim = new SimNetwork({ seed: 1, faults: { latencyMs: 0.7 } });
  const [a, b] = await sim.socketpair();
  t.teardown(() => [a, b].forEach((s) => s.close()));
  t.not(sim.now() % 1, 0, 'the virtual time has a fraction');
  for (const ms of [1, 2, 3, 5, 7, 10]) {
    const start = sim.now();
    t.same(await select([a], [], [], ms), [[], [], []], `select(${ms})`);
    // Virtual time is kept to the microsecond: the answer comes at the deadline, give or take float noise.
    t.ok(Math.abs(sim.now() - (start + ms)) < 1e-6, `select(${ms}) from ${start}: answered at ${sim.now()}, deadline ${start + ms}`);
  }
});
