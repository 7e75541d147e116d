/**
 * Tracing: every select/poll/epoll answer is published on node:diagnostics_channel; NET_SELECT_TRACE=1
 * prints strace-like lines for a program that knows nothing of it, and NET_SELECT_TRACE_FILE records them.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EPOLLIN,
  EPOLLRDHUP,
  EVENT_READ,
  EVENT_WRITE,
  EpollSelector,
  IO_CHANNEL,
  POLLIN,
  POLLOUT,
  POLL_CHANNEL,
  SELECT_CHANNEL,
  Selector,
  formatTrace,
  maskNames,
  printTrace,
  recordTrace,
  select,
  selectCost,
  type IoTrace,
  type PollTrace,
  type SelectTrace,
  type TraceMessage,
  type TraceRecord,
} from '../lib/index.js';
import { ROOT, expectReady, nodeArgs, socketPair, within } from './fixtures/helpers.js';
import { epollT, pollT } from './fixtures/models.js';

/** Collects the messages of one channel until the test ends. */
function collect<M extends TraceMessage>(t: { teardown(fn: () => void): void }, channel: string): M[] {
  const got: M[] = [];
  const fn = (m: unknown): void => void got.push(m as M);
  diagnosticsChannel.subscribe(channel, fn);
  t.teardown(() => diagnosticsChannel.unsubscribe(channel, fn));
  return got;
}

const COST = { examined: 6, bytesCopied: 48, nanoseconds: 12_345, ready: 1 };

t.test('formatTrace prints strace-like lines: the call, its answer, and what the kernel paid', async (t) => {
  const sel: SelectTrace = {
    source: 'select', id: 0, rlist: [3, 5], wlist: [], xlist: [3, 5], timeoutMs: 1000,
    readable: [5], writable: [], exceptional: [], cost: COST, start: 1, end: 2,
  };
  t.equal(formatTrace(sel), 'select(r=[3,5] w=[] x=[3,5], 1000) = 1 (r=[5])  [kernel: 6 fds, 48 B; 12 us]');
  t.equal(
    formatTrace({ ...sel, timeoutMs: null, readable: [], cost: { ...COST, ready: 0 } }),
    'select(r=[3,5] w=[] x=[3,5], NULL) = 0 (Timeout)  [kernel: 6 fds, 48 B; 12 us]',
  );
  t.equal(
    formatTrace({ ...sel, source: 'ready', id: 2, writable: [5], cost: { ...COST, ready: 2 } }),
    "select(r=[3,5] w=[] x=[3,5], 1000) = 2 (r=[5] w=[5])  [kernel: 6 fds, 48 B; 12 us]  <Selector 2 'ready'>",
  );
  const ep: PollTrace = {
    call: 'epoll_wait', id: 1, epfd: 4, fds: [[5, EPOLLIN]], maxevents: 64, timeoutMs: 1000,
    events: [[5, EPOLLIN]], cost: { examined: 1, bytesCopied: 12, nanoseconds: 3000, ready: 1 }, start: 1, end: 2,
  };
  t.equal(formatTrace(ep), 'epoll_wait(4, 64, 1000) = [[5, EPOLLIN]]  [kernel: 1 fds, 12 B; 3 us]');
  t.equal(
    formatTrace({ ...ep, call: 'poll', epfd: -1, maxevents: -1, timeoutMs: null, fds: [[3, POLLIN], [5, POLLIN | POLLOUT]], events: [] }),
    'poll([[3, POLLIN], [5, POLLIN|POLLOUT]], -1) = [] (Timeout)  [kernel: 1 fds, 12 B; 3 us]',
  );
  const many = Array.from({ length: 40 }, (_, i) => i + 3);
  t.match(formatTrace({ ...sel, rlist: many }), /^select\(r=\[3,4,.*,34,\.\.\.\(\+8\)\] w=/, 'a long list is cut, saying how much');
  t.equal(formatTrace({ call: 'recv', fd: 5, size: 65536, result: 1024, time: 1 }), 'recv(5, 65536) = 1024');
  t.equal(formatTrace({ call: 'send', fd: 5, size: 20000, result: -1, time: 1 }), 'send(5, 20000) = -1 EAGAIN');
  t.equal(formatTrace({ call: 'accept', fd: 3, size: 0, result: 6, time: 1 }), 'accept(3) = 6');
  t.equal(maskNames(EPOLLIN | EPOLLRDHUP, 'E'), 'EPOLLIN|EPOLLRDHUP');
  t.equal(maskNames(0), '0');
});

t.test('the free select publishes each answer: what it asked, what came back, the cost, when', async (t) => {
  const got = collect<SelectTrace>(t, SELECT_CHANNEL);
  const { client, server } = await socketPair(t);
  client.send('x');
  await expectReady({ readable: [server] });
  got.length = 0;
  const before = performance.now();
  const [r] = await select([server], [client], [server], 1000);
  t.same(r, [server]);
  t.equal(got.length, 1, 'one message per call (the selector it may wait on is not traced on its own)');
  const m = got[0] as SelectTrace;
  t.match(m, {
    source: 'select', id: 0, timeoutMs: 1000,
    rlist: [server.fileno()], wlist: [client.fileno()], xlist: [server.fileno()],
    readable: [server.fileno()], writable: [client.fileno()], exceptional: [],
  });
  t.same(m.cost, selectCost.last, 'the cost is the call\'s own');
  t.not(m.cost, selectCost.last, 'a copy, not the live counter');
  t.ok(before <= m.start && m.start <= m.end && m.end <= performance.now(), 'start and end are the call\'s');

  got.length = 0;
  const [none] = await select([server], [], [], 1); // the byte is still unread: ready at once
  t.equal(none.length, 1);
  server.recv(1);
  await select([server], [], [], 1);
  t.match(got[1], { readable: [], cost: { ready: 0 }, timeoutMs: 1 }, 'a timeout is published too');
});

t.test("a Selector publishes its select() answers and its 'ready' batches, with its own number", async (t) => {
  const { client, server } = await socketPair(t);
  const got = collect<SelectTrace>(t, SELECT_CHANNEL);
  const sel = new Selector();
  t.teardown(() => sel.close());
  sel.rlist.add(server);
  const sel2 = new Selector();
  t.teardown(() => sel2.close());
  sel2.rlist.add(server);
  client.send('x');
  const [r] = await sel.select(1000);
  t.same(r, [server]);
  t.equal(got.length, 1);
  const m = got[0] as SelectTrace;
  t.match(m, { source: 'Selector.select', rlist: [server.fileno()], readable: [server.fileno()], timeoutMs: 1000 });
  t.ok(m.id > 0, 'a Selector has a number of its own');
  t.ok(m.start <= m.end);

  got.length = 0;
  await new Promise<void>((resolve) => {
    sel2.once('ready', () => resolve());
  });
  t.equal(got.length, 1);
  t.match(got[0], { source: 'ready', timeoutMs: null, readable: [server.fileno()] });
  t.not(got[0]?.id, m.id, 'each Selector its own number');
  t.equal(got[0]?.start, got[0]?.end, "a 'ready' batch is an instant: no call was made");
});

t.test('Poll and Epoll publish each answer with the registered descriptors and the events', async (t) => {
  const { client, server } = await socketPair(t);
  const got = collect<PollTrace>(t, POLL_CHANNEL);
  const p = pollT(t);
  const ep = epollT(t);
  p.register(server, POLLIN);
  ep.register(server, EPOLLIN);
  client.send('x');
  await expectReady({ readable: [server] });
  await p.poll(1000);
  await ep.poll(1000, 8);
  t.equal(got.length, 2);
  t.match(got[0], { call: 'poll', epfd: -1, fds: [[server.fileno(), POLLIN]], maxevents: -1, timeoutMs: 1000, events: [[server.fileno(), POLLIN]] });
  t.same(got[0]?.cost, p.cost.last);
  t.match(got[1], { call: 'epoll_wait', epfd: ep.fileno(), maxevents: 8, events: [[server.fileno(), EPOLLIN]] });
  t.same(got[1]?.cost, ep.cost.last);
  server.recv(1);
  await ep.poll(0);
  t.match(got[2], { call: 'epoll_wait', events: [], timeoutMs: 0, maxevents: 1 }, 'an empty answer is published too (no bound given: maxevents is the interest list, 1)');
});

t.test('recv, send and accept publish what they returned, and -1 when they would block', async (t) => {
  const { listener, client, server } = await socketPair(t, { client: { sndbuf: 4 } });
  const got = collect<IoTrace>(t, IO_CHANNEL);
  t.equal(listener.accept(), null);
  t.equal(server.recv(10), null);
  t.equal(client.send('hello'), 4, 'a partial send');
  t.equal(client.send('o'), 0, 'the send queue is full');
  t.equal(client.send(''), 0);
  await expectReady({ readable: [server] });
  const data = server.recv(10);
  const before = performance.now();
  client.shutdown(1);
  await expectReady({ readable: [server] });
  while (server.recv(10)?.length !== 0) await expectReady({ readable: [server] });
  const [l, c, s] = [listener.fileno(), client.fileno(), server.fileno()];
  t.same(got.slice(0, 6).map(({ time, ...rest }) => rest), [
    { call: 'accept', fd: l, size: 0, result: -1 },
    { call: 'recv', fd: s, size: 10, result: -1 },
    { call: 'send', fd: c, size: 5, result: 4 },
    { call: 'send', fd: c, size: 1, result: -1 },
    { call: 'send', fd: c, size: 0, result: 0 },
    { call: 'recv', fd: s, size: 10, result: data?.length },
  ]);
  t.match(got.at(-1), { call: 'recv', fd: s, result: 0 }, 'EOF is 0');
  t.ok((got.at(-1)?.time ?? 0) >= before, 'with the time it returned');
});

t.test('printTrace prints a line per answer until stopped', async (t) => {
  const lines: string[] = [];
  const stop = printTrace((l) => lines.push(l));
  await select([], [], [], 0);
  stop();
  await select([], [], [], 0);
  t.same(lines, ['select(r=[] w=[] x=[], 0) = 0 (Timeout)  [kernel: 0 fds, 0 B; ' + lines[0]?.match(/; (\d+) us/)?.[1] + ' us]']);
});

t.test('recordTrace appends a process line, then one JSON line per answer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'net-select-trace-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'trace.jsonl');
  const stop = recordTrace(file);
  await select([], [], [], 0);
  const p = pollT(t);
  await p.poll(0);
  stop();
  stop();
  await select([], [], [], 0);
  const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceRecord);
  t.match(records, [
    { channel: 'process', pid: process.pid, timeOrigin: performance.timeOrigin },
    { channel: SELECT_CHANNEL, pid: process.pid, message: { source: 'select', timeoutMs: 0 } },
    { channel: POLL_CHANNEL, pid: process.pid, message: { call: 'poll', timeoutMs: 0 } },
  ]);
  t.equal(records.length, 3, 'nothing after stop');
});

t.test('nothing is built for the trace while nobody subscribes', async (t) => {
  // An object with fileno() is read once at the call; building a message would read it again.
  const { client } = await socketPair(t);
  let reads = 0;
  const wrapped = { fileno: () => (reads++, client.fileno()) };
  await select([], [wrapped], [], 1000);
  t.equal(reads, 1, 'no subscriber: fileno() read once');
  const got = collect<SelectTrace>(t, SELECT_CHANNEL);
  reads = 0;
  await select([], [wrapped], [], 1000);
  t.equal(got.length, 1);
  t.ok(reads > 1, 'with a subscriber the message reads it again');
});

/** Runs the trace fixture with `env` added; resolves with its output once it exits 0. */
async function runTarget(env: Record<string, string>): Promise<{ out: string; err: string; fds: Record<string, number> }> {
  const proc = spawn(process.execPath, nodeArgs('test/fixtures/trace-target.ts'), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await within(new Promise((resolve) => proc.on('close', resolve)), 'the traced program to end', 20_000);
  if (code !== 0) throw new Error(`the traced program failed (${String(code)}): ${err}`);
  return { out, err, fds: JSON.parse(out) as Record<string, number> };
}

t.test('NET_SELECT_TRACE=1 traces a program that knows nothing of it, on stderr', async (t) => {
  const { err, fds } = await runTarget({ NET_SELECT_TRACE: '1' });
  const lines = err.trim().split('\n');
  const { listener: l, client: c, server: s, epfd } = fds as { listener: number; client: number; server: number; epfd: number };
  const us = String.raw`\d+ us\]`;
  const expected = [
    String.raw`select\(r=\[${l}\] w=\[\] x=\[\], 5000\) = 1 \(r=\[${l}\]\)  \[kernel: ${l + 1} fds, 48 B; ${us}`,
    String.raw`accept\(${l}\) = ${s}`,
    String.raw`select\(r=\[\] w=\[${c}\] x=\[\], 5000\) = 1 \(w=\[${c}\]\)  \[kernel: ${c + 1} fds, 48 B; ${us}`,
    String.raw`send\(${c}, 1\) = 1`,
    String.raw`select\(r=\[${s}\] w=\[\] x=\[${s}\], 5000\) = 1 \(r=\[${s}\]\)  \[kernel: ${s + 1} fds, 48 B; ${us}`,
    String.raw`poll\(\[\[${s}, POLLIN\]\], 5000\) = \[\[${s}, POLLIN\]\]  \[kernel: 1 fds, 10 B; ${us}`,
    String.raw`epoll_ctl\(${epfd}, EPOLL_CTL_ADD, ${s}, \{EPOLLIN\}\) = 0`,
    String.raw`epoll_wait\(${epfd}, 64, 5000\) = \[\[${s}, EPOLLIN\]\]  \[kernel: 1 fds, 12 B; ${us}`,
    String.raw`close\(${epfd}\) = 0`,
    String.raw`recv\(${s}, 1\) = 1`,
    String.raw`select\(r=\[${s}\] w=\[\] x=\[\], 1\) = 0 \(Timeout\)  \[kernel: ${s + 1} fds, 48 B; ${us}`,
    String.raw`close\(${c}\) = 0`,
    String.raw`close\(${s}\) = 0`,
    String.raw`close\(${l}\) = 0`,
  ];
  t.equal(lines.length, expected.length, `one line per call:\n${err}`);
  expected.forEach((re, i) => t.match(lines[i], new RegExp(`^${re}$`), `line ${i + 1}`));
});

t.test('NET_SELECT_TRACE_FILE records a program that knows nothing of it, as JSON lines', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'net-select-trace-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'trace.jsonl');
  const { err } = await runTarget({ NET_SELECT_TRACE_FILE: file });
  t.equal(err, '', 'nothing printed');
  const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceRecord);
  t.equal(records[0]?.channel, 'process');
  t.same(
    records.slice(1).map((r) => (r.channel === 'process' ? 'process' : 'source' in r.message ? 'select' : r.message.call)),
    ['select', 'accept', 'select', 'send', 'select', 'poll', 'epoll_ctl', 'epoll_wait', 'close', 'recv', 'select', 'close', 'close', 'close'],
  );
});

t.test('bug: close and epoll_ctl were not traced, and the selectors API traced epoll_wait(4, -1, -1), which Linux refuses', async (t) => {
  const lines: string[] = [];
  const stop = printTrace((line) => lines.push(line));
  t.teardown(stop);
  const { client, server } = await socketPair(t);
  const sel = new EpollSelector();
  const fd = server.fileno();
  sel.register(server, EVENT_READ);
  sel.modify(server, EVENT_READ | EVENT_WRITE);
  client.send('x');
  await sel.select(5000);
  sel.unregister(server);
  sel.close();
  server.close();
  const epfd = Number(/^epoll_ctl\((\d+), /.exec(lines.find((l) => l.startsWith('epoll_ctl')) ?? '')?.[1]);
  t.ok(epfd > 0, "the selector's epoll descriptor, from its first epoll_ctl");
  t.match(lines.join('\n'), new RegExp(String.raw`epoll_ctl\(${epfd}, EPOLL_CTL_ADD, ${fd}, \{EPOLLIN\}\) = 0`), 'register is EPOLL_CTL_ADD');
  t.match(lines.join('\n'), new RegExp(String.raw`epoll_ctl\(${epfd}, EPOLL_CTL_MOD, ${fd}, \{EPOLLIN\|EPOLLOUT\}\) = 0`), 'modify is EPOLL_CTL_MOD');
  t.match(lines.join('\n'), new RegExp(String.raw`epoll_ctl\(${epfd}, EPOLL_CTL_DEL, ${fd}, NULL\) = 0`), 'unregister is EPOLL_CTL_DEL');
  const wait = lines.find((l) => l.startsWith('epoll_wait('));
  t.match(wait, new RegExp(String.raw`^epoll_wait\(${epfd}, 1, 5000\) = `), 'maxevents as a C program passes it: the interest list, 1');
  t.notMatch(lines.join('\n'), /epoll_wait\(\d+, -1,/, 'never maxevents -1');
  t.match(lines.join('\n'), new RegExp(String.raw`close\(${epfd}\) = 0`), 'closing the selector closes its epoll descriptor');
  t.match(lines.join('\n'), new RegExp(String.raw`close\(${fd}\) = 0`), 'closing a socket is traced');
});
