/** poll(2), with Python's `select.poll` object as the shape: a registration table, then `poll()`. */
import { DEFAULT_MASK, POLL_MODEL, Poller } from './poll-like.js';
import type { PollEvent } from '../core/flags.js';
import type { WaitOptions } from '../core/pending.js';
import type { Selectable } from '../core/resolve.js';

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
export class Poll extends Poller {
  constructor() {
    super(POLL_MODEL);
  }

  /**
   * Adds a socket or descriptor with `mask` (default `POLLIN | POLLOUT | POLLPRI`); registering it again
   * replaces the mask. A number that is not open is accepted and reports `POLLNVAL`. O(1).
   * An epoll instance may be registered: it reports `POLLIN` while it has events to give.
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE` for a mask with unknown bits, or a negative one.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a mask past 16 bits (poll's `events` is a `short`).
   * @throws {SocketError} `EBADF` after `close()`, or for a closed socket object (it has no number left).
   */
  override register(target: Selectable, mask: number = DEFAULT_MASK): void {
    super.register(target, mask);
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
    return this._poll(timeoutMs, -1, options);
  }
}
