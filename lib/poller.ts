/**
 * The registration-based models, poll(2) and epoll(7), as one class whose differences are data
 * ({@link PollerModel}): which bits are always reported, which mode flags a mask may carry, what happens to
 * a closed descriptor, what registering twice means, and what a call costs the kernel.
 */
import { CostCounter, now, epollCopyBytes, pollCopyBytes } from './cost.js';
import { invalidArgType, invalidArgValue, sysError } from './errors.js';
import { lookupFd } from './fd-table.js';
import { EPOLLET, EPOLLONESHOT, EVENT_BITS, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI } from './flags.js';
import { Pending } from './pending.js';
import { Pollable } from './pollable.js';
import { ReadyList, type Registration } from './ready-list.js';
import { fdOf, fileOf, type Selectable } from './resolve.js';
import { checkInt, checkTimeout } from './validate.js';

/** One answer of `poll()`: a descriptor and the bits it reports. */
export type PollEvent = [fd: number, events: number];

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

/** @internal The shared implementation of {@link Poll} and {@link Epoll}. */
export class Poller {
  /** What the kernel would have done for each call so far. */
  readonly cost = new CostCounter();
  readonly #model: PollerModel;
  readonly #regs = new Map<number, Registration<number>>();
  readonly #list: ReadyList<number>;
  readonly #pending: Pending<PollEvent[]>;
  #closed = false;

  constructor(model: PollerModel) {
    this.#model = model;
    this.#pending = new Pending<PollEvent[]>(() => this.#deliver());
    this.#list = new ReadyList<number>(
      {
        queued: () => {
          if (this.#pending.size > 0) this.#pending.schedule();
        },
        closed: (reg) => {
          if (this.#model.keepClosed) {
            this.#list.requeue(reg); // POLLNVAL from now on, until unregistered
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
   * @throws {SocketError} `EBADF` for a closed socket (epoll also for an unknown number); epoll: `EEXIST`
   * when already registered.
   */
  register(target: Selectable, mask: number): void {
    const m = this.#checkMask(mask);
    const fd = fdOf(target, 'fd', false);
    this.#checkOpen();
    const reg = this.#regs.get(fd);
    if (reg !== undefined) {
      if (this.#model.registerTwiceFails) throw sysError('EEXIST', this.#model.ctl, `descriptor ${fd} is registered`);
      const now = lookupFd(fd);
      if (reg.file !== now && now instanceof Pollable) this.#rebind(reg, now); // the number was reused
      this.#list.modify(this.#regs.get(fd) as Registration<number>, m);
      return;
    }
    let file: Pollable;
    try {
      file = fileOf(fd, this.#model.ctl);
    } catch (err) {
      if (!this.#model.keepClosed || fd < 0) throw err;
      file = new NotOpen();
    }
    this.#regs.set(fd, this.#list.add(file, fd, m, fd));
  }

  /**
   * Changes the mask of a registered descriptor (and re-arms an `EPOLLONESHOT` one).
   * @throws {SocketError} `ENOENT` when it is not registered.
   */
  modify(target: Selectable, mask: number): void {
    const m = this.#checkMask(mask);
    const fd = fdOf(target, 'fd', false);
    this.#checkOpen();
    const reg = this.#regs.get(fd);
    if (reg === undefined) throw sysError('ENOENT', this.#model.ctl, `descriptor ${fd} is not registered`);
    this.#list.modify(reg, m);
  }

  /**
   * Stops watching a descriptor.
   * @throws {SocketError} `ENOENT` when it is not registered.
   */
  unregister(target: Selectable): void {
    const fd = fdOf(target, 'fd', false);
    this.#checkOpen();
    const reg = this.#regs.get(fd);
    if (reg === undefined) throw sysError('ENOENT', this.#model.ctl, `descriptor ${fd} is not registered`);
    this.#regs.delete(fd);
    this.#list.remove(reg);
  }

  /**
   * Waits for events; see {@link Poll.poll} and {@link Epoll.poll}. `maxevents` bounds one answer
   * (`-1`: no bound).
   */
  poll(timeoutMs?: number | null, maxevents = -1): Promise<PollEvent[]> {
    let ms: number;
    try {
      ms = checkTimeout(timeoutMs);
      if (maxevents !== -1) checkInt(maxevents, 'maxevents', 1);
    } catch (err) {
      return Promise.reject(err);
    }
    const n = this.#regs.size;
    return this.#pending.wait(ms, n === 0, this.#list.size > 0, () => {
      const [examined, bytes] = this.#model.cost(0, 0, n);
      this.cost.record(examined, bytes, now(), 0);
      return [];
    }, this.#model.wait, maxevents === -1 ? Infinity : maxevents);
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
    this.#pending.serve((ask) => {
      const start = now();
      const out: PollEvent[] = [];
      const queued = this.#list.collect(ask.limit, (reg, rev) => {
        if (rev & POLLNVAL && this.#model.keepClosed) {
          // poll(2) looks the number up on every call: a number opened since is that new socket.
          const file = lookupFd(reg.fd);
          if (!(file instanceof Pollable)) return void out.push([reg.fd, rev]);
          const fresh = this.#rebind(reg, file);
          rev = this.#list.revents(fresh);
          if (rev === 0) return;
        }
        out.push([reg.fd, rev]);
      });
      if (out.length === 0 && !ask.poll) return null;
      const [examined, bytes] = this.#model.cost(queued, out.length, this.#regs.size);
      this.cost.record(examined, bytes, start, out.length);
      return out;
    });
    if (this.#pending.size > 0 && this.#list.size > 0) this.#pending.schedule();
  }

  /** Points the registration of `reg.fd` at the socket that now has that number. */
  #rebind(reg: Registration<number>, file: Pollable): Registration<number> {
    this.#list.remove(reg);
    const fresh = this.#list.add(file, reg.fd, reg.mask, reg.fd);
    this.#regs.set(reg.fd, fresh);
    return fresh;
  }

  #checkMask(mask: unknown): number {
    if (typeof mask !== 'number') throw invalidArgType('mask', 'of type number', mask);
    if (!Number.isInteger(mask)) throw invalidArgValue('mask', `must be an integer. Received ${String(mask)}`);
    const m = mask >>> 0;
    const allowed = (EVENT_BITS | this.#model.modes) >>> 0;
    if ((m & ~allowed) !== 0) {
      throw invalidArgValue('mask', `has bits that ${this.#model.ctl} does not know: 0x${(m & ~allowed >>> 0).toString(16)}`);
    }
    return m;
  }

  #checkOpen(): void {
    if (this.#closed) throw sysError('EBADF', this.#model.ctl, 'closed');
  }
}

/** poll's and epoll's default mask, as in Python: readable, writable or urgent. */
export const DEFAULT_MASK = POLLIN | POLLOUT | POLLPRI;
