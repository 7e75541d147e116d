/**
 * The virtual clock of a simulated network, and its scheduler: one thread, deterministic.
 *
 * Every timer and every delivery of the network is an event at a virtual time; events at the same time run
 * in the order they were made. The scheduler runs in Node's check phase (one `setImmediate` per round), so the
 * program's promise continuations and its sends (flushed on `process.nextTick`) run between two rounds, as
 * they would between two turns of a real event loop. When no event is due at the current time and the program
 * made nothing new for {@link QUIET_ROUNDS} rounds, nothing else is runnable: the clock jumps to the next
 * event. So a 30 s timeout with no traffic costs a few rounds of the event loop, not 30 s.
 *
 * Nothing runs while no event is queued: an idle network holds no timer and no immediate.
 */
import type { Clock } from '../../core/clock.js';
import { heapPop, heapPush } from '../../core/min-heap.js';
import { platform } from '../../core/platform.js';

interface SimEvent {
  at: number;
  seq: number;
  fn: (() => void) | null; // null once cancelled
}

/**
 * Rounds with nothing due before the clock may jump: one for the program's own continuations, one more for
 * a real `setImmediate` it may have awaited.
 */
const QUIET_ROUNDS = 2;

/** @internal A virtual clock that jumps ahead whenever nothing else is runnable. */
export class SimClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #heap: SimEvent[] = []; // events after now, by (at, seq)
  #due: SimEvent[] = []; // events at now, in order: the common case, kept out of the heap
  #immediates: SimEvent[] = []; // the check phase of the next round
  #quiet = 0;
  #awake = false;
  /** Events run so far (a measure of the work the simulation did). */
  steps = 0;
  readonly #round = (): void => this.#run();

  /** The virtual time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /**
   * Runs `fn` at virtual time `at` (not before now; to the microsecond, so that sums of delays stay exact
   * enough to read), after every event already queued for that time.
   */
  at(time: number, fn: () => void): SimEvent {
    const now = this.#now;
    const at = toMicros(time);
    const ev: SimEvent = { at: at > now ? at : now, seq: this.#seq++, fn };
    // An event for a later time was made while the clock was earlier: its seq is below that of any event
    // made at that time, so running the heap's first, then the due list, keeps (at, seq) order.
    if (at > now) heapPush(this.#heap, ev, before);
    else this.#due.push(ev);
    this.#quiet = 0;
    if (!this.#awake) {
      this.#awake = true;
      platform.immediate(this.#round);
    }
    return ev;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.at(this.#now + (ms > 0 ? ms : 0), fn);
  }

  clearTimeout(handle: unknown): void {
    if (handle !== undefined) (handle as SimEvent).fn = null;
  }

  setImmediate(fn: () => void): void {
    this.#immediates.push({ at: this.#now, seq: this.#seq++, fn });
    this.#quiet = 0;
    if (!this.#awake) {
      this.#awake = true;
      platform.immediate(this.#round);
    }
  }

  /** Events queued and not cancelled. O(n). */
  get queued(): number {
    const live = (q: SimEvent[]): number => q.filter((e) => e.fn !== null).length;
    return live(this.#heap) + live(this.#due) + live(this.#immediates);
  }

  /**
   * One round: the events due now that were queued before it began, then the immediates queued before the
   * check phase; or, once quiet, a jump to the next event.
   */
  #run(): void {
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as SimEvent).fn === null) heapPop(heap, before);
    const due = this.#due;
    if (due.length === 0 && this.#immediates.length === 0) {
      const top = heap[0];
      if (top === undefined) {
        this.#awake = false;
        return;
      }
      if (top.at > this.#now) {
        if (this.#quiet < QUIET_ROUNDS) {
          this.#quiet++;
          platform.immediate(this.#round);
          return;
        }
        this.#now = top.at;
      }
    }
    platform.immediate(this.#round);
    const now = this.#now;
    for (let ev = heap[0]; ev !== undefined && ev.at <= now; ev = heap[0]) {
      heapPop(heap, before);
      this.#fire(ev);
    }
    // Events made during this round wait for the next one, after the program's continuations.
    this.#due = [];
    for (let i = 0; i < due.length; i++) this.#fire(due[i] as SimEvent);
    const im = this.#immediates;
    this.#immediates = [];
    for (let i = 0; i < im.length; i++) this.#fire(im[i] as SimEvent);
  }

  #fire(ev: SimEvent): void {
    const fn = ev.fn;
    if (fn === null) return;
    ev.fn = null;
    this.steps++;
    fn();
  }
}

/** @internal A virtual time to the microsecond: every time the network computes goes through it. */
export function toMicros(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
