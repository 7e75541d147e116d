/** epoll(7), with Python's `select.epoll` object as the shape. */
import { allocFd, freeFd, type FileLike } from './fd-table.js';
import { DEFAULT_MASK, EPOLL_MODEL, Poller, type PollEvent } from './poller.js';
import type { Selectable } from './resolve.js';

/**
 * An epoll instance. It holds a descriptor of its own (so it counts toward the open-file limit).
 *
 * - Level-triggered by default: a ready descriptor is reported by every `poll` while it stays ready.
 * - `EPOLLERR` and `EPOLLHUP` are reported whatever the mask.
 * - `EPOLLET` (edge-triggered): reported when new readiness arrives from the network — data, a FIN, a
 *   reset, send space after the queue was full — and not again until more arrives. Your own `recv` never
 *   creates an event: after a partial read, wait for the next event only if you read to `null` first
 *   (would-block), or you may wait forever — the lost-wakeup pitfall. As epoll(7) says, each new chunk of
 *   data can be a new event even before you drain.
 * - `EPOLLONESHOT`: silent after one event until `modify` re-arms it.
 * - `maxevents` bounds an answer; the rest come in later calls, round-robin, so a busy socket cannot
 *   starve the others.
 * - Closing a socket removes it from every epoll set. After the peer's FIN a socket is readable with
 *   `EPOLLRDHUP` and still writable: half-close is not hang-up.
 *
 * Each call costs the kernel only the ready list, not the registered set (see `cost`).
 * @example
 * const ep = new Epoll()
 * ep.register(listener, EPOLLIN)
 * for (const [fd, events] of await ep.poll(1000, 64)) ...
 */
export class Epoll extends Poller implements FileLike {
  #fd: number;

  /** @throws {SocketError} `EMFILE` past the open-file limit. */
  constructor() {
    super(EPOLL_MODEL);
    this.#fd = allocFd(this, 'epoll_create');
  }

  /** The epoll instance's own descriptor, or -1 once closed. */
  fileno(): number {
    return this.#fd;
  }

  /**
   * `EPOLL_CTL_ADD`: watches a socket with `mask` (default `EPOLLIN | EPOLLOUT | EPOLLPRI`), which may
   * include `EPOLLET` and `EPOLLONESHOT`. A socket that is ready already is reported by the next `poll`.
   * O(1).
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE` for a mask with unknown bits.
   * @throws {SocketError} `EEXIST` when already registered; `EBADF` for a closed socket or unknown number,
   * or after `close()`.
   */
  override register(target: Selectable, mask: number = DEFAULT_MASK): void {
    super.register(target, mask);
  }

  /**
   * `EPOLL_CTL_MOD`: replaces the mask (and re-arms `EPOLLONESHOT`). O(1).
   * @throws {SocketError} `ENOENT` when not registered.
   */
  override modify(target: Selectable, mask: number): void {
    super.modify(target, mask);
  }

  /**
   * `epoll_wait`: returns up to `maxevents` `[fd, events]` pairs (`-1`, the default: no bound).
   * `timeoutMs` as for select: `undefined`/`null` waits, `0` polls, `> 0` waits at most that long.
   * O(ready), however many are registered.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a bad timeout or a `maxevents` below 1.
   */
  override poll(timeoutMs?: number | null, maxevents = -1): Promise<PollEvent[]> {
    return super.poll(timeoutMs, maxevents);
  }

  /** Closes the instance and frees its descriptor; waiting calls fail with `EBADF`. */
  override close(): void {
    if (this.#fd === -1) return;
    freeFd(this.#fd);
    this.#fd = -1;
    super.close();
  }
}
