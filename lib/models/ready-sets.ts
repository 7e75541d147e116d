/**
 * select(2)'s three sets as both `select()` and the `Selector` answer them: the bits each set asks for, and
 * the one place where a ready descriptor is put in the read, write and except lists.
 */
import { SELECT_EXCEPT, SELECT_READ, SELECT_WRITE } from '../core/flags.js';
import type { Selectable } from '../core/resolve.js';

/** The three ready-lists: subsets of the read, write and except sets. */
export type ReadyLists<T = Selectable> = [readable: T[], writable: T[], exceptional: T[]];

/** @internal The readiness bits each set asks for: read, write, except. */
export const SET_BITS = [SELECT_READ, SELECT_WRITE, SELECT_EXCEPT] as const;

/** @internal Where an answer's lists are gathered (an array, or a reused `RunList`). */
export interface ListSink {
  push(item: Selectable): unknown;
}

/**
 * @internal Puts a descriptor that reports `rev` in each list whose set holds it and whose bits it reports:
 * `r`, `w` and `x` are the objects the program put in the read, write and except sets (`undefined`: not in
 * that set). A descriptor is counted once per set it is ready in, as select(2) counts.
 */
export function gather(
  out: readonly [ListSink, ListSink, ListSink],
  rev: number,
  r: Selectable | undefined,
  w: Selectable | undefined,
  x: Selectable | undefined,
): void {
  if (r !== undefined && rev & SELECT_READ) out[0].push(r);
  if (w !== undefined && rev & SELECT_WRITE) out[1].push(w);
  if (x !== undefined && rev & SELECT_EXCEPT) out[2].push(x);
}

/** @internal The descriptor number of something in a set (a socket's, or the number itself). */
export function fdNumber(x: Selectable): number {
  return typeof x === 'number' ? x : x.fileno();
}

/** @internal Orders items by descriptor number, as select(2)'s bit sets list them. */
export function byFd(a: Selectable, b: Selectable): number {
  return fdNumber(a) - fdNumber(b);
}
