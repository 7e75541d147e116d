/**
 * The promise side shared by select, poll and epoll: the calls waiting for an answer, their timers, and
 * the once-per-turn delivery.
 *
 * A delivery runs in `setImmediate`, after Node's I/O phase, so everything that became ready in that turn
 * is answered together, and a program looping on `await poll()` always lets Node read its sockets between
 * two answers (two calls per turn may be answered at once instead: see turn.ts). Nothing runs while
 * nothing is ready: no timer polls.
 *
 * Timers, deliveries and the turn state are those of the host of the files waited on (see `useHost`): the
 * process's real timers, or a simulated network's virtual clock.
 */
import { abortError, invalidArgValue, sysError } from './errors.js';
import { MAX_TIMER_MS, type Deadline, type Deadlines } from './deadlines.js';
import { mixedHosts, processHost, type CheckPhaseRunner, type Host } from './host.js';

/** What every waiting call takes besides its timeout. */
export interface WaitOptions {
  /**
   * Cancels the call: when it aborts, the promise rejects with an `AbortError` (`name` `'AbortError'`, `code`
   * `'ABORT_ERR'`, `cause` the signal's reason). A signal aborted already rejects at once.
   */
  signal?: AbortSignal | undefined;
}

/** Something that keeps the settle functions of its promise (see `promiseFor`). */
interface Settles<R> {
  captured(resolve: (result: R) => void, reject: (err: Error) => void): void;
}

// A promise's executor runs at once, inside `new Promise`: one function for every call, told which by this.
let capturing: Settles<never> | undefined;
function capture(resolve: (result: never) => void, reject: (err: Error) => void): void {
  const target = capturing as Settles<never>;
  capturing = undefined;
  target.captured(resolve, reject);
}

/** A new promise whose settle functions go to `target`: no closure is made for it. */
function promiseFor<R>(target: Settles<R>): Promise<R> {
  capturing = target as Settles<never>;
  return new Promise<R>(capture as (resolve: (result: R) => void, reject: (err: Error) => void) => void);
}

/** One waiting call: its promise's settle functions, its timeout and abort listener. No closure per call. */
class Waiter<R> implements Deadline, Settles<R> {
  resolve!: (result: R) => void;
  reject!: (err: Error) => void;
  deadline = Infinity;
  deadlineSlot = -1;
  /** The timeouts it is in (its host's), if it has a timeout. */
  deadlines: Deadlines | undefined = undefined;
  /** Removes the abort listener, if any. */
  unlisten: (() => void) | undefined = undefined;
  readonly #owner: Pending<R>;
  /** The empty answer, for a timeout or a wakeup (undefined: the owner's). */
  readonly empty: (() => R) | undefined;
  /** A timeout of 0: answered at the next delivery even when nothing is ready. */
  readonly poll: boolean;
  /** The most events this call takes (epoll's maxevents). */
  readonly limit: number;

  constructor(owner: Pending<R>, empty: (() => R) | undefined, poll: boolean, limit: number) {
    this.#owner = owner;
    this.empty = empty;
    this.poll = poll;
    this.limit = limit;
  }

  captured(resolve: (result: R) => void, reject: (err: Error) => void): void {
    this.resolve = resolve;
    this.reject = reject;
  }

  expire(): void {
    this.deadlines = undefined; // it has left them
    this.#owner._answer(this);
  }
}

/** How a call waits: see {@link Pending.wait}. */
export interface WaitSpec<R> {
  /** The checked timeout in ms (-1: none, 0: answer at the next delivery, ready or not). */
  ms: number;
  /** The call's name, for its errors. */
  syscall: string;
  /** Nothing is registered: a call without a timeout would never return, and is refused. */
  idle?: boolean;
  /** A delivery is due at once (something is queued). */
  ready?: boolean;
  /** The empty answer, for a timeout or a wakeup; may throw to fail the call. Default: the owner's. */
  empty?: () => R;
  /** The most events one answer may hold (epoll's maxevents). Default: no bound. */
  limit?: number;
  /** Cancels the call (see {@link WaitOptions}). */
  signal?: AbortSignal | undefined;
}

/** What a delivery is asked for each waiting call. */
export interface Ask {
  /** A zero-timeout call: answer even when nothing is ready. */
  readonly poll: boolean;
  /** The most events to give (epoll's maxevents; Infinity otherwise). */
  readonly limit: number;
}

/** @internal What a {@link Pending}'s owner does for it. Methods, not closures: a one-call owner is made per call. */
export interface PendingOwner<R> {
  /**
   * Runs a delivery: once per turn when scheduled (`checkPhase` true), or at once for a call answered right
   * away (false). It calls {@link Pending.serve}.
   */
  deliver(checkPhase: boolean): void;
  /**
   * The last waiting call left (answered, timed out, aborted or failed): a one-call owner (the free
   * `select()`) stops watching its files there.
   */
  left?(): void;
  /** The empty answer of a call whose {@link WaitSpec} gives none. */
  empty?(): R;
  /** The answer {@link Pending.serve} asks for when it is given none. */
  answer?(ask: Ask): R | null;
}

/** @internal */
export class Pending<R> implements CheckPhaseRunner {
  readonly #waiters: Waiter<R>[] = [];
  readonly #owner: PendingOwner<R>;
  #scheduled = false;
  #closed = false;
  #woken = false; // a wakeup() came while no call waited: the next call returns at once
  #host: Host = processHost;
  #bound = false;


  constructor(owner: PendingOwner<R>) {
    this.#owner = owner;
  }

  /** The scheduled delivery, in the host's check-phase run, which noted the answer (see Host.atCheckPhase). */
  atCheckPhase(): void {
    this.#scheduled = false;
    if (this.#closed) return;
    this.#owner.deliver(true);
  }

  /** The host whose clock and descriptor table this waiter uses (the process until a file is added). */
  get host(): Host {
    return this.#host;
  }

  /**
   * Binds the waiter to the host of a file being added: the first one decides, every other must match.
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE` for a file of another host (say, a simulated socket among
   * real ones). Nothing is changed.
   */
  useHost(host: Host, syscall: string): void {
    this.checkHost(host, syscall);
    this.#host = host;
    this.#bound = true;
  }

  /**
   * Whether a file of `host` may be added: always before the first file, then only one of the same host.
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE` for a file of another host. Nothing is changed.
   */
  checkHost(host: Host, syscall: string): void {
    if (host !== this.#host && this.#bound) throw mixedHosts(this.#host, host, syscall);
  }

  /** Whether a delivery is scheduled (in the host's check-phase run). */
  get scheduled(): boolean {
    return this.#scheduled;
  }

  /** Calls waiting. */
  get size(): number {
    return this.#waiters.length;
  }

  /** Whether a zero-timeout call waits (it must be answered, ready or not). */
  get polling(): boolean {
    return this.#waiters.some((w) => w.poll);
  }

  /** Queues a call, as `spec` says (see {@link WaitSpec}). */
  wait(spec: WaitSpec<R>): Promise<R> {
    const { ms, syscall, signal } = spec;
    if (this.#closed) return Promise.reject(sysError('EBADF', syscall, 'closed'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.#woken) {
      this.#woken = false;
      try {
        const owner = this.#owner;
        return Promise.resolve(spec.empty === undefined ? (owner.empty as NonNullable<typeof owner.empty>).call(owner) : spec.empty());
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    if (ms === -1 && spec.idle === true) {
      return Promise.reject(invalidArgValue('timeoutMs', `must be given when nothing is registered: ${syscall} would wait forever`));
    }
    const w = new Waiter<R>(this, spec.empty, ms === 0, spec.limit ?? Infinity);
    const promise = promiseFor(w);
    this.#waiters.push(w);
    if (ms > 0 && ms <= MAX_TIMER_MS) (w.deadlines = this.#host.deadlines).add(w, ms);
    if (signal) {
      const onAbort = (): void => {
        if (this.#take(w)) w.reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      w.unlisten = () => signal.removeEventListener('abort', onAbort);
    }
    if (!w.poll && spec.ready !== true) return promise;
    try {
      // Right after a check-phase answer, with nothing new from the network, answer now (twice per turn at most).
      if (this.#host.turn.mayAnswerNow()) this.#owner.deliver(false);
      if (this.#waiters.includes(w)) this.schedule();
    } catch (err) {
      if (this.#take(w)) w.reject(err as Error); // a failed delivery fails the call, as it always has: never a throw
    }
    return promise;
  }

  /** Runs the owner's delivery once, in this turn's check phase. */
  schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    this.#host.atCheckPhase(this);
  }

  /**
   * Asks `answer` for each waiting call, in the order they were made; a call is settled with what it gets,
   * keeps waiting on `null`, and fails with what `answer` throws. Each call gets its own answer, as
   * concurrent `epoll_wait`s do.
   */
  serve(answer?: (ask: Ask) => R | null): void {
    const ws = this.#waiters;
    const owner = this.#owner;
    for (let i = 0; i < ws.length; ) {
      const w = ws[i] as Waiter<R>;
      let r: R | null;
      try {
        r = answer === undefined ? (owner.answer as NonNullable<typeof owner.answer>).call(owner, w) : answer(w);
      } catch (err) {
        if (this.#take(w)) w.reject(err as Error);
        continue;
      }
      if (r === null) {
        i++;
        continue;
      }
      this._settle(w, r);
    }
  }

  /**
   * Ends every waiting call at once with its empty answer; with no call waiting, the next call returns at
   * once instead (Java NIO's `Selector.wakeup()`).
   */
  wakeup(): void {
    if (this.#closed) return;
    if (this.#waiters.length === 0) {
      this.#woken = true;
      return;
    }
    for (const w of [...this.#waiters]) this._answer(w);
  }

  /** Takes `w` out of the waiting calls, its timer and abort listener with it; false if it was not there. */
  #take(w: Waiter<R>): boolean {
    const ws = this.#waiters;
    const i = ws.indexOf(w);
    if (i < 0) return false;
    // In place, keeping the order (splice would also allocate the array of what it removed).
    for (let j = i + 1; j < ws.length; j++) ws[j - 1] = ws[j] as Waiter<R>;
    ws.pop();
    w.deadlines?.delete(w);
    w.unlisten?.();
    if (ws.length === 0) this.#owner.left?.();
    return true;
  }

  /** @internal Settles `w` with `r`, if it still waits. */
  _settle(w: Waiter<R>, r: R): void {
    if (this.#take(w)) w.resolve(r);
  }

  /** @internal Settles `w` with its empty answer, or fails it with what that throws. */
  _answer(w: Waiter<R>): void {
    let r: R;
    try {
      const owner = this.#owner;
      r = w.empty === undefined ? (owner.empty as NonNullable<typeof owner.empty>).call(owner) : w.empty();
    } catch (err) {
      if (this.#take(w)) w.reject(err as Error);
      return;
    }
    this._settle(w, r);
  }

  /** Fails every waiting call. */
  rejectAll(err: Error): void {
    for (const w of [...this.#waiters]) if (this.#take(w)) w.reject(err);
  }

  /** Fails every waiting call with `EBADF` and refuses new ones. */
  close(syscall: string): void {
    this.#closed = true;
    // No Error is made when no one waits: the free select() closes a selector on every call.
    if (this.#waiters.length > 0) this.rejectAll(sysError('EBADF', syscall, 'closed while waiting'));
  }
}
