/** select(2) as one call, over real Node sockets. */
import { CostCounter } from './cost.js';
import { invalidArgType, invalidArgValue } from './errors.js';
import type { Pollable } from './pollable.js';
import { fdOf, fileOf, type Selectable } from './resolve.js';
import { Selector, type ReadyLists } from './selector.js';
import { checkTimeout } from './validate.js';

/** The cost of every free {@link select} call in this process, as the kernel would have paid it. */
export const selectCost = new CostCounter();

/**
 * Waits until some of the given sockets are ready, as select(2) does, and returns
 * `[readable, writable, exceptional]`: subsets of the very objects passed, in input order.
 *
 * - readable: data queued, EOF, a connection to accept, or a pending error;
 * - writable: connected with room in the send queue (also after a failed connect, as in POSIX);
 * - exceptional: a pending error (POSIX: out-of-band data, which Node never delivers).
 *
 * Level-triggered; every socket that became ready in the same event-loop turn comes back in the same call.
 * `timeoutMs`: `undefined`/`null` waits until something is ready, `0` polls, `> 0` waits at most that long
 * (a fraction rounds up). It is a thin layer over {@link Selector}: O(n) in the lists' length, like
 * select(2) itself.
 *
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a list that is not an array or an item that is not a
 * socket, an integer or an object with `fileno()`; `ERR_INVALID_ARG_VALUE` for three empty lists and no
 * timeout (Linux would sleep forever).
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for a negative/NaN timeout, a negative descriptor, or one
 * >= FD_SETSIZE ("filedescriptor out of range in select()").
 * @throws {SocketError} `EBADF` for a closed socket or unknown descriptor, at the call or while it waits.
 * Every error rejects the promise, and nothing has changed.
 * @example
 * const [readable, writable] = await select([listener, ...clients], pendingWrites, [], 1000)
 */
export async function select(
  rlist: readonly Selectable[],
  wlist: readonly Selectable[],
  xlist: readonly Selectable[],
  timeoutMs?: number | null,
): Promise<ReadyLists> {
  const start = process.hrtime.bigint();
  const lists = [rlist, wlist, xlist] as const;
  const names = ['rlist', 'wlist', 'xlist'] as const;
  const fds: number[][] = [[], [], []];
  for (let k = 0; k < 3; k++) {
    const list = lists[k];
    if (!Array.isArray(list)) throw invalidArgType(names[k] as string, 'an array', list);
    const out = fds[k] as number[];
    for (let i = 0; i < list.length; i++) out.push(fdOf(list[i], `${names[k]}[${i}]`, true));
  }
  const ms = checkTimeout(timeoutMs);
  if (ms === -1 && rlist.length + wlist.length + xlist.length === 0) {
    throw invalidArgValue('timeoutMs', 'must be given when all three lists are empty: select would wait forever');
  }
  const files: Pollable[][] = fds.map((list) => list.map((fd) => fileOf(fd, 'select')));
  const sel = new Selector();
  try {
    for (const k of [0, 1, 2] as const) for (const f of files[k] as Pollable[]) sel._set(f, k, f);
    // The O(n) set-up above is select's own cost (building and copying the sets): count it with the answer.
    const setupNs = Number(process.hrtime.bigint() - start);
    const ready = await sel.select(ms === -1 ? null : ms); // -1: checkTimeout's "no limit"
    selectCost.add({ ...sel.cost.last, nanoseconds: sel.cost.last.nanoseconds + setupNs });
    return [0, 1, 2].map((k) => {
      const hit = ready[k] as Selectable[];
      if (hit.length === 0) return [];
      const set = new Set(hit);
      const fl = files[k] as Pollable[];
      return (lists[k] as readonly Selectable[]).filter((_, i) => set.has(fl[i] as Pollable));
    }) as ReadyLists;
  } finally {
    sel.close();
  }
}
