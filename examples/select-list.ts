const NONE: readonly never[] = Object.freeze([]);

/**
 * One of a select loop's lists: a `Set`, so membership and removal cost O(1), handed to `select()` as an
 * array that is built again only after a change. A busy loop's lists rarely change between two calls, and
 * `select()` copies a list only when it has to wait, so most calls build nothing.
 */
export class SelectList<T> {
  readonly #set: Set<T>;
  #items: readonly T[] | null = null;

  constructor(items: Iterable<T> = []) {
    this.#set = new Set(items);
  }

  /** How many items it holds. */
  get size(): number {
    return this.#set.size;
  }

  has(item: T): boolean {
    return this.#set.has(item);
  }

  add(item: T): void {
    if (this.#set.has(item)) return;
    this.#set.add(item);
    this.#items = null;
  }

  delete(item: T): void {
    if (this.#set.delete(item)) this.#items = null;
  }

  /** The items in the order they were added: the same array until the next change (do not modify it). */
  get items(): readonly T[] {
    return (this.#items ??= this.#set.size === 0 ? NONE : [...this.#set]);
  }
}
