/**
 * Seeded random operation sequences for the kernel differential test. The seed is the bug report: the same
 * seed gives the same sequences on every machine (no `Math.random`).
 */
import type { Kind, Op, Side } from './model.js';

/** A small, fast, seeded PRNG (mulberry32): `next()` is uniform in [0, 1). */
export class Rng {
  #s: number;

  constructor(seed: number) {
    this.#s = seed >>> 0;
  }

  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** One of `items`, each with its weight. */
  pick<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }
}

/** The largest send or recv: more than the default 256 KiB `sndbuf`/`rcvbuf` and the kernel's first window. */
export const MAX_SIZE = 300_000;

/** A size for send or recv: mostly small, some medium, some past every buffer. */
function size(rng: Rng): number {
  switch (rng.pick([['tiny', 5], ['small', 3], ['large', 2]] as const)) {
    case 'tiny':
      return rng.int(1, 100);
    case 'small':
      return rng.int(101, 16_384);
    default:
      return rng.int(16_385, MAX_SIZE);
  }
}

/**
 * A sequence of 5 to 15 ops on a fresh pair. Ops on a closed end are kept now and then (they must fail with
 * `EBADF` in both worlds); the sequence stops early once both ends are closed.
 */
export function sequence(rng: Rng): Op[] {
  const len = rng.int(5, 15);
  const ops: Op[] = [];
  const closed = { a: false, b: false };
  while (ops.length < len && !(closed.a && closed.b)) {
    const side: Side = rng.next() < 0.5 ? 'a' : 'b';
    const kind = rng.pick([
      ['send', 30],
      ['recv', 25],
      ['shutdown', 12],
      ['close', 6],
      ['reset', 4],
      ['wait', 8],
    ] as const);
    if (closed[side] && kind !== 'wait' && rng.next() < 0.8) continue;
    if (kind === 'send' || kind === 'recv') ops.push({ side, op: kind, n: size(rng) });
    else if (kind === 'shutdown') ops.push({ side, op: kind, n: rng.int(0, 2) as 0 | 1 | 2 });
    else ops.push({ side, op: kind });
    if (kind === 'close' || kind === 'reset') closed[side] = true;
  }
  return ops;
}

/**
 * A sequence of 5 to 15 ops on a fresh pair of `kind`: {@link sequence} for TCP; for the others the calls
 * that kind has, mostly in the direction it works (a pipe's or a file's `a` writes and `b` reads), now and
 * then the wrong way round (`EBADF` in both worlds).
 */
export function sequenceOf(kind: Kind, rng: Rng): Op[] {
  if (kind === 'tcp') return sequence(rng);
  if (kind === 'udp' || kind === 'udpc') return datagrams(rng);
  const len = rng.int(5, 15);
  const ops: Op[] = [];
  const closed = { a: false, b: false };
  while (ops.length < len && !(closed.a && closed.b)) {
    const side: Side = rng.next() < 0.5 ? 'a' : 'b';
    const writer = side === 'a';
    const kind = rng.pick([
      [writer ? 'send' : 'recv', 60],
      [writer ? 'recv' : 'send', 3],
      ['close', 6],
      ['wait', 6],
    ] as const);
    if (closed[side] && kind !== 'wait' && rng.next() < 0.8) continue;
    if (kind === 'send' || kind === 'recv') ops.push({ side, op: kind, n: size(rng) });
    else ops.push({ side, op: kind });
    if (kind === 'close') closed[side] = true;
  }
  return ops;
}

/**
 * The most payload a UDP sequence leaves unread towards one socket, and the most datagrams: Linux charges a
 * datagram's whole buffer (its truesize, up to twice the payload) to the 208 KiB receive buffer, net-select
 * only the payload to its 256 KiB queue; below these bounds neither drops one.
 */
export const UDP_UNREAD_BYTES = 60_000;
export const UDP_UNREAD_DATAGRAMS = 30;

/** Sizes of a datagram, or of a recv (smaller than the datagram: truncation). */
function datagramSize(rng: Rng): number {
  switch (rng.pick([['tiny', 6], ['small', 3], ['large', 1]] as const)) {
    case 'tiny':
      return rng.int(1, 100);
    case 'small':
      return rng.int(101, 4096);
    default:
      return rng.int(4097, 30_000);
  }
}

/** UDP: datagrams both ways, recv of one (cut to the size asked), close; unread data kept under the bounds. */
function datagrams(rng: Rng): Op[] {
  const len = rng.int(5, 15);
  const ops: Op[] = [];
  const closed = { a: false, b: false };
  const unread: Record<Side, number[]> = { a: [], b: [] }; // datagrams queued towards each side, as sent
  while (ops.length < len && !(closed.a && closed.b)) {
    const side: Side = rng.next() < 0.5 ? 'a' : 'b';
    const to: Side = side === 'a' ? 'b' : 'a';
    const kind = rng.pick([
      ['send', 45],
      ['recv', 35],
      ['close', 5],
      ['wait', 6],
    ] as const);
    if (closed[side] && kind !== 'wait' && rng.next() < 0.8) continue;
    if (kind === 'send') {
      const n = datagramSize(rng);
      const q = unread[to];
      const bytes = q.reduce((a, b) => a + b, 0);
      if (closed[to]) ops.push({ side, op: 'send', n });
      else if (q.length < UDP_UNREAD_DATAGRAMS && bytes + n <= UDP_UNREAD_BYTES) {
        q.push(n);
        ops.push({ side, op: 'send', n });
      }
    } else if (kind === 'recv') {
      ops.push({ side, op: 'recv', n: datagramSize(rng) });
      unread[side].shift();
    } else {
      ops.push({ side, op: kind });
      if (kind === 'close') {
        closed[side] = true;
        unread[side] = [];
      }
    }
  }
  return ops;
}
