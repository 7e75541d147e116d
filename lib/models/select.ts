/** select(2) as one call, over real Node sockets. */
import { CostCounter, now, selectCopyBytes } from '../core/cost.js';
import { invalidArgType, invalidArgValue, sysError } from '../core/errors.js';
import { POLLNVAL, SELECT_EXCEPT, SELECT_READ, SELECT_WRITE } from '../core/flags.js';
import { Pollable } from '../core/pollable.js';
import { FD_SETSIZE } from '../core/fd-table.js';
import { mixedHosts, processHost, type Host } from '../core/host.js';
import { fdOf, fileOf, type Selectable } from '../core/resolve.js';
import { ReadyList, type ReadyListOwner, type Registration } from '../core/ready-list.js';
import { RunList } from '../core/run-list.js';
import { publishSelect, selectChannel } from '../trace/trace.js';
import { checkTimeout, checkWaitOptions } from '../core/validate.js';
import { Pending, type Ask, type PendingOwner, type WaitOptions } from '../core/pending.js';
import { gather, type ReadyLists } from './ready-sets.js';

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
 * (a fraction rounds up; above 2**31 - 1 ms, Node's longest timer, it waits for readiness only, with no
 * timer to keep the process alive). It never returns three empty lists before its timeout: a socket ready
 * at the call but no longer ready when the call is answered (the program read it meanwhile) leaves the call
 * waiting. O(n) in the lists' length, like select(2) itself. The answer is given in the
 * check phase of the event-loop turn, so what Node read in that turn is in it — except that right after
 * such an answer, with nothing new from the network, two calls per turn are answered at once (your own
 * sends may have made sockets writable). When nothing is ready yet, it watches the sockets themselves, which
 * costs nothing while nothing happens.
 *
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a list that is not an array or an item that is not a
 * socket, an integer or an object with `fileno()`; `ERR_INVALID_ARG_VALUE` for three empty lists and no
 * timeout (Linux would sleep forever).
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for a negative/NaN timeout, a negative descriptor, or one
 * >= FD_SETSIZE ("filedescriptor out of range in select()").
 * `options.signal` cancels the wait: the promise rejects with an `AbortError` (`code` `'ABORT_ERR'`).
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
  options?: WaitOptions,
): Promise<[readable: R[], writable: W[], exceptional: X[]]> {
  const start = now();
  try {
    const call = prepare(rlist, wlist, xlist, timeoutMs, options);
    // Answered at once when it may be; a signal aborted already is the waiting path's to refuse.
    if ((call.ms === 0 || call.ready) && call.signal?.aborted !== true && call.host.turn.mayAnswerNow()) {
      return Promise.resolve(answer(call.lists, call.files, call.nfds, start, start, call.ms) as [R[], W[], X[]]);
    }
    // It waits: select(2) copies the sets in, so a list changed meanwhile changes nothing.
    copyLists(call);
    // The cost counts our own work, not the wait (bug 13).
    return SelectCall.take(call.host).wait(call, now() - start, start) as Promise<[R[], W[], X[]]>;
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

const NAMES = ['rlist', 'wlist', 'xlist'] as const;

/** Whether `lists[k]` is the very array of an earlier set (as in `select(inputs, outputs, inputs)`). */
function repeats(lists: readonly unknown[], k: number): boolean {
  return (k > 0 && lists[k] === lists[0]) || (k > 1 && lists[k] === lists[1]);
}

/** One call's checked arguments. */
interface Call {
  /** The lists as passed (copies once the call waits): the answer holds their items. */
  lists: (readonly Selectable[])[];
  /** The open file behind each item; the list itself when every item is a socket. */
  files: (readonly Pollable[])[];
  nfds: number;
  /** The checked timeout (-1: none). */
  ms: number;
  signal: AbortSignal | undefined;
  host: Host;
  /** Whether an item was ready for a set it is passed for, at the call. */
  ready: boolean;
}

/** Checks every argument, in the order select(2) and CPython do; throws before anything changes. */
function prepare(
  rlist: readonly Selectable[],
  wlist: readonly Selectable[],
  xlist: readonly Selectable[],
  timeoutMs: unknown,
  options: unknown,
): Call {
  const lists = [rlist, wlist, xlist];
  let nfds = 0;
  let closed = false;
  let numbers: number[] | undefined; // [k, i, fd] of each item that is not a socket, looked up once all are checked
  let host: Host | undefined; // the first socket's: every other must be of the same host
  let other: Host | undefined; // a socket of another host, refused once the types and the timeout are checked
  let ready = false; // (looked at on the way: one pass over the lists fewer for a call that waits)
  for (let k = 0; k < 3; k++) {
    const list = lists[k];
    if (!Array.isArray(list)) throw invalidArgType(NAMES[k] as string, 'an array', list);
    if (repeats(lists, k)) continue; // checked already
    const mask = bitsOf(setsOf(lists as (readonly Pollable[])[], k));
    for (let i = 0; i < list.length; i++) {
      const item: unknown = list[i];
      if (item instanceof Pollable) {
        // The common case, kept cheap: the socket is its own open file.
        const fd = item.fileno();
        if (host === undefined) host = item._host;
        else if (item._host !== host) other ??= item._host;
        if (fd >= 0 && fd < FD_SETSIZE) {
          if (fd >= nfds) nfds = fd + 1;
          if (!ready && (item.events() & mask) !== 0) ready = true;
          continue;
        }
        if (fd === -1) {
          closed = true; // EBADF, but only after every item passed the type and range checks
          continue;
        }
      }
      const fd = fdOf(item, `${NAMES[k] as string}[${i}]`, true);
      if (fd >= nfds) nfds = fd + 1;
      (numbers ??= []).push(k, i, fd);
    }
  }
  const ms = checkTimeout(timeoutMs);
  const signal = checkWaitOptions(options);
  if (ms === -1 && rlist.length + wlist.length + xlist.length === 0) {
    throw invalidArgValue('timeoutMs', 'must be given when all three lists are empty: select would wait forever');
  }
  host ??= processHost;
  if (other !== undefined) throw mixedHosts(host, other, 'select');
  if (closed) throw sysError('EBADF', 'select', 'a socket in the lists is closed');
  let files = lists as (readonly Pollable[])[];
  if (numbers !== undefined) {
    const copies = lists.map((list, k) => (repeats(lists, k) ? null : (list.slice() as unknown[])));
    for (let j = 0; j < numbers.length; j += 3) {
      (copies[numbers[j] as number] as unknown[])[numbers[j + 1] as number] = fileOf(numbers[j + 2] as number, 'select', host);
    }
    for (let k = 1; k < 3; k++) copies[k] ??= copies[lists.indexOf(lists[k] as readonly Selectable[])] as unknown[];
    files = copies as Pollable[][];
    ready = anyReady(files); // the files behind the numbers too
  }
  return { lists, files, nfds, ms, signal, host, ready };
}

/** Gives a waiting call lists of its own (one copy of a list passed for two sets, as `select(r, w, r)`). */
function copyLists(call: Call): void {
  const { lists, files } = call;
  const shared = files === (lists as unknown); // every item a socket: the lists are their own files
  const r = (lists[0] as readonly Selectable[]).slice();
  const w = repeats(lists, 1) ? r : (lists[1] as readonly Selectable[]).slice();
  const x = lists[2] === lists[0] ? r : lists[2] === lists[1] ? w : (lists[2] as readonly Selectable[]).slice();
  call.lists = [r, w, x];
  if (shared) call.files = call.lists as (readonly Pollable[])[];
  else call.files = [0, 1, 2].map((k) => files[lists.indexOf(lists[k] as readonly Selectable[])] as readonly Pollable[]);
}

/** Calls a host keeps for its next select()s, each ready to wait again (see {@link SelectCall.take}). */
const spares = new WeakMap<Host, SelectCall[]>();
/** The most a host keeps: as many select()s as a program has waiting at once, usually one or two. */
const MAX_SPARES = 16;

/**
 * A select() that waits, through the machinery every model shares: the files of its lists registered in a
 * ready list of its own (a wake about bits no set asks for is dropped there, as for every model), and the
 * call waiting in a `Pending` (its timeout, abort signal and check-phase delivery). It is answered in the
 * check phase of a turn where something it asks for is ready, from the state then, or at its timeout.
 *
 * Once a call has left, with no delivery scheduled, its object waits for the host's next select(): a select
 * loop makes one per call, and its ready list and waiting queue are made again for nothing otherwise.
 */
class SelectCall implements ReadyListOwner<null>, PendingOwner<ReadyLists> {
  #call!: Call;
  #setupMs = 0;
  #start = 0;
  readonly #host: Host;
  readonly #pending = new Pending<ReadyLists>(this);
  readonly #list = new ReadyList<null>(this, 0);
  /** The registrations of the last call, kept for the next: the first `#watched` are watched now. */
  readonly #regs: Registration<null>[] = [];
  #watched = 0;

  private constructor(host: Host) {
    this.#host = host;
    this.#pending.useHost(host, 'select');
  }

  /** A call of `host`'s that waits for nothing: one it kept, or a new one. */
  static take(host: Host): SelectCall {
    return spares.get(host)?.pop() ?? new SelectCall(host);
  }

  /** Waits: a poll (timeout 0) is answered in this turn's check phase, ready or not; a wait watches its files. */
  wait(call: Call, setupMs: number, start: number): Promise<ReadyLists> {
    this.#call = call;
    this.#setupMs = setupMs;
    this.#start = start;
    const { ms, signal } = call;
    const promise = this.#pending.wait({ ms, syscall: 'select', signal });
    // A file ready now is queued at once: looked at again in this turn's check phase, where the call keeps
    // waiting if what was ready is gone by then (read by the program meanwhile): select(2) never returns 0 early.
    // A call over files none of which was ready at the call (the common case) does not look at them again.
    if (ms !== 0 && this.#pending.size > 0) this.#watch(call.ready);
    return promise;
  }

  /** A file woke the call about bits its sets ask for. */
  queued(): void {
    this.#pending.schedule();
  }

  /** A file in the lists was closed: the answer is `EBADF`. */
  closed(): void {
    this.#pending.schedule();
  }

  deliver(): void {
    this.#pending.serve();
  }

  /**
   * The answer at a delivery, from the state now; or null to keep waiting, when nothing is ready any more (the
   * program read it meanwhile): then nothing stays queued, and the next wake is heard.
   */
  answer(ask: Ask): ReadyLists | null {
    const { lists, files, nfds, ms } = this.#call;
    if (gatherReady(lists, files) === 0 && !ask.poll) {
      this.#list.clear();
      return null;
    }
    return finish(files, nfds, now() - this.#setupMs, this.#start, ms);
  }

  /** At the timeout: the state now, which has seen every event so far. */
  empty(): ReadyLists {
    this.#call.host.turn.noteCheckPhaseAnswer();
    return this.#answerNow();
  }

  /** The call has left (answered, timed out, aborted or failed): its files stop waking it. */
  left(): void {
    const regs = this.#regs;
    for (let i = 0; i < this.#watched; i++) this.#list.remove(regs[i] as Registration<null>);
    this.#watched = 0;
    // Drop the call's lists; the registrations keep only the files this call watched, for the next call.
    this.#call = undefined as unknown as Call;
    // A delivery still scheduled would run for the next call: that object is not kept.
    if (this.#pending.scheduled) return;
    let kept = spares.get(this.#host);
    if (kept === undefined) spares.set(this.#host, (kept = []));
    if (kept.length < MAX_SPARES) kept.push(this);
  }

  /** The three lists as the state is now; `EBADF` if a file was closed meanwhile. */
  #answerNow(): ReadyLists {
    const { lists, files, nfds, ms } = this.#call;
    return answer(lists, files, nfds, now() - this.#setupMs, this.#start, ms);
  }

  /**
   * Registers each item of each list once, with the bits of the sets it is passed for. A select loop passes
   * the same files call after call: the registration of the same file at the same place is used again.
   * `offer` false: no file was ready at the call, just now: none is queued, and none is looked at again.
   */
  #watch(offer: boolean): void {
    const files = this.#call.files;
    const regs = this.#regs;
    const list = this.#list;
    let j = 0;
    for (let k = 0; k < 3; k++) {
      const sets = setsOf(files, k);
      if (sets === 0) continue;
      const mask = bitsOf(sets);
      const fl = files[k] as readonly Pollable[];
      for (let i = 0; i < fl.length; i++, j++) {
        const f = fl[i] as Pollable;
        const fd = f.fileno();
        const old = regs[j];
        if (old !== undefined && old.file === f && old.fd === fd) list.readd(old, mask, offer);
        else regs[j] = list.add(f, fd, mask, null, offer);
        this.#watched = j + 1; // (as it goes: a throw from a file's watch leaves the others to remove)
      }
    }
    if (regs.length > j) regs.length = j; // hold no file the program did not pass this time
  }
}

/**
 * The sets that list `k` is passed for, as bits 1 (read), 2 (write), 4 (except), or 0 when an earlier index
 * already has it: a list passed twice, as the seed's `select(inputs, outputs, inputs)`, is looked at once.
 */
function setsOf(files: readonly (readonly Pollable[])[], k: number): number {
  if (repeats(files, k)) return 0;
  let sets = 1 << k;
  for (let j = k + 1; j < 3; j++) if (files[j] === files[k]) sets |= 1 << j;
  return sets;
}

/** The readiness bits that count for `sets` (as {@link setsOf} gives them). */
function bitsOf(sets: number): number {
  return (sets & 1 ? SELECT_READ : 0) | (sets & 2 ? SELECT_WRITE : 0) | (sets & 4 ? SELECT_EXCEPT : 0);
}

function anyReady(files: readonly (readonly Pollable[])[]): boolean {
  for (let k = 0; k < 3; k++) {
    const sets = setsOf(files, k);
    if (sets === 0) continue;
    const mask = bitsOf(sets);
    const fl = files[k] as readonly Pollable[];
    for (let i = 0; i < fl.length; i++) {
      const ev = (fl[i] as Pollable).events();
      if (ev & POLLNVAL) throw sysError('EBADF', 'select', 'a socket in the lists was closed while select waited');
      if (ev & mask) return true;
    }
  }
  return false;
}

/** Where an answer's lists are gathered, then copied out at their size. */
const gathered = [new RunList<Selectable>(), new RunList<Selectable>(), new RunList<Selectable>()] as const;

/** The three ready-lists in input order, as the state is now; `EBADF` if a socket was closed meanwhile. */
function answer(
  lists: readonly (readonly Selectable[])[],
  files: readonly (readonly Pollable[])[],
  nfds: number,
  start: number,
  called: number,
  ms: number,
): ReadyLists {
  gatherReady(lists, files);
  return finish(files, nfds, start, called, ms);
}

/** Gathers what is ready now into `gathered` and returns how many; `EBADF` if a socket was closed meanwhile. */
function gatherReady(lists: readonly (readonly Selectable[])[], files: readonly (readonly Pollable[])[]): number {
  const [r, w, x] = gathered;
  try {
    for (let k = 0; k < 3; k++) {
      const sets = setsOf(files, k);
      if (sets === 0) continue;
      const mask = bitsOf(sets);
      const fl = files[k] as readonly Pollable[];
      const list = lists[k] as readonly Selectable[];
      for (let i = 0; i < fl.length; i++) {
        const ev = (fl[i] as Pollable).events() & (mask | POLLNVAL);
        if (ev === 0) continue;
        if (ev & POLLNVAL) throw sysError('EBADF', 'select', 'a socket in the lists was closed while select waited');
        const item = list[i] as Selectable;
        gather(gathered, ev, sets & 1 ? item : undefined, sets & 2 ? item : undefined, sets & 4 ? item : undefined);
      }
    }
  } catch (err) {
    // Hold no socket past the call.
    r.clear();
    w.clear();
    x.clear();
    throw err;
  }
  return r.size + w.size + x.size;
}

/** Copies the gathered lists out, counts the call's cost and publishes it. */
function finish(files: readonly (readonly Pollable[])[], nfds: number, start: number, called: number, ms: number): ReadyLists {
  const [r, w, x] = gathered;
  const ready = r.size + w.size + x.size;
  const out: ReadyLists = [r.drain(), w.drain(), x.drain()];
  selectCost.record(nfds, selectCopyBytes(nfds), start, ready);
  if (selectChannel.hasSubscribers) publishSelect('select', 0, files, out, { start: called, timeoutMs: ms === -1 ? null : ms }, selectCost.last);
  return out;
}
