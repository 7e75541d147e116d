/**
 * A host: what a process owns and its sockets share — a descriptor table, a clock, the turn state of the
 * readiness calls, and the queue of sends to write at the end of the current job. The process is the default
 * host; a simulated network gives each of its hosts one of its own, as separate processes have, and a virtual
 * clock.
 */
import { realClock, type Clock } from './clock.js';
import { Deadlines } from './deadlines.js';
import { invalidArgValue } from './errors.js';
import { FdTable, processFds } from './fd-table.js';
import { platform } from './platform.js';
import { RunList } from './run-list.js';
import { Turn, processTurn } from './turn.js';

/** @internal An object run in a turn's check phase (no closure to make per call). */
export interface CheckPhaseRunner {
  atCheckPhase(): void;
}

/** @internal Something to run in a turn's check phase: a function, or a {@link CheckPhaseRunner}. */
export type CheckPhaseTask = (() => void) | CheckPhaseRunner;

/** @internal Something with sends to write at the end of the current job. */
export interface Flushable {
  _flush(): void;
}

/** @internal */
export class Host {
  /** The host's name, used as its address on a simulated network. */
  readonly name: string;
  /** Its descriptor table. */
  readonly fds: FdTable;
  /** Its turn state. */
  readonly turn: Turn;
  /** The clock its waiting calls' timeouts and deliveries run on. */
  readonly clock: Clock;
  /** The timeouts of its waiting calls, on one timer of that clock. */
  readonly deadlines: Deadlines;
  readonly #toFlush = new RunList<Flushable>();
  #flushScheduled = false;
  #due = new RunList<CheckPhaseTask>();
  #spare = new RunList<CheckPhaseTask>();
  #dueScheduled = false;
  readonly #runDue = (): void => {
    this.#dueScheduled = false;
    this.turn.noteCheckPhaseAnswer();
    const q = this.#due; // a callback that queues another runs it in the next turn, with a list of its own
    this.#due = this.#spare;
    let failed: { err: unknown } | undefined;
    for (let i = 0; i < q.size; i++) {
      try {
        const task = q.items[i] as CheckPhaseTask;
        if (typeof task === 'function') task();
        else task.atCheckPhase();
      } catch (err) {
        failed ??= { err }; // the others still run: one failure must not leave other calls waiting forever
      }
    }
    q.clear();
    this.#spare = q;
    if (failed) throw failed.err;
  };
  readonly #flushAll = (): void => {
    this.#flushScheduled = false;
    const q = this.#toFlush;
    for (let i = 0; i < q.size; i++) (q.items[i] as Flushable)._flush();
    q.clear();
  };

  constructor(name: string, fds: FdTable, turn: Turn, clock: Clock = realClock) {
    this.name = name;
    this.fds = fds;
    this.turn = turn;
    this.clock = clock;
    this.deadlines = new Deadlines(clock);
  }

  /** Writes `f`'s sends after the current job, with every other send of it: one write per socket. */
  queueFlush(f: Flushable): void {
    this.#toFlush.push(f);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      platform.tick(this.#flushAll);
    }
  }

  /**
   * Runs `task` in this turn's check phase, as a check-phase answer (it sees every event of the turn): one
   * immediate serves every task queued for the turn.
   */
  atCheckPhase(task: CheckPhaseTask): void {
    this.#due.push(task);
    if (this.#dueScheduled) return;
    this.#dueScheduled = true;
    this.clock.setImmediate(this.#runDue);
  }
}

/** @internal This process. */
export const processHost = new Host('localhost', processFds, processTurn);

/**
 * @internal The error for one call over sockets of two hosts (a simulated and a real one, or two simulated
 * hosts): their descriptor numbers and clocks are not the same, as no process can watch another's sockets.
 */
export function mixedHosts(a: Host, b: Host, syscall: string): TypeError {
  return invalidArgValue(
    'sockets',
    `mixes sockets of two hosts ('${a.name}' and '${b.name}'): one ${syscall} watches the sockets of one host ` +
      '(a simulated network\'s sockets and real ones cannot be watched together)',
  );
}
