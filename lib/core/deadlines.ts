/**
 * The timeouts of a host's waiting calls, on one timer. A loop of calls that each wait with the same timeout
 * and are answered before it would otherwise arm and clear a Node timer per call; here the timer stays armed
 * for the earliest deadline, a call that ends only leaves the set, and when the timer fires it settles the
 * calls whose time has come and re-arms itself for the next one: about one timer operation per timeout
 * period, however many calls were made.
 */
import type { Clock } from './clock.js';

/** @internal A waiting call with a timeout. */
export interface Deadline {
  /** When it times out, on the clock's time. */
  deadline: number;
  /** Its place in the set it is in (-1: none), kept by {@link Deadlines}. */
  deadlineSlot: number;
  /** Called once, when the deadline has passed (the call has left the set by then). */
  expire(): void;
}

/**
 * How far past a time a deadline may sit and still be due at it: a deadline is a float sum (a simulated clock's
 * 16.124 plus 1 is 17.124000000000002), and without it a timeout due at the clock's time could fire a millisecond
 * late. Far below the simulated clock's resolution (a microsecond) and any real timer's.
 */
const SLACK_MS = 1e-6;

/** The largest delay a Node timer can take; a longer timeout simply waits, with no timer. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** @internal */
export class Deadlines {
  readonly #clock: Clock;
  // An array with each call's index in it, not a Set: a Set gives memory back as it empties and takes it again
  // as it fills, and a loop of waiting calls empties and fills it once per call.
  readonly #calls: Deadline[] = [];
  #timer: unknown = undefined;
  #at = Infinity; // when #timer fires
  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#at = Infinity;
    const t = this.#clock.now();
    const due = this.#calls.filter((call) => call.deadline <= t + SLACK_MS);
    for (const call of due) this.#remove(call);
    for (const call of due) if (call.deadlineSlot === -1) call.expire(); // not added again by an earlier one
    let next = Infinity;
    for (const call of this.#calls) if (call.deadline < next) next = call.deadline;
    if (next !== Infinity) this.#arm(next);
  };

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Times `call` out `ms` milliseconds from now (`0 < ms <= MAX_TIMER_MS`). */
  add(call: Deadline, ms: number): void {
    call.deadline = this.#clock.now() + ms;
    if (this.#calls.length === 0) ref(this.#timer, true);
    if (call.deadlineSlot === -1) call.deadlineSlot = this.#calls.push(call) - 1;
    if (call.deadline < this.#at) this.#arm(call.deadline);
  }

  /** `call` ended before its deadline. */
  delete(call: Deadline): void {
    if (!this.#remove(call) || this.#calls.length > 0) return;
    // Nothing waits: the timer must not keep the process alive. A timer that cannot be unref'd is cleared.
    if (!ref(this.#timer, false) && this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#at = Infinity;
    }
  }

  /** Takes `call` out of the set (swapping the last one into its place); false if it was not in it. */
  #remove(call: Deadline): boolean {
    const i = call.deadlineSlot;
    const calls = this.#calls;
    if (i < 0 || calls[i] !== call) return false;
    const last = calls.pop() as Deadline;
    if (last !== call) {
      calls[i] = last;
      last.deadlineSlot = i;
    }
    call.deadlineSlot = -1;
    return true;
  }

  #arm(deadline: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#at = deadline;
    // A timer fires no earlier than asked, in whole milliseconds: round up, as a timeout does.
    this.#timer = this.#clock.setTimeout(this.#fire, Math.max(1, Math.ceil(deadline - this.#clock.now() - SLACK_MS)));
  }
}

/** Refs or unrefs a Node timer; false for a handle that has no such methods (a virtual clock's). */
function ref(timer: unknown, on: boolean): boolean {
  const t = timer as { ref?: () => void; unref?: () => void } | undefined;
  if (typeof t?.unref !== 'function' || typeof t.ref !== 'function') return false;
  if (on) t.ref();
  else t.unref();
  return true;
}
