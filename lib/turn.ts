/**
 * The event-loop turn, as the readiness calls see it. An answer given in the check phase (after Node's I/O
 * phase) holds everything Node has read in that turn. Right after it, the program's own `send`s may have made
 * sockets writable while nothing new came from the network; a second call then gets its answer at once
 * instead of a turn later, as select(2) returns at once when something is ready. Only one such answer per
 * turn: the call after it waits for the next check phase, so Node always gets its turn at I/O.
 */

const state = { wakes: 0, answeredAt: -1, immediateUsed: false };

/** @internal A socket reported a network event (data, FIN, reset, space, a connection). */
export function noteWake(): void {
  state.wakes++;
}

/** @internal An answer was given in the check phase: it saw every event so far. */
export function noteCheckPhaseAnswer(): void {
  state.answeredAt = state.wakes;
  state.immediateUsed = false;
}

/** @internal Whether a call may be answered now, from the current state; takes this turn's one chance. */
export function mayAnswerNow(): boolean {
  if (state.immediateUsed || state.wakes !== state.answeredAt) return false;
  state.immediateUsed = true;
  return true;
}
