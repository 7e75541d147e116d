/**
 * The seeded random numbers of a simulated network (and of the fault decorator on real sockets): mulberry32,
 * small and fast; the same seed always gives the same sequence. Never `Math.random`.
 */
import { outOfRange } from '../../core/errors.js';
import { platform } from '../../core/platform.js';

/** @internal A seeded pseudo-random generator. */
export class Rng {
  #s: number;

  constructor(seed: number) {
    this.#s = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Sizes of the pieces `len` bytes are split into (a fragmenting network): random, down to 1 byte. */
  pieces(len: number): number[] {
    const out: number[] = [];
    for (let left = len; left > 0; ) {
      const n = this.chance(0.25) ? 1 : this.int(1, left);
      out.push(n);
      left -= n;
    }
    return out;
  }
}

/**
 * The seed to use: `NET_SELECT_SEED` from the environment when set (it overrides every seed in a test run),
 * else `seed`, else a fresh random one (reported, so that a failure can be replayed).
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for a `NET_SELECT_SEED` that is not a non-negative integer.
 */
export function pickSeed(seed: number | undefined): number {
  const env = platform.env('NET_SELECT_SEED');
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 0) throw outOfRange('NET_SELECT_SEED', 'a non-negative integer', env);
    return n >>> 0;
  }
  if (seed !== undefined) return seed >>> 0;
  return platform.randomSeed();
}
