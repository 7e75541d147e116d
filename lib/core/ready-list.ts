/**
 * The one readiness core under select, poll and epoll: Linux's "ready list" (`rdllist` in fs/eventpoll.c).
 *
 * A registration joins the ready list when its file wakes with a bit it asks for; `collect` re-checks each
 * queued registration against the file's state at that moment and reports it if anything is still ready.
 * Level-triggered registrations go back to the end of the list after they are reported (so a later call sees
 * them again, and a bounded call serves the others first); edge-triggered ones leave it until the next wake;
 * one-shot ones are disarmed. Work per call is proportional to the queued registrations, never to all of
 * them: an idle descriptor costs nothing.
 *
 * The three models differ only in data: which bits they always report (`always`), and which mode flags
 * their masks may carry.
 */
import { EPOLLET, EPOLLONESHOT, EVENT_BITS } from './flags.js';
import type { Pollable, Watch } from './pollable.js';

/** @internal One file in one interest list, with what the owner asked for. */
export class Registration<T> implements Watch {
  /** The interest bits and mode flags (`EPOLLET`, `EPOLLONESHOT`). */
  mask: number;
  /** A one-shot registration that has fired; `modify` re-arms it. */
  disarmed = false;
  /** Set while the registration sits in its list's ready queue. */
  queued = false;
  /** Its neighbours in the ready queue (a list through the registrations: no allocation to queue one). */
  prev: Registration<T> | null = null;
  next: Registration<T> | null = null;

  constructor(
    readonly list: ReadyList<T>,
    readonly file: Pollable,
    readonly fd: number,
    mask: number,
    /** What the owner keeps with the registration (the object the user passed, a selector key, ...). */
    public data: T,
  ) {
    this.mask = mask;
  }

  /** @internal A wake (`edge`) or a program's update, about the bits in `key` (0: all). */
  wake(key: number, edge: boolean): void {
    // As ep_poll_callback: a wake about bits this registration does not ask for is dropped...
    if (key !== 0 && (key & ((this.mask & EVENT_BITS) | this.list.always)) === 0) return;
    // ...and the program's own calls never create an edge: only level-triggered interest re-checks.
    if (!edge && (this.mask & EPOLLET) !== 0) return;
    this.list._offer(this);
  }

  /** @internal */
  closed(): void {
    this.list._closed(this);
  }
}

/** @internal What a list's owner is told. */
export interface ReadyListOwner<T> {
  /** The ready queue went from empty to non-empty: schedule a delivery. */
  queued(): void;
  /** A registered file was closed. The registration is already unwatched; the owner decides the rest. */
  closed(reg: Registration<T>): void;
}

/** @internal The ready queue of one select/poll/epoll instance. */
export class ReadyList<T> {
  // The ready queue, in the order the registrations joined it, linked through them.
  #head: Registration<T> | null = null;
  #tail: Registration<T> | null = null;
  #size = 0;
  /** Bits reported whatever the mask. */
  readonly always: number;
  readonly #owner: ReadyListOwner<T>;

  /** @param always bits reported whatever the mask (poll and epoll: `POLLERR | POLLHUP`). */
  constructor(owner: ReadyListOwner<T>, always: number) {
    this.#owner = owner;
    this.always = always;
  }

  /** Registrations waiting to be re-checked. */
  get size(): number {
    return this.#size;
  }

  /**
   * Watches `file` and queues it at once if it is already ready, as `epoll_ctl(ADD)` does. O(1). `offer` false:
   * the caller has just seen that the file asks for nothing of `mask`, and it is not looked at again.
   */
  add(file: Pollable, fd: number, mask: number, data: T, offer = true): Registration<T> {
    const reg = new Registration(this, file, fd, mask, data);
    file._watch(reg);
    if (offer) this._offer(reg);
    return reg;
  }

  /**
   * Watches again a registration of this list that was removed, with `mask`: as {@link add} (`offer` too),
   * without making a new one (the free select() registers the same files call after call). O(1).
   */
  readd(reg: Registration<T>, mask: number, offer = true): void {
    reg.mask = mask;
    reg.disarmed = false;
    reg.file._watch(reg);
    if (offer) this._offer(reg);
  }

  /** Changes the interest (re-arming a one-shot registration) and re-checks it at once. O(1). */
  modify(reg: Registration<T>, mask: number): void {
    reg.mask = mask;
    reg.disarmed = false;
    this._offer(reg);
  }

  /** Stops watching. O(watchers of the file), which is one or two. */
  remove(reg: Registration<T>): void {
    reg.file._unwatch(reg);
    this.#dequeue(reg);
  }

  /** Drops `reg` from the ready queue without unwatching (a closed file, kept by poll for POLLNVAL). */
  #dequeue(reg: Registration<T>): void {
    if (reg.queued) this.#unlink(reg);
  }

  /** Appends `reg` to the ready queue. O(1). */
  #push(reg: Registration<T>): void {
    reg.queued = true;
    reg.prev = this.#tail;
    reg.next = null;
    if (this.#tail === null) this.#head = reg;
    else this.#tail.next = reg;
    this.#tail = reg;
    this.#size++;
  }

  /** Takes a queued `reg` out of the ready queue. O(1). */
  #unlink(reg: Registration<T>): void {
    const { prev, next } = reg;
    if (prev === null) this.#head = next;
    else prev.next = next;
    if (next === null) this.#tail = prev;
    else next.prev = prev;
    reg.prev = reg.next = null;
    reg.queued = false;
    this.#size--;
  }

  /** The bits `reg` would report now, or 0. */
  revents(reg: Registration<T>): number {
    if (reg.disarmed) return 0;
    return reg.file.events() & ((reg.mask & EVENT_BITS) | this.always);
  }

  /**
   * Re-checks up to `max` queued registrations and hands each that is still ready to `visit`, in queue
   * order. Returns how many registrations were examined. O(queued).
   */
  collect(max: number, visit: (reg: Registration<T>, revents: number) => void): number {
    // Each is taken from the front; level-triggered ones go back at the end: stop at the old end.
    let budget = this.#size;
    let delivered = 0;
    let examined = 0;
    for (let reg = this.#head; reg !== null && budget-- > 0 && delivered < max; reg = this.#head) {
      examined++;
      this.#unlink(reg);
      const rev = this.revents(reg);
      if (rev === 0) continue;
      delivered++;
      if (reg.mask & EPOLLONESHOT) reg.disarmed = true;
      else if ((reg.mask & EPOLLET) === 0) this.#push(reg);
      visit(reg, rev);
    }
    return examined;
  }

  /**
   * Whether a queued registration would report something now, without consuming anything; queued ones
   * that would not are dropped on the way, as Linux's `ep_eventpoll_poll` does. O(queued).
   */
  anyReady(): boolean {
    for (let reg = this.#head; reg !== null; ) {
      if (this.revents(reg) !== 0) return true;
      const next = reg.next;
      this.#unlink(reg);
      reg = next;
    }
    return false;
  }

  /**
   * @internal A wake or an update: queue `reg` if it asks for something the file now has. Also for a
   * registration no longer watched (poll's entry of a closed descriptor, which reports POLLNVAL).
   */
  _offer(reg: Registration<T>): void {
    if (reg.queued || this.revents(reg) === 0) return;
    const wasEmpty = this.#size === 0;
    this.#push(reg);
    if (wasEmpty) this.#owner.queued();
  }

  /** @internal */
  _closed(reg: Registration<T>): void {
    this.#owner.closed(reg);
  }

  /** Empties the queue (the owner is closing). */
  clear(): void {
    for (let reg = this.#head; reg !== null; ) {
      const next = reg.next;
      reg.prev = reg.next = null;
      reg.queued = false;
      reg = next;
    }
    this.#head = this.#tail = null;
    this.#size = 0;
  }
}
