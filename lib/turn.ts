/**
 * The event-loop turn, as the readiness calls see it. An answer given in the check phase (after Node's I/O
 * phase) holds everything Node has read in that turn. Right after it, the program's own `send`s may have made
 * sockets writable while nothing new came from the network; a second call then gets its answer at once
 * instead of a turn later, as select(2) returns at once when something is ready. Only one such answer per
 * turn: the call after it waits for the next check phase, so Node always gets its turn at I/O.
 */

/**
 * @internal The turn state of one host (each readiness call uses its files' host's: the process's, or a
 * simulated network's, whose rounds are its turns).
 */
export class Turn {
  #wakes = 0;
  #answeredAt = -1;
  #immediateUsed = false;

  /** A file reported a network event (data, FIN, reset, space, a connection). */
  noteWake(): void {
    this.#wakes++;
  }

  /** An answer was given in the check phase: it saw every event so far. */
  noteCheckPhaseAnswer(): void {
    this.#answeredAt = this.#wakes;
    this.#immediateUsed = false;
  }

  /** Whether a call may be answered now, from the current state; takes this turn's one chance. */
  mayAnswerNow(): boolean {
    if (this.#immediateUsed || this.#wakes !== this.#answeredAt) return false;
    this.#immediateUsed = true;
    return true;
  }
}

/** @internal The process's turn. */
export const processTurn = new Turn();
