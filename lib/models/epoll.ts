/** epoll(7), with Python's `select.epoll` object as the shape. */
import { SocketError, sysError } from '../core/errors.js';
import { mixedHosts, processHost, type Host } from '../core/host.js';
import { POLLIN, POLLNVAL } from '../core/flags.js';
import { Pollable, type Watch } from '../core/pollable.js';
import { DEFAULT_MASK, EPOLL_MODEL, Poller } from './poll-like.js';
import type { PollEvent } from '../core/flags.js';
import type { WaitOptions } from '../core/pending.js';
import type { Selectable } from '../core/resolve.js';
import type { CostCounter } from '../core/cost.js';
import { ioChannel, publishClose, publishCtl } from '../trace/trace.js';

/** The descriptor number of what an epoll_ctl was given, for the trace. */
const fdNumber = (target: Selectable): number => {
  if (typeof target === 'number') return target;
  const f = (target as { fileno?: unknown } | null)?.fileno; // checked after the call that uses it: never throws
  return typeof f === 'function' ? Number(f.call(target)) : -1;
};

/** Linux's `EP_MAX_NESTS`: how deep epoll instances may watch one another. */
const MAX_NESTS = 4;

/** The host of the instance being made by {@link epollOn} (the process's otherwise). */
let creatingOn: Host | undefined;

/**
 * @internal An epoll instance whose descriptor is in `host`'s table from the start (a simulated host's
 * `epoll()`).
 * @throws {SocketError} `EMFILE` past that host's open-file limit.
 */
export function epollOn(host: Host): Epoll {
  creatingOn = host;
  try {
    return new Epoll();
  } finally {
    creatingOn = undefined;
  }
}

/**
 * An epoll instance. It holds a descriptor of its own (so it counts toward the open-file limit) in the table
 * of the host its sockets live on: made with `new Epoll()`, it takes one of this process's numbers, and gives
 * it back for one of a simulated host's when the first socket it watches is that host's (as the descriptor
 * a program on that host would have had); `sim.host(name).epoll()` makes one there from the start.
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
 * - An epoll instance is itself a file: it is readable (`EPOLLIN`) while one of its registrations would
 *   report something, so it can be watched by another epoll, a {@link Poll} or `select()`, as on Linux.
 *   Adding an instance to itself fails with `EINVAL`; adding one that watches this one, directly or
 *   through others, fails with `ELOOP`, and so does a chain of more than 5 instances from this one down
 *   (Linux's EP_MAX_NESTS; instances above this one are not counted).
 *
 * Each call costs the kernel only the ready list, not the registered set (see `cost`).
 * @example
 * const ep = new Epoll()
 * ep.register(listener, EPOLLIN)
 * for (const [fd, events] of await ep.poll(1000, 64)) if (events & EPOLLIN) console.log(`descriptor ${fd} is readable`)
 */
export class Epoll extends Pollable {
  #fd: number;
  readonly #p: Poller;
  readonly #watchers = new Set<Watch>(); // the select/poll/epoll sets watching this instance


  /** @throws {SocketError} `EMFILE` past the open-file limit. */
  constructor() {
    super(creatingOn ?? processHost);
    this.#p = new Poller(EPOLL_MODEL, {
      // The ready list became non-empty: whoever watches this instance hears of it, with an EPOLLIN key
      // (ep_poll_safewake). Unwatched, there is no one to tell, and the turn must not count the call.
      queued: () => {
        if (this.#watchers.size > 0) this._changed(POLLIN, true);
      },
      admit: (file) => this.#admit(file),
      fileno: () => this.#fd,
      moveTo: (host) => this.#moveTo(host),
    }, creatingOn);
    this.#fd = this._host.fds.alloc(this, 'epoll_create');
  }

  /** The epoll instance's own descriptor, or -1 once closed. */
  fileno(): number {
    return this.#fd;
  }

  /**
   * `EPOLLIN` while a registration would report something now (a queued one that would not is dropped on
   * the way, as Linux does); `POLLNVAL` once closed. O(queued).
   */
  events(): number {
    if (this.#fd === -1) return POLLNVAL;
    return this.#p._anyReady() ? POLLIN : 0;
  }

  /** @internal */
  override _watch(w: Watch): void {
    this.#watchers.add(w);
    super._watch(w);
  }

  /** @internal */
  override _unwatch(w: Watch): void {
    this.#watchers.delete(w);
    super._unwatch(w);
  }

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
   * `EPOLL_CTL_ADD`: watches a socket with `mask` (default `EPOLLIN | EPOLLOUT | EPOLLPRI`), which may
   * include `EPOLLET` and `EPOLLONESHOT`. A socket that is ready already is reported by the next `poll`.
   * O(1).
   * Another epoll instance may be registered (see the class comment).
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE` for a mask with unknown bits or a negative one.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a mask past 32 bits.
   * @throws {SocketError} `EEXIST` when already registered; `EBADF` for a closed socket or unknown number,
   * or after `close()`; `EINVAL` for this instance itself; `ELOOP` for an instance that watches this one;
   * `EPERM` for a regular file (`RegularFile`): it has no poll of its own, and Linux refuses it so.
   */
  register(target: Selectable, mask: number = DEFAULT_MASK): void {
    this.#p.register(target, mask);
    if (ioChannel.hasSubscribers) publishCtl(this.#fd, 'EPOLL_CTL_ADD', fdNumber(target), mask);
  }

  /**
   * `EPOLL_CTL_MOD`: replaces the mask (and re-arms `EPOLLONESHOT`). O(1).
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE`, {RangeError} `ERR_OUT_OF_RANGE` as for `register`.
   * @throws {SocketError} `EBADF` for a closed socket or a number that is not open (checked first, as
   * epoll_ctl does); `ENOENT` when not registered.
   */
  modify(target: Selectable, mask: number): void {
    this.#p.modify(target, mask);
    if (ioChannel.hasSubscribers) publishCtl(this.#fd, 'EPOLL_CTL_MOD', fdNumber(target), mask);
  }

  /**
   * `EPOLL_CTL_DEL`: stops watching. A socket closed while registered was already forgotten, so its number
   * gives `EBADF` (or `ENOENT` once another socket took it). O(1).
   * @throws {SocketError} `EBADF` for a closed socket or a number that is not open; `ENOENT` when not
   * registered.
   */
  unregister(target: Selectable): void {
    const fd = fdNumber(target); // before: unregistering may be what forgets it
    this.#p.unregister(target);
    if (ioChannel.hasSubscribers) publishCtl(this.#fd, 'EPOLL_CTL_DEL', fd, 0);
  }

  /**
   * `epoll_wait`: returns up to `maxevents` `[fd, events]` pairs (`-1`, the default: no bound).
   * `timeoutMs` as for select: `undefined`/`null` waits, `0` polls, `> 0` waits at most that long.
   * O(ready), however many are registered.
   * `options.signal` cancels the wait: the promise rejects with an `AbortError`.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a bad timeout or a `maxevents` below 1.
   * @example const events = await ep.poll(1000, 64, { signal: AbortSignal.timeout(5000) })
   */
  poll(timeoutMs?: number | null, maxevents = -1, options?: WaitOptions): Promise<PollEvent[]> {
    return this.#p._poll(timeoutMs, maxevents, options);
  }

  /**
   * Ends a waiting `poll` at once with `[]` (mio's `Waker`, the self-pipe trick); with none waiting, the
   * next `poll` returns at once.
   * @example setTimeout(() => ep.wakeup(), 100); await ep.poll() // [] if woken
   */
  wakeup(): void {
    this.#p.wakeup();
  }

  /** `close()`, for `using ep = new Epoll()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Closes the instance and frees its descriptor; waiting calls fail with `EBADF`, and every select, poll
   * or epoll watching it hears of it as of a closed socket.
   */
  close(): void {
    if (this.#fd === -1) return;
    publishClose(this.#fd);
    this._host.fds.free(this.#fd);
    this.#fd = -1;
    this.#p.close();
    this.#watchers.clear();
    this._closed();
  }

  /**
   * Takes a number of `host`'s table for this instance's (epoll_ctl adding the first socket, of a simulated
   * host): `EMFILE` there leaves everything as it was. An instance already watched where it is stays there.
   */
  #moveTo(host: Host): void {
    if (this.#watchers.size > 0) throw mixedHosts(this._host, host, 'epoll_ctl');
    const fd = host.fds.alloc(this, 'epoll_ctl');
    this._host.fds.free(this.#fd);
    this.#fd = fd;
    this._host = host;
  }

  /** epoll_ctl's loop check (`ep_loop_check`): no instance may watch itself, directly or through others. */
  #admit(file: Pollable): void {
    if (file === this) throw sysError('EINVAL', 'epoll_ctl', 'an epoll instance cannot watch itself');
    if (!file._canPoll) throw sysError('EPERM', 'epoll_ctl', 'a regular file has no poll: it is always ready');
    if (!(file instanceof Epoll)) return;
    const below = file.#depthOrLoop(this, 1);
    if (below < 0) throw new SocketError('ELOOP', 'epoll_ctl', 'the instance watches this one: a loop');
    // This instance over the new one and everything under it: at most EP_MAX_NESTS + 1 levels.
    if (1 + below > MAX_NESTS + 1) {
      throw new SocketError('ELOOP', 'epoll_ctl', `epoll instances nested deeper than ${MAX_NESTS + 1} levels`);
    }
  }

  /** How many epoll levels lie at and below this one (1 for a leaf), or -1 when `target` is among them. */
  #depthOrLoop(target: Epoll, level: number): number {
    if (level > MAX_NESTS + 1) return level; // deep enough to refuse: no need to look further
    let deepest = 1;
    for (const f of this.#p._files()) {
      if (!(f instanceof Epoll)) continue;
      if (f === target) return -1;
      const d = f.#depthOrLoop(target, level + 1);
      if (d < 0) return -1;
      if (d + 1 > deepest) deepest = d + 1;
    }
    return deepest;
  }
}
