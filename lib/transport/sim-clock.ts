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
import type { Clock } from '../clock.js';

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
  readonly #heap: SimEvent[] = [];
  #quiet = 0;
  #awake = false;
  /** Events run so far (a measure of the work the simulation did). */
  steps = 0;
  readonly #round = (): void => this.#run();

  /** The virtual time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /** Runs `fn` at virtual time `at` (not before now), after every event already queued for that time. */
  at(at: number, fn: () => void): SimEvent {
    const ev: SimEvent = { at: at > this.#now ? at : this.#now, seq: this.#seq++, fn };
    heapPush(this.#heap, ev);
    this.#quiet = 0;
    if (!this.#awake) {
      this.#awake = true;
      setImmediate(this.#round);
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
    this.at(this.#now, fn);
  }

  /** Events queued and not cancelled. O(n). */
  get queued(): number {
    return this.#heap.filter((e) => e.fn !== null).length;
  }

  /** One round: every event due now that was queued before the round began; or a jump, once quiet. */
  #run(): void {
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as SimEvent).fn === null) heapPop(heap);
    const top = heap[0];
    if (top === undefined) {
      this.#awake = false;
      return;
    }
    setImmediate(this.#round);
    if (top.at > this.#now) {
      if (this.#quiet < QUIET_ROUNDS) {
        this.#quiet++;
        return;
      }
      this.#now = top.at;
    }
    const bound = this.#seq;
    const now = this.#now;
    for (let ev = heap[0]; ev !== undefined && ev.at <= now && ev.seq < bound; ev = heap[0]) {
      heapPop(heap);
      const fn = ev.fn;
      if (fn === null) continue;
      ev.fn = null;
      this.steps++;
      fn();
    }
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function heapPush(h: SimEvent[], v: SimEvent): void {
  h.push(v);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pv = h[p] as SimEvent;
    if (!before(v, pv)) break;
    h[i] = pv;
    i = p;
  }
  h[i] = v;
}

function heapPop(h: SimEvent[]): SimEvent {
  const top = h[0] as SimEvent;
  const last = h.pop() as SimEvent;
  const n = h.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r] as SimEvent, h[l] as SimEvent) ? r : l;
      if (!before(h[c] as SimEvent, last)) break;
      h[i] = h[c] as SimEvent;
      i = c;
    }
    h[i] = last;
  }
  return top;
}
