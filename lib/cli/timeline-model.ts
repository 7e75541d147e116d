/**
 * The timeline's model: a trace file's records turned into calls (who asked, when, what came back, at
 * what cost) and rows (one per descriptor, with each call that asked about it). Pure data, no drawing.
 */
import type { CallCost } from '../core/cost.js';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDHUP } from '../core/flags.js';
import type { IoTrace, PollTrace, SelectTrace } from '../trace/trace.js';
import { formatTrace, maskNames } from '../trace/print.js';
import type { TraceRecord } from '../trace/record.js';

/** What a descriptor was asked about or came back ready for: readable, writable, exceptional (an error). */
export interface Interest {
  r: boolean;
  w: boolean;
  x: boolean;
  /** How the call said it: `r,x` for select, `POLLIN|POLLOUT` for poll, `EPOLLIN` for epoll. */
  text: string;
}

/** One answered call. */
export interface TimelineCall {
  /** 1, 2, 3... in order of answer. */
  n: number;
  /** The process that made it. */
  pid: number;
  /** The lane it is drawn in: one per process and selector, poll or epoll instance. */
  lane: string;
  /** `select`, `poll` or `epoll_wait`. */
  name: string;
  /** Milliseconds since the first call started (every process on one clock). */
  start: number;
  end: number;
  /** Descriptor row key → what was asked of it. */
  asked: Map<string, Interest>;
  /** Descriptor row key → what it came back ready for. */
  ready: Map<string, Interest>;
  cost: CallCost;
  /** The strace-like line of the call. */
  line: string;
}

/** A recv, send or accept. */
export interface TimelineIo {
  /** The descriptor's row. */
  key: string;
  call: 'recv' | 'send' | 'accept';
  /** As {@link IoTrace}: bytes (recv, send), the new descriptor (accept), -1 would block. */
  result: number;
  time: number;
  /** The call whose answer it followed (0: before any). */
  after: number;
  line: string;
}

/** One descriptor's row. */
export interface TimelineRow {
  key: string;
  label: string;
  /** How many answers reported it ready. */
  readyCount: number;
  /** Bytes `recv` returned, bytes `send` took, connections `accept` returned. */
  received: number;
  sent: number;
  accepted: number;
}

/** Everything the timeline draws. */
export interface Timeline {
  calls: TimelineCall[];
  /** recv, send and accept calls, in time order (traced only when net-select publishes them). */
  io: TimelineIo[];
  rows: TimelineRow[];
  lanes: string[];
  /** Milliseconds from the first call's start to the last call's end. */
  span: number;
}

const READ = POLLIN | POLLRDHUP;
const ERROR = POLLERR | POLLHUP | POLLNVAL | POLLPRI;

/**
 * Builds the timeline of a trace file's records (any order, any number of processes: each gets its own
 * lanes and rows, all on one clock). O(calls × descriptors asked per call).
 * @example const tl = buildTimeline(lines.map((l) => JSON.parse(l))); tl.rows.map((r) => r.label) // ['fd 3', 'fd 4']
 */
export function buildTimeline(records: readonly TraceRecord[]): Timeline {
  const origins = new Map<number, number>();
  const pids = new Set<number>();
  for (const r of records) {
    if (r.channel === 'process') origins.set(r.pid, r.timeOrigin);
    else pids.add(r.pid);
  }
  const many = pids.size > 1;
  const answers: { pid: number; m: SelectTrace | PollTrace; at: number }[] = [];
  const ios: { pid: number; m: IoTrace & { call: TimelineIo['call'] }; at: number }[] = [];
  // When each descriptor was closed, per process: a number used again after a close is a new row.
  const closes = new Map<string, number[]>();
  for (const r of records) {
    if (r.channel === 'process') continue;
    const at = origins.get(r.pid) ?? 0;
    const m = r.message;
    if (!('time' in m)) answers.push({ pid: r.pid, m, at });
    else if (m.call === 'close') {
      const k = `${r.pid} ${m.fd}`;
      closes.set(k, [...(closes.get(k) ?? []), at + m.time]);
    } else if (m.call !== 'epoll_ctl') ios.push({ pid: r.pid, m: m as IoTrace & { call: TimelineIo['call'] }, at });
  }
  answers.sort((a, b) => a.at + a.m.end - (b.at + b.m.end));
  ios.sort((a, b) => a.at + a.m.time - (b.at + b.m.time));
  const prefix = (pid: number): string => (many ? `pid ${pid} ` : '');
  /** The row of `fd` at `time`: `fd 5` in its first life, `fd 5 (2)` once it was closed and used again. */
  const rowKey = (pid: number, fd: number, time: number): string => {
    const life = (closes.get(`${pid} ${fd}`) ?? []).filter((c) => c < time).length;
    return `${prefix(pid)}fd ${fd}${life === 0 ? '' : ` (${life + 1})`}`;
  };

  const raw: Omit<TimelineCall, 'n'>[] = [];
  const lastEnd = new Map<string, number>();
  for (const { pid, m, at } of answers) {
    const key = (fd: number): string => rowKey(pid, fd, at + m.start);
    const lane = prefix(pid) + ('source' in m ? (m.source === 'select' ? 'select()' : `Selector ${m.id}`) : m.call === 'poll' ? `poll #${m.id}` : `epoll fd ${m.epfd}`);
    let start = at + m.start;
    // A 'ready' batch has no call: the program was waiting since the previous answer of that Selector.
    if ('source' in m && m.source === 'ready') start = lastEnd.get(lane) ?? start;
    lastEnd.set(lane, at + m.end);
    const [asked, ready] = 'source' in m ? selectSets(m, key) : pollSets(m, key);
    raw.push({ pid, lane, name: 'source' in m ? 'select' : m.call, start, end: at + m.end, asked, ready, cost: m.cost, line: formatTrace(m) });
  }
  const t0 = Math.min(...raw.map((c) => c.start), ...ios.map((x) => x.at + x.m.time));
  const calls = raw.map((c, i): TimelineCall => ({ ...c, n: i + 1, start: c.start - t0, end: c.end - t0 }));

  // Each recv/send/accept follows the last answer its process had when it ran.
  const io: TimelineIo[] = [];
  let next = 0;
  const lastOf = new Map<number, number>(); // pid → the last call answered so far
  for (const { pid, m, at } of ios) {
    const time = at + m.time - t0;
    for (; next < calls.length && (calls[next] as TimelineCall).end <= time; next++) {
      const c = calls[next] as TimelineCall;
      lastOf.set(c.pid, c.n);
    }
    io.push({ key: rowKey(pid, m.fd, at + m.time), call: m.call, result: m.result, time, after: lastOf.get(pid) ?? 0, line: formatTrace(m) });
  }

  const rows = new Map<string, TimelineRow>();
  const row = (k: string): TimelineRow => {
    let r = rows.get(k);
    if (r === undefined) rows.set(k, (r = { key: k, label: k, readyCount: 0, received: 0, sent: 0, accepted: 0 }));
    return r;
  };
  for (const c of calls) {
    for (const k of c.asked.keys()) row(k);
    for (const k of c.ready.keys()) row(k).readyCount++;
  }
  for (const x of io) {
    const r = row(x.key);
    if (x.result <= 0) continue;
    if (x.call === 'recv') r.received += x.result;
    else if (x.call === 'send') r.sent += x.result;
    else r.accepted++;
  }
  return {
    calls,
    io,
    rows: [...rows.values()].sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true })),
    lanes: [...new Set(calls.map((c) => c.lane))],
    span: Math.max(0, ...calls.map((c) => c.end), ...io.map((x) => x.time)),
  };
}

function selectSets(m: SelectTrace, key: (fd: number) => string): [Map<string, Interest>, Map<string, Interest>] {
  return [sets(m.rlist, m.wlist, m.xlist, key), sets(m.readable, m.writable, m.exceptional, key)];
}

function sets(r: number[], w: number[], x: number[], key: (fd: number) => string): Map<string, Interest> {
  const out = new Map<string, Interest>();
  const add = (fds: number[], which: 'r' | 'w' | 'x'): void => {
    for (const fd of fds) {
      const k = key(fd);
      const i = out.get(k) ?? { r: false, w: false, x: false, text: '' };
      i[which] = true;
      i.text = (['r', 'w', 'x'] as const).filter((s) => i[s]).join(',');
      out.set(k, i);
    }
  };
  add(r, 'r');
  add(w, 'w');
  add(x, 'x');
  return out;
}

function pollSets(m: PollTrace, key: (fd: number) => string): [Map<string, Interest>, Map<string, Interest>] {
  const prefix = m.call === 'epoll_wait' ? 'E' : '';
  const interest = (mask: number): Interest => ({
    r: (mask & READ) !== 0,
    w: (mask & POLLOUT) !== 0,
    x: (mask & ERROR) !== 0,
    text: maskNames(mask, prefix),
  });
  return [
    new Map(m.fds.map(([fd, mask]) => [key(fd), interest(mask)])),
    new Map(m.events.map(([fd, ev]) => [key(fd), interest(ev)])),
  ];
}
