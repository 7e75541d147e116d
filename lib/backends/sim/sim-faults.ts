/**
 * The faults a simulated network (and, for the legal ones, a real socket) can be told to make. Each is legal
 * TCP or UDP behaviour that loopback almost never shows: a protocol that survives them survives a real network.
 * Streams feel `fragment`, `coalesceMs`, `latencyMs`, `bandwidth`, `sndbuf`, `reset`, `refuse` and `timeout`;
 * datagrams feel `latencyMs` (with jitter, and no order kept), `bandwidth`, `sndbuf`, `loss`, `duplicate` and
 * `reorder`, and are never split or merged.
 */
import { invalidArgType, outOfRange } from '../../core/errors.js';
import { checkInt, checkOptions } from '../../core/validate.js';

/** Faults of a simulated network: for the whole network, or one link and direction (`sim.link`). */
export interface Faults {
  /** Every write arrives split into random pieces, down to 1 byte, each one a separate arrival. */
  fragment?: boolean | undefined;
  /** Arrivals are held to the next multiple of this many ms (after now), so that several sends arrive as one. */
  coalesceMs?: number | undefined;
  /** One-way delay of each segment: a fixed number or `[min, max]` with jitter. TCP order is kept. */
  latencyMs?: number | readonly [number, number] | undefined;
  /** Bytes per second a link carries in one direction (default: no limit). */
  bandwidth?: number | undefined;
  /** The send buffer (SO_SNDBUF) of sockets made on the network unless they ask for one: small forces partial sends. */
  sndbuf?: number | undefined;
  /** Probability that a delivery resets the connection instead (both ends see `ECONNRESET`). */
  reset?: number | undefined;
  /** Probability that a connect is refused (`ECONNREFUSED`) although someone listens. */
  refuse?: number | undefined;
  /** Probability that a connect's SYN is lost: the connect fails with `ETIMEDOUT` after the connect timeout. */
  timeout?: number | undefined;
  /** UDP: probability that a datagram is lost on the way. */
  loss?: number | undefined;
  /** UDP: probability that a datagram arrives twice (the copy with a latency of its own). */
  duplicate?: number | undefined;
  /**
   * UDP: probability that a datagram is held back 1 to 10 ms more than its latency, so that datagrams sent
   * after it may overtake it. (Latency with jitter reorders datagrams too: UDP keeps no order.)
   */
  reorder?: number | undefined;
}

/** @internal Faults with every field present. */
export interface FaultSet {
  fragment: boolean;
  coalesceMs: number;
  latencyMin: number;
  latencyMax: number;
  bandwidth: number;
  sndbuf: number | undefined;
  reset: number;
  refuse: number;
  timeout: number;
  loss: number;
  duplicate: number;
  reorder: number;
}

/** @internal No fault at all: an ideal network with no delay. */
export const NO_FAULTS: FaultSet = {
  fragment: false,
  coalesceMs: 0,
  latencyMin: 0,
  latencyMax: 0,
  bandwidth: Infinity,
  sndbuf: undefined,
  reset: 0,
  refuse: 0,
  timeout: 0,
  loss: 0,
  duplicate: 0,
  reorder: 0,
};

function probability(v: unknown, name: string): number {
  if (typeof v !== 'number') throw invalidArgType(name, 'of type number', v);
  if (!(v >= 0 && v <= 1)) throw outOfRange(name, '>= 0 and <= 1', v);
  return v;
}

function nonNegative(v: unknown, name: string): number {
  if (typeof v !== 'number') throw invalidArgType(name, 'of type number', v);
  if (!(v >= 0)) throw outOfRange(name, '>= 0', v);
  return v;
}

/**
 * @internal `base` with the faults in `faults` applied over it.
 * @throws {TypeError|RangeError} `ERR_INVALID_ARG_TYPE` / `ERR_OUT_OF_RANGE` naming the bad field.
 */
export function mergeFaults(base: FaultSet, faults: unknown, name: string): FaultSet {
  const f = checkOptions(faults, name);
  const out = { ...base };
  if (f.fragment !== undefined) out.fragment = Boolean(f.fragment);
  if (f.coalesceMs !== undefined) out.coalesceMs = nonNegative(f.coalesceMs, `${name}.coalesceMs`);
  if (f.latencyMs !== undefined) {
    const l = f.latencyMs;
    if (Array.isArray(l) && l.length === 2) {
      out.latencyMin = nonNegative(l[0], `${name}.latencyMs[0]`);
      out.latencyMax = nonNegative(l[1], `${name}.latencyMs[1]`);
      if (out.latencyMax < out.latencyMin) throw outOfRange(`${name}.latencyMs[1]`, `>= ${out.latencyMin}`, l[1]);
    } else if (typeof l === 'number') {
      out.latencyMin = out.latencyMax = nonNegative(l, `${name}.latencyMs`);
    } else {
      throw invalidArgType(`${name}.latencyMs`, 'a number or [min, max]', l);
    }
  }
  if (f.bandwidth !== undefined) {
    const b = nonNegative(f.bandwidth, `${name}.bandwidth`);
    if (b === 0) throw outOfRange(`${name}.bandwidth`, '> 0', b);
    out.bandwidth = b;
  }
  if (f.sndbuf !== undefined) out.sndbuf = checkInt(f.sndbuf, `${name}.sndbuf`, 1);
  if (f.reset !== undefined) out.reset = probability(f.reset, `${name}.reset`);
  if (f.refuse !== undefined) out.refuse = probability(f.refuse, `${name}.refuse`);
  if (f.timeout !== undefined) out.timeout = probability(f.timeout, `${name}.timeout`);
  if (f.loss !== undefined) out.loss = probability(f.loss, `${name}.loss`);
  if (f.duplicate !== undefined) out.duplicate = probability(f.duplicate, `${name}.duplicate`);
  if (f.reorder !== undefined) out.reorder = probability(f.reorder, `${name}.reorder`);
  return out;
}
