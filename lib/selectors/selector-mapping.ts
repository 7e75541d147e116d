/** The read-only, live view of a selector's keys that `getMap()` returns (CPython's `_SelectorMapping`). */
import { invalidArgType } from '../core/errors.js';
import type { Selectable } from '../core/resolve.js';

/** What `register` returns: the object, its descriptor, the events asked for and your data. */
export interface SelectorKey<D = unknown> {
  /** The object given to `register`, as it was given. */
  readonly fileobj: Selectable;
  /** Its descriptor number at `register`. */
  readonly fd: number;
  /** The events asked for: `EVENT_READ`, `EVENT_WRITE` or both. */
  readonly events: number;
  /** The data given to `register` (or to the last `modify`). */
  readonly data: D;
}

/**
 * Every key of a selector, by the object registered: always current (a key registered after you took the
 * view is in it; after `close` it is empty), and read-only: it has no `set`, `delete` or `clear`, so the
 * selector's own table cannot be changed behind its back. `get` and `has` also take a descriptor number, as
 * `getKey` does.
 * @example
 * const keys = sel.getMap()
 * for (const [sock, key] of keys) console.log(key.fd, key.events)
 */
export class SelectorMapping<D> implements ReadonlyMap<Selectable, SelectorKey<D>> {
  readonly #keys: ReadonlyMap<Selectable, SelectorKey<D>>;
  readonly #lookup: (fileobj: Selectable) => SelectorKey<D> | undefined;

  /** @internal */
  constructor(keys: ReadonlyMap<Selectable, SelectorKey<D>>, lookup: (fileobj: Selectable) => SelectorKey<D> | undefined) {
    this.#keys = keys;
    this.#lookup = lookup;
  }

  /** How many keys the selector holds. */
  get size(): number {
    return this.#keys.size;
  }

  /** The key of `fileobj` (an object or its number), or `undefined`. O(1). */
  get(fileobj: Selectable): SelectorKey<D> | undefined {
    return this.#lookup(fileobj);
  }

  /** Whether `fileobj` (an object or its number) is registered. O(1). */
  has(fileobj: Selectable): boolean {
    return this.#lookup(fileobj) !== undefined;
  }

  /**
   * Calls `fn` for each key, in registration order.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `fn` is a function.
   */
  forEach(fn: (key: SelectorKey<D>, fileobj: Selectable, map: ReadonlyMap<Selectable, SelectorKey<D>>) => void, thisArg?: unknown): void {
    if (typeof fn !== 'function') throw invalidArgType('fn', 'a function', fn); // as Map#forEach, but coded
    this.#keys.forEach((key, fileobj) => fn.call(thisArg, key, fileobj, this));
  }

  /** The registered objects. */
  keys(): MapIterator<Selectable> {
    return this.#keys.keys();
  }

  /** The keys. */
  values(): MapIterator<SelectorKey<D>> {
    return this.#keys.values();
  }

  /** `[object, key]` pairs. */
  entries(): MapIterator<[Selectable, SelectorKey<D>]> {
    return this.#keys.entries();
  }

  /** `[object, key]` pairs. */
  [Symbol.iterator](): MapIterator<[Selectable, SelectorKey<D>]> {
    return this.#keys.entries();
  }

  /** `'SelectorMapping'`, for `Object.prototype.toString`. */
  get [Symbol.toStringTag](): string {
    return 'SelectorMapping';
  }
}
