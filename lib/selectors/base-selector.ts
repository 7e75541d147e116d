/**
 * A high-level selector API after Python's `selectors` module: register a socket with the events you want
 * and any data of yours, then `select()` hands back `[key, events]` pairs. `SelectSelector`,
 * `PollSelector` and `EpollSelector` keep one contract; they differ only in the model underneath.
 */
import type { CostCounter } from '../core/cost.js';
import { sysError, invalidArgType, invalidArgValue } from '../core/errors.js';
import { Epoll } from '../models/epoll.js';
import { POLLIN, POLLOUT } from '../core/flags.js';
import { Poll } from '../models/poll.js';
import { Pollable } from '../core/pollable.js';
import type { WaitOptions } from '../core/pending.js';
import type { PollEvent } from '../core/flags.js';
import { fdOf, fileFor, type Selectable } from '../core/resolve.js';
import { Selector } from '../models/selector.js';
import { fdNumber } from '../models/ready-sets.js';
import { SelectorMapping, type SelectorKey } from './selector-mapping.js';

/** Wait until the socket is readable. */
export const EVENT_READ = 1;
/** Wait until the socket is writable. */
export const EVENT_WRITE = 2;

/** @internal The model under a selector: register/modify/unregister by POLLIN/POLLOUT masks, then wait. */
interface Backend {
  register(file: Selectable, mask: number): void;
  modify(file: Selectable, mask: number): void;
  /** Forgets a key, by object for select, by number for poll and epoll (the object may be closed). */
  unregister(key: SelectorKey): void;
  wait(timeoutMs: number | null | undefined, options: WaitOptions | undefined): Promise<PollEvent[]>;
  wakeup(): void;
  close(): void;
  readonly cost: CostCounter;
}

/** select(2) under the selectors API: the read and write sets of a {@link Selector}. */
class SelectBackend implements Backend {
  readonly #sel = new Selector();
  readonly cost = this.#sel.cost;

  register(file: Selectable, mask: number): void {
    this.modify(file, mask);
  }

  modify(file: Selectable, mask: number): void {
    // All or nothing: the one check that can fail (a closed socket, EBADF) comes before either set changes.
    if (mask !== 0) fileFor(file, fdOf(file, 'fileobj', true), 'select', this.#sel._host);
    if (mask & POLLIN) this.#sel.rlist.add(file);
    else this.#sel.rlist.delete(file);
    if (mask & POLLOUT) this.#sel.wlist.add(file);
    else this.#sel.wlist.delete(file);
  }

  unregister(key: SelectorKey): void {
    this.#sel.rlist.delete(key.fileobj);
    this.#sel.wlist.delete(key.fileobj);
  }

  wakeup(): void {
    this.#sel.wakeup();
  }

  async wait(timeoutMs: number | null | undefined, options: WaitOptions | undefined): Promise<PollEvent[]> {
    const [r, w] = await this.#sel.select(timeoutMs, options);
    const out = new Map<number, number>();
    for (const f of r) out.set(fdNumber(f), POLLIN);
    for (const f of w) out.set(fdNumber(f), (out.get(fdNumber(f)) ?? 0) | POLLOUT);
    return [...out];
  }

  close(): void {
    this.#sel.close();
  }
}

/** poll(2) or epoll(7) under the selectors API. */
class PollerBackend implements Backend {
  readonly #p: Poll | Epoll;
  readonly cost: CostCounter;

  constructor(p: Poll | Epoll) {
    this.#p = p;
    this.cost = p.cost;
  }

  register(file: Selectable, mask: number): void {
    this.#p.register(file, mask);
  }

  modify(file: Selectable, mask: number): void {
    this.#p.modify(file, mask);
  }

  unregister(key: SelectorKey): void {
    try {
      this.#p.unregister(key.fd);
    } catch (err) {
      // As CPython: epoll forgot a closed socket by itself (EBADF; ENOENT once its number is reused).
      const code = (err as { code?: string }).code;
      if (code !== 'EBADF' && code !== 'ENOENT') throw err;
    }
  }

  wait(timeoutMs: number | null | undefined, options: WaitOptions | undefined): Promise<PollEvent[]> {
    return this.#p instanceof Epoll ? this.#p.poll(timeoutMs, -1, options) : this.#p.poll(timeoutMs, options);
  }

  wakeup(): void {
    this.#p.wakeup();
  }

  close(): void {
    this.#p.close();
  }
}

/**
 * The shared implementation; use {@link SelectSelector}, {@link PollSelector}, {@link EpollSelector} or
 * {@link DefaultSelector}. Results are masked by the events each key asked for; a key unregistered before
 * `select()` settles is never in its answer, and one unregistered while its batch is iterated is skipped.
 *
 * Unregister a socket before closing it. A socket closed while registered is where the models differ, as
 * they do in CPython: select fails every call with `EBADF` until it is unregistered, poll reports it
 * (`POLLNVAL` wakes the reader), epoll forgets it silently; `modify` refuses it with `EBADF` in all three
 * and drops its key (see `modify`).
 */
export abstract class BaseSelector<D = unknown> {
  readonly #backend: Backend;
  readonly #keys = new Map<Selectable, SelectorKey<D>>();
  readonly #byFd = new Map<number, SelectorKey<D>>();
  readonly #view = new SelectorMapping<D>(this.#keys, (f) => this.#lookup(f));
  #closed = false;

  /** @internal */
  protected constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** What the model underneath would have cost the kernel so far. */
  get cost(): CostCounter {
    return this.#backend.cost;
  }

  /**
   * Watches `fileobj` for `events` (`EVENT_READ | EVENT_WRITE`), keeping `data` with it.
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE` for events that are not a non-empty subset of READ|WRITE.
   * @throws {SocketError} `EEXIST` when already registered (or its number still is, by a closed socket not
   * unregistered: unregister before you close); `EBADF` for a closed socket.
   * @example const key = sel.register(sock, EVENT_READ, { buffer: [] })
   */
  register(fileobj: Selectable, events: number, data?: D): SelectorKey<D> {
    checkEvents(events);
    this.#checkOpen();
    const fd = fdOf(fileobj, 'fileobj', false);
    if (this.#keys.has(fileobj) || this.#byFd.has(fd)) {
      throw sysError('EEXIST', 'register', `${String(fd)} is already registered`);
    }
    if (fd === -1) throw sysError('EBADF', 'register', 'the socket is closed');
    this.#backend.register(fileobj, toMask(events));
    const key: SelectorKey<D> = Object.freeze({ fileobj, fd, events, data: data as D });
    this.#keys.set(fileobj, key);
    this.#byFd.set(fd, key);
    return key;
  }

  /**
   * Stops watching `fileobj` and returns its key. Works after the socket was closed.
   * @throws {SocketError} `ENOENT` when it is not registered.
   */
  unregister(fileobj: Selectable): SelectorKey<D> {
    this.#checkOpen();
    const key = this.#lookup(fileobj);
    if (key === undefined) throw sysError('ENOENT', 'unregister', 'not registered');
    this.#drop(key);
    return key;
  }

  #drop(key: SelectorKey<D>): void {
    this.#keys.delete(key.fileobj);
    this.#byFd.delete(key.fd);
    this.#backend.unregister(key);
  }

  /**
   * Changes the events (and data) of a registered `fileobj`; returns the new key. Without a `data`
   * argument the key keeps its data (CPython's `modify` sets it to `None`): pass `undefined` to clear it.
   *
   * A modify the model refuses — the socket was closed while registered — drops the key, in all three
   * models, as CPython does since bpo-30014: the selector never keeps a key the model has forgotten (epoll)
   * or would fail on (select, poll), so `getKey`/`getMap` no longer show it.
   * @throws {TypeError} `ERR_INVALID_ARG_VALUE` for bad events (nothing changes).
   * @throws {SocketError} `ENOENT` when it is not registered; `EBADF` for a closed socket, its key dropped.
   * @example sel.modify(sock, EVENT_READ | EVENT_WRITE)   // data kept
   */
  modify(fileobj: Selectable, events: number, data?: D): SelectorKey<D> {
    checkEvents(events);
    this.#checkOpen();
    const old = this.#lookup(fileobj);
    if (old === undefined) throw sysError('ENOENT', 'modify', 'not registered');
    try {
      if (old.fileobj instanceof Pollable && old.fileobj.fileno() === -1) {
        throw sysError('EBADF', 'modify', 'the socket was closed: its key is dropped');
      }
      if (events !== old.events) this.#backend.modify(old.fileobj, toMask(events));
    } catch (err) {
      this.#drop(old);
      throw err;
    }
    const key: SelectorKey<D> = Object.freeze({ ...old, events, data: arguments.length > 2 ? (data as D) : old.data });
    this.#keys.set(old.fileobj, key);
    this.#byFd.set(old.fd, key);
    return key;
  }

  /**
   * Waits for registered sockets to become ready and returns `[key, events]` for each, the events masked
   * by what the key asked for. `timeoutMs`: `undefined`/`null` waits, `0` polls, `> 0` waits at most that.
   * Iterating the answer (`for ... of`, spread, `Array.from`) is live: an entry whose key a handler
   * unregistered meanwhile is skipped, and one whose key was modified comes with the new key, masked by its
   * new events. Indexing, `length` and the array methods (`forEach`, `map`, ...) see the answer as it was.
   * @example for (const [key, events] of await sel.select(1000)) if (events & EVENT_READ) console.log(`${key.fd} is readable`)
   */
  async select(timeoutMs?: number | null, options?: WaitOptions): Promise<[SelectorKey<D>, number][]> {
    this.#checkOpen();
    const events = await this.#backend.wait(timeoutMs, options);
    const out: [SelectorKey<D>, number][] = [];
    for (const [fd, rev] of events) {
      const key = this.#byFd.get(fd);
      if (key === undefined) continue; // unregistered while the answer was on its way
      let ev = 0;
      if (rev & ~POLLOUT) ev |= EVENT_READ; // errors and hang-ups wake both, as in CPython
      if (rev & ~POLLIN) ev |= EVENT_WRITE;
      // Unmasked for now: a key modified while the batch is handled is masked again when it is reached.
      if (ev & key.events) out.push([key, ev]);
    }
    return Batch.make(out, (key) => this.#keys.get(key.fileobj));
  }

  /**
   * The key of `fileobj` (the object or its number), or `undefined` when it is not registered. O(1).
   * @throws {SocketError} `EBADF` once the selector is closed, as every other method (CPython: "Selector is
   * closed").
   */
  getKey(fileobj: Selectable): SelectorKey<D> | undefined {
    this.#checkOpen();
    return this.#lookup(fileobj);
  }

  /**
   * Every key, by object: a read-only view that stays current (empty once the selector is closed). The
   * same view is returned each time. See {@link SelectorMapping}.
   */
  getMap(): SelectorMapping<D> {
    return this.#view;
  }

  /**
   * Ends a waiting `select` at once with `[]`; with none waiting, the next `select` returns at once. Does
   * nothing once the selector is closed, as `Selector`, `Poll` and `Epoll` do: safe to call from any callback.
   * @example setTimeout(() => sel.wakeup(), 100); await sel.select() // [] if woken
   */
  wakeup(): void {
    this.#backend.wakeup();
  }

  /** `close()`, for `using sel = new DefaultSelector()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Unregisters everything and fails a waiting `select` with `EBADF`. Closing twice does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#keys.clear();
    this.#byFd.clear();
    this.#backend.close();
  }

  #lookup(fileobj: Selectable): SelectorKey<D> | undefined {
    const key = this.#keys.get(fileobj);
    if (key !== undefined) return key;
    if (typeof fileobj === 'number') return this.#byFd.get(fileobj);
    if (fileobj instanceof Pollable && fileobj.fileno() >= 0) return this.#byFd.get(fileobj.fileno());
    return undefined;
  }

  #checkOpen(): void {
    if (this.#closed) throw sysError('EBADF', 'select', 'the selector is closed');
  }
}

/**
 * An answer of `select()`: an array of `[key, events]` whose iterator re-checks each key when it is
 * reached, so a handler that unregisters (or modifies) another socket of the same batch never receives a
 * stale entry. Indexing, `length` and the array methods (which do not use the iterator) give the entries
 * as they were.
 */
class Batch<D> extends Array<[SelectorKey<D>, number]> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  #current: (key: SelectorKey<D>) => SelectorKey<D> | undefined = () => undefined;

  static make<D>(entries: [SelectorKey<D>, number][], current: (key: SelectorKey<D>) => SelectorKey<D> | undefined): Batch<D> {
    const b = new Batch<D>();
    b.#current = current;
    for (const [key, ev] of entries) b.push([key, ev & key.events]);
    b.#raw = entries;
    return b;
  }

  #raw: [SelectorKey<D>, number][] = [];

  override *[Symbol.iterator](): ArrayIterator<[SelectorKey<D>, number]> {
    for (const [key, ev] of this.#raw) {
      const now = this.#current(key);
      if (now === undefined) continue; // unregistered while the batch was being handled
      const masked = ev & now.events;
      if (masked !== 0) yield now === key ? [key, masked] : [now, masked];
    }
  }
}

function checkEvents(events: unknown): void {
  // Not a number at all is a type error, as CPython's `events & ~mask` raises TypeError for a str.
  if (typeof events !== 'number') throw invalidArgType('events', 'EVENT_READ, EVENT_WRITE or both (a number)', events);
  // A range check, not only a bit test: bitwise operators wrap 2 ** 32 + 1 round to EVENT_READ.
  if (!Number.isInteger(events) || events < 1 || events > (EVENT_READ | EVENT_WRITE) ||
    (events & ~(EVENT_READ | EVENT_WRITE)) !== 0) {
    throw invalidArgValue('events', `must be EVENT_READ, EVENT_WRITE or both. Received ${String(events)}`);
  }
}

function toMask(events: number): number {
  return (events & EVENT_READ ? POLLIN : 0) | (events & EVENT_WRITE ? POLLOUT : 0);
}

/**
 * The selectors API over select(2): registering a descriptor >= FD_SETSIZE fails with `RangeError`.
 * @example const sel = new SelectSelector<string>(); sel.register(listener, EVENT_READ, 'accept')
 */
export class SelectSelector<D = unknown> extends BaseSelector<D> {
  constructor() {
    super(new SelectBackend());
  }
}

/**
 * The selectors API over poll(2).
 * @example const sel = new PollSelector<string>(); sel.register(listener, EVENT_READ, 'accept')
 */
export class PollSelector<D = unknown> extends BaseSelector<D> {
  constructor() {
    super(new PollerBackend(new Poll()));
  }
}

/**
 * The selectors API over epoll(7), level-triggered.
 * @example const sel = new EpollSelector<string>(); sel.register(listener, EVENT_READ, 'accept')
 */
export class EpollSelector<D = unknown> extends BaseSelector<D> {
  constructor() {
    super(new PollerBackend(new Epoll()));
  }
}

/** The most efficient selector here: {@link EpollSelector}, as on Linux in Python. */
export const DefaultSelector = EpollSelector;
