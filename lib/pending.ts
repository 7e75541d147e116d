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
import { mixedHosts, processHost, type Host } from './host.js';

/** What every waiting call takes besides its timeout. */
export interface WaitOptions {
  /**
   * Cancels the call: when it aborts, the promise rejects with an `AbortError` (`name` `'AbortError'`, `code`
   * `'ABORT_ERR'`, `cause` the signal's reason). A signal aborted already rejects at once.
   */
  signal?: AbortSignal | undefined;
}

interface Waiter<R> extends Deadline {
  resolve: (result: R) => void;
  reject: (err: Error) => void;
  /** The timeouts it is in (its host's), if it has a timeout. */
  deadlines: Deadlines | undefined;
  /** The empty answer, for a timeout or a wakeup. */
  empty: () => R;
  /** Removes the abort listener, if any. */
  unlisten: (() => void) | undefined;
  /** A timeout of 0: answered at the next delivery even when nothing is ready. */
  poll: boolean;
  /** The most events this call takes (epoll's maxevents). */
  limit: number;
}

/** What a delivery is asked for each waiting call. */
export interface Ask {
  /** A zero-timeout call: answer even when nothing is ready. */
  readonly poll: boolean;
  /** The most events to give (epoll's maxevents; Infinity otherwise). */
  readonly limit: number;
}

/** @internal */
export class Pending<R> {
  readonly #waiters: Waiter<R>[] = [];
  readonly #run: () => void;
  readonly #deliverNow: (checkPhase: boolean) => void;
  #scheduled = false;
  #closed = false;
  #woken = false; // a wakeup() came while no call waited: the next call returns at once
  #host: Host = processHost;
  #bound = false;

  /**
   * @param deliver runs once per turn when scheduled (`checkPhase` true), or at once for a call answered
   * right away (false); it calls {@link Pending.serve}.
   */
  constructor(deliver: (checkPhase: boolean) => void) {
    this.#run = () => {
      this.#scheduled = false;
      if (this.#closed) return;
      deliver(true); // in the host's check-phase run, which noted the answer (see Host.atCheckPhase)
    };
    this.#deliverNow = deliver;
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
    if (host === this.#host) {
      this.#bound = true;
      return;
    }
    if (this.#bound) throw mixedHosts(this.#host, host, syscall);
    this.#host = host;
    this.#bound = true;
  }

  /** Calls waiting. */
  get size(): number {
    return this.#waiters.length;
  }

  /** Whether a zero-timeout call waits (it must be answered, ready or not). */
  get polling(): boolean {
    return this.#waiters.some((w) => w.poll);
  }

  /**
   * Queues a call. `ms` is a checked timeout (-1: none). `idle` says nothing is registered: then a call
   * without a timeout would never return, and is refused. `ready` says a delivery is due at once.
   */
  wait(
    ms: number,
    idle: boolean,
    ready: boolean,
    onTimeout: () => R,
    syscall: string,
    limit = Infinity,
    signal?: AbortSignal,
  ): Promise<R> {
    if (this.#closed) return Promise.reject(sysError('EBADF', syscall, 'closed'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve(onTimeout());
    }
    if (ms === -1 && idle) {
      return Promise.reject(invalidArgValue('timeoutMs', `must be given when nothing is registered: ${syscall} would wait forever`));
    }
    return new Promise<R>((resolve, reject) => {
      const w: Waiter<R> = {
        resolve,
        reject,
        deadline: Infinity,
        deadlines: undefined,
        expire: () => {
          w.deadlines = undefined; // it has left them
          this.#settle(w, onTimeout());
        },
        empty: onTimeout,
        unlisten: undefined,
        poll: ms === 0,
        limit,
      };
      this.#waiters.push(w);
      if (ms > 0 && ms <= MAX_TIMER_MS) (w.deadlines = this.#host.deadlines).add(w, ms);
      if (signal) {
        const onAbort = (): void => {
          if (this.#take(w)) reject(abortError(signal));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        w.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
      if (!w.poll && !ready) return;
      // Right after a check-phase answer, with nothing new from the network, answer now (twice per turn at most).
      if (this.#host.turn.mayAnswerNow()) this.#deliverNow(false);
      if (this.#waiters.includes(w)) this.schedule();
    });
  }

  /** Runs the owner's delivery once, in this turn's check phase. */
  schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    this.#host.atCheckPhase(this.#run);
  }

  /**
   * Asks `answer` for each waiting call, in the order they were made; a call is settled with what it gets,
   * and keeps waiting on `null`. Each call gets its own answer, as concurrent `epoll_wait`s do.
   */
  serve(answer: (ask: Ask) => R | null): void {
    const ws = this.#waiters;
    for (let i = 0; i < ws.length; ) {
      const w = ws[i] as Waiter<R>;
      const r = answer(w);
      if (r === null) {
        i++;
        continue;
      }
      this.#settle(w, r);
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
    for (const w of [...this.#waiters]) this.#settle(w, w.empty());
  }

  /** Takes `w` out of the waiting calls, its timer and abort listener with it; false if it was not there. */
  #take(w: Waiter<R>): boolean {
    const i = this.#waiters.indexOf(w);
    if (i < 0) return false;
    this.#waiters.splice(i, 1);
    w.deadlines?.delete(w);
    w.unlisten?.();
    return true;
  }

  #settle(w: Waiter<R>, r: R): void {
    if (this.#take(w)) w.resolve(r);
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
