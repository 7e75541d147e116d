/** select(2) as one call, over real Node sockets. */
import { CostCounter, now, selectCopyBytes } from './cost.js';
import { abortError, invalidArgType, invalidArgValue, sysError } from './errors.js';
import { POLLNVAL, SELECT_EXCEPT, SELECT_READ, SELECT_WRITE } from './flags.js';
import { Pollable } from './pollable.js';
import { FD_SETSIZE } from './fd-table.js';
import { mixedHosts, processHost, type Host } from './host.js';
import { fdOf, fileOf, type Selectable } from './resolve.js';
import { Selector, type ReadyLists } from './selector.js';
import { publishSelect, selectChannel } from './trace.js';
import { checkTimeout, checkWaitOptions } from './validate.js';
import type { WaitOptions } from './pending.js';

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
 * (a fraction rounds up). O(n) in the lists' length, like select(2) itself. The answer is given in the
 * check phase of the event-loop turn, so what Node read in that turn is in it — except that right after
 * such an answer, with nothing new from the network, one call per turn is answered at once (your own sends
 * may have made sockets writable). When nothing is ready yet, it waits on a {@link Selector}, which costs
 * nothing while nothing happens.
 *
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a list that is not an array or an item that is not a
 * socket, an integer or an object with `fileno()`; `ERR_INVALID_ARG_VALUE` for three empty lists and no
 * timeout (Linux would sleep forever).
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for a negative/NaN timeout, a negative descriptor, or one
 * >= FD_SETSIZE ("filedescriptor out of range in select()").
 * `options.signal` cancels the wait: the promise rejects with an `AbortError` (`code` `'ABORT_ERR'`).
 * @throws {SocketError} `EBADF` for a closed socket or unknown descriptor, at the call or while it waits.
 * Every error rejects the promise, and nothing has changed.
 * @example
 * const [readable, writable] = await select([listener, ...clients], pendingWrites, [], 1000)
 */
export async function select<R extends Selectable, W extends Selectable = R, X extends Selectable = R>(
  rlist: readonly R[],
  wlist: readonly W[],
  xlist: readonly X[],
  timeoutMs?: number | null,
  options?: WaitOptions,
): Promise<[readable: R[], writable: W[], exceptional: X[]]> {
  let start = now();
  const called = start;
  const lists = [rlist, wlist, xlist] as const;
  const files: Pollable[][] = [[], [], []];
  let nfds = 0;
  let closed = false;
  let host: Host | undefined; // the first socket's: every other must be of the same host
  for (let k = 0; k < 3; k++) {
    const list = lists[k];
    if (!Array.isArray(list)) throw invalidArgType(NAMES[k] as string, 'an array', list);
    const out = files[k] as Pollable[];
    for (let i = 0; i < list.length; i++) {
      const item: unknown = list[i];
      if (item instanceof Pollable) {
        // The common case, kept cheap: the socket is its own open file.
        const fd = item.fileno();
        host ??= item._host;
        if (fd >= 0 && fd < FD_SETSIZE) {
          if (fd >= nfds) nfds = fd + 1;
          out.push(item);
          continue;
        }
        if (fd === -1) {
          closed = true; // EBADF, but only after every item passed the type and range checks
          out.push(item);
          continue;
        }
      }
      const fd = fdOf(item, `${NAMES[k] as string}[${i}]`, true);
      if (fd >= nfds) nfds = fd + 1;
      out.push(fd as unknown as Pollable); // a number for now: looked up after every type and range check
    }
  }
  const ms = checkTimeout(timeoutMs);
  const signal = checkWaitOptions(options);
  if (ms === -1 && rlist.length + wlist.length + xlist.length === 0) {
    throw invalidArgValue('timeoutMs', 'must be given when all three lists are empty: select would wait forever');
  }
  host ??= processHost;
  for (const out of files) {
    for (let i = 0; i < out.length; i++) {
      const f = out[i] as Pollable | number;
      if (typeof f !== 'number') {
        if (f._host !== host) throw mixedHosts(host, f._host, 'select');
      } else if (!closed) out[i] = fileOf(f, 'select', host);
    }
  }
  if (closed) throw sysError('EBADF', 'select', 'a socket in the lists is closed');
  if (signal?.aborted) throw abortError(signal);

  const ready = anyReady(files);
  if ((ready || ms === 0) && host.turn.mayAnswerNow()) return answer(lists, files, nfds, start, called, ms) as [R[], W[], X[]];
  if (ms !== 0 && !ready) {
    // Nothing is ready: wait on a Selector, which is woken by the sockets themselves.
    const sel = new Selector();
    sel._traced = false; // this call is traced as itself
    try {
      for (const k of [0, 1, 2] as const) for (const f of files[k] as Pollable[]) sel._set(f, k, f);
      const setupNs = now() - start;
      await sel.select(ms === -1 ? null : ms, { signal });
      host.turn.noteCheckPhaseAnswer();
      start = now() - setupNs;
    } finally {
      sel.close();
    }
  } else {
    const setupNs = now() - start; // the cost counts our own work, not the wait (bug 13)
    await host.nextCheckPhase();
    start = now() - setupNs;
  }
  return answer(lists, files, nfds, start, called, ms) as [R[], W[], X[]];
}

const NAMES = ['rlist', 'wlist', 'xlist'] as const;
const MASKS = [SELECT_READ, SELECT_WRITE, SELECT_EXCEPT] as const;

function anyReady(files: Pollable[][]): boolean {
  for (let k = 0; k < 3; k++) {
    const mask = MASKS[k] as number;
    for (const f of files[k] as Pollable[]) if (f.events() & mask) return true;
  }
  return false;
}

/** The three ready-lists in input order, as the state is now; `EBADF` if a socket was closed meanwhile. */
function answer(
  lists: readonly (readonly Selectable[])[],
  files: Pollable[][],
  nfds: number,
  start: number,
  called: number,
  ms: number,
): ReadyLists {
  const out: ReadyLists = [[], [], []];
  let ready = 0;
  for (let k = 0; k < 3; k++) {
    const fl = files[k] as Pollable[];
    const list = lists[k] as readonly Selectable[];
    const hits = out[k] as Selectable[];
    const mask = MASKS[k] as number;
    for (let i = 0; i < fl.length; i++) {
      const ev = (fl[i] as Pollable).events();
      if (ev & POLLNVAL) throw sysError('EBADF', 'select', 'a socket in the lists was closed while select waited');
      if (ev & mask) {
        hits.push(list[i] as Selectable);
        ready++;
      }
    }
  }
  selectCost.record(nfds, selectCopyBytes(nfds), start, ready);
  if (selectChannel.hasSubscribers) publishSelect('select', 0, files, out, { start: called, timeoutMs: ms === -1 ? null : ms }, selectCost.last);
  return out;
}
