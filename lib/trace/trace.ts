/**
 * Tracing: every answer of select, poll and epoll is published on a `node:diagnostics_channel`, so any tool
 * can watch a program's readiness calls without the program changing, as strace watches system calls.
 * The channel names and the message shapes below are public API.
 *
 * | channel | published when | message |
 * | --- | --- | --- |
 * | `net-select:select` | the free `select()` settles; a `Selector`'s `select()` settles or it emits `'ready'` | {@link SelectTrace} |
 * | `net-select:poll` | `Poll.poll()` or `Epoll.poll()` settles (the selectors API's calls included) | {@link PollTrace} |
 * | `net-select:io` | `Socket.recv()`, `Socket.send()` or `Listener.accept()` returns; a descriptor is closed | {@link IoTrace} |
 * | `net-select:io` | `Epoll.register()`, `modify()` or `unregister()` succeeds (`epoll_ctl`) | {@link CtlTrace} |
 *
 * A message is built only when the channel has a subscriber (`channel.hasSubscribers`, as undici does), so
 * tracing costs nothing while nobody listens. Two ready-made subscribers come with the library, switched on
 * by the environment so that any program can be traced unchanged:
 * `NET_SELECT_TRACE=1` prints strace-like lines on stderr (print.ts), and
 * `NET_SELECT_TRACE_FILE=path` appends one JSON line per message to a file (record.ts), which
 * `net-select trace --html` turns into a timeline.
 *
 * Times are `performance.now()` readings of the traced process, in milliseconds.
 */
import { now, type CallCost } from '../core/cost.js';
import type { PollEvent } from '../core/flags.js';
import { platform, type Platform, type TraceChannel } from '../core/platform.js';
import type { Selectable } from '../core/resolve.js';

/** The name of the channel of select answers. */
export const SELECT_CHANNEL = 'net-select:select';
/** The name of the channel of poll and epoll_wait answers. */
export const POLL_CHANNEL = 'net-select:poll';
/** The name of the channel of recv, send and accept calls. */
export const IO_CHANNEL = 'net-select:io';

/**
 * One answer of select: the free `select()` (`source: 'select'`), a `Selector.select()` call
 * (`'Selector.select'`) or a `Selector`'s `'ready'` event (`'ready'`).
 * @example
 * import diagnosticsChannel from 'node:diagnostics_channel'
 * diagnosticsChannel.subscribe('net-select:select', (m) => {
 *   const t = m as SelectTrace
 *   console.log(`asked r=${t.rlist} got r=${t.readable} in ${t.end - t.start} ms`)
 * })
 */
export interface SelectTrace {
  /** What answered: the free `select()`, `Selector.select`, or a Selector's `'ready'` event. */
  source: 'select' | 'Selector.select' | 'ready';
  /** Which selector answered: a number per `Selector`, stable for its life; 0 for the free `select()`. */
  id: number;
  /** The descriptors asked about: in the order passed (free `select()`) or added (a `Selector`'s sets). */
  rlist: number[];
  /** The descriptors asked about for writing. */
  wlist: number[];
  /** The descriptors asked about for a pending condition. */
  xlist: number[];
  /** The call's timeout in ms (rounded up); `null`: none, it waits until something is ready (and `'ready'`). */
  timeoutMs: number | null;
  /** The descriptors that came back ready, as the call returned them. */
  readable: number[];
  /** The descriptors that came back writable. */
  writable: number[];
  /** The descriptors that came back exceptional. */
  exceptional: number[];
  /** What the kernel would have paid ({@link CallCost}; `ready` is select(2)'s return value: 0 on timeout). */
  cost: CallCost;
  /**
   * When the call was made (`performance.now()`). A `'ready'` event has no call: `start` is `end`. With
   * several `select()` calls waiting on one Selector, each answer carries the earliest waiting call's start.
   */
  start: number;
  /** When it was answered. */
  end: number;
}

/**
 * One answer of `Poll.poll()` (`call: 'poll'`) or `Epoll.poll()` (`'epoll_wait'`).
 * @example
 * diagnosticsChannel.subscribe('net-select:poll', (m) => {
 *   const t = m as PollTrace
 *   if (t.call === 'epoll_wait') console.log(`epoll ${t.epfd}: ${t.events.length} events`)
 * })
 */
export interface PollTrace {
  /** The call that answered. */
  call: 'poll' | 'epoll_wait';
  /** Which instance answered: a number per `Poll`/`Epoll`, stable for its life. */
  id: number;
  /** The epoll instance's descriptor; -1 for poll. */
  epfd: number;
  /**
   * The registered `[fd, mask]` pairs: poll(2)'s `pollfd` array; for epoll the interest list, which
   * epoll_wait does not pass (given so that a viewer can draw what was watched).
   */
  fds: PollEvent[];
  /**
   * epoll's `maxevents`: as given, or, when the call gave no bound, the size of the interest list (at least
   * 1), as a C program sizes its events array (epoll_wait(2) refuses a `maxevents` below 1). -1 for poll.
   */
  maxevents: number;
  /** The call's timeout in ms (rounded up); `null`: none. */
  timeoutMs: number | null;
  /** The answer: `[fd, revents]` pairs; empty on timeout. */
  events: PollEvent[];
  /** What the kernel would have paid. */
  cost: CallCost;
  /** When the call was made (the earliest waiting call's, if several wait on one instance). */
  start: number;
  /** When it was answered. */
  end: number;
}

/**
 * One `recv`, `send` or `accept` that returned (one that threw is not published), or a `close` of a descriptor
 * (a socket, listener, datagram socket, stream or epoll instance): after it, the number may be reused.
 * @example
 * diagnosticsChannel.subscribe('net-select:io', (m) => {
 *   const t = m as IoTrace
 *   if (t.call === 'recv' && t.result > 0) received += t.result
 * })
 */
export interface IoTrace {
  /** The call: `recv`, `send`, `accept` or `close`. */
  call: 'recv' | 'send' | 'accept' | 'close';
  /** The socket's descriptor (the listener's, for accept; the one closed, for close). */
  fd: number;
  /** recv: the `bufsize` asked for; send: the bytes offered; accept, close: 0. */
  size: number;
  /**
   * recv: the bytes returned (0 at EOF); send: the bytes taken; accept: the new socket's descriptor; close: 0.
   * -1 when the call would block: recv returned `null`, send took nothing of a non-empty buffer, accept
   * found no connection.
   */
  result: number;
  /** When it returned (`performance.now()`). */
  time: number;
}

/**
 * One `epoll_ctl` that succeeded: `Epoll.register()` (`EPOLL_CTL_ADD`), `modify()` (`EPOLL_CTL_MOD`) or
 * `unregister()` (`EPOLL_CTL_DEL`), the selectors API's included.
 * @example
 * diagnosticsChannel.subscribe('net-select:io', (m) => {
 *   const t = m as TraceMessage
 *   if ('op' in t) console.log(`${t.op} fd ${t.fd} on epoll ${t.epfd}`)
 * })
 */
export interface CtlTrace {
  /** The call. */
  call: 'epoll_ctl';
  /** The epoll instance's descriptor. */
  epfd: number;
  /** The operation. */
  op: 'EPOLL_CTL_ADD' | 'EPOLL_CTL_MOD' | 'EPOLL_CTL_DEL';
  /** The descriptor registered, modified or removed. */
  fd: number;
  /** The interest mask (`EPOLLIN|EPOLLET`...); 0 for `EPOLL_CTL_DEL`. */
  events: number;
  /** When it returned (`performance.now()`). */
  time: number;
}

/** Every message published on the tracing channels. */
export type TraceMessage = SelectTrace | PollTrace | IoTrace | CtlTrace;

/**
 * A channel of the installed platform, looked up when first used rather than when this module is loaded
 * (and again if the platform changes), so that a module loaded before the Node backend still publishes on
 * `node:diagnostics_channel`.
 */
class PlatformChannel implements TraceChannel {
  readonly #name: string;
  #of: Platform | undefined;
  #channel: TraceChannel | undefined;

  constructor(name: string) {
    this.#name = name;
  }

  get hasSubscribers(): boolean {
    return this.#get().hasSubscribers;
  }

  publish(message: unknown): void {
    this.#get().publish(message);
  }

  #get(): TraceChannel {
    if (this.#of !== platform) {
      this.#of = platform;
      this.#channel = platform.channel(this.#name);
    }
    return this.#channel as TraceChannel;
  }
}

/** @internal The channel of {@link SelectTrace} messages. */
export const selectChannel: TraceChannel = new PlatformChannel(SELECT_CHANNEL);
/** @internal The channel of {@link PollTrace} messages. */
export const pollChannel: TraceChannel = new PlatformChannel(POLL_CHANNEL);

/** @internal The channel of {@link IoTrace} messages. */
export const ioChannel: TraceChannel = new PlatformChannel(IO_CHANNEL);

/** @internal A call waiting for its answer, as the trace needs it. */
export interface Asked {
  start: number;
  timeoutMs: number | null;
}

/** @internal Notes a call made with a checked timeout (`-1`: none). Only called while someone listens. */
export function asked(ms: number): Asked {
  return { start: now(), timeoutMs: ms === -1 ? null : ms };
}

let ids = 0;
/** @internal A number for a new selector, poll or epoll instance, naming it in the trace. */
export function traceId(): number {
  return ++ids;
}

/** @internal Publishes a select answer; the caller has checked `selectChannel.hasSubscribers`. */
export function publishSelect(
  source: SelectTrace['source'],
  id: number,
  sets: readonly Iterable<Selectable>[],
  lists: readonly (readonly Selectable[])[],
  call: Asked | undefined,
  cost: CallCost,
): void {
  const end = now();
  const msg: SelectTrace = {
    source,
    id,
    rlist: fds(sets[0]),
    wlist: fds(sets[1]),
    xlist: fds(sets[2]),
    timeoutMs: call === undefined ? null : call.timeoutMs,
    readable: fds(lists[0]),
    writable: fds(lists[1]),
    exceptional: fds(lists[2]),
    cost: { ...cost },
    start: call === undefined ? end : call.start,
    end,
  };
  selectChannel.publish(msg);
}

/** @internal Publishes a poll or epoll_wait answer; the caller has checked `pollChannel.hasSubscribers`. */
export function publishPoll(
  call: PollTrace['call'],
  id: number,
  epfd: number,
  registered: ReadonlyMap<number, { mask: number }>,
  maxevents: number,
  asked: Asked | undefined,
  events: readonly PollEvent[],
  cost: CallCost,
): void {
  const end = now();
  const msg: PollTrace = {
    call,
    id,
    epfd,
    fds: Array.from(registered, ([fd, reg]): PollEvent => [fd, reg.mask]),
    maxevents: maxevents === Infinity ? -1 : maxevents,
    timeoutMs: asked === undefined ? null : asked.timeoutMs,
    events: events.map(([fd, ev]): PollEvent => [fd, ev]),
    cost: { ...cost },
    start: asked === undefined ? end : asked.start,
    end,
  };
  pollChannel.publish(msg);
}

function fds(list: Iterable<Selectable> | undefined): number[] {
  const out: number[] = [];
  if (list !== undefined) for (const x of list) out.push(typeof x === 'number' ? x : x.fileno());
  return out;
}

/** @internal Publishes a recv, send or accept; the caller has checked `ioChannel.hasSubscribers`. */
export function publishIo(call: IoTrace['call'], fd: number, size: number, result: number): void {
  const msg: IoTrace = { call, fd, size, result, time: now() };
  ioChannel.publish(msg);
}

/** @internal Publishes a close of `fd`, when someone listens on the io channel. */
export function publishClose(fd: number): void {
  if (ioChannel.hasSubscribers && fd >= 0) publishIo('close', fd, 0, 0);
}

/** @internal Publishes an epoll_ctl that succeeded; the caller has checked `ioChannel.hasSubscribers`. */
export function publishCtl(epfd: number, op: CtlTrace['op'], fd: number, events: number): void {
  const msg: CtlTrace = { call: 'epoll_ctl', epfd, op, fd, events, time: now() };
  ioChannel.publish(msg);
}
