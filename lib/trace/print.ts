/**
 * strace for readiness calls: one line per select/poll/epoll answer, printed on stderr when the program
 * runs with `NET_SELECT_TRACE=1` — any program that uses net-select, unchanged:
 *
 * ```
 * select(r=[3,5] w=[] x=[3,5], 1000) = 1 (r=[5])  [kernel: 6 fds, 48 B; 12 us]
 * epoll_ctl(4, EPOLL_CTL_ADD, 5, {EPOLLIN}) = 0
 * recv(5, 65536) = 20000
 * send(5, 20000) = 8192
 * close(5) = 0
 * epoll_wait(4, 64, 1000) = [[5, EPOLLIN]]  [kernel: 1 fds, 12 B; 3 us]
 * ```
 */
import type { CallCost } from '../core/cost.js';
import { invalidArgType, outOfRange } from '../core/errors.js';
import { platform } from '../core/platform.js';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDHUP, EPOLLET, EPOLLONESHOT } from '../core/flags.js';
import type { PollEvent } from '../core/flags.js';
import { IO_CHANNEL, POLL_CHANNEL, SELECT_CHANNEL, type CtlTrace, type IoTrace, type PollTrace, type SelectTrace, type TraceMessage } from './trace.js';

/** Lists longer than this are cut, as strace cuts long arrays. */
const MAX_ITEMS = 32;

/**
 * One strace-like line for a trace message: the call with what it asked, `=`, what it returned, and in
 * brackets what the kernel would have paid (descriptors examined, bytes copied, net-select's own time).
 * Timeouts print as C has them (`NULL` for select, `-1` for poll and epoll: none); an empty answer ends
 * in `(Timeout)`. A `Selector`'s answers end with its number (and `'ready'` for the event). Lists longer
 * than 32 are cut, ending in `...(+N)`. `recv`, `send` and `accept` print their result, and `-1 EAGAIN`
 * for a call that would block (`null`, or nothing taken); `close(5) = 0` and
 * `epoll_ctl(4, EPOLL_CTL_ADD, 5, {EPOLLIN|EPOLLET}) = 0` as strace prints them.
 * @example
 * formatTrace(msg) // 'select(r=[3,5] w=[] x=[3,5], 1000) = 1 (r=[5])  [kernel: 6 fds, 48 B; 12 us]'
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `m` is a message of a tracing channel.
 */
export function formatTrace(m: TraceMessage): string {
  if (m === null || typeof m !== 'object' || !('source' in m || 'call' in m)) {
    throw invalidArgType('m', 'a message of a net-select tracing channel', m);
  }
  return 'source' in m ? formatSelect(m) : 'op' in m ? formatCtl(m) : 'events' in m ? formatPoll(m) : formatIo(m);
}

function formatCtl(m: CtlTrace): string {
  return `epoll_ctl(${m.epfd}, ${m.op}, ${m.fd}, ${m.op === 'EPOLL_CTL_DEL' ? 'NULL' : `{${maskNames(m.events, 'E')}}`}) = 0`;
}

function formatIo(m: IoTrace): string {
  const args = m.call === 'accept' || m.call === 'close' ? `${m.fd}` : `${m.fd}, ${m.size}`;
  return `${m.call}(${args}) = ${m.result === -1 ? '-1 EAGAIN' : m.result}`;
}

function formatSelect(m: SelectTrace): string {
  const timeout = m.timeoutMs === null ? 'NULL' : String(m.timeoutMs);
  const got = [['r', m.readable], ['w', m.writable], ['x', m.exceptional]] as const;
  const ready = got.filter(([, l]) => l.length > 0).map(([k, l]) => `${k}=${fdList(l)}`);
  const result = m.cost.ready === 0 ? '0 (Timeout)' : `${m.cost.ready} (${ready.join(' ')})`;
  const who = m.source === 'select' ? '' : `  <Selector ${m.id}${m.source === 'ready' ? " 'ready'" : ''}>`;
  return `select(r=${fdList(m.rlist)} w=${fdList(m.wlist)} x=${fdList(m.xlist)}, ${timeout}) = ${result}  ${kernel(m.cost)}${who}`;
}

function formatPoll(m: PollTrace): string {
  const timeout = m.timeoutMs === null ? '-1' : String(m.timeoutMs);
  const epoll = m.call === 'epoll_wait';
  const args = epoll ? `${m.epfd}, ${m.maxevents}` : events(m.fds, '');
  const result = events(m.events, epoll ? 'E' : '') + (m.events.length === 0 ? ' (Timeout)' : '');
  return `${m.call}(${args}, ${timeout}) = ${result}  ${kernel(m.cost)}`;
}

function kernel(c: CallCost): string {
  return `[kernel: ${c.examined} fds, ${c.bytesCopied} B; ${Math.round(c.nanoseconds / 1000)} us]`;
}

function fdList(l: readonly number[]): string {
  return l.length <= MAX_ITEMS ? `[${l.join(',')}]` : `[${l.slice(0, MAX_ITEMS).join(',')},...(+${l.length - MAX_ITEMS})]`;
}

function events(l: readonly PollEvent[], prefix: string): string {
  const shown = l.slice(0, MAX_ITEMS).map(([fd, ev]) => `[${fd}, ${maskNames(ev, prefix)}]`);
  if (l.length > MAX_ITEMS) shown.push(`...(+${l.length - MAX_ITEMS})`);
  return `[${shown.join(', ')}]`;
}

const BITS: readonly [number, string][] = [
  [POLLIN, 'POLLIN'],
  [POLLPRI, 'POLLPRI'],
  [POLLOUT, 'POLLOUT'],
  [POLLERR, 'POLLERR'],
  [POLLHUP, 'POLLHUP'],
  [POLLNVAL, 'POLLNVAL'],
  [POLLRDHUP, 'POLLRDHUP'],
  [EPOLLONESHOT, 'POLLONESHOT'],
  [EPOLLET, 'POLLET'],
];

/**
 * The names of the bits in `mask`, joined by `|` (`POLLIN|POLLOUT`; with `prefix` `'E'`,
 * `EPOLLIN|EPOLLOUT`); `0` for none.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a mask that is not a number or a prefix that is not a string.
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for a mask that is not an integer.
 * @example maskNames(POLLIN | POLLRDHUP, 'E') // 'EPOLLIN|EPOLLRDHUP'
 */
export function maskNames(mask: number, prefix = ''): string {
  if (typeof mask !== 'number') throw invalidArgType('mask', 'of type number', mask);
  if (!Number.isInteger(mask)) throw outOfRange('mask', 'an integer', mask);
  if (typeof prefix !== 'string') throw invalidArgType('prefix', 'of type string', prefix);
  const names = BITS.filter(([bit]) => (mask & bit) !== 0).map(([, name]) => prefix + name);
  return names.length === 0 ? '0' : names.join('|');
}

/**
 * Prints every select/poll/epoll answer of this process as a {@link formatTrace} line, until the returned
 * function is called. `write` defaults to stderr. `NET_SELECT_TRACE=1` in the environment calls this when
 * net-select is loaded.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `write` is a function.
 * @example
 * const stop = printTrace()
 * await select([listener], [], [], 100) // prints select(r=[3] w=[] x=[], 100) = 0 (Timeout)  [kernel: ...]
 * stop()
 */
export function printTrace(write: (line: string) => void = (line) => platform.writeError(line)): () => void {
  // Checked now: a bad `write` would otherwise fail later, inside the channel, on the first answer.
  if (typeof write !== 'function') throw invalidArgType('write', 'a function', write);
  const print = (m: unknown): void => write(formatTrace(m as TraceMessage));
  for (const name of CHANNELS) platform.subscribe(name, print);
  return () => {
    for (const name of CHANNELS) platform.unsubscribe(name, print);
  };
}

const CHANNELS = [SELECT_CHANNEL, POLL_CHANNEL, IO_CHANNEL] as const;

// At load: the entry points load the Node backend (and its platform, with the environment) before this.
const env = platform.env('NET_SELECT_TRACE');
if (env !== undefined && env !== '' && env !== '0') printTrace();
