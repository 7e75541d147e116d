/**
 * A host: what a process owns and its sockets share — a descriptor table, the turn state of the readiness
 * calls, and the queue of sends to write at the end of the current job. The process is the default host;
 * a simulated network gives each of its hosts one of its own, as separate processes have.
 */
import { FdTable, processFds } from './fd-table.js';
import { Turn, processTurn } from './turn.js';

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
  readonly #toFlush: Flushable[] = [];
  #flushScheduled = false;
  readonly #flushAll = (): void => {
    this.#flushScheduled = false;
    const q = this.#toFlush;
    for (let i = 0; i < q.length; i++) (q[i] as Flushable)._flush();
    q.length = 0;
  };

  constructor(name: string, fds: FdTable, turn: Turn) {
    this.name = name;
    this.fds = fds;
    this.turn = turn;
  }

  /** Writes `f`'s sends after the current job, with every other send of it: one write per socket. */
  queueFlush(f: Flushable): void {
    this.#toFlush.push(f);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(this.#flushAll);
    }
  }
}

/** @internal This process. */
export const processHost = new Host('localhost', processFds, processTurn);
