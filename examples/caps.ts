/**
 * The caps a server open to a network needs, shared by the echo examples (not a lesson of its own; the
 * lessons are in the servers that use them):
 *
 * - **backpressure** (`highWater`/`lowWater`): a client whose pending echo passes `highWater` bytes stops
 *   being read — it leaves `rlist`, or its `EPOLLIN` interest — until its queue drains below `lowWater`. A
 *   client that sends and never reads then fills its own kernel buffers and blocks, instead of growing the
 *   server without bound;
 * - **maximum connections**: past it the next connection is accepted and closed at once (the client reads
 *   EOF), and counted; it is not left in the backlog, where it would wait unseen and hold a descriptor;
 * - **idle timeout**: a client that has neither sent nor taken a byte for that long is closed, so a stalled
 *   client cannot hold its slot (and its queued echo) for ever.
 */

/** The caps of a server example; every one has a default. */
export interface ServerCaps {
  /** Clients served at once; the next connection is accepted and closed at once (`stats.refused`). */
  maxConnections?: number;
  /** Close a client that has neither sent nor taken a byte for this many ms (`stats.idleClosed`); 0: never. Default 5 minutes. */
  idleTimeoutMs?: number;
  /** Stop reading a client whose pending echo reaches this many bytes. Default 1 MiB. */
  highWater?: number;
  /** Read it again once its pending echo is below this. Default a quarter of `highWater`. */
  lowWater?: number;
}

/** The counters the caps add to a server's stats. */
export interface CapStats {
  /** Connections accepted and closed at once because `maxConnections` were served. */
  refused: number;
  /** Clients closed by the idle timeout. */
  idleClosed: number;
  /** Times a client stopped being read because its pending echo reached `highWater`. */
  paused: number;
  /** The largest pending echo of one client seen so far, in bytes. */
  maxPending: number;
}

/** Default idle timeout: 5 minutes. */
export const DEFAULT_IDLE_MS = 5 * 60_000;
/** Default high-water mark of a client's pending echo: 1 MiB. */
export const DEFAULT_HIGH_WATER = 1024 * 1024;

/**
 * The default and the largest `maxConnections` of a server on select() (the echo, chat and framed servers):
 * select() takes descriptors below FD_SETSIZE (1024), so leave room for stdio, the listener and a few more.
 * More would crash the server at the 1022nd client.
 */
export const SELECT_MAX_CONNECTIONS = 1000;

/** How {@link resolveCaps} names each cap in its errors. */
export type CapNames = Record<keyof ServerCaps, string>;

const OPTION_NAMES: CapNames = {
  maxConnections: 'maxConnections',
  idleTimeoutMs: 'idleTimeoutMs',
  highWater: 'highWater',
  lowWater: 'lowWater',
};

/**
 * Checks `caps` and fills in the defaults; `maxConnections` defaults to `defaultMax` and may not pass
 * `limit` (select's: it cannot watch a descriptor >= FD_SETSIZE).
 * @throws RangeError naming the cap as `names` spells it (the option's name; the command line passes its flags).
 */
export function resolveCaps(
  caps: ServerCaps,
  defaultMax: number,
  limit = Number.MAX_SAFE_INTEGER,
  names: CapNames = OPTION_NAMES,
): Required<ServerCaps> {
  const int = (cap: keyof ServerCaps, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = caps[cap];
    if (v === undefined) return dflt;
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      throw new RangeError(`${names[cap]} must be an integer ${range}, got ${String(v)}`);
    }
    return v;
  };
  const highWater = int('highWater', DEFAULT_HIGH_WATER, 1);
  const lowWater = int('lowWater', Math.max(1, highWater >> 2), 1);
  if (lowWater > highWater) {
    throw new RangeError(`${names.lowWater} (${lowWater}) must not exceed ${names.highWater} (${highWater})`);
  }
  return {
    maxConnections: int('maxConnections', defaultMax, 1, limit),
    idleTimeoutMs: int('idleTimeoutMs', DEFAULT_IDLE_MS, 0),
    highWater,
    lowWater,
  };
}

/** Fresh cap counters. */
export function capStats(): CapStats {
  return { refused: 0, idleClosed: 0, paused: 0, maxPending: 0 };
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * Clients in the order they were last active, oldest first (a Map keeps insertion order, and a touch
 * re-inserts): finding the idle ones costs O(idle + 1), never a scan of every client.
 */
export class IdleList<K> {
  readonly #last = new Map<K, number>();
  readonly #timeoutMs: number;
  readonly #slackMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    // A key touched again this soon keeps its place: a busy client costs one lookup per touch, not a
    // re-insert, and the timeout may end up to this much (1/64 of it) early.
    this.#slackMs = Math.min(1000, timeoutMs / 64);
  }

  /** `key` was active at `now` (ms). O(1). */
  touch(key: K, now: number): void {
    if (this.#timeoutMs === 0) return;
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.#slackMs) return;
    this.#last.delete(key);
    this.#last.set(key, now);
  }

  /** Forgets `key`. O(1). */
  delete(key: K): void {
    this.#last.delete(key);
  }

  /** The keys idle for the timeout or longer at `now`, oldest first. */
  expired(now: number): readonly K[] {
    // The common case, once per loop turn, allocates nothing: the oldest key is not due yet.
    if (!(now - this.#oldest() >= this.#timeoutMs)) return NONE;
    const out: K[] = [];
    for (const [key, at] of this.#last) {
      if (now - at < this.#timeoutMs) break;
      out.push(key);
    }
    return out;
  }

  /** Milliseconds until the oldest key expires (at least 1), or `Infinity` when none can. */
  nextExpiry(now: number): number {
    return Math.max(1, this.#oldest() + this.#timeoutMs - now);
  }

  /** When the oldest key was touched; `Infinity` when there is none or nothing expires. */
  #oldest(): number {
    if (this.#timeoutMs === 0) return Infinity;
    for (const at of this.#last.values()) return at;
    return Infinity;
  }
}
