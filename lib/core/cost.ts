/**
 * The cost model: what the kernel would have done for each select/poll/epoll call, beside the time our own
 * code took. The seed's complaint about select — a linear scan and a copy of the sets on every call — and
 * epoll's answer — work only for the active descriptors — become numbers a program can print.
 *
 * Per call:
 * - select: examines every descriptor below `nfds` (the highest + 1) and copies three `fd_set`s in and out,
 *   each as many 64-bit words as `nfds` needs (128 bytes at FD_SETSIZE).
 * - poll: examines every entry, copies the `pollfd` array in (8 bytes an entry) and writes back only each
 *   entry's `revents` (2 bytes), as Linux's `do_sys_poll` does.
 * - epoll_wait: examines the ready list only and copies out 12 bytes per event returned.
 */

/** @internal A monotonic clock in milliseconds, with sub-microsecond resolution and no allocation. */
export const now: () => number = performance.now.bind(performance);

/** What one call cost. */
export interface CallCost {
  /** Descriptors the kernel would have looked at. */
  examined: number;
  /** Bytes copied between kernel and user space. */
  bytesCopied: number;
  /** Time net-select spent computing the answer (not the time spent waiting), in nanoseconds. */
  nanoseconds: number;
  /** Descriptors reported ready. */
  ready: number;
}

/**
 * Running totals of {@link CallCost} for one select/poll/epoll instance.
 * @example const { calls, examined } = poller.cost; console.log(examined / calls)
 */
export class CostCounter {
  /** Calls made (each settled select/poll, each `'ready'` batch). */
  calls = 0;
  /** Sum of `examined`. */
  examined = 0;
  /** Sum of `bytesCopied`. */
  bytesCopied = 0;
  /** Sum of `nanoseconds`. */
  nanoseconds = 0;
  /** The most recent call. */
  readonly last: CallCost = { examined: 0, bytesCopied: 0, nanoseconds: 0, ready: 0 };

  /** @internal Adds one call that began at `startMs` (a {@link now} reading). */
  record(examined: number, bytesCopied: number, startMs: number, ready: number): void {
    const ns = Math.round((now() - startMs) * 1e6);
    this.calls++;
    this.examined += examined;
    this.bytesCopied += bytesCopied;
    this.nanoseconds += ns;
    const last = this.last;
    last.examined = examined;
    last.bytesCopied = bytesCopied;
    last.nanoseconds = ns;
    last.ready = ready;
  }

  /** @internal Adds a call that another counter measured. */
  add(c: CallCost): void {
    this.calls++;
    this.examined += c.examined;
    this.bytesCopied += c.bytesCopied;
    this.nanoseconds += c.nanoseconds;
    Object.assign(this.last, c);
  }

  /** Zeroes the totals. */
  reset(): void {
    this.calls = this.examined = this.bytesCopied = this.nanoseconds = 0;
  }
}

/** Bytes select(2) copies for `nfds`: three sets in and three out, `ceil(nfds / 64)` words each. */
export function selectCopyBytes(nfds: number): number {
  return 6 * 8 * Math.ceil(nfds / 64);
}

/**
 * Bytes poll(2) copies for `n` entries: the `pollfd` array in (8 bytes each: `fd`, `events`, `revents`) and
 * each entry's 2-byte `revents` out — Linux writes back `revents` alone, not the whole `pollfd`.
 */
export function pollCopyBytes(n: number): number {
  return (8 + 2) * n;
}

/** Bytes epoll_wait(2) copies for `ready` events: one `epoll_event` each, out only. */
export function epollCopyBytes(ready: number): number {
  return 12 * ready;
}
