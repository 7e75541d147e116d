/**
 * The registration-based models, poll(2) and epoll(7), as one class whose differences are data
 * ({@link PollerModel}): which bits are always reported, which mode flags a mask may carry, what happens to
 * a closed descriptor, what registering twice means, and what a call costs the kernel.
 */
import { CostCounter, now, epollCopyBytes, pollCopyBytes } from '../core/cost.js';
import { invalidArgType, invalidArgValue, outOfRange, sysError } from '../core/errors.js';
import { EPOLLET, EPOLLONESHOT, EVENT_BITS, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, type PollEvent } from '../core/flags.js';
import { Pending, type Ask, type WaitOptions } from '../core/pending.js';
import { Pollable } from '../core/pollable.js';
import type { Host } from '../core/host.js';
import { ReadyList, type Registration } from '../core/ready-list.js';
import { RunList } from '../core/run-list.js';
import { fdOf, fileFor, type Selectable } from '../core/resolve.js';
import { asked, pollChannel, publishPoll, traceId, type Asked } from '../trace/trace.js';
import { checkInt, checkTimeout, checkWaitOptions } from '../core/validate.js';

/** @internal What makes poll poll and epoll epoll. */
export interface PollerModel {
  /** The wait call's name, for errors. */
  wait: string;
  /** The control call's name, for errors. */
  ctl: string;
  /** Bits reported whatever the mask. */
  always: number;
  /** Mode flags a mask may carry besides event bits. */
  modes: number;
  /** poll keeps a closed descriptor and reports POLLNVAL for it; epoll forgets it. */
  keepClosed: boolean;
  /**
   * epoll_ctl looks the number up on every call (`EBADF` when it is not open); poll's table takes any number
   * and only poll() itself looks it up.
   */
  lookup: boolean;
  /**
   * The masks the call can carry: poll's `events` is a `short` of known bits, so [0, 0xffff]; epoll's is 32
   * bits, and JavaScript's `|` makes `EPOLLIN | EPOLLET` a negative int32, so [-2^31, 2^32 - 1], read as
   * those 32 bits.
   */
  maskMin: number;
  maskMax: number;
  /** poll's register of a registered descriptor modifies it; epoll's fails with EEXIST. */
  registerTwiceFails: boolean;
  /** [examined, bytes copied] for a call that examined `queued` ready-list entries with `n` registered. */
  cost(queued: number, ready: number, n: number): [number, number];
}

/** @internal poll(2). */
export const POLL_MODEL: PollerModel = {
  wait: 'poll',
  ctl: 'poll',
  always: POLLERR | POLLHUP | POLLNVAL,
  modes: 0,
  keepClosed: true,
  lookup: false,
  maskMin: 0,
  maskMax: 0xffff,
  registerTwiceFails: false,
  cost: (_queued, _ready, n) => [n, pollCopyBytes(n)],
};

/** @internal epoll(7). */
export const EPOLL_MODEL: PollerModel = {
  wait: 'epoll_wait',
  ctl: 'epoll_ctl',
  always: POLLERR | POLLHUP,
  modes: EPOLLET | EPOLLONESHOT,
  keepClosed: false,
  lookup: true,
  maskMin: -(2 ** 31),
  maskMax: 0xffffffff,
  registerTwiceFails: true,
  cost: (queued, ready) => [queued, epollCopyBytes(ready)],
};

/** Stands for a descriptor number that was never open: poll reports POLLNVAL for it. */
class NotOpen extends Pollable {
  fileno(): number {
    return -1;
  }

  events(): number {
    return POLLNVAL;
  }
}

/** @internal What an owner of a {@link Poller} may add to it (epoll, which is itself a file). */
export interface PollerHooks {
  /** The ready list went from empty to non-empty: the instance became readable. */
  queued?(): void;
  /** Vets a resolved file before it is added (epoll refuses itself and loops). Throws to refuse. */
  admit?(file: Pollable): void;
  /** The instance's own descriptor, for the trace (epoll's; poll has none). */
  fileno?(): number;
  /**
   * The first file is of another host than the instance's: epoll, itself a file, moves its descriptor to
   * that host's table. Throws to refuse (`EMFILE` there), and nothing is changed.
   */
  moveTo?(host: Host): void;
}

/**
 * @internal The engine under {@link Poll} and {@link Epoll}: each holds one and forwards to it (epoll is also a
 * file, so neither extends it).
 */
export class Poller {
  /** What the kernel would have done for each call so far. */
  readonly cost = new CostCounter();
  readonly #model: PollerModel;
  readonly #hooks: PollerHooks;
  readonly #regs = new Map<number, Registration<number>>();
  readonly #list: ReadyList<number>;
  readonly #pending: Pending<PollEvent[]>;
  // One delivery's events are gathered here, then copied out at their size.
  readonly #gathered = new RunList<PollEvent>();
  /** Hands `reg`'s `rev` to the delivery being gathered (made once, not per delivery). */
  readonly #gather = (reg: Registration<number>, rev: number): void => {
    if (rev & POLLNVAL && this.#model.keepClosed) {
      // poll(2) looks the number up on every call: a number opened since is that new socket.
      const file = this.#pending.host.fds.lookup(reg.fd);
      if (file instanceof Pollable) {
        const fresh = this.#rebind(reg, file);
        rev = this.#list.revents(fresh);
        if (rev === 0) return;
      }
    }
    this.#gathered.push([reg.fd, rev]);
  };
  /** One waiting call's answer from the ready queue, or null to keep it waiting (see {@link Pending.serve}). */
  readonly #answer = (ask: Ask): PollEvent[] | null => {
    const start = now();
    let queued: number;
    try {
      queued = this.#list.collect(ask.limit, this.#gather);
    } catch (err) {
      this.#gathered.clear();
      throw err;
    }
    const out = this.#gathered.drain();
    if (out.length === 0 && !ask.poll) return null;
    const [examined, bytes] = this.#model.cost(queued, out.length, this.#regs.size);
    this.cost.record(examined, bytes, start, out.length);
    this.#trace(out, ask.limit);
    return out;
  };
  #closed = false;
  readonly #traceId = traceId();
  #asked: Asked | undefined; // the waiting call, while someone traces

  /** @internal `host`: bound to that host from the start (otherwise the first file's decides). */
  constructor(model: PollerModel, hooks: PollerHooks = {}, host?: Host) {
    this.#model = model;
    this.#hooks = hooks;
    this.#pending = new Pending<PollEvent[]>({ deliver: () => this.#deliver() });
    if (host !== undefined) this.#pending.useHost(host, model.ctl);
    this.#list = new ReadyList<number>(
      {
        queued: () => {
          if (this.#pending.size > 0) this.#pending.schedule();
          this.#hooks.queued?.();
        },
        closed: (reg) => {
          if (this.#model.keepClosed) {
            this.#list._offer(reg); // POLLNVAL from now on, until unregistered
            return;
          }
          this.#regs.delete(reg.fd);
          this.#list.remove(reg);
        },
      },
      model.always,
    );
  }

  /** Registered descriptors. */
  get size(): number {
    return this.#regs.size;
  }

  /** Whether `close` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Watches `target` for the bits in `mask`.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE`/`ERR_INVALID_ARG_VALUE` for a bad target or mask.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a mask past what the call can carry.
   * @throws {SocketError} `EBADF` for a closed socket (epoll also for an unknown number); epoll: `EEXIST`
   * when already registered.
   */
  register(target: Selectable, mask: number): void {
    const m = this.#checkMask(mask);
    const fd = fdOf(target, 'fd', false);
    this.#checkOpen();
    const ctl = this.#model.ctl;
    const pending = this.#pending;
    if (target instanceof Pollable) pending.checkHost(target._host, ctl);
    const reg = this.#regs.get(fd);
    if (reg !== undefined) {
      if (this.#model.registerTwiceFails) throw sysError('EEXIST', ctl, `descriptor ${fd} is registered`);
      const now = pending.host.fds.lookup(fd);
      if (reg.file !== now && now instanceof Pollable) this.#rebind(reg, now); // the number was reused
      this.#list.modify(this.#regs.get(fd) as Registration<number>, m);
      return;
    }
    // A number is looked up in the instance's host; a socket is its own file, of its own host.
    const host = target instanceof Pollable ? target._host : pending.host;
    let file: Pollable;
    try {
      file = fileFor(target, fd, ctl, host);
    } catch (err) {
      if (this.#model.lookup || fd < 0) throw err;
      file = new NotOpen(host);
    }
    this.#hooks.admit?.(file);
    if (file._host !== pending.host) this.#hooks.moveTo?.(file._host);
    pending.useHost(file._host, ctl);
    this.#regs.set(fd, this.#list.add(file, fd, m, fd));
  }

  /**
   * Changes the mask of a registered descriptor (and re-arms an `EPOLLONESHOT` one).
   * @throws {SocketError} `ENOENT` when it is not registered; `EBADF` for a closed socket (epoll: for any
   * number that is not open).
   */
  modify(target: Selectable, mask: number): void {
    const m = this.#checkMask(mask);
    this.#list.modify(this.#find(target), m);
  }

  /**
   * Stops watching a descriptor.
   * @throws {SocketError} `ENOENT` when it is not registered; `EBADF` for a closed socket (epoll: for any
   * number that is not open).
   */
  unregister(target: Selectable): void {
    const reg = this.#find(target);
    this.#regs.delete(reg.fd);
    this.#list.remove(reg);
  }

  /** @internal The files registered here (epoll's loop check walks them). O(registered). */
  *_files(): IterableIterator<Pollable> {
    for (const reg of this.#regs.values()) yield reg.file;
  }

  /**
   * @internal Whether a registration would report something now: Linux's `ep_eventpoll_poll`, which makes
   * an epoll descriptor readable. O(queued).
   */
  _anyReady(): boolean {
    return this.#list.anyReady();
  }

  /**
   * @internal Waits for events; see {@link Poll.poll} and {@link Epoll.poll}. `maxevents` bounds one answer
   * (`-1`: no bound).
   */
  _poll(timeoutMs: number | null | undefined, maxevents: number, options: WaitOptions | undefined): Promise<PollEvent[]> {
    let ms: number;
    let signal: AbortSignal | undefined;
    try {
      ms = checkTimeout(timeoutMs);
      signal = checkWaitOptions(options);
      if (maxevents !== -1) checkInt(maxevents, 'maxevents', 1);
    } catch (err) {
      return Promise.reject(err);
    }
    const n = this.#regs.size;
    if (pollChannel.hasSubscribers) this.#asked ??= asked(ms);
    return this.#pending.wait({
      ms,
      syscall: this.#model.wait,
      idle: n === 0,
      ready: this.#list.size > 0,
      empty: () => {
        const [examined, bytes] = this.#model.cost(0, 0, n);
        this.cost.record(examined, bytes, now(), 0);
        this.#trace([], maxevents);
        return [];
      },
      limit: maxevents === -1 ? Infinity : maxevents,
      signal,
    });
  }

  /** Ends a waiting `poll` at once with `[]`; with none waiting, the next `poll` returns at once. */
  wakeup(): void {
    this.#pending.wakeup();
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Stops watching everything and fails waiting calls with `EBADF`. Closing twice does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const reg of this.#regs.values()) this.#list.remove(reg);
    this.#regs.clear();
    this.#pending.close(this.#model.wait);
  }

  #deliver(): void {
    this.#pending.serve(this.#answer);
    if (this.#pending.size > 0 && this.#list.size > 0) this.#pending.schedule();
  }

  /** Publishes an answer on the `net-select:poll` channel, when someone listens. */
  #trace(events: PollEvent[], maxevents: number): void {
    if (!pollChannel.hasSubscribers) return;
    const epfd = this.#hooks.fileno?.() ?? -1;
    const wait = this.#model.wait as 'poll' | 'epoll_wait';
    // epoll_wait(2) takes no "unbounded" (maxevents <= 0 is EINVAL): with none given, what a C program passes,
    // an events array as long as the interest list.
    const max = wait === 'epoll_wait' && (maxevents === -1 || maxevents === Infinity) ? Math.max(1, this.#regs.size) : maxevents;
    publishPoll(wait, this.#traceId, epfd, this.#regs, max, this.#asked, events, this.cost.last);
    this.#asked = undefined;
  }

  /** Points the registration of `reg.fd` at the socket that now has that number. */
  #rebind(reg: Registration<number>, file: Pollable): Registration<number> {
    this.#list.remove(reg);
    const fresh = this.#list.add(file, reg.fd, reg.mask, reg.fd);
    this.#regs.set(reg.fd, fresh);
    return fresh;
  }

  /** The registration `modify`/`unregister` act on, checked as the control call checks it. */
  #find(target: Selectable): Registration<number> {
    const fd = fdOf(target, 'fd', false);
    this.#checkOpen();
    const ctl = this.#model.ctl;
    // A closed socket has no number left to name; epoll_ctl also looks the number up before its set.
    if (fd === -1 || (this.#model.lookup && !(this.#pending.host.fds.lookup(fd) instanceof Pollable))) {
      throw sysError('EBADF', ctl, `descriptor ${fd === -1 ? '(closed)' : fd} is not open`);
    }
    const reg = this.#regs.get(fd);
    if (reg === undefined) throw sysError('ENOENT', ctl, `descriptor ${fd} is not registered`);
    return reg;
  }

  /**
   * A mask as the C call would take it, never cut to fewer bits: as in CPython, a mask too negative to be
   * one is refused (ValueError there) and one wider than the call's field too (OverflowError there).
   * Returns it as unsigned 32 bits.
   */
  #checkMask(mask: unknown): number {
    if (typeof mask !== 'number') throw invalidArgType('mask', 'of type number', mask);
    if (!Number.isInteger(mask)) throw invalidArgValue('mask', `must be an integer. Received ${String(mask)}`);
    const { maskMin, maskMax, ctl } = this.#model;
    if (mask < maskMin) {
      throw invalidArgValue('mask', `must be ${maskMin === 0 ? 'non-negative' : `>= ${maskMin} (a 32-bit mask)`}. Received ${mask}`);
    }
    if (mask > maskMax) throw outOfRange('mask', `<= 0x${maskMax.toString(16)} (the widest mask ${ctl} takes)`, mask);
    const m = mask >>> 0; // exact in this range: a negative int32 is its own 32 bits
    const unknown = (m & ~(EVENT_BITS | this.#model.modes)) >>> 0;
    if (unknown !== 0) throw invalidArgValue('mask', `has bits that ${ctl} does not know: 0x${unknown.toString(16)}`);
    return m;
  }

  #checkOpen(): void {
    if (this.#closed) throw sysError('EBADF', this.#model.ctl, 'closed');
  }
}

/** poll's and epoll's default mask, as in Python: readable, writable or urgent. */
export const DEFAULT_MASK = POLLIN | POLLOUT | POLLPRI;
