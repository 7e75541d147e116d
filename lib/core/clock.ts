/**
 * A clock: what a host's timers run on. The process runs on the platform's timers (Node's own under Node); a simulated network gives its
 * hosts a virtual clock that jumps ahead whenever nothing else is runnable, so a 30 s timeout costs
 * milliseconds.
 */

import { platform } from './platform.js';

/** @internal The timers a host's waiting calls use. */
export interface Clock {
  /** The time in milliseconds (wall time for the process, virtual time on a simulated network). */
  now(): number;
  /** Runs `fn` once, `ms` milliseconds from now; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer made by `setTimeout`. */
  clearTimeout(handle: unknown): void;
  /** Runs `fn` in the check phase of this turn of the event loop (after I/O), as Node's `setImmediate`. */
  setImmediate(fn: () => void): void;
}

/** @internal The platform's timers: the process's clock. */
export const realClock: Clock = {
  now: () => platform.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  setImmediate: (fn) => platform.immediate(fn),
};
