/**
 * The timeline's model: a trace file's records turned into calls (who asked, when, what came back, at
 * what cost) and rows (one per descriptor, with each call that asked about it). Pure data, no drawing.
 */
import type { CallCost } from '../cost.js';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDHUP } from '../flags.js';
import type { PollTrace, SelectTrace } from '../trace.js';
import { formatTrace, maskNames } from '../trace-print.js';
import type { TraceRecord } from '../trace-record.js';

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

/** One descriptor's row. */
export interface TimelineRow {
  key: string;
  label: string;
  /** How many answers reported it ready. */
  readyCount: number;
}

/** Everything the timeline draws. */
export interface Timeline {
  calls: TimelineCall[];
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
  const raw: Omit<TimelineCall, 'n'>[] = [];
  const lastEnd = new Map<string, number>();
  const msgs = records.flatMap((r) => (r.channel === 'process' ? [] : [{ pid: r.pid, m: r.message, at: origins.get(r.pid) ?? 0 }]));
  msgs.sort((a, b) => a.at + a.m.end - (b.at + b.m.end));
  for (const { pid, m, at } of msgs) {
    const prefix = many ? `pid ${pid} ` : '';
    const key = (fd: number): string => `${prefix}fd ${fd}`;
    const lane = prefix + ('source' in m ? (m.source === 'select' ? 'select()' : `Selector ${m.id}`) : m.call === 'poll' ? `poll #${m.id}` : `epoll fd ${m.epfd}`);
    let start = at + m.start;
    // A 'ready' batch has no call: the program was waiting since the previous answer of that Selector.
    if ('source' in m && m.source === 'ready') start = lastEnd.get(lane) ?? start;
    lastEnd.set(lane, at + m.end);
    const [asked, ready] = 'source' in m ? selectSets(m, key) : pollSets(m, key);
    raw.push({ lane, name: 'source' in m ? 'select' : m.call, start, end: at + m.end, asked, ready, cost: m.cost, line: formatTrace(m) });
  }
  const t0 = Math.min(...raw.map((c) => c.start));
  const calls = raw.map((c, i): TimelineCall => ({ ...c, n: i + 1, start: c.start - t0, end: c.end - t0 }));
  const rows = new Map<string, TimelineRow>();
  for (const c of calls) {
    for (const k of c.asked.keys()) if (!rows.has(k)) rows.set(k, { key: k, label: k, readyCount: 0 });
    for (const k of c.ready.keys()) {
      const row = rows.get(k) ?? { key: k, label: k, readyCount: 0 };
      row.readyCount++;
      rows.set(k, row);
    }
  }
  return {
    calls,
    rows: [...rows.values()].sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true })),
    lanes: [...new Set(calls.map((c) => c.lane))],
    span: calls.length === 0 ? 0 : Math.max(...calls.map((c) => c.end)),
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
