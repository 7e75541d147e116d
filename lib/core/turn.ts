/**
 * The event-loop turn, as the readiness calls see it. An answer given in the check phase (after Node's I/O
 * phase) holds everything Node has read in that turn. Right after it, the program's own `send`s may have made
 * sockets writable while nothing new came from the network; a second call then gets its answer at once
 * instead of a turn later, as select(2) returns at once when something is ready. A few such answers per
 * turn ({@link IMMEDIATE_ANSWERS}: a select loop's writes, then dropping the sockets it emptied from its write
 * list): the call after them waits for the next check phase, so Node always gets its turn at I/O.
 */

/**
 * @internal How many calls per turn may be answered at once after a check-phase answer. The seed's select loop
 * needs two (the echo's sends; then the emptied sockets leave the write list); with one, each message cost it
 * a second event-loop turn.
 */
export const IMMEDIATE_ANSWERS = 2;

/**
 * @internal The turn state of one host (each readiness call uses its files' host's: the process's, or a
 * simulated network's, whose rounds are its turns).
 */
export class Turn {
  #wakes = 0;
  #answeredAt = -1;
  #immediate = 0;

  /** A file reported a network event (data, FIN, reset, space, a connection). */
  noteWake(): void {
    this.#wakes++;
  }

  /** An answer was given in the check phase: it saw every event so far. */
  noteCheckPhaseAnswer(): void {
    this.#answeredAt = this.#wakes;
    this.#immediate = 0;
  }

  /** Whether a call may be answered now, from the current state; takes one of this turn's chances. */
  mayAnswerNow(): boolean {
    if (this.#immediate >= IMMEDIATE_ANSWERS || this.#wakes !== this.#answeredAt) return false;
    this.#immediate++;
    return true;
  }
}

/** @internal The process's turn. */
export const processTurn = new Turn();
