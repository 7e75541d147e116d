/** select(2) as one call, over real Node sockets. */
import { CostCounter, now, selectCopyBytes } from './cost.js';
import { invalidArgType, invalidArgValue, sysError } from './errors.js';
import { POLLNVAL, SELECT_EXCEPT, SELECT_READ, SELECT_WRITE } from './flags.js';
import { Pollable, type Watch } from './pollable.js';
import { FD_SETSIZE } from './fd-table.js';
import { fdOf, fileOf, type Selectable } from './resolve.js';
import type { ReadyLists } from './selector.js';
import { mayAnswerNow, noteCheckPhaseAnswer } from './turn.js';
import { checkTimeout } from './validate.js';

/** The cost of every free {@link select} call in this process, as the kernel would have paid it. */
export const selectCost = new CostCounter();

/**
 * Waits until some of the given sockets are ready, as select(2) does, and returns
 * `[readable, writable, exceptional]`: subsets of the very objects passed, in input order.
 *
 * - readable: data queued, EOF, a connection to accept, or a pending error;
 * - writable: connected with room in the send queue (also after a failed connect, as in POSIX);
 * - exceptional: a pending error (POSIX: out-of-band data, which Node never delivers).
 *
 * Level-triggered; every socket that became ready in the same event-loop turn comes back in the same call.
 * `timeoutMs`: `undefined`/`null` waits until something is ready, `0` polls, `> 0` waits at most that long
 * (a fraction rounds up). O(n) in the lists' length, like select(2) itself. The answer is given in the
 * check phase of the event-loop turn, so what Node read in that turn is in it — except that right after
 * such an answer, with nothing new from the network, one call per turn is answered at once (your own sends
 * may have made sockets writable). When nothing is ready yet, it watches the sockets in the lists, which
 * costs nothing while nothing happens.
 *
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a list that is not an array or an item that is not a
 * socket, an integer or an object with `fileno()`; `ERR_INVALID_ARG_VALUE` for three empty lists and no
 * timeout (Linux would sleep forever).
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for a negative/NaN timeout, a negative descriptor, or one
 * >= FD_SETSIZE ("filedescriptor out of range in select()").
 * @throws {SocketError} `EBADF` for a closed socket or unknown descriptor, at the call or while it waits.
 * Every error rejects the promise, and nothing has changed.
 * @example
 * const [readable, writable] = await select([listener, ...clients], pendingWrites, [], 1000)
 */
export function select<R extends Selectable, W extends Selectable = R, X extends Selectable = R>(
  rlist: readonly R[],
  wlist: readonly W[],
  xlist: readonly X[],
  timeoutMs?: number | null,
): Promise<[readable: R[], writable: W[], exceptional: X[]]> {
  const start = now();
  let call: Call;
  let ms: number;
  try {
    call = prepare(rlist, wlist, xlist);
    ms = checkTimeout(timeoutMs);
    if (ms === -1 && rlist.length + wlist.length + xlist.length === 0) {
      throw invalidArgValue('timeoutMs', 'must be given when all three lists are empty: select would wait forever');
    }
    if (call.hasClosed) throw sysError('EBADF', 'select', 'a socket in the lists is closed');
    const state = collect(call.lists, call.files);
    const ready = lastReady > 0;
    if ((ready || ms === 0) && mayAnswerNow()) {
      selectCost.record(call.nfds, selectCopyBytes(call.nfds), start, lastReady);
      return Promise.resolve(state as [R[], W[], X[]]);
    }
    call.waitForReady = ms !== 0 && !ready;
  } catch (err) {
    return Promise.reject(err);
  }
  // It waits: select(2) copies the sets in, so a list changed meanwhile changes nothing.
  const passed = call.lists.slice();
  for (let k = 0; k < 3; k++) {
    const first = passed.indexOf(passed[k] as readonly Selectable[]); // a list passed for two sets is copied once
    if (first < k) {
      call.lists[k] = call.lists[first] as readonly Selectable[];
      call.files[k] = call.files[first] as readonly Pollable[];
      continue;
    }
    const copy = (passed[k] as Selectable[]).slice();
    if (call.files[k] === passed[k]) call.files[k] = copy as Pollable[];
    call.lists[k] = copy;
  }
  call.setupMs = now() - start;
  return new Promise((resolve, reject) => {
    call.resolve = resolve as (r: ReadyLists) => void;
    call.reject = reject;
    if (!call.waitForReady) return void queue(call); // something is ready: answered in the next check phase
    // Nothing is ready: every socket in the lists wakes the call when its state changes; nothing runs meanwhile.
    call.watch();
    if (ms > 0 && ms <= MAX_TIMER_MS) timeouts.add(call, now() + ms);
  });
}

const NAMES = ['rlist', 'wlist', 'xlist'] as const;
/** The largest delay a Node timer can take; a longer timeout simply waits, with no timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One select() call: the lists as passed, the open file behind each item (the very same array when every item
 * is a socket), and, while it waits, the watch it keeps on each file.
 */
class Call implements Watch {
  lists: (readonly Selectable[])[];
  files: (readonly Pollable[])[];
  nfds = 0;
  /** A socket in the lists is closed (EBADF, once every item passed the type and range checks). */
  hasClosed = false;
  /** Waits until something is ready (or the timeout); otherwise it is answered in the next check phase. */
  waitForReady = false;
  setupMs = 0; // the time the call itself took before it waited
  resolve: (r: ReadyLists) => void = ignore;
  reject: (err: Error) => void = ignore;
  /** When the timeout fires (a {@link now} reading), or Infinity. */
  deadline = Infinity;
  queued = false;
  #watching = false;
  #settled = false;

  constructor(lists: (readonly Selectable[])[]) {
    this.lists = lists;
    this.files = lists.slice() as (readonly Pollable[])[];
  }

  watch(): void {
    this.#watching = true;
    this.#eachFile((f) => f._watch(this));
  }

  /** Each file of the lists, once per list (a list passed for two sets is one list). */
  #eachFile(fn: (f: Pollable) => void): void {
    const files = this.files;
    for (let k = 0; k < 3; k++) {
      const fl = files[k] as readonly Pollable[];
      if ((k > 0 && fl === files[0]) || (k > 1 && fl === files[1])) continue;
      for (let i = 0; i < fl.length; i++) fn(fl[i] as Pollable);
    }
  }

  /** A file in the lists changed (or was closed): look again in this turn's check phase. */
  wake(): void {
    queue(this);
  }

  /** A file in the lists was closed: the answer is EBADF. */
  closed(): void {
    queue(this);
  }

  /** Answers from the state now (`timedOut`: the timeout fired), unless a waiting call still has nothing. */
  settle(timedOut: boolean): void {
    if (this.#settled) return;
    const start = now() - this.setupMs;
    let out: ReadyLists;
    try {
      out = collect(this.lists, this.files);
    } catch (err) {
      this.#finish();
      return this.reject(err as Error); // EBADF: a socket was closed while the call waited
    }
    if (this.waitForReady && !timedOut && lastReady === 0) return; // a wake about something not asked for
    this.#finish();
    if (timedOut) noteCheckPhaseAnswer();
    selectCost.record(this.nfds, selectCopyBytes(this.nfds), start, lastReady);
    this.resolve(out);
  }

  #finish(): void {
    this.#settled = true;
    if (this.#watching) this.#eachFile((f) => f._unwatch(this));
    if (this.deadline !== Infinity) timeouts.delete(this);
  }
}

/** Validates the lists and finds the open file behind each item. */
function prepare(rlist: readonly Selectable[], wlist: readonly Selectable[], xlist: readonly Selectable[]): Call {
  const call = new Call([rlist, wlist, xlist]);
  const files = call.files;
  let numbers = false;
  for (let k = 0; k < 3; k++) {
    const list = files[k] as readonly unknown[];
    if (!Array.isArray(list)) throw invalidArgType(NAMES[k] as string, 'an array', list);
    for (let i = 0; i < list.length; i++) {
      const item: unknown = list[i];
      if (item instanceof Pollable) {
        // The common case, kept cheap: the socket is its own open file.
        const fd = item.fileno();
        if (fd >= 0 && fd < FD_SETSIZE) {
          if (fd >= call.nfds) call.nfds = fd + 1;
          continue;
        }
        if (fd === -1) {
          call.hasClosed = true; // EBADF, but only after every item passed the type and range checks
          continue;
        }
      }
      const fd = fdOf(item, `${NAMES[k] as string}[${i}]`, true);
      if (fd >= call.nfds) call.nfds = fd + 1;
      numbers = true;
    }
  }
  // A number or an object with fileno(): looked up once every item passed the type and range checks.
  if (numbers && !call.hasClosed) {
    for (let k = 0; k < 3; k++) {
      files[k] = (call.lists[k] as readonly Selectable[]).map((item) =>
        item instanceof Pollable ? item : fileOf(fdOf(item, '', true), 'select'),
      );
    }
  }
  return call;
}

let lastReady = 0; // what the last collect() counted, as select(2) counts: once per set a descriptor is ready in

/**
 * The ready-lists from the state now, in one pass: a list passed for two sets (the seed's
 * `select(inputs, outputs, inputs)`) is looked at once. `EBADF` if a socket is closed.
 */
function collect(lists: (readonly Selectable[])[], files: (readonly Pollable[])[]): ReadyLists {
  const out: ReadyLists = [[], [], []];
  let ready = 0;
  for (let k = 0; k < 3; k++) {
    const fl = files[k] as readonly Pollable[];
    if ((k > 0 && fl === files[0]) || (k > 1 && fl === files[1])) continue; // done with the first set it is in
    // The sets this same list is passed for, as a mask over MASKS' indexes.
    let sets = 1 << k;
    for (let j = k + 1; j < 3; j++) if (files[j] === fl) sets |= 1 << j;
    const list = lists[k] as readonly Selectable[];
    for (let i = 0; i < fl.length; i++) {
      const ev = (fl[i] as Pollable).events();
      if (ev & POLLNVAL) throw sysError('EBADF', 'select', 'a socket in the lists was closed while select waited');
      if ((ev & SELECT_READ) !== 0 && (sets & 1) !== 0) {
        (out[0] as Selectable[]).push(list[i] as Selectable);
        ready++;
      }
      if ((ev & SELECT_WRITE) !== 0 && (sets & 2) !== 0) {
        (out[1] as Selectable[]).push(list[i] as Selectable);
        ready++;
      }
      if ((ev & SELECT_EXCEPT) !== 0 && (sets & 4) !== 0) {
        (out[2] as Selectable[]).push(list[i] as Selectable);
        ready++;
      }
    }
  }
  lastReady = ready;
  return out;
}

/**
 * The timeouts of the waiting calls, on one Node timer: a call that settles before its timeout leaves the set
 * and the timer is left to fire (then re-armed for the next deadline, if any), so that a loop of select calls
 * with the same timeout arms about one timer per timeout period instead of one per call. The timer holds the
 * process open only while some call waits, as a timer per call would.
 */
class Timeouts {
  readonly #calls = new Set<Call>();
  #timer: NodeJS.Timeout | undefined;
  #at = Infinity; // when #timer fires
  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#at = Infinity;
    const t = now();
    let next = Infinity;
    for (const call of this.#calls) {
      if (call.deadline <= t) call.settle(true); // leaves the set
      else if (call.deadline < next) next = call.deadline;
    }
    if (next !== Infinity) this.#arm(next);
  };

  add(call: Call, deadline: number): void {
    call.deadline = deadline;
    if (this.#calls.size === 0) this.#timer?.ref();
    this.#calls.add(call);
    if (deadline < this.#at) this.#arm(deadline);
  }

  delete(call: Call): void {
    this.#calls.delete(call);
    if (this.#calls.size === 0) this.#timer?.unref();
  }

  #arm(deadline: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#at = deadline;
    // Node's timers fire no earlier than asked, in whole milliseconds: round up, as the timeout does.
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(deadline - now())));
  }
}

const timeouts = new Timeouts();

// The calls to look at in this turn's check phase, served by one setImmediate for all of them.
let due: Call[] = [];
let spare: Call[] = [];
let checkPhaseScheduled = false;

function queue(call: Call): void {
  if (call.queued) return;
  call.queued = true;
  due.push(call);
  if (checkPhaseScheduled) return;
  checkPhaseScheduled = true;
  setImmediate(runCheckPhase);
}

function runCheckPhase(): void {
  checkPhaseScheduled = false;
  noteCheckPhaseAnswer();
  const calls = due;
  due = spare;
  spare = calls;
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i] as Call;
    call.queued = false;
    call.settle(false);
  }
  calls.length = 0;
}

function ignore(): void {}
