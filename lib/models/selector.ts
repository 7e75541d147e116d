/**
 * The Selector: select(2)'s three descriptor sets, kept over time, with the answer pushed to the program
 * once per turn of the event loop.
 */
import { EventEmitter } from 'eventemitter3';
import { CostCounter, now, selectCopyBytes } from '../core/cost.js';
import { invalidArgType, sysError } from '../core/errors.js';
import { Pending, type WaitOptions } from '../core/pending.js';
import { Pollable } from '../core/pollable.js';
import type { Host } from '../core/host.js';
import { ReadyList, type Registration } from '../core/ready-list.js';
import { fdOf, fileFor, type Selectable } from '../core/resolve.js';
import { asked, publishSelect, selectChannel, traceId, type Asked } from '../trace/trace.js';
import { checkListener, checkTimeout, checkWaitOptions } from '../core/validate.js';
import { SET_BITS as SETS, byFd, gather, type ReadyLists } from './ready-sets.js';

export type { ReadyLists } from './ready-sets.js';

/** The events of a {@link Selector}. */
export interface SelectorEvents {
  /** Once per event-loop turn while anything in the sets is ready; lists are in descriptor order. */
  ready: ReadyLists;
  /** A socket in the sets was closed without being removed first: `EBADF`, as select(2) would fail. */
  error: [err: Error];
}

interface Entry {
  reg: Registration<Entry>;
  /** The object added to each set (read, write, except), or undefined. */
  items: [Selectable | undefined, Selectable | undefined, Selectable | undefined];
}

/**
 * One of a Selector's three sets, like an `fd_set` with `FD_SET`/`FD_CLR`/`FD_ISSET`.
 * @example selector.rlist.add(listener); selector.wlist.delete(sock)
 */
export class FdSet implements Iterable<Selectable> {
  readonly #sel: Selector;
  readonly #which: 0 | 1 | 2;
  readonly #items = new Map<Pollable, Selectable>();

  /** @internal */
  constructor(sel: Selector, which: 0 | 1 | 2) {
    if (!(sel instanceof Selector)) throw invalidArgType('selector', 'a Selector (a Selector makes its own sets)', sel);
    this.#sel = sel;
    this.#which = which;
  }

  /**
   * Adds a socket (or its descriptor number); adding it twice does nothing. O(1).
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for anything else.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a descriptor >= FD_SETSIZE.
   * @throws {SocketError} `EBADF` for a closed socket or an unknown descriptor.
   */
  add(item: Selectable): this {
    const file = fileFor(item, fdOf(item, 'item', true), 'select', this.#sel._host);
    if (!this.#items.has(file)) {
      this.#sel._set(file, this.#which, item); // throws EBADF on a closed selector: nothing is changed
      this.#items.set(file, item);
    }
    return this;
  }

  /** Removes a socket (closed or not); returns whether it was in the set. O(1) for a socket, O(n) for a number. */
  delete(item: Selectable): boolean {
    const file = this.#find(item);
    if (file === undefined) return false;
    this.#items.delete(file);
    this.#sel._set(file, this.#which, undefined);
    return true;
  }

  /** Whether `item` is in the set. */
  has(item: Selectable): boolean {
    return this.#find(item) !== undefined;
  }

  #find(item: Selectable): Pollable | undefined {
    if (item instanceof Pollable) return this.#items.has(item) ? item : undefined;
    for (const [file, it] of this.#items) if (it === item) return file;
    if (typeof item !== 'number') return undefined;
    const file = this.#sel._host.fds.lookup(item);
    return file instanceof Pollable && this.#items.has(file) ? file : undefined;
  }

  /** How many sockets the set holds. */
  get size(): number {
    return this.#items.size;
  }

  /** @internal The selector closed: forget everything without telling it. */
  _drop(): void {
    this.#items.clear();
  }

  /** Empties the set. */
  clear(): void {
    for (const file of this.#items.keys()) this.#sel._set(file, this.#which, undefined);
    this.#items.clear();
  }

  /** The objects in the set, in the order they were added. */
  [Symbol.iterator](): Iterator<Selectable> {
    return this.#items.values();
  }
}

/**
 * Watches three sets of sockets — `rlist` (readable?), `wlist` (writable?), `xlist` (exceptional?) — with
 * select(2)'s level-triggered contract, and answers once per event-loop turn:
 *
 * - as an event: `'ready'` is emitted with `[readable, writable, exceptional]` once per turn for as long as
 *   anything is ready (a socket with unread data, or a writable socket left in `wlist`, keeps it firing:
 *   that is select's writable busy loop, made visible);
 * - as a promise: `select(timeoutMs)` settles with the next such batch, or with three empty lists on timeout.
 *
 * Every socket that became ready in the same turn is in the same batch. An idle Selector runs no timer and
 * costs no CPU; each turn's work is proportional to the sockets whose state changed or that are still ready,
 * never to the number registered. A socket closed while still in a set makes the next answer fail with
 * `EBADF` (the `'error'` event, or a rejected promise), as select(2) does: remove it before closing it.
 *
 * @example
 * const sel = new Selector()
 * sel.rlist.add(listener)
 * sel.on('ready', (readable) => {
 *   for (const s of readable) if (s instanceof Listener) s.accept()?.close()
 * })
 */
export class Selector extends EventEmitter<SelectorEvents> {
  /** The read set: reported when `recv`/`accept` would not block (data, EOF, a connection, an error). */
  readonly rlist: FdSet = new FdSet(this, 0);
  /** The write set: reported when `send` would not block. */
  readonly wlist: FdSet = new FdSet(this, 1);
  /** The except set: reported with a pending error (POSIX: out-of-band data, which Node never has). */
  readonly xlist: FdSet = new FdSet(this, 2);
  /** What the kernel would have done for each answer so far. */
  readonly cost = new CostCounter();

  readonly #entries = new Map<Pollable, Entry>();
  readonly #list: ReadyList<Entry>;
  readonly #pending = new Pending<ReadyLists>({ deliver: (checkPhase) => this.#run(checkPhase) });
  #badf = 0; // entries whose file was closed while registered
  #maxFd = -1;
  #closed = false;
  readonly #traceId = traceId();
  #asked: Asked | undefined; // the waiting call, while someone traces

  constructor() {
    super();
    this.#list = new ReadyList<Entry>(
      {
        queued: () => this.#schedule(),
        closed: () => {
          // Still in the sets: every answer is EBADF until the program removes it.
          this.#badf++;
          this.#schedule();
        },
      },
      0,
    );
  }

  /** @inheritDoc */
  override on<T extends EventEmitter.EventNames<SelectorEvents>>(
    event: T,
    fn: EventEmitter.EventListener<SelectorEvents, T>,
    context?: unknown,
  ): this {
    checkListener(fn);
    super.on(event, fn, context);
    if (event === 'ready' || event === 'error') this.#schedule();
    return this;
  }

  /** @inheritDoc */
  override addListener<T extends EventEmitter.EventNames<SelectorEvents>>(
    event: T,
    fn: EventEmitter.EventListener<SelectorEvents, T>,
    context?: unknown,
  ): this {
    return this.on(event, fn, context);
  }

  /** @inheritDoc */
  override once<T extends EventEmitter.EventNames<SelectorEvents>>(
    event: T,
    fn: EventEmitter.EventListener<SelectorEvents, T>,
    context?: unknown,
  ): this {
    checkListener(fn);
    super.once(event, fn, context);
    if (event === 'ready' || event === 'error') this.#schedule();
    return this;
  }

  /**
   * Waits for the next batch of ready sockets. `timeoutMs`: `undefined`/`null` waits until something is
   * ready; `0` polls (settles in this turn of the event loop, possibly with three empty lists); `> 0`
   * waits at most that long (a fraction rounds up), then settles with three empty lists. The promise
   * settles after Node has had its turn at I/O (two calls per turn, made right after such an answer while
   * nothing new came from the network, is answered at once), so a `while` loop around `await select()`
   * never starves the sockets it waits for.
   * `options.signal` cancels the wait: the promise rejects with an `AbortError` (`code` `'ABORT_ERR'`).
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE` when all three sets are empty and there is no timeout
   * (select(2) would sleep forever; here it is taken as a bug).
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a negative or NaN timeout.
   * @throws {SocketError} `EBADF` when a socket in the sets has been closed, or the selector has.
   */
  select(timeoutMs?: number | null, options?: WaitOptions): Promise<ReadyLists> {
    let ms: number;
    let signal: AbortSignal | undefined;
    try {
      ms = checkTimeout(timeoutMs);
      signal = checkWaitOptions(options);
      if (this.#badf > 0) throw sysError('EBADF', 'select', 'a socket in the sets was closed');
    } catch (err) {
      return Promise.reject(err);
    }
    const nfds = this.#maxFd + 1;
    if (selectChannel.hasSubscribers) this.#asked ??= asked(ms);
    return this.#pending.wait({
      ms,
      syscall: 'select',
      idle: this.#entries.size === 0,
      ready: this.#list.size > 0,
      empty: () => {
        this.cost.record(nfds, selectCopyBytes(nfds), now(), 0);
        this.#trace('Selector.select', [[], [], []]);
        return [[], [], []];
      },
      signal,
    });
  }

  /**
   * Ends a waiting `select` at once with three empty lists (Java NIO's `Selector.wakeup()`, the self-pipe
   * trick); with none waiting, the next `select` returns at once. Safe to call from any callback. O(waiting).
   * @example setTimeout(() => selector.wakeup(), 100); const [r] = await selector.select() // r is [] if woken
   */
  wakeup(): void {
    this.#pending.wakeup();
  }

  /** `close()`, for `using sel = new Selector()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * The batches, one `select()` each, until the selector is closed: `for await (const [r, w, x] of sel)`.
   * A `select` that fails for another reason (`EBADF` for a socket closed in the sets) ends the loop with
   * that error.
   * @example for await (const [readable] of selector) for (const s of readable) if (s instanceof Listener) s.accept()?.close()
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<ReadyLists, void, undefined> {
    while (!this.#closed) {
      let batch: ReadyLists;
      try {
        batch = await this.select();
      } catch (err) {
        if (this.#closed) return;
        throw err;
      }
      yield batch;
    }
  }

  /** Whether `close` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Empties the sets, rejects pending `select` calls with `EBADF` and removes every listener.
   * Closing twice does nothing. The sockets stay open.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const e of this.#entries.values()) this.#list.remove(e.reg);
    this.#entries.clear();
    this.rlist._drop();
    this.wlist._drop();
    this.xlist._drop();
    this.#list.clear();
    this.#pending.close('select');
    this.removeAllListeners();
  }

  /** @internal The host whose sockets the sets hold (the process until a socket is added). */
  get _host(): Host {
    return this.#pending.host;
  }

  /** @internal Puts `file` in set `which` (or takes it out, with `item` undefined). */
  _set(file: Pollable, which: 0 | 1 | 2, item: Selectable | undefined): void {
    if (this.#closed) throw sysError('EBADF', 'select', 'the selector is closed');
    let e = this.#entries.get(file);
    if (e === undefined) {
      if (item === undefined) return;
      this.#pending.useHost(file._host, 'select');
      e = { reg: undefined as unknown as Registration<Entry>, items: [undefined, undefined, undefined] };
      e.items[which] = item;
      this.#entries.set(file, e);
      const fd = file.fileno();
      if (fd > this.#maxFd) this.#maxFd = fd;
      e.reg = this.#list.add(file, fd, SETS[which], e);
      return;
    }
    e.items[which] = item;
    let mask = 0;
    for (let k = 0; k < 3; k++) if (e.items[k] !== undefined) mask |= SETS[k] as number;
    if (mask !== 0) {
      this.#list.modify(e.reg, mask);
      return;
    }
    this.#entries.delete(file);
    this.#list.remove(e.reg);
    if (file.fileno() === -1 && --this.#badf === 0 && this.#list.size > 0) this.#schedule(); // answers resume
    if (e.reg.fd === this.#maxFd) {
      this.#maxFd = -1;
      for (const other of this.#entries.values()) if (other.reg.fd > this.#maxFd) this.#maxFd = other.reg.fd;
    }
  }

  #schedule(): void {
    if (this.#pending.size > 0 || this.listenerCount('ready') > 0 || (this.#badf > 0 && this.listenerCount('error') > 0)) {
      this.#pending.schedule();
    }
  }

  #run(checkPhase: boolean): void {
    // 'ready' is the once-per-turn event: a promise answered at once does not fire it a second time.
    const listening = checkPhase && this.listenerCount('ready') > 0;
    if (this.#badf > 0 && (this.#pending.size > 0 || listening || this.listenerCount('error') > 0)) {
      const err = sysError('EBADF', 'select', 'a socket in the sets was closed');
      this.#pending.rejectAll(err);
      // As Node's EventEmitter does: an 'error' nobody listens for is thrown, not dropped.
      if (this.listenerCount('error') === 0 && listening) throw err;
      this.emit('error', err);
      return;
    }
    if (this.#pending.size === 0 && !listening) return;
    const start = now();
    const r: Selectable[] = [];
    const w: Selectable[] = [];
    const x: Selectable[] = [];
    const out = [r, w, x] as const;
    this.#list.collect(Infinity, (reg, rev) => {
      const items = reg.data.items;
      gather(out, rev, items[0], items[1], items[2]);
    });
    if (r.length > 1) r.sort(byFd);
    if (w.length > 1) w.sort(byFd);
    if (x.length > 1) x.sort(byFd);
    // As select(2) counts: one per descriptor per set it is ready in (the free select() counts the same way).
    const ready = r.length + w.length + x.length;
    const any = ready > 0;
    if (any || this.#pending.polling) {
      this.cost.record(this.#maxFd + 1, selectCopyBytes(this.#maxFd + 1), start, ready);
    }
    // Each waiting call gets its own lists: a caller may change what it was given.
    const waiting = this.#pending.size;
    this.#pending.serve((ask) => (any || ask.poll ? [r.slice(), w.slice(), x.slice()] : null));
    if (waiting > this.#pending.size) this.#trace('Selector.select', [r, w, x]);
    if (any && listening) {
      this.#trace('ready', [r, w, x]);
      this.emit('ready', r, w, x);
    }
    if (this.#list.size > 0) this.#schedule();
  }

  /** Publishes an answer on the `net-select:select` channel, when someone listens. */
  #trace(source: 'Selector.select' | 'ready', lists: ReadyLists): void {
    if (!selectChannel.hasSubscribers) return;
    publishSelect(source, this.#traceId, [this.rlist, this.wlist, this.xlist], lists, source === 'ready' ? undefined : this.#asked, this.cost.last);
    if (source !== 'ready') this.#asked = undefined;
  }
}
