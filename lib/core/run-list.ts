/**
 * @internal A list reused from call to call (or turn to turn): cleared without giving its memory back, as
 * `length = 0` on an array does (the next pushes would allocate it again), and copied out at its size when a
 * result is made of it (an array pushed to grows to 17 slots at its first push).
 */
export class RunList<T> {
  readonly items: (T | undefined)[] = [];
  size = 0;

  push(item: T): void {
    this.items[this.size++] = item;
  }

  /** The items as a new array of their size; the list is left empty. */
  drain(): T[] {
    const out = this.items.slice(0, this.size) as T[];
    this.clear();
    return out;
  }

  /** Forgets every item (their references too), keeping the room. */
  clear(): void {
    const items = this.items;
    for (let i = 0; i < this.size; i++) items[i] = undefined; // fill() is a call into C++: slower for a few
    this.size = 0;
  }
}
