/**
 * The timeline's model and page, from trace records made by hand: lanes, rows, times on one clock, and a
 * page that escapes what it shows. (test/trace-timeline.test.ts opens a real one in a browser.)
 */
import t from 'tap';
import {
  EPOLLIN,
  EPOLLOUT,
  IO_CHANNEL,
  POLLIN,
  POLLOUT,
  POLL_CHANNEL,
  SELECT_CHANNEL,
  type IoTrace,
  type PollTrace,
  type SelectTrace,
  type TraceRecord,
} from '../lib/index.js';
import { renderTimeline, MAX_CALLS } from '../lib/cli/timeline-html.js';
import { buildTimeline } from '../lib/cli/timeline-model.js';

const cost = (ready: number): SelectTrace['cost'] => ({ examined: 4, bytesCopied: 48, nanoseconds: 2000, ready });

function sel(pid: number, over: Partial<SelectTrace>): TraceRecord {
  const message: SelectTrace = {
    source: 'select', id: 0, rlist: [], wlist: [], xlist: [], timeoutMs: 1000,
    readable: [], writable: [], exceptional: [], cost: cost(0), start: 0, end: 0, ...over,
  };
  return { channel: SELECT_CHANNEL, pid, message };
}

function poll(pid: number, over: Partial<PollTrace>): TraceRecord {
  const message: PollTrace = {
    call: 'poll', id: 1, epfd: -1, fds: [], maxevents: -1, timeoutMs: 1000, events: [],
    cost: cost(0), start: 0, end: 0, ...over,
  };
  return { channel: POLL_CHANNEL, pid, message };
}

const io = (pid: number, call: IoTrace['call'], fd: number, result: number, time: number): TraceRecord => ({
  channel: IO_CHANNEL,
  pid,
  message: { call, fd, size: 0, result, time },
});

const proc = (pid: number, timeOrigin: number): TraceRecord => ({ channel: 'process', pid, timeOrigin, argv: [] });

t.test('calls are put on one clock, in order of answer, each in the lane of its selector', async (t) => {
  const tl = buildTimeline([
    proc(1, 1000),
    sel(1, { rlist: [3, 10], xlist: [3], start: 5, end: 9, readable: [10], cost: cost(1) }),
    poll(1, { fds: [[9, POLLIN | POLLOUT]], events: [[9, POLLOUT]], start: 6, end: 7 }),
    poll(1, { call: 'epoll_wait', id: 2, epfd: 6, fds: [[10, EPOLLIN]], events: [[10, EPOLLIN | EPOLLOUT]], start: 9, end: 12 }),
    sel(1, { source: 'Selector.select', id: 3, rlist: [3], start: 20, end: 21 }),
    sel(1, { source: 'ready', id: 3, rlist: [3], readable: [3], start: 30, end: 30, cost: cost(1) }),
  ]);
  t.same(tl.calls.map((c) => [c.n, c.lane, c.name, c.start, c.end]), [
    [1, 'poll #1', 'poll', 1, 2],
    [2, 'select()', 'select', 0, 4],
    [3, 'epoll fd 6', 'epoll_wait', 4, 7],
    [4, 'Selector 3', 'select', 15, 16],
    [5, 'Selector 3', 'select', 16, 25], // a 'ready' batch waited since the previous answer
  ]);
  t.equal(tl.span, 25);
  t.same(tl.lanes, ['poll #1', 'select()', 'epoll fd 6', 'Selector 3']);
  t.same(tl.rows.map((r) => [r.label, r.readyCount]), [['fd 3', 1], ['fd 9', 1], ['fd 10', 2]], 'rows in descriptor order');
  const first = tl.calls[1];
  t.same(first?.asked.get('fd 3'), { r: true, w: false, x: true, text: 'r,x' });
  t.same(tl.calls[2]?.ready.get('fd 10'), { r: true, w: true, x: false, text: 'EPOLLIN|EPOLLOUT' });
  t.equal(first?.line, 'select(r=[3,10] w=[] x=[3], 1000) = 1 (r=[10])  [kernel: 4 fds, 48 B; 2 us]');
});

t.test('with several processes, each has its own rows and lanes, on the clock of the first', async (t) => {
  const tl = buildTimeline([
    proc(1, 1000),
    proc(2, 1500),
    sel(2, { rlist: [3], start: 0, end: 1 }),
    sel(1, { rlist: [3], start: 0, end: 1 }),
  ]);
  t.same(tl.calls.map((c) => [c.lane, c.start]), [['pid 1 select()', 0], ['pid 2 select()', 500]]);
  t.same(tl.rows.map((r) => r.label), ['pid 1 fd 3', 'pid 2 fd 3']);
});

t.test('the page escapes what it shows, and says when there is nothing to show', async (t) => {
  const page = renderTimeline([proc(1, 0)], 'node <script>alert(1)</script>.js');
  t.notMatch(page, /<script>alert/);
  t.match(page, /node &#60;script&#62;alert\(1\)&#60;\/script&#62;\.js/);
  t.match(page, /No select, poll or epoll call was answered/);
});

t.test(`a trace of more than ${MAX_CALLS} calls is drawn up to that many, and the page says so`, async (t) => {
  const records = [proc(1, 0)];
  for (let i = 0; i < MAX_CALLS + 3; i++) records.push(sel(1, { rlist: [3], start: i, end: i + 0.5 }));
  const page = renderTimeline(records, 'many');
  t.match(page, `Only the first ${MAX_CALLS} of ${MAX_CALLS + 3} calls are drawn.`);
  t.equal(page.match(/data-call="/g)?.length, 2 * MAX_CALLS, 'each drawn once in each view');
});

t.test('recv, send and accept follow the answer before them, and add up on their rows', async (t) => {
  const tl = buildTimeline([
    proc(1, 0),
    io(1, 'recv', 4, -1, 1), // before any answer
    sel(1, { rlist: [3, 4], start: 0, end: 2, readable: [3, 4], cost: cost(2) }),
    io(1, 'accept', 3, 5, 3),
    io(1, 'recv', 4, 100, 3.5),
    io(1, 'recv', 4, 0, 3.6),
    sel(1, { rlist: [3], wlist: [5], start: 4, end: 5, writable: [5], cost: cost(1) }),
    io(1, 'send', 5, 30, 6),
    io(1, 'send', 5, -1, 7),
  ]);
  t.same(tl.io.map((x) => [x.key, x.call, x.result, x.after]), [
    ['fd 4', 'recv', -1, 0],
    ['fd 3', 'accept', 5, 1],
    ['fd 4', 'recv', 100, 1],
    ['fd 4', 'recv', 0, 1],
    ['fd 5', 'send', 30, 2],
    ['fd 5', 'send', -1, 2],
  ]);
  t.equal(tl.io[2]?.line, 'recv(4, 0) = 100');
  t.same(tl.rows.map((r) => [r.label, r.accepted, r.received, r.sent]), [['fd 3', 1, 0, 0], ['fd 4', 0, 100, 0], ['fd 5', 0, 0, 30]]);
  t.equal(tl.span, 7, 'the last send ends the span');
  const page = renderTimeline([proc(1, 0), sel(1, { rlist: [4], start: 0, end: 1 }), io(1, 'recv', 4, 20_000, 2), io(1, 'recv', 4, 500, 3)], 'x');
  t.match(page, />↓21k ↑0</, "the row's totals (20500 B)");
  t.match(page, />↓21k</, 'the bytes after answer #1, in its column');
});

t.test('bug: the timeline drew recv() = 0 (end of file) as EAGAIN; it says EOF, and EAGAIN only for would-block', async (t) => {
  const answer = sel(1, { rlist: [5], start: 0, end: 1, readable: [5], cost: cost(1) });
  const eof = renderTimeline([proc(1, 0), answer, io(1, 'recv', 5, 0, 2)], 'x');
  t.match(eof, /<text class="io"[^>]*>EOF<\/text>/, 'recv(5, 65536) = 0 is drawn as EOF');
  t.notMatch(eof, />EAGAIN</, 'and not as EAGAIN');
  const wouldBlock = renderTimeline([proc(1, 0), answer, io(1, 'recv', 5, -1, 2)], 'x');
  t.match(wouldBlock, /<text class="io"[^>]*>EAGAIN<\/text>/, 'recv() that would block is EAGAIN');
  const both = renderTimeline([proc(1, 0), answer, io(1, 'recv', 5, 10, 2), io(1, 'recv', 5, 0, 3)], 'x');
  t.match(both, /<text class="io"[^>]*>↓10 EOF<\/text>/, 'bytes, then end of file');
});

t.test('bug: three connections that reused descriptor 5 were drawn as one row; each life of a number has its own', async (t) => {
  const records: TraceRecord[] = [proc(1, 0)];
  for (let i = 0; i < 3; i++) {
    const at = i * 10;
    records.push(
      sel(1, { rlist: [3], start: at, end: at + 1, readable: [3], cost: cost(1) }),
      io(1, 'accept', 3, 5, at + 2),
      sel(1, { rlist: [3, 5], start: at + 3, end: at + 4, readable: [5], cost: cost(1) }),
      io(1, 'recv', 5, 100 * (i + 1), at + 5),
      io(1, 'close', 5, 0, at + 6),
    );
  }
  const tl = buildTimeline(records);
  t.same(tl.rows.map((r) => [r.label, r.received]), [['fd 3', 0], ['fd 5', 100], ['fd 5 (2)', 200], ['fd 5 (3)', 300]]);
  t.same(tl.calls.map((c) => [...c.asked.keys()].join(' ')), ['fd 3', 'fd 3 fd 5', 'fd 3', 'fd 3 fd 5 (2)', 'fd 3', 'fd 3 fd 5 (3)']);
  t.equal(tl.io.length, 6, 'accept and recv are drawn; a close only ends a row');
});

t.test('bug: a trace with no select, poll or epoll call drew its page with NaN coordinates; every one is a number', async (t) => {
  const numbers = (page: string): string[] => [...page.matchAll(/ (?:x|y|x1|x2|y1|y2|width|height|cx|cy)="([^"]*)"/g)].map((m) => m[1] as string);
  for (const [what, records] of [
    ['nothing traced', [proc(1, 0)]],
    ['recv and send alone', [proc(1, 0), io(1, 'recv', 4, 5, 2), io(1, 'send', 4, 5, 3)]],
  ] as const) {
    const page = renderTimeline(records, 'x');
    const coords = numbers(page);
    t.ok(coords.length > 0, `${what}: the page draws something`);
    t.same(coords.filter((v) => !Number.isFinite(Number(v))), [], `${what}: every coordinate is a finite number`);
    t.notMatch(page, /NaN/, what);
  }
});
