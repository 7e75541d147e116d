/**
 * Garbage into every public call: each bad argument, closed object, foreign object or duplicate is a
 * documented coded error — `ERR_*` (a TypeError or RangeError) or an errno (a SocketError with its
 * syscall) — thrown or rejected with nothing changed anywhere (the whole observable state of every object
 * here, and the descriptor table, is compared before and after each call).
 *
 * The cases are generated from one table: a row names a call and the families of bad values it takes.
 * A last test walks the exports of lib/index.ts and lib/testing/index.ts and fails for any function,
 * method or setter that has no row (or a stated reason not to), so a new export is covered by adding one row.
 */
import { spawn } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { createReadStream, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';
import * as api from '../lib/index.js';
import * as testing from '../lib/testing/index.js';
import {
  EVENT_READ,
  Epoll,
  EpollSelector,
  FD_SETSIZE,
  Listener,
  POLLIN,
  Poll,
  PollSelector,
  SelectSelector,
  Selector,
  Socket,
  SocketError,
  StreamFile,
  DatagramSocket,
  adoptStream,
  bindDatagram,
  connect,
  formatTrace,
  printTrace,
  recordTrace,
  stdio,
  getFdLimit,
  listen,
  openFdCount,
  openFile,
  select,
  selectCost,
  setFdLimit,
  type BaseSelector,
} from '../lib/index.js';
import { listenT, portOf, socketPair, within } from './fixtures/helpers.js';

/** One bad input and the code it must produce. */
interface Case {
  value: unknown;
  code: string;
  /** Shown instead of the value. */
  label?: string;
  /** A known gap in a file this test does not own: the reason, for tap's `todo`. */
  todo?: string;
}

/** A call and the cases to feed it. `call` gets each case's value. */
interface Row {
  fn: string;
  cases: Case[];
  call: (value: unknown) => unknown;
  /** A known gap: the reason, for tap's `todo`. */
  todo?: string;
}

const TYPE = 'ERR_INVALID_ARG_TYPE';
const VALUE = 'ERR_INVALID_ARG_VALUE';
const RANGE = 'ERR_OUT_OF_RANGE';

const each = (code: string, ...values: unknown[]): Case[] => values.map((value) => ({ value, code }));
const one = (label: string, code: string): Case[] => [{ value: undefined, code, label }];

// ---- the families of bad values ----
const WRONG_TYPES = ['1', null, {}, [], true, 1n, Symbol('s'), () => 1];
const NOT_INTEGERS = [NaN, Infinity, -Infinity, 1.5];
const NEGATIVE = [-1, -(2 ** 32 + 1)];
const HUGE = [2 ** 53, Number.MAX_VALUE];

/** An integer >= 1 with no upper bound (a count of bytes or events): 2 ** 32 + 1 is a valid count. */
const COUNT = [...each(TYPE, ...WRONG_TYPES, undefined), ...each(RANGE, ...NOT_INTEGERS, 0, ...NEGATIVE, ...HUGE)];
/** `maxevents`: a count, or -1 (and undefined) for no bound. */
const MAXEVENTS = [...each(TYPE, ...WRONG_TYPES), ...each(RANGE, ...NOT_INTEGERS, 0, -2, -(2 ** 32 + 1), ...HUGE)];
/** `shutdown`'s `how`: 0, 1 or 2. */
const HOW = [...each(TYPE, ...WRONG_TYPES, undefined), ...each(RANGE, ...NOT_INTEGERS, ...NEGATIVE, 3, 2 ** 32 + 1, ...HUGE)];
/** `setFdLimit`: an integer >= 4 (huge is allowed: RLIM_INFINITY). */
const FD_LIMIT = [...each(TYPE, ...WRONG_TYPES, undefined), ...each(RANGE, ...NOT_INTEGERS, ...NEGATIVE, 0, 3)];
/** A timeout: undefined/null wait, Infinity and 2 ** 32 + 1 wait without a timer. */
const TIMEOUT = [...each(TYPE, '1', {}, [], true, 1n, Symbol('s'), () => 1), ...each(RANGE, NaN, -1, -Infinity, -(2 ** 32 + 1))];
/** A poll mask: 16 bits (poll's `events` is a `short`), non-negative, of known bits. */
const POLL_MASK = [
  ...each(TYPE, ...WRONG_TYPES),
  ...each(VALUE, ...NOT_INTEGERS, ...NEGATIVE),
  ...each(RANGE, 0x10000, 0x40000, 2 ** 32 + 1, ...HUGE),
];
/** An epoll mask: 32 bits, signed or not (`EPOLLIN | EPOLLET` is negative in JavaScript), of known bits. */
const EPOLL_MASK = [
  ...each(TYPE, ...WRONG_TYPES),
  ...each(VALUE, ...NOT_INTEGERS, 0x40000, -1, -(2 ** 31) - 1, -(2 ** 32 + 1)), // -1 is 0xffffffff: unknown bits
  ...each(RANGE, 2 ** 32, 2 ** 32 + 1, ...HUGE),
];
/** selectors' `events`: EVENT_READ, EVENT_WRITE or both; not a number is a type error (the string '1' was a value error, "Received 1"). */
const EVENTS = [...each(TYPE, ...WRONG_TYPES, undefined), ...each(VALUE, ...NOT_INTEGERS, 0, 4, ...NEGATIVE, 2 ** 32 + 1, ...HUGE)];
/** What `send` takes: a string, Buffer or Uint8Array. */
const DATA = each(TYPE, 1, null, undefined, {}, [1, 2], true, 1n, new ArrayBuffer(4), new DataView(new ArrayBuffer(4)), new Uint16Array(2));
/** The options of a waiting call: an object whose `signal` is an AbortSignal; an aborted one rejects at once. */
const WAIT_OPTIONS: Case[] = [
  ...each(TYPE, 'x', 1, null, true, { signal: 'x' }, { signal: {} }, { signal: new AbortController() }),
  { value: { signal: AbortSignal.abort() }, code: 'ABORT_ERR', label: '{ signal: an aborted AbortSignal }' },
];
/** select's lists: arrays only. */
const LIST = each(TYPE, '1', 1, null, undefined, {}, new Set(), true);

/** Not a descriptor at all, whatever the model. */
const NOT_FD = [
  ...each(TYPE, '3', null, undefined, {}, true, 1n, Symbol('s'), NaN, Infinity, -Infinity, 1.5),
  { value: { fileno: 3 }, code: TYPE, label: '{ fileno: 3 }' },
  { value: { fileno: () => '3' }, code: TYPE, label: "{ fileno: () => '3' }" },
  { value: { fileno: () => 1.5 }, code: TYPE, label: '{ fileno: () => 1.5 }' },
  { value: { fileno: () => -1 }, code: RANGE, label: '{ fileno: () => -1 }' },
  ...each(RANGE, ...NEGATIVE),
];
/** A foreign object: a plain Node socket, which has no descriptor number of ours. */
const FOREIGN_SOCKET = new net.Socket();
t.teardown(() => FOREIGN_SOCKET.destroy());
const NOT_OPEN = [999, { fileno: () => 999 }];
/** select and Selector sets: descriptors below FD_SETSIZE, and open. */
const SELECT_FD = [
  ...NOT_FD,
  { value: FOREIGN_SOCKET, code: TYPE, label: 'a net.Socket' },
  ...each(RANGE, FD_SETSIZE, 2 ** 32 + 1, ...HUGE),
  ...each('EBADF', ...NOT_OPEN),
];
/** epoll: open descriptors (no FD_SETSIZE). */
const EPOLL_FD = [...NOT_FD, { value: FOREIGN_SOCKET, code: TYPE, label: 'a net.Socket' }, ...each('EBADF', ...NOT_OPEN, 2 ** 32 + 1)];
/** poll: any number (one that is not open reports POLLNVAL), so only the non-descriptors. */
const POLL_FD = [...NOT_FD, { value: FOREIGN_SOCKET, code: TYPE, label: 'a net.Socket' }];
/** poll's modify and unregister: a descriptor that is registered. */
const POLL_CTL_FD = [...NOT_FD, ...each('ENOENT', ...NOT_OPEN, 2 ** 32 + 1)];
/** epoll_ctl's MOD and DEL: an open descriptor (EBADF, as Linux checks first), that is registered. */
const EPOLL_CTL_FD = [...NOT_FD, ...each('EBADF', ...NOT_OPEN, 2 ** 32 + 1)];

/** connect's options. */
const CONNECT_OPTIONS: Case[] = [
  ...each(TYPE, 'x', 1, null, undefined, true, {}, { port: '80' }, { host: 1, port: 80 }, { path: '' }, { path: 1 }),
  ...each(RANGE, { port: -1 }, { port: 65536 }, { port: NaN }, { port: 1.5 }, { port: 2 ** 32 + 1 }, { port: 80, sndbuf: 0 },
    { port: 80, rcvbuf: Infinity }, { port: 80, sndbuf: -(2 ** 32 + 1) }),
];
/** listen's options (undefined is allowed: all defaults). */
const LISTEN_OPTIONS: Case[] = [
  ...each(TYPE, 'x', 1, null, true, { host: 5 }, { path: '' }, { port: '0' }, { backlog: '5' }),
  ...each(RANGE, { port: -1 }, { port: 65536 }, { backlog: 0 }, { backlog: NaN }, { maxOverflow: -1 }, { sndbuf: 1.5 },
    { rcvbuf: 2 ** 53 }),
];
/** Buffer options of an adopted socket or listener. */
const BUFFER_OPTIONS: Case[] = [...each(TYPE, 'x', 1, null, true, { sndbuf: '1' }), ...each(RANGE, { sndbuf: 0 }, { rcvbuf: -1 })];
/** The same for `Listener.adopt`, which takes `null` options as none (lib/sockets/listener.ts: `options ?? {}`). */
const LISTENER_ADOPT_OPTIONS: Case[] = BUFFER_OPTIONS;

// ---- the objects under test: open, closed, and those kept to compare state ----
const pair = await socketPair(t);
const closedPair = await socketPair(t);
const closedSock = closedPair.client;
closedSock.close();
const listener = pair.listener;
const closedListener = await listenT(t);
closedListener.close();
const usedPort = portOf(listener);

const sel = new Selector();
sel.rlist.add(pair.server);
const closedSel = new Selector();
closedSel.close();
const poll = new Poll();
poll.register(pair.client, POLLIN);
const closedPoll = new Poll();
closedPoll.close();
const ep = new Epoll();
ep.register(pair.client, POLLIN);
const closedEp = new Epoll();
closedEp.close();
const MODELS = [SelectSelector, PollSelector, EpollSelector] as const;
const selectors = MODELS.map((M) => {
  const s = new M();
  s.register(pair.server, EVENT_READ, 'data');
  return s;
});
const closedSelectors = MODELS.map((M) => {
  const s = new M();
  s.close();
  return s;
});
const netServer = net.createServer();
const udp = await bindDatagram();
const closedUdp = await bindDatagram();
closedUdp.close();
const udpAddress = { address: '127.0.0.1', port: udp.getsockname().port };
const connectedUdp = await bindDatagram();
connectedUdp.connect(udpAddress);
const udpSim = new testing.SimNetwork({ seed: 1, trace: false });
const simUdp = await udpSim.host('server').bindDatagram({ port: 53 });
// Pipes to two `cat` processes: a read end, a write end, one end closed, and one stream never adopted.
const cats = [spawn('cat', [], { stdio: 'pipe' }), spawn('cat', [], { stdio: 'pipe' })];
const [cat1, cat2] = cats as [(typeof cats)[0], (typeof cats)[0]];
const readEnd = adoptStream(cat1.stdout);
const writeEnd = adoptStream(cat1.stdin);
const closedStream = adoptStream(cat2.stdout);
closedStream.close();
const notAdopted = cat2.stdin;
// A regular file, open for reading, open to append, and one closed.
const FILE = join(tmpdir(), `net-select-bad-input-${process.pid}.txt`);
writeFileSync(FILE, 'data\n');
const fileR = openFile(FILE, 'r');
const fileW = openFile(FILE, 'a');
const closedFile = openFile(FILE);
closedFile.close();
/** Stands for an fs.ReadStream, made (and destroyed) by the call itself. */
const FS_STREAM = Symbol('an fs.ReadStream');
const deadSocket = new net.Socket();
deadSocket.destroy();
// net-select/testing's objects
const sim = new testing.SimNetwork({ seed: 1 });
const simHost = sim.host('server');
const simListener = await simHost.listen({ port: 7000 });
const fakeTap = { teardown: () => undefined, passing: () => true, comment: () => undefined };
t.teardown(() => {
  simListener.close();
  for (const x of [sel, poll, ep, ...selectors, udp, simUdp, connectedUdp, readEnd, writeEnd, fileR, fileW]) x.close();
  rmSync(FILE, { force: true });
  for (const c of cats) c.kill();
  netServer.close();
});

/** Everything observable about every object here, as one string. */
function world(): string {
  return JSON.stringify({
    fds: openFdCount(),
    limit: getFdLimit(),
    selectCalls: selectCost.calls,
    sockets: [pair.client, pair.server, closedSock].map((s) => [s.fileno(), s.events(), s.sndbuf, s.rcvbuf, s.sendQueueSize, s.recvQueueSize]),
    listeners: [listener, closedListener].map((l) => [l.fileno(), l.events(), l.pending, { ...l.stats }]),
    selectors: [sel, closedSel].map((s) => [s.closed, s.rlist.size, s.wlist.size, s.xlist.size, s.listenerCount('ready'), s.listenerCount('error'), s.cost.calls]),
    pollers: [poll, closedPoll, ep, closedEp].map((p) => [p.size, p.closed, p.cost.calls]),
    epollFds: [ep.fileno(), closedEp.fileno()],
    keys: [...selectors, ...closedSelectors].map((s) => [...s.getMap().values()].map((k) => [k.fd, k.events, k.data])),
    udp: [udp, closedUdp, simUdp, connectedUdp].map((u) => [u.fileno(), u.events(), { ...u.stats }, u.sndbuf, u.rcvbuf]),
    peers: [udp, connectedUdp].map((u) => {
      try {
        return u.getpeername();
      } catch (err) {
        return (err as { code?: unknown }).code;
      }
    }),
    simHost: udpSim.host('server').openFdCount,
    streams: [readEnd, writeEnd, closedStream].map((f) => [f.fileno(), f.events(), f.sendQueueSize]),
    files: [fileR, fileW, closedFile].map((f) => [f.fileno(), f.events()]),
    traced: ['net-select:select', 'net-select:poll'].map((name) => diagnosticsChannel.hasSubscribers(name)),
    sim: [sim.now(), sim.steps, sim.trace.length, simHost.openFdCount, simListener.pending, { ...simListener.stats }],
  });
}


// ---- the families of net-select/testing's bad values ----
const NOT_OBJECTS = ['1', 1, null, true, 1n, Symbol('s'), () => 1];
const EXPECTED: Case[] = [
  ...each(TYPE, ...NOT_OBJECTS, undefined, []),
  ...each(TYPE, { readable: 'x' }, { readable: null }, { writable: [1] }, { exceptional: [{}] }),
  { value: { readable: [FOREIGN_SOCKET] }, code: TYPE, label: '{ readable: [a net.Socket] }' },
];
const HELPER_OPTIONS = (wait: 'timeoutMs' | 'ms'): Case[] => [
  ...each(TYPE, ...NOT_OBJECTS),
  ...each(TYPE, { sim: 1 }, { sim: {} }, { [wait]: '1' }, { [wait]: 1n }),
  ...each(RANGE, { [wait]: -1 }, { [wait]: NaN }),
];
const KIT_OPTIONS: Case[] = [...each(TYPE, ...NOT_OBJECTS), ...each(TYPE, { sim: 1 }, { sim: {} })];
const KIT_SOCK: Case[] = [
  ...each(TYPE, ...WRONG_TYPES, undefined),
  { value: FOREIGN_SOCKET, code: TYPE, label: 'a net.Socket' },
  { value: listener, code: TYPE, label: 'a Listener' },
];
const HOST_NAME = each(TYPE, '', 1, null, undefined, {}, [], true, 1n, Symbol('s'), () => 1);
const SIM_OPTIONS: Case[] = [
  ...each(TYPE, '1', 1, null, true, 1n, Symbol('s')),
  ...each(TYPE, { seed: '1' }, { faults: 1 }, { faults: { latencyMs: 'x' } }, { connectTimeoutMs: '1' }),
  ...each(RANGE, { seed: -1 }, { seed: 1.5 }, { faults: { latencyMs: -1 } }, { connectTimeoutMs: 0 }),
];

// ---- the table ----
const modelName = (s: BaseSelector): string => s.constructor.name;
const ROWS: Row[] = [
  // fd-table.ts
  { fn: 'setFdLimit', cases: FD_LIMIT, call: (v) => setFdLimit(v as number) },
  // socket.ts, connect.ts
  { fn: 'connect', cases: CONNECT_OPTIONS, call: (v) => connect(v as never) },
  { fn: 'Socket.adopt', cases: each(TYPE, 'x', null, undefined, {}, netServer, pair.client), call: (v) => Socket.adopt(v as net.Socket) },
  { fn: 'Socket.adopt', cases: BUFFER_OPTIONS, call: (v) => Socket.adopt(FOREIGN_SOCKET, v as never) },
  { fn: 'Socket#recv', cases: COUNT, call: (v) => pair.client.recv(v as number) },
  { fn: 'Socket#recv', cases: one('closed socket', 'EBADF'), call: () => closedSock.recv(1) },
  { fn: 'Socket#send', cases: DATA, call: (v) => pair.client.send(v as string) },
  { fn: 'Socket#send', cases: one('closed socket', 'EBADF'), call: () => closedSock.send('x') },
  { fn: 'Socket#shutdown', cases: HOW, call: (v) => pair.client.shutdown(v as number) },
  { fn: 'Socket#shutdown', cases: one('closed socket', 'EBADF'), call: () => closedSock.shutdown(1) },
  { fn: 'Socket#getsockname', cases: one('closed socket', 'EBADF'), call: () => closedSock.getsockname() },
  { fn: 'Socket#getpeername', cases: one('closed socket', 'EBADF'), call: () => closedSock.getpeername() },
  { fn: 'Socket#setNoDelay', cases: each(TYPE, 'x', 1, null, {}), call: (v) => pair.client.setNoDelay(v as boolean) },
  { fn: 'Socket#setNoDelay', cases: one('closed socket', 'EBADF'), call: () => closedSock.setNoDelay(true) },
  { fn: 'Socket#setKeepAlive', cases: each(TYPE, 'x', 1, null, {}), call: (v) => pair.client.setKeepAlive(v as boolean) },
  {
    fn: 'Socket#setKeepAlive',
    cases: [...each(TYPE, '1', null, {}, true), ...each(RANGE, ...NOT_INTEGERS, ...NEGATIVE, ...HUGE)],
    call: (v) => pair.client.setKeepAlive(true, v as number),
  },
  { fn: 'Socket#setKeepAlive', cases: one('closed socket', 'EBADF'), call: () => closedSock.setKeepAlive(true) },
  { fn: 'Socket#sndbuf=', cases: COUNT, call: (v) => void (pair.client.sndbuf = v as number) },
  { fn: 'Socket#rcvbuf=', cases: COUNT, call: (v) => void (pair.client.rcvbuf = v as number) },
  {
    fn: 'new Socket',
    cases: each(TYPE, 'x', null, {}),
    call: (v) => new (Socket as unknown as new (...a: unknown[]) => Socket)(v, { sndbuf: 1, rcvbuf: 1 }, true),
  },
  // listener.ts
  { fn: 'listen', cases: LISTEN_OPTIONS, call: (v) => listen(v as never) },
  { fn: 'listen', cases: one('a port in use (duplicate bind)', 'EADDRINUSE'), call: () => listen({ host: '127.0.0.1', port: usedPort }) },
  { fn: 'Listener.adopt', cases: each(TYPE, 'x', null, undefined, {}, FOREIGN_SOCKET, listener), call: (v) => Listener.adopt(v as net.Server) },
  {
    fn: 'Listener.adopt',
    cases: [...LISTENER_ADOPT_OPTIONS, ...each(RANGE, { backlog: 0 }, { maxOverflow: -1 }, { backlog: 2 ** 53 })],
    call: (v) => Listener.adopt(netServer, v as never),
  },
  { fn: 'Listener#accept', cases: one('closed listener', 'EBADF'), call: () => closedListener.accept() },
  { fn: 'Listener#getsockname', cases: one('closed listener', 'EBADF'), call: () => closedListener.getsockname() },
  {
    fn: 'new Listener',
    cases: each(TYPE, 'x', null, {}),
    call: (v) => new (Listener as unknown as new (...a: unknown[]) => Listener)(v, {}),
  },
  // trace-print.ts, trace-record.ts
  { fn: 'formatTrace', cases: each(TYPE, 'x', null, undefined, {}, { cost: {} }, 5), call: (v) => api.formatTrace(v as never) },
  { fn: 'maskNames', cases: [...each(TYPE, 'x', null, undefined), ...each(RANGE, NaN, 1.5, Infinity)], call: (v) => api.maskNames(v as number) },
  { fn: 'maskNames', cases: each(TYPE, 5, null), call: (v) => api.maskNames(1, v as string) },
  { fn: 'recordTrace', cases: each(TYPE, '', 5, null, undefined), call: (v) => api.recordTrace(v as string) },
  // select.ts
  ...(['rlist', 'wlist', 'xlist'] as const).flatMap((name, k): Row[] => [
    { fn: `select(${name})`, cases: LIST, call: (v) => select(...(lists(k, v) as [never[], never[], never[]]), 0) },
    { fn: `select(${name}[0])`, cases: SELECT_FD, call: (v) => select(...(lists(k, [v]) as [never[], never[], never[]]), 0) },
    { fn: `select(${name}[0])`, cases: one('closed socket', 'EBADF'), call: () => select(...(lists(k, [closedSock]) as [never[], never[], never[]]), 0) },
  ]),
  { fn: 'select', cases: TIMEOUT, call: (v) => select([pair.client], [], [], v as number) },
  { fn: 'select', cases: one('three empty lists, no timeout', VALUE), call: () => select([], [], []) },
  { fn: 'select', cases: WAIT_OPTIONS, call: (v) => select([pair.client], [], [], null, v as never) },
  // selector.ts
  ...(['rlist', 'wlist', 'xlist'] as const).flatMap((name): Row[] => [
    { fn: `FdSet#add`, cases: SELECT_FD, call: (v) => sel[name].add(v as number) },
    { fn: `FdSet#add`, cases: one(`closed socket, to ${name}`, 'EBADF'), call: () => sel[name].add(closedSock) },
    { fn: `FdSet#add`, cases: one(`${name} of a closed selector`, 'EBADF'), call: () => closedSel[name].add(pair.client) },
  ]),
  { fn: 'Selector#select', cases: TIMEOUT, call: (v) => sel.select(v as number) },
  { fn: 'Selector#select', cases: one('closed selector', 'EBADF'), call: () => closedSel.select(0) },
  { fn: 'Selector#select', cases: WAIT_OPTIONS, call: (v) => sel.select(null, v as never) },
  { fn: 'Selector#select', cases: one('empty sets, no timeout', VALUE), call: () => new Selector().select() },
  ...(['on', 'once', 'addListener'] as const).map((m): Row => ({
    fn: `Selector#${m}`,
    cases: each(TYPE, 'x', null, undefined, 42, {}),
    call: (v) => sel[m]('ready', v as never),
  })),
  {
    fn: 'new FdSet',
    cases: each(TYPE, 'x', null, {}),
    call: (v) => new (api.FdSet as unknown as new (...a: unknown[]) => api.FdSet)(v, 0).add(pair.client),
  },
  // poll.ts, epoll.ts, poller.ts
  { fn: 'Poll#register', cases: POLL_FD, call: (v) => new Poll().register(v as number) },
  { fn: 'Poll#register', cases: POLL_MASK, call: (v) => poll.register(pair.server, v as number) },
  { fn: 'Poll#register', cases: one('closed socket', 'EBADF'), call: () => poll.register(closedSock) },
  { fn: 'Poll#register', cases: one('closed poll', 'EBADF'), call: () => closedPoll.register(pair.client) },
  { fn: 'Poll#modify', cases: POLL_CTL_FD, call: (v) => poll.modify(v as number, POLLIN) },
  { fn: 'Poll#modify', cases: [...POLL_MASK, ...each(TYPE, undefined)], call: (v) => poll.modify(pair.client, v as number) },
  { fn: 'Poll#modify', cases: one('closed poll', 'EBADF'), call: () => closedPoll.modify(pair.client, POLLIN) },
  { fn: 'Poll#unregister', cases: POLL_CTL_FD, call: (v) => poll.unregister(v as number) },
  { fn: 'Poll#unregister', cases: one('not registered (a foreign socket of ours)', 'ENOENT'), call: () => poll.unregister(pair.server) },
  { fn: 'Poll#unregister', cases: one('closed poll', 'EBADF'), call: () => closedPoll.unregister(pair.client) },
  { fn: 'Poll#poll', cases: TIMEOUT, call: (v) => poll.poll(v as number) },
  { fn: 'Poll#poll', cases: one('closed poll', 'EBADF'), call: () => closedPoll.poll(0) },
  { fn: 'Poll#poll', cases: WAIT_OPTIONS, call: (v) => poll.poll(null, v as never) },
  { fn: 'Poll#poll', cases: one('nothing registered, no timeout', VALUE), call: () => new Poll().poll() },
  { fn: 'Epoll#register', cases: EPOLL_FD, call: (v) => ep.register(v as number) },
  { fn: 'Epoll#register', cases: EPOLL_MASK, call: (v) => ep.register(pair.server, v as number) },
  { fn: 'Epoll#register', cases: one('registered twice', 'EEXIST'), call: () => ep.register(pair.client, POLLIN) },
  { fn: 'Epoll#register', cases: one('closed socket', 'EBADF'), call: () => ep.register(closedSock) },
  { fn: 'Epoll#register', cases: one('closed epoll', 'EBADF'), call: () => closedEp.register(pair.client) },
  { fn: 'Epoll#register', cases: one('the instance itself', 'EINVAL'), call: () => ep.register(ep) },
  { fn: 'Epoll#modify', cases: EPOLL_CTL_FD, call: (v) => ep.modify(v as number, POLLIN) },
  { fn: 'Epoll#modify', cases: [...EPOLL_MASK, ...each(TYPE, undefined)], call: (v) => ep.modify(pair.client, v as number) },
  { fn: 'Epoll#modify', cases: one('closed epoll', 'EBADF'), call: () => closedEp.modify(pair.client, POLLIN) },
  { fn: 'Epoll#unregister', cases: EPOLL_CTL_FD, call: (v) => ep.unregister(v as number) },
  { fn: 'Epoll#unregister', cases: one('not registered', 'ENOENT'), call: () => ep.unregister(pair.server) },
  { fn: 'Epoll#unregister', cases: one('closed epoll', 'EBADF'), call: () => closedEp.unregister(pair.client) },
  { fn: 'Epoll#poll', cases: TIMEOUT, call: (v) => ep.poll(v as number) },
  { fn: 'Epoll#poll', cases: MAXEVENTS, call: (v) => ep.poll(0, v as number) },
  { fn: 'Epoll#poll', cases: one('closed epoll', 'EBADF'), call: () => closedEp.poll(0) },
  { fn: 'Epoll#poll', cases: WAIT_OPTIONS, call: (v) => ep.poll(null, -1, v as never) },
  // dgram.ts
  {
    fn: 'bindDatagram',
    cases: [
      ...each(TYPE, 'x', 1, null, true, { host: 5 }, { port: '0' }, { sndbuf: '1' }),
      ...each(RANGE, { port: -1 }, { port: 65536 }, { port: 1.5 }, { sndbuf: 0 }, { rcvbuf: 2 ** 53 }),
      ...each(VALUE, { type: 'udp5' }),
    ],
    call: (v) => bindDatagram(v as never),
  },
  { fn: 'bindDatagram', cases: one('a port in use (duplicate bind)', 'EADDRINUSE'), call: () => bindDatagram({ port: udpAddress.port }) },
  { fn: 'DatagramSocket#recvfrom', cases: COUNT, call: (v) => udp.recvfrom(v as number) },
  { fn: 'DatagramSocket#recvfrom', cases: one('closed socket', 'EBADF'), call: () => closedUdp.recvfrom(1) },
  { fn: 'DatagramSocket#sendto', cases: DATA, call: (v) => udp.sendto(v as string, udpAddress) },
  {
    fn: 'DatagramSocket#sendto',
    cases: [
      ...each(TYPE, 'x', null, undefined, 1, {}, { address: 1, port: 5 }, { address: '127.0.0.1', port: '5' }),
      ...each(RANGE, ...[0, 65536, NaN, -1, 2 ** 32 + 1].map((port) => ({ address: '127.0.0.1', port }))),
    ],
    call: (v) => udp.sendto('x', v as never),
  },
  { fn: 'DatagramSocket#sendto', cases: one('65508 bytes: more than one datagram carries', 'EMSGSIZE'), call: () => udp.sendto(Buffer.alloc(65508), udpAddress) },
  { fn: 'DatagramSocket#sendto', cases: one('closed socket', 'EBADF'), call: () => closedUdp.sendto('x', udpAddress) },
  {
    fn: 'DatagramSocket#sendto',
    cases: one('connected: another address than the peer', 'EISCONN'),
    call: () => connectedUdp.sendto('x', { address: '127.0.0.2', port: udpAddress.port }),
  },
  { fn: 'DatagramSocket#recv', cases: COUNT, call: (v) => udp.recv(v as number) },
  { fn: 'DatagramSocket#recv', cases: one('closed socket', 'EBADF'), call: () => closedUdp.recv(1) },
  { fn: 'DatagramSocket#send', cases: DATA, call: (v) => connectedUdp.send(v as string) },
  { fn: 'DatagramSocket#send', cases: one('not connected', 'EDESTADDRREQ'), call: () => udp.send('x') },
  { fn: 'DatagramSocket#send', cases: one('65508 bytes: more than one datagram carries', 'EMSGSIZE'), call: () => connectedUdp.send(Buffer.alloc(65508)) },
  { fn: 'DatagramSocket#send', cases: one('closed socket', 'EBADF'), call: () => closedUdp.send('x') },
  {
    fn: 'DatagramSocket#connect',
    cases: [
      ...each(TYPE, 'x', null, undefined, 1, {}, { address: 1, port: 5 }, { address: '127.0.0.1', port: '5' }),
      ...each(RANGE, ...[0, 65536, NaN, -1, 2 ** 32 + 1].map((port) => ({ address: '127.0.0.1', port }))),
    ],
    call: (v) => udp.connect(v as never),
  },
  { fn: 'DatagramSocket#connect', cases: one('already connected', 'EISCONN'), call: () => connectedUdp.connect(udpAddress) },
  { fn: 'DatagramSocket#connect', cases: one('closed socket', 'EBADF'), call: () => closedUdp.connect(udpAddress) },
  { fn: 'DatagramSocket#getpeername', cases: one('not connected', 'ENOTCONN'), call: () => udp.getpeername() },
  { fn: 'DatagramSocket#getpeername', cases: one('closed socket', 'EBADF'), call: () => closedUdp.getpeername() },
  {
    fn: 'new DatagramSocket',
    cases: each(TYPE, 'x', null, {}, netServer),
    call: (v) => new (DatagramSocket as unknown as new (...a: unknown[]) => DatagramSocket)(v, { sndbuf: 1, rcvbuf: 1 }),
  },
  // testing: datagram-pair.ts, sim-host.ts
  { fn: 'datagramPair', cases: BUFFER_OPTIONS, call: (v) => testing.datagramPair(v as never) },
  {
    fn: 'SimHost#bindDatagram',
    cases: [
      ...BUFFER_OPTIONS,
      ...each(TYPE, { port: '0' }),
      ...each(RANGE, { port: -1 }, { port: 65536 }, { port: 1.5 }),
      { value: { port: 53 }, code: 'EADDRINUSE', label: 'a UDP port taken on that host' },
    ],
    call: (v) => udpSim.host('server').bindDatagram(v as never),
  },
  // stdio.ts
  { fn: 'stdio', cases: each(RANGE, 3, -1, '0', null, undefined, NaN, 1.5, 2 ** 32 + 1), call: (v) => stdio(v as 0) },
  {
    fn: 'adoptStream',
    cases: [
      ...each(TYPE, 'x', null, undefined, {}, 1, netServer),
      { value: FS_STREAM, code: 'EPERM', label: 'an fs.ReadStream' },
      { value: deadSocket, code: 'EBADF', label: 'a destroyed net.Socket' },
    ],
    call: (v) => {
      if (v !== FS_STREAM) return adoptStream(v as net.Socket);
      const file = createReadStream(fileURLToPath(import.meta.url));
      try {
        return adoptStream(file);
      } finally {
        file.destroy();
      }
    },
  },
  { fn: 'adoptStream', cases: BUFFER_OPTIONS, call: (v) => adoptStream(notAdopted, v as never) },
  { fn: 'StreamFile#recv', cases: COUNT, call: (v) => readEnd.recv(v as number) },
  { fn: 'StreamFile#recv', cases: one('the write end of a pipe', 'EBADF'), call: () => writeEnd.recv(1) },
  { fn: 'StreamFile#recv', cases: one('closed file', 'EBADF'), call: () => closedStream.recv(1) },
  { fn: 'StreamFile#send', cases: DATA, call: (v) => writeEnd.send(v as string) },
  { fn: 'StreamFile#send', cases: one('the read end of a pipe', 'EBADF'), call: () => readEnd.send('x') },
  { fn: 'StreamFile#send', cases: one('closed file', 'EBADF'), call: () => closedStream.send('x') },
  {
    fn: 'new StreamFile',
    cases: each(TYPE, 'x', null, {}, netServer),
    call: (v) => new (StreamFile as unknown as new (...a: unknown[]) => StreamFile)(v, -1, 1, undefined),
  },
  // regular-file.ts
  { fn: 'openFile', cases: each(TYPE, 1, null, undefined, {}, Buffer.from('x')), call: (v) => openFile(v as string) },
  { fn: 'openFile', cases: each(VALUE, 'rw', 'x', '', 'R', null, 1), call: (v) => openFile(FILE, v as 'r') },
  {
    fn: 'openFile',
    cases: [{ value: '/nonexistent-net-select-dir/f', code: 'ENOENT' }, { value: tmpdir(), code: 'EPERM', label: 'a directory' }],
    call: (v) => openFile(v as string),
  },
  { fn: 'RegularFile#recv', cases: COUNT, call: (v) => fileR.recv(v as number) },
  { fn: 'RegularFile#recv', cases: one('a file open only to append', 'EBADF'), call: () => fileW.recv(1) },
  { fn: 'RegularFile#recv', cases: one('closed file', 'EBADF'), call: () => closedFile.recv(1) },
  { fn: 'RegularFile#send', cases: DATA, call: (v) => fileW.send(v as string) },
  { fn: 'RegularFile#send', cases: one('a file open only for reading', 'EBADF'), call: () => fileR.send('x') },
  { fn: 'RegularFile#send', cases: one('closed file', 'EBADF'), call: () => closedFile.send('x') },
  { fn: 'Epoll#register', cases: one('a regular file (epoll_ctl refuses it)', 'EPERM'), call: () => ep.register(fileR) },
  {
    fn: 'EpollSelector#register',
    cases: one('a regular file (epoll_ctl refuses it)', 'EPERM'),
    call: () => (selectors[2] as BaseSelector).register(fileR, EVENT_READ),
  },
  // trace-print.ts, trace-record.ts (beside the rows above)
  {
    fn: 'formatTrace',
    cases: each(TYPE, { source: 'select' }, { call: 'poll' }),
    call: (v) => formatTrace(v as never),
    todo: 'a message object is checked for its kind only, not field by field: an uncoded TypeError (lib/trace/print.ts)',
  },
  { fn: 'printTrace', cases: each(TYPE, 'x', 1, null, {}), call: (v) => printTrace(v as never) },
  {
    fn: 'recordTrace',
    cases: [{ value: '/nonexistent-net-select-dir/trace.jsonl', code: 'ENOENT' }, { value: tmpdir(), code: 'EISDIR', label: 'a directory' }],
    call: (v) => recordTrace(v as string),
  },
  // net-select/testing: the helpers, simTest, the simulated network
  { fn: 'expectReady', cases: EXPECTED, call: (v) => testing.expectReady(v as never) },
  { fn: 'expectReady', cases: HELPER_OPTIONS('timeoutMs'), call: (v) => testing.expectReady({}, v as never) },
  { fn: 'expectNoEvent', cases: EXPECTED, call: (v) => testing.expectNoEvent(v as never) },
  { fn: 'expectNoEvent', cases: HELPER_OPTIONS('ms'), call: (v) => testing.expectNoEvent({}, v as never) },
  { fn: 'expectWouldBlock', cases: KIT_SOCK, call: (v) => testing.expectWouldBlock(v as never) },
  { fn: 'expectWouldBlock', cases: KIT_OPTIONS, call: (v) => testing.expectWouldBlock(pair.server, v as never) },
  { fn: 'recvExactly', cases: KIT_SOCK, call: (v) => testing.recvExactly(v as never, 1) },
  { fn: 'recvExactly', cases: [...each(TYPE, '1', null, undefined, {}, [], true, 10n, Symbol('s'), () => 1), ...each(RANGE, NaN, Infinity, -1, 1.5)], call: (v) => testing.recvExactly(pair.server, v as number) },
  { fn: 'recvExactly', cases: HELPER_OPTIONS('timeoutMs'), call: (v) => testing.recvExactly(pair.server, 1, v as never) },
  { fn: 'sendAll', cases: KIT_SOCK, call: (v) => testing.sendAll(v as never, 'x') },
  { fn: 'sendAll', cases: each(TYPE, 1, null, undefined, {}, [1], true, 1n, Symbol('s'), () => 1, new ArrayBuffer(4)), call: (v) => testing.sendAll(pair.client, v as never) },
  { fn: 'sendAll', cases: HELPER_OPTIONS('timeoutMs'), call: (v) => testing.sendAll(pair.client, 'x', v as never) },
  { fn: 'simTest', cases: [...each(TYPE, '1', 1, null, undefined, {}, [], true, 1n, Symbol('s'), () => 1), { value: { teardown: () => undefined }, code: TYPE, label: 'an object with teardown only' }], call: (v) => testing.simTest(v as never) },
  { fn: 'simTest', cases: SIM_OPTIONS, call: (v) => testing.simTest(fakeTap, v as never) },
  { fn: 'new SimNetwork', cases: SIM_OPTIONS, call: (v) => new testing.SimNetwork(v as never) },
  { fn: 'new SimHost', cases: each(TYPE, ...WRONG_TYPES, undefined), call: (v) => new testing.SimHost(v as never, undefined as never) },
  { fn: 'SimNetwork#host', cases: HOST_NAME, call: (v) => sim.host(v as string) },
  { fn: 'SimNetwork#link', cases: HOST_NAME, call: (v) => sim.link(v as string, 'server', {}) },
  { fn: 'SimNetwork#link', cases: HOST_NAME, call: (v) => sim.link('server', v as string, {}) },
  { fn: 'SimNetwork#link', cases: [...each(TYPE, '1', 1, null, true, 1n, Symbol('s')), { value: { latencyMs: 'x' }, code: TYPE }, { value: { latencyMs: -1 }, code: RANGE }], call: (v) => sim.link('server', 'client', v as never) },
  ...(['partition', 'repair', 'hold', 'release', 'reset'] as const).flatMap((m): Row[] => [
    { fn: `SimNetwork#${m}`, cases: HOST_NAME, call: (v) => sim[m](v as string, 'server') },
    { fn: `SimNetwork#${m}`, cases: HOST_NAME, call: (v) => sim[m]('server', v as string) },
  ]),
  { fn: 'SimNetwork#stopReading', cases: HOST_NAME, call: (v) => sim.stopReading(v as string) },
  { fn: 'SimNetwork#resumeReading', cases: HOST_NAME, call: (v) => sim.resumeReading(v as string) },
  { fn: 'SimNetwork#record', cases: each(TYPE, 1, null, undefined, {}, [], true, 1n, Symbol('s'), () => 1), call: (v) => sim.record(v as string) },
  { fn: 'SimNetwork#runFor', cases: [...each(TYPE, '1', null, undefined, {}, [], true, 1n, Symbol('s')), ...each(RANGE, NaN, Infinity, -1, 1.5)], call: (v) => sim.runFor(v as number) },
  { fn: 'SimNetwork#socketpair', cases: [...each(TYPE, '1', 1, null, true, 1n, Symbol('s')), { value: { host: '' }, code: TYPE }, { value: { host: 1 }, code: TYPE }, { value: { sndbuf: 0 }, code: RANGE }], call: (v) => sim.socketpair(v as never) },
  { fn: 'SimHost#fdLimit=', cases: [...each(TYPE, '1', null, undefined, {}, true, 1n, Symbol('s')), ...each(RANGE, NaN, Infinity, 1.5, -1, 3)], call: (v) => void (simHost.fdLimit = v as number) },
  { fn: 'SimHost#listen', cases: [...each(TYPE, '1', 1, null, true, 1n, Symbol('s')), { value: { port: '1' }, code: TYPE }, { value: { port: -1 }, code: RANGE }, { value: { port: 70000 }, code: RANGE }, { value: { backlog: 0 }, code: RANGE }, { value: { port: 7000 }, code: 'EADDRINUSE', label: 'a port taken' }], call: (v) => simHost.listen(v as never) },
  { fn: 'SimHost#connect', cases: [...each(TYPE, '1', 1, null, undefined, true, 1n, Symbol('s')), { value: { host: '', port: 1 }, code: TYPE }, { value: { host: 'server' }, code: TYPE }, { value: { host: 'server', port: -1 }, code: RANGE }, { value: { host: 'server', port: 1, sndbuf: 0 }, code: RANGE }], call: (v) => simHost.connect(v as never) },
  // testing/socketpair.ts (net-select/testing)
  { fn: 'socketpair', cases: BUFFER_OPTIONS, call: (v) => testing.socketpair(v as never) },
  // selector-map.ts
  { fn: 'SelectorMapping#forEach', cases: each(TYPE, 'x', null, undefined, 42, {}), call: (v) => (selectors[0] as BaseSelector).getMap().forEach(v as never) },
  // selectors.ts, once per model
  ...selectors.flatMap((s: BaseSelector, i): Row[] => {
    const closed = closedSelectors[i] as BaseSelector;
    const name = modelName(s);
    const fds = s instanceof SelectSelector ? SELECT_FD : s instanceof PollSelector ? POLL_FD : EPOLL_FD;
    return [
      { fn: `${name}#register`, cases: fds, call: (v) => s.register(v as number, EVENT_READ) },
      { fn: `${name}#register`, cases: EVENTS, call: (v) => s.register(pair.client, v as number) },
      { fn: `${name}#register`, cases: one('registered twice', 'EEXIST'), call: () => s.register(pair.server, EVENT_READ) },
      { fn: `${name}#register`, cases: one('its number, registered twice', 'EEXIST'), call: () => s.register(pair.server.fileno(), EVENT_READ) },
      { fn: `${name}#register`, cases: one('closed socket', 'EBADF'), call: () => s.register(closedSock, EVENT_READ) },
      { fn: `${name}#register`, cases: one('closed selector', 'EBADF'), call: () => closed.register(pair.client, EVENT_READ) },
      { fn: `${name}#unregister`, cases: each('ENOENT', ...WRONG_TYPES, undefined, 999, -1, FOREIGN_SOCKET, pair.client), call: (v) => s.unregister(v as number) },
      { fn: `${name}#unregister`, cases: one('closed selector', 'EBADF'), call: () => closed.unregister(pair.server) },
      { fn: `${name}#modify`, cases: EVENTS, call: (v) => s.modify(pair.server, v as number) },
      { fn: `${name}#modify`, cases: each('ENOENT', ...WRONG_TYPES, undefined, 999, FOREIGN_SOCKET, pair.client), call: (v) => s.modify(v as number, EVENT_READ) },
      { fn: `${name}#modify`, cases: one('closed selector', 'EBADF'), call: () => closed.modify(pair.server, EVENT_READ) },
      { fn: `${name}#select`, cases: TIMEOUT, call: (v) => s.select(v as number) },
      { fn: `${name}#select`, cases: one('closed selector', 'EBADF'), call: () => closed.select(0) },
      { fn: `${name}#select`, cases: WAIT_OPTIONS, call: (v) => s.select(null, v as never) },
    ];
  }),
];

/** Three lists with `v` in place `k` and empty lists elsewhere. */
function lists(k: number, v: unknown): unknown[] {
  return [0, 1, 2].map((i) => (i === k ? v : []));
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol' || typeof v === 'function') return String(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (v === null || v === undefined || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  const ctor = v.constructor?.name;
  if (ctor && ctor !== 'Object') return `a ${ctor}`;
  return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`).join(', ')} }`;
}

/** The error the call threw or rejected with; `undefined` when it returned or resolved. */
async function errorOf(call: () => unknown): Promise<unknown> {
  try {
    const r = call();
    if (r instanceof Promise) await within(r, 'the call to settle', 2000);
    if (r instanceof Socket || r instanceof Listener) r.close(); // accepted: undo, the row fails anyway
    return undefined;
  } catch (err) {
    return err;
  }
}

/** Whether `err` is the documented shape for `code`: the right class, and a syscall for an errno. */
function shaped(err: unknown, code: string): boolean {
  if (code === RANGE) return err instanceof RangeError;
  if (code === 'ABORT_ERR') return err instanceof Error && err.name === 'AbortError';
  if (code.startsWith('ERR_')) return err instanceof TypeError;
  return err instanceof SocketError || (err instanceof Error && typeof (err as { syscall?: unknown }).syscall === 'string');
}

const covered = new Set<string>();
t.comment(`${ROWS.reduce((n, r) => n + r.cases.length, 0)} bad calls from ${ROWS.length} rows, ` +
  `${ROWS.reduce((n, r) => n + r.cases.filter((c) => c.todo ?? r.todo).length, 0)} of them known gaps (todo)`);
for (const row of ROWS) {
  covered.add(row.fn.replace(/\(.*$/, ''));
  t.test(`${row.fn}: ${row.cases.length} bad input${row.cases.length > 1 ? 's' : ''}, each a coded error with nothing changed`, async (t) => {
    for (const c of row.cases) {
      const label = c.label ?? show(c.value);
      const before = world();
      const err = await errorOf(() => row.call(c.value));
      const code = (err as { code?: unknown } | undefined)?.code;
      const todo = c.todo ?? row.todo;
      const extra = todo ? { todo } : {};
      t.ok(code === c.code && shaped(err, c.code), `${row.fn}(${label}) → ${c.code}`,
        { ...extra, ...(code === c.code ? {} : { found: err === undefined ? 'no error' : `${String(code)}: ${String(err)}` }) });
      t.equal(world(), before, `${row.fn}(${label}) changes nothing`, extra);
    }
  });
}

/** Exported calls that take no input worth a row, each with the reason. */
const EXEMPT: Record<string, string> = {
  'new SocketError': 'an error value: it holds whatever code and syscall it is given',
  'new Pollable': 'an abstract base class',
  'new RegularFile': '@internal: openFile and stdio make it over a descriptor they opened or checked',
  'new BaseSelector': 'an abstract base class, with a protected constructor',
  'CostCounter#record': '@internal: the counters of the models',
  'CostCounter#add': '@internal: the counters of the models',
  'BaseSelector#getKey': 'a lookup: anything not registered gives undefined, as documented',
  'SelectorMapping#get': 'a lookup: anything not registered gives undefined, as documented',
  'SelectorMapping#has': 'a lookup: anything not registered gives false, as documented',
  'new SelectorMapping': '@internal: getMap() makes it',
  'FdSet#delete': 'anything not in the set gives false, as documented',
  'FdSet#has': 'anything not in the set gives false, as documented',
};


/** Whether `f`'s signature has parameters (defaulted ones too, which `length` does not count). */
function takesArgs(f: unknown): boolean {
  const src = Function.prototype.toString.call(f);
  if (src.startsWith('class')) return !/constructor\(\s*\)/.test(src) && /constructor\(/.test(src);
  return !/^[^(]*\(\s*\)/.test(src);
}

/** Where Selector's own methods end and eventemitter3's begin. */
const EMITTER = Object.getPrototypeOf(Selector.prototype) as object;

t.test('every exported function, method and setter has a row in the table (or a stated exemption)', async (t) => {
  const missing: string[] = [];
  const seen = new Set<unknown>();
  for (const [exported, value] of [...Object.entries(api), ...Object.entries(testing)]) {
    if (typeof value !== 'function' || seen.has(value)) continue; // DefaultSelector is EpollSelector
    seen.add(value);
    const isClass = /^class\b/.test(Function.prototype.toString.call(value));
    const name = isClass ? value.name : exported;
    const need: string[] = [];
    if (!isClass) {
      if (takesArgs(value)) need.push(name);
    } else {
      if (value.length > 0 || takesArgs(value)) need.push(`new ${name}`);
      for (const m of Object.getOwnPropertyNames(value)) {
        const f = (value as unknown as Record<string, unknown>)[m];
        if (typeof f === 'function' && !m.startsWith('_') && takesArgs(f)) need.push(`${name}.${m}`);
      }
      for (let p = value.prototype; p && p !== Object.prototype && p !== EMITTER; p = Object.getPrototypeOf(p)) {
        for (const m of Object.getOwnPropertyNames(p)) {
          if (m === 'constructor' || m.startsWith('_')) continue;
          const d = Object.getOwnPropertyDescriptor(p, m) as PropertyDescriptor;
          if (d.set) need.push(`${name}#${m}=`);
          else if (typeof d.value === 'function' && takesArgs(d.value)) need.push(`${name}#${m}`);
        }
      }
    }
    for (const n of need) {
      // A method of the abstract BaseSelector is covered when each concrete model has its row.
      const rows = n.startsWith('BaseSelector#') ? MODELS.map((M) => n.replace('BaseSelector', M.name)) : [n];
      const exempt = EXEMPT[n] ?? EXEMPT[n.replace(/^\w+Selector#/, 'BaseSelector#')];
      if (exempt === undefined && !rows.every((r) => covered.has(r))) missing.push(n);
    }
  }
  t.same(missing, [], 'calls without a row, net-select/testing included');
});

/** Optional fields of the exported types (and of inline option objects) whose type does not admit `undefined`. */
function optionalsWithoutUndefined(): string[] {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const entries = ['lib/index.ts', 'lib/testing/index.ts'].map((f) => root + f);
  // Nothing is type-checked: the walk reads the declarations' syntax and follows export aliases, none of which
  // can lead into the standard library's declarations (global, not modules), so they are not loaded (noLib).
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    strict: true, exactOptionalPropertyTypes: true, noEmit: true, types: ['node'], noLib: true,
  });
  const checker = program.getTypeChecker();
  const admitsUndefined = (type: ts.TypeNode): boolean =>
    type.kind === ts.SyntaxKind.UndefinedKeyword || type.kind === ts.SyntaxKind.UnknownKeyword || type.kind === ts.SyntaxKind.AnyKeyword ||
    (ts.isUnionTypeNode(type) && type.types.some(admitsUndefined)) || (ts.isParenthesizedTypeNode(type) && admitsUndefined(type.type));
  const found = new Set<string>();
  const visit = (node: ts.Node, where: string): void => {
    if (ts.isBlock(node)) return; // a body: not part of the API
    const name = (node as { name?: ts.Node }).name;
    if ((ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node)) && name !== undefined &&
      (ts.isPrivateIdentifier(name) || ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Private || /^_/.test(name.getText()))) return;
    if (ts.isPropertySignature(node) && node.questionToken && node.type && !admitsUndefined(node.type)) {
      found.add(`${where}: ${node.name.getText()}?: ${node.type.getText()}`);
    }
    ts.forEachChild(node, (child) => visit(child, where));
  };
  for (const file of entries) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file) as ts.SourceFile) as ts.Symbol;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      for (const d of symbol.declarations ?? []) visit(d, exported.name);
    }
  }
  return [...found];
}

t.test('bug: under exactOptionalPropertyTypes, listen({ backlog: undefined }) did not type-check while { signal: undefined } did: every optional field takes undefined', async (t) => {
  t.same(optionalsWithoutUndefined(), [], 'no optional field of an exported type refuses undefined');
  // And undefined means "not given" at run time too.
  const l = await listen({ host: undefined, port: undefined, path: undefined, backlog: undefined, maxOverflow: undefined, sndbuf: undefined, rcvbuf: undefined, faults: undefined });
  t.teardown(() => l.close());
  const c = connect({ host: '127.0.0.1', port: l.getsockname().port, sndbuf: undefined, rcvbuf: undefined, faults: undefined });
  t.teardown(() => c.close());
  t.equal(c.sndbuf, pair.client.sndbuf, 'the default send buffer');
  const sim = new testing.SimNetwork({ seed: undefined, faults: { fragment: undefined, latencyMs: undefined }, connectTimeoutMs: undefined, trace: undefined });
  t.type(sim.seed, 'number', 'a sim with every option undefined picks its seed');
  const [a, b] = testing.socketpair({ sndbuf: undefined, faults: undefined });
  a.close();
  b.close();
});

t.test('bug: net-select/testing answered garbage with uncoded errors ("Cannot read properties of null", "Cannot mix BigInt"); it throws the coded errors of the main API', async (t) => {
  // The calls the report quoted; the table above has the kit's full rows.
  await t.rejects(testing.sendAll(null as never, 'x'), { name: 'TypeError', code: TYPE });
  await t.rejects(testing.recvExactly(pair.server, 10n as never), { name: 'TypeError', code: TYPE });
  t.throws(() => testing.simTest(undefined as never), { name: 'TypeError', code: TYPE });
  await t.rejects(testing.expectReady({ readable: [{} as never] }), { name: 'TypeError', code: TYPE });
  await t.rejects(testing.expectNoEvent(null as never), { name: 'TypeError', code: TYPE });
  t.throws(() => testing.expectWouldBlock(42 as never), { name: 'TypeError', code: TYPE });
  for (const m of ['stopReading', 'resumeReading', 'record'] as const) t.throws(() => sim[m](Symbol('s') as never), { name: 'TypeError', code: TYPE }, m);
  t.throws(() => sim.link(Symbol('s') as never, 'b', {}), { name: 'TypeError', code: TYPE }, 'link');
});
