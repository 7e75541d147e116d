/**
 * The virtual clock of a simulated network, and its scheduler: one thread, deterministic.
 *
 * Every timer and every delivery of the network is an event at a virtual time; events at the same time run
 * in the order they were made. The scheduler runs in the check phase (the platform's `immediate`), so the
 * program's promise continuations and its sends (flushed at the end of the job) run between two rounds, as
 * they would between two turns of a real event loop. When no event is due at the current time and the program
 * made nothing new for {@link QUIET_ROUNDS} rounds, nothing else is runnable: the clock jumps to the next
 * event. So a 30 s timeout with no traffic costs a few rounds of the event loop, not 30 s.
 *
 * Nothing runs while no event is queued: an idle network holds no timer and no immediate.
 *
 * A turn of Node's event loop costs more than most rounds (a poll of the OS for I/O): so each turn's check
 * phase runs several rounds (8 to 64, as busy as the network is), one immediate each. Node drains the program's ticks and
 * promise continuations between two immediates, as it does between two turns, so a round sees the same program
 * state either way and a run is the same, event for event. Only the first round of a turn may count as quiet
 * or jump the clock: a program waiting for a real `setImmediate` of its own still gets its turn first. (A
 * runtime that runs its immediates back to back, with no microtask checkpoint between them, runs one round per
 * turn: see `drainsBetweenImmediates`.)
 */
import type { Clock } from '../../core/clock.js';
import { heapPop, heapPush } from '../../core/min-heap.js';
import { platform, type Platform } from '../../core/platform.js';

/** @internal A scheduled event; its owner may pass it back to {@link SimClock.at} once it has run, to reuse it. */
export interface SimEvent {
  at: number;
  seq: number;
  fn: (() => void) | null; // null once cancelled or run
  done: boolean; // it ran: it is in no queue any more
}

/**
 * Rounds with nothing due before the clock may jump: one for the program's own continuations, one more for
 * a real `setImmediate` it may have awaited.
 */
const QUIET_ROUNDS = 2;

/**
 * Rounds one turn of the event loop may run: the first, then as many more as have events due now. The ones
 * with nothing to do cost an empty immediate each, so the count follows the work: it doubles after a turn
 * whose rounds all had work (a busy network: fewer turns, each a poll of the OS), and halves after one where
 * fewer than a quarter had (a network that mostly jumps the clock), between these bounds.
 */
const MIN_ROUNDS_PER_TURN = 8;
const MAX_ROUNDS_PER_TURN = 64;

/** @internal A virtual clock that jumps ahead whenever nothing else is runnable. */
export class SimClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #heap: SimEvent[] = []; // events after now, by (at, seq)
  #due: SimEvent[] = []; // events at now, in order: the common case, kept out of the heap
  #immediates: SimEvent[] = []; // the check phase of the next round
  #spareDue: SimEvent[] = []; // the lists a round has emptied, for the next round's own (no garbage per round)
  #spareImmediates: SimEvent[] = [];
  #quiet = 0;
  #awake = false;
  /** Events run so far (a measure of the work the simulation did). */
  steps = 0;
  #perTurn = MIN_ROUNDS_PER_TURN; // rounds queued for the current turn
  #busyExtras = 0; // of its further rounds, those that had work
  readonly #round = (): void => this.#run();
  readonly #extra = (): void => {
    // A further round of this turn: only when something is due now (never a quiet round, never a jump).
    if (this.#due.length > 0 || this.#immediates.length > 0) {
      this.#busyExtras++;
      this.#fireRound();
    }
  };

  /** The virtual time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /**
   * Runs `fn` at virtual time `at` (not before now; to the microsecond, so that sums of delays stay exact
   * enough to read), after every event already queued for that time.
   */
  at(time: number, fn: () => void, reuse?: SimEvent): SimEvent {
    const now = this.#now;
    const at = toMicros(time);
    let ev: SimEvent;
    if (reuse !== undefined && reuse.fn === null && reuse.done) {
      // An event that has run is in no queue: it may carry this one (one object per pipe, not per delivery).
      ev = reuse;
      ev.at = at > now ? at : now;
      ev.seq = this.#seq++;
      ev.fn = fn;
      ev.done = false;
    } else ev = { at: at > now ? at : now, seq: this.#seq++, fn, done: false };
    // An event for a later time was made while the clock was earlier: its seq is below that of any event
    // made at that time, so running the heap's first, then the due list, keeps (at, seq) order.
    if (at > now) heapPush(this.#heap, ev, before);
    else this.#due.push(ev);
    this.#quiet = 0;
    if (!this.#awake) this.#wake();
    return ev;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.at(this.#now + (ms > 0 ? ms : 0), fn);
  }

  clearTimeout(handle: unknown): void {
    if (handle !== undefined) (handle as SimEvent).fn = null;
  }

  setImmediate(fn: () => void): void {
    this.#immediates.push({ at: this.#now, seq: this.#seq++, fn, done: false });
    this.#quiet = 0;
    if (!this.#awake) this.#wake();
  }

  #wake(): void {
    this.#awake = true;
    this.#nextTurn();
  }

  /** Queues the next turn's rounds: its first, and the further ones, each after the program has run. */
  #nextTurn(): void {
    platform.immediate(this.#round);
    if (!drainsBetweenImmediates()) return;
    const extras = this.#perTurn - 1;
    if (this.#busyExtras === extras) this.#perTurn = Math.min(MAX_ROUNDS_PER_TURN, this.#perTurn * 2);
    else if (this.#busyExtras * 4 < extras) this.#perTurn = Math.max(MIN_ROUNDS_PER_TURN, this.#perTurn / 2);
    this.#busyExtras = 0;
    for (let i = 1; i < this.#perTurn; i++) platform.immediate(this.#extra);
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
    while (heap.length > 0 && (heap[0] as SimEvent).fn === null) (heapPop(heap, before) as SimEvent).done = true;
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
    this.#nextTurn();
    this.#fireRound();
  }

  /** The events due now that were queued before the round began, then the immediates queued before it. */
  #fireRound(): void {
    const heap = this.#heap;
    const due = this.#due;
    const now = this.#now;
    for (let ev = heap[0]; ev !== undefined && ev.at <= now; ev = heap[0]) {
      heapPop(heap, before);
      this.#fire(ev);
    }
    // Events made during this round wait for the next one, after the program's continuations.
    this.#due = this.#spareDue;
    for (let i = 0; i < due.length; i++) this.#fire(due[i] as SimEvent);
    while (due.length > 0) due.pop(); // (cheaper than setting the length, for the few a round holds)
    this.#spareDue = due;
    const im = this.#immediates;
    this.#immediates = this.#spareImmediates;
    for (let i = 0; i < im.length; i++) this.#fire(im[i] as SimEvent);
    while (im.length > 0) im.pop();
    this.#spareImmediates = im;
  }

  #fire(ev: SimEvent): void {
    ev.done = true;
    const fn = ev.fn;
    if (fn === null) return;
    ev.fn = null;
    this.steps++;
    fn();
  }
}

let probed: Platform | undefined; // the platform the probe below was made on
let drains = false;

/**
 * Whether the platform drains the microtask queue between two immediates queued together, as Node's check phase
 * does: only then may one turn run several rounds. Probed once per platform, by two immediates; false until known
 * (a runtime that runs its immediates back to back runs one round per turn).
 */
function drainsBetweenImmediates(): boolean {
  if (probed !== platform) {
    const p = (probed = platform);
    drains = false;
    let ran = false;
    p.immediate(() => queueMicrotask(() => void (ran = true)));
    p.immediate(() => {
      if (probed === p) drains = ran;
    });
  }
  return drains;
}

/** @internal A virtual time to the microsecond: every time the network computes goes through it. */
export function toMicros(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
