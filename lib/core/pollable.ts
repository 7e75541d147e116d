/**
 * The base of everything that select, poll and epoll can watch: it reports its readiness as a mask of
 * `POLL*` bits and tells the interest lists that watch it when that readiness changes.
 *
 * Every state change goes through one door, {@link Pollable._changed}, as every change of a Linux socket
 * goes through `sk_data_ready`, `sk_write_space`, `sk_state_change` or `sk_error_report`. A change is one of
 * two kinds, the split Linux makes:
 *
 * - a **wake** carries a key, the bits the event is about (`POLLIN` for data, `POLLOUT` for send space, 0 for
 *   a state change, which concerns every bit). It comes from the network — or from a program call that Linux
 *   also wakes for, such as `shutdown()` or a larger send buffer. Each wake is an edge for `EPOLLET`, and a
 *   registration whose interest shares no bit with the key is not woken (`ep_poll_callback`'s filter).
 * - an **update** is any other change by the program's own call (`recv`, `send`). Linux wakes no one for
 *   these; here the level-triggered registrations whose bits rose are re-checked, and edge-triggered ones
 *   hear nothing.
 */
import type { FileLike } from './fd-table.js';
import { processHost, type Host } from './host.js';

/** @internal One registration of a file in an interest list; the list implements the callbacks. */
export interface Watch {
  /**
   * The file's readiness changed. `key`: the bits concerned (0: all). `edge`: a wake (an edge for
   * `EPOLLET`), or only a program's update (level-triggered interest re-checks).
   */
  wake(key: number, edge: boolean): void;
  /** The file was closed: its descriptor is gone. */
  closed(): void;
}

/**
 * A socket or listener as select/poll/epoll see it.
 * @example const readable = (s: Pollable): boolean => (s.events() & POLLIN) !== 0
 */
export abstract class Pollable implements FileLike {
  #watches: Watch[] = [];
  #level = 0; // events() when last announced
  /**
   * @internal The host whose descriptor table and turn this file belongs to. Only an epoll instance moves,
   * to the host of the first file it watches.
   */
  _host: Host;

  /** @internal */
  constructor(host: Host = processHost) {
    this._host = host;
  }

  /** The descriptor number, or -1 once closed. */
  abstract fileno(): number;

  /**
   * @internal Whether the file has a poll of its own that wakes waiters (Linux's `file_can_poll`). A regular
   * file has none: select and poll call it always ready, and `epoll_ctl` refuses it with `EPERM`.
   */
  get _canPoll(): boolean {
    return true;
  }

  /**
   * The readiness the kernel would report for this descriptor now, as `POLL*` bits
   * (`POLLNVAL` once closed). O(1).
   */
  abstract events(): number;

  /** @internal */
  _watch(w: Watch): void {
    this.#watches.push(w);
  }

  /** @internal */
  _unwatch(w: Watch): void {
    const ws = this.#watches;
    const i = ws.indexOf(w);
    if (i < 0) return;
    // Order does not matter: swap-remove keeps this O(1) after the search.
    const last = ws.pop() as Watch;
    if (i < ws.length) ws[i] = last;
  }

  /**
   * @internal The one door for a change of state: call it after changing what `events()` computes.
   * `wake` true: a wake with `key` (0: every bit), an edge. `wake` false: the program's own update; only the
   * bits that rose are offered to level-triggered interest. O(watchers).
   */
  protected _changed(key: number, wake: boolean): void {
    const after = this.events();
    const rising = after & ~this.#level;
    this.#level = after;
    if (wake) this._host.turn.noteWake();
    else if (rising === 0) return;
    const ws = this.#watches;
    const k = wake ? key : rising;
    for (let i = 0; i < ws.length; i++) (ws[i] as Watch).wake(k, wake);
  }

  /** @internal The descriptor is gone: every watcher hears of it once, then none remain. */
  protected _closed(): void {
    const ws = this.#watches;
    this.#watches = [];
    this.#level = 0;
    for (const w of ws) w.closed();
  }
}
