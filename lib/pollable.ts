/**
 * The base of everything that select, poll and epoll can watch: it reports its readiness as a mask of
 * `POLL*` bits and tells the interest lists that watch it when that readiness may have changed.
 *
 * The split between {@link Pollable._wake} and {@link Pollable._update} is the one Linux makes: a *wake*
 * comes from the network (data, a FIN, a reset, send-buffer space, a connection), and is what an
 * edge-triggered epoll reports; an *update* comes from the program's own call (`recv`, `shutdown`) and only
 * changes what a level-triggered check sees next.
 */
import type { FileLike } from './fd-table.js';
import { noteWake } from './turn.js';

/** @internal One registration of a file in an interest list; the list implements the callbacks. */
export interface Watch {
  /** New readiness arrived from the network. */
  wake(): void;
  /** The program changed the file's state itself. */
  update(): void;
  /** The file was closed: its descriptor is gone. */
  closed(): void;
}

/** A socket or listener as select/poll/epoll see it. */
export abstract class Pollable implements FileLike {
  #watches: Watch[] = [];

  /** The descriptor number, or -1 once closed. */
  abstract fileno(): number;

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

  /** @internal Readiness may have risen because of the network. */
  protected _wake(): void {
    noteWake();
    const ws = this.#watches;
    for (let i = 0; i < ws.length; i++) (ws[i] as Watch).wake();
  }

  /** @internal The program's own call changed the state. */
  protected _update(): void {
    const ws = this.#watches;
    for (let i = 0; i < ws.length; i++) (ws[i] as Watch).update();
  }

  /** @internal The descriptor is gone: every watcher hears of it once, then none remain. */
  protected _closed(): void {
    const ws = this.#watches;
    this.#watches = [];
    for (const w of ws) w.closed();
  }
}
