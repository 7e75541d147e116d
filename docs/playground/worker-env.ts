/**
 * The worker's world, set up before the library loads (this module is imported first):
 *
 * - `performance.now()` reads the simulated network's virtual clock, so that every time in the trace (each
 *   call's start and end) is virtual: the same seed and settings give the same trace, to the microsecond.
 * - {@link scheduler}: the queue of tasks the worker installs as the library platform's `immediate` (Node's
 *   `setImmediate`), one `MessageChannel` message per task, that can be paused. The simulated network runs one
 *   round per task, so a paused queue freezes the whole network, its virtual clock included, while the learner
 *   looks at one call (Step).
 * - `Buffer` is global for the learner's program, as in Node (the `buffer` package's).
 */
import { Buffer } from 'buffer';

let clock: () => number = () => 0;

/** Makes `performance.now()` read `now` (the run's simulated network's clock). */
export function useClock(now: () => number): void {
  clock = now;
}

Object.defineProperty(performance, 'now', { value: () => clock(), configurable: true, writable: true });
(globalThis as unknown as { Buffer: typeof Buffer }).Buffer = Buffer;

type Task = () => void;
const tasks: Task[] = [];
const channel = new MessageChannel();
let posted = 0; // messages on their way, each of which runs one task
let paused = false;

function post(): void {
  while (!paused && posted < tasks.length) {
    posted++;
    channel.port2.postMessage(null);
  }
}

channel.port1.onmessage = () => {
  posted--;
  if (paused) return;
  const task = tasks.shift();
  if (task !== undefined) task();
};

/** The pausable queue of tasks behind the platform's `immediate` in the worker. */
export const scheduler = {
  /** Stops running queued callbacks (they stay queued, in order). */
  pause(): void {
    paused = true;
  },
  /** Runs them again. */
  resume(): void {
    paused = false;
    post();
  },
  /** Callbacks waiting. */
  get pending(): number {
    return tasks.length;
  },
  /** Queues `fn` (the platform's `immediate`). */
  immediate(fn: () => void): void {
    tasks.push(fn);
    post();
  },
};
