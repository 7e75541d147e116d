/**
 * A binary min-heap over a plain array, ordered by `less`: the free descriptor numbers of a table
 * (lowest-free-first) and the simulated network's event queue share it. O(log n) per push or pop.
 */

/** @internal Adds `v` to the heap `h`. */
export function heapPush<T>(h: T[], v: T, less: (a: T, b: T) => boolean): void {
  h.push(v);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pv = h[p] as T;
    if (!less(v, pv)) break;
    h[i] = pv;
    i = p;
  }
  h[i] = v;
}

/** @internal Removes and returns the least element of the non-empty heap `h`. */
export function heapPop<T>(h: T[], less: (a: T, b: T) => boolean): T {
  const top = h[0] as T;
  const last = h.pop() as T;
  const n = h.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(h[r] as T, h[l] as T) ? r : l;
      if (!less(h[c] as T, last)) break;
      h[i] = h[c] as T;
      i = c;
    }
    h[i] = last;
  }
  return top;
}
