/** poll(2), with Python's `select.poll` object as the shape: a registration table, then `poll()`. */
import { DEFAULT_MASK, POLL_MODEL, Poller } from './poll-like.js';
import type { PollEvent } from '../core/flags.js';
import type { WaitOptions } from '../core/pending.js';
import type { Selectable } from '../core/resolve.js';
import type { CostCounter } from '../core/cost.js';

/**
 * A poll(2) set. Level-triggered; `POLLERR`, `POLLHUP` and `POLLNVAL` are reported whatever the mask.
 * Unlike select there is no FD_SETSIZE cap, and a closed descriptor does not fail the call: its entry
 * reports `POLLNVAL` until it is unregistered. Each call costs the kernel a look at every entry and a copy
 * of the whole `pollfd` array (see `cost`), whatever is ready.
 * @example
 * const p = new Poll()
 * p.register(sock, POLLIN)
 * for (const [fd, revents] of await p.poll(1000)) if (revents & POLLIN) console.log(`descriptor ${fd} is readable`)
 */
export class Poll {
  readonly #p = new Poller(POLL_MODEL);

  /** What the kernel would have done for each call so far. */
  get cost(): CostCounter {
    return this.#p.cost;
  }

  /** Registered descriptors. */
  get size(): number {
    return this.#p.size;
  }

  /** Whether `close` was called. */
  get closed(): boolean {
    return this.#p.closed;
  }

  /**
   * Adds a socket or descriptor with `mask` (default `POLLIN | POLLOUT | POLLPRI`); registering it again
   * replaces the mask. A number that is not open is accepted and reports `POLLNVAL`. O(1).
   * An epoll instance may be registered: it reports `POLLIN` while it has events to give.
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE` for a mask with unknown bits, or a negative one.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a mask past 16 bits (poll's `events` is a `short`).
   * @throws {SocketError} `EBADF` after `close()`, or for a closed socket object (it has no number left).
   */
  register(target: Selectable, mask: number = DEFAULT_MASK): void {
    this.#p.register(target, mask);
  }

  /**
   * Replaces the mask of a registered descriptor. O(1).
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE`, {RangeError} `ERR_OUT_OF_RANGE` as for `register`.
   * @throws {SocketError} `ENOENT` when it is not registered; `EBADF` for a closed socket or after `close()`.
   */
  modify(target: Selectable, mask: number): void {
    this.#p.modify(target, mask);
  }

  /**
   * Stops watching a descriptor. O(1).
   * @throws {SocketError} `ENOENT` when it is not registered; `EBADF` for a closed socket or after `close()`.
   */
  unregister(target: Selectable): void {
    this.#p.unregister(target);
  }

  /**
   * Waits until a registered descriptor reports something, and returns every such `[fd, revents]`.
   * `timeoutMs`: `undefined`/`null` waits (an error when nothing is registered), `0` polls, `> 0` waits
   * at most that long (a fraction rounds up), then returns `[]`.
   * `options.signal` cancels the wait: the promise rejects with an `AbortError`.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a negative or NaN timeout.
   * @example const events = await p.poll(1000, { signal: AbortSignal.timeout(5000) })
   */
  poll(timeoutMs?: number | null, options?: WaitOptions): Promise<PollEvent[]> {
    return this.#p._poll(timeoutMs, -1, options);
  }

  /**
   * Ends a waiting `poll` at once with `[]`; with none waiting, the next `poll` returns at once.
   * @example setTimeout(() => p.wakeup(), 100); await p.poll() // [] if woken
   */
  wakeup(): void {
    this.#p.wakeup();
  }

  /** `close()`, for `using p = new Poll()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Stops watching everything and fails waiting calls with `EBADF`. Closing twice does nothing. */
  close(): void {
    this.#p.close();
  }
}
