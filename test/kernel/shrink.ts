/**
 * Shrinks a disagreeing op sequence to a minimal one that still disagrees the same way: ops after the first
 * disagreeing step are cut, then each op is dropped if the disagreement survives without it, then each
 * send/recv size is replaced by the smallest round size that keeps it. Greedy, repeated until nothing more can go.
 */
import type { Op } from './model.js';

/**
 * Runs a candidate and says whether it still disagrees the same way; when it does, returns how many of its
 * ops the disagreement needed (the index of the disagreeing step + 1), else null.
 */
export type StillFails = (ops: Op[]) => Promise<number | null>;

/** Round sizes to try instead of `n`, smallest first: a minimal sequence reads better with round numbers. */
const ROUND = [1, 10, 100, 1000, 4096, 10_000, 65_536, 100_000, 262_144];

function smallerSizes(n: number): number[] {
  return ROUND.filter((c) => c < n);
}

/**
 * The minimal sequence found. `failedAt` is how many ops of `ops` the disagreement needed; `budget` bounds
 * the candidate runs.
 */
export async function shrink(ops: Op[], failedAt: number, stillFails: StillFails, budget = 60): Promise<Op[]> {
  let cur = ops.slice(0, failedAt);
  let runs = 0;
  const attempt = async (cand: Op[]): Promise<boolean> => {
    if (runs >= budget) return false;
    runs++;
    const need = await stillFails(cand);
    if (need === null) return false;
    cur = cand.slice(0, need);
    return true;
  };
  for (let changed = true; changed && runs < budget; ) {
    changed = false;
    for (let i = cur.length - 1; i >= 0; i--) {
      if (i >= cur.length) continue;
      if (await attempt([...cur.slice(0, i), ...cur.slice(i + 1)])) changed = true;
    }
    for (let i = 0; i < cur.length; i++) {
      const op = cur[i] as Op;
      if (op.op !== 'send' && op.op !== 'recv') continue;
      for (const n of smallerSizes(op.n)) {
        if (await attempt([...cur.slice(0, i), { ...op, n }, ...cur.slice(i + 1)])) {
          changed = true;
          break;
        }
      }
    }
  }
  return cur;
}
