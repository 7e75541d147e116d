/**
 * The playground's Web Worker: runs one learner's program on a fresh simulated network, with the page's
 * clients and faults, and reports every select/poll/epoll call it makes (its trace record, the lists in and
 * out, and the state of each descriptor of the server host) as it happens. One worker serves one run; the page
 * terminates it afterwards (and at once, for a program that never yields), so every run starts from nothing:
 * descriptor 3 is the first, and the same seed gives the same run.
 *
 * In here `listen()` and `connect()` of 'net-select' open sockets on the simulated network (`listen` on host
 * 'server', `connect` from host 'client' to 'server'), the only network a page has; everything else is the
 * library as it is.
 */
import { scheduler, useClock } from './worker-env.js';
import * as netSelect from 'net-select';
import * as testing from 'net-select/testing';
import { Buffer } from 'buffer';
import { installPlatform, platform } from '../../lib/core/platform.js';
import { runClients, verdictSoFar, type ClientSettings, type Verdict } from './clients.js';
import type { FdState, PlaygroundError, RunRequest, RunEnd, ToPage, TraceRecord } from './protocol.js';

const { Listener, Socket, Poll, Epoll, Selector, SimNetwork } = { ...netSelect, ...testing };

const post = (m: ToPage): void => postMessage(m);

// ----- The trace: every answer of the program's calls, counted; the clients' own calls left out -----------
const records: TraceRecord[] = [{ channel: 'process', pid: 1, timeOrigin: 0, argv: ['playground'] }];
let sentUpTo = 0;
let counted = 0;
let allowed = Infinity; // calls the program may have answered before it waits for the next Step
let maxCalls = Infinity;
let muted = 0;
let clientPoll: netSelect.Poll | undefined;
let clientPollId = -1;
let probing = false;
let sim: testing.SimNetwork | undefined;
let finished = false;

const quiet = <T>(fn: () => T): T => {
  muted++;
  try {
    return fn();
  } finally {
    muted--;
  }
};

// The library's platform, with the pausable queue as its `immediate` (its channels stay the same objects).
installPlatform({ ...platform, immediate: scheduler.immediate });
const subscribe = (name: string, fn: (m: unknown) => void): void => platform.subscribe(name, fn);

function onAnswer(channel: 'net-select:select' | 'net-select:poll', m: unknown): void {
  if (finished) return;
  records.push({ channel, pid: 1, message: m as never });
  counted++;
  post({ type: 'call', n: counted, records: records.slice(sentUpTo), fds: fdStates() });
  sentUpTo = records.length;
  if (counted >= maxCalls) {
    finish('maxCalls');
    return;
  }
  if (counted >= allowed) {
    scheduler.pause(); // the network freezes with the program: virtual time stands still while the learner looks
    post({ type: 'paused', calls: counted });
  }
}

subscribe(netSelect.SELECT_CHANNEL, (m) => onAnswer('net-select:select', m));
subscribe(netSelect.POLL_CHANNEL, (m) => {
  const id = (m as { id: number }).id;
  if (probing) clientPollId = id;
  else if (id !== clientPollId) onAnswer('net-select:poll', m);
});
subscribe(netSelect.IO_CHANNEL, (m) => {
  if (muted === 0 && !finished) records.push({ channel: 'net-select:io', pid: 1, message: m as never });
});

// ----- Step: each call of the program waits, after its answer, until it is allowed to go on --------------
let waiting: (() => void)[] = [];

async function gate(): Promise<void> {
  while (counted >= allowed) await new Promise<void>((resolve) => waiting.push(resolve));
}

function release(): void {
  const w = waiting;
  waiting = [];
  for (const resolve of w) resolve();
  scheduler.resume();
}

type AnyAsync = (this: unknown, ...args: unknown[]) => Promise<unknown>;
function gated(fn: AnyAsync, skip?: (self: unknown) => boolean): AnyAsync {
  return async function (this: unknown, ...args: unknown[]) {
    try {
      return await fn.apply(this, args);
    } finally {
      if (skip === undefined || !skip(this)) await gate();
    }
  };
}

function gateMethod(proto: object, name: string, skip?: (self: unknown) => boolean): void {
  const p = proto as Record<string, AnyAsync>;
  if (Object.prototype.hasOwnProperty.call(p, name)) p[name] = gated(p[name] as AnyAsync, skip);
}
gateMethod(Selector.prototype, 'select');
gateMethod(Poll.prototype, 'poll', (self) => self === clientPoll);
gateMethod(Epoll.prototype, 'poll');
for (const k of [netSelect.BaseSelector, netSelect.SelectSelector, netSelect.PollSelector, netSelect.EpollSelector]) gateMethod(k.prototype, 'select');

// ----- The descriptors of the server host, as the learner's program sees them -----------------------------
function fdStates(): FdState[] {
  if (sim === undefined) return [];
  const table = (sim.host('server') as unknown as { _host: { fds: { lookup(fd: number): unknown; size: number } } })._host.fds;
  const out: FdState[] = [];
  for (let fd = 3, left = table.size; left > 0 && fd < 65536; fd++) {
    const f = table.lookup(fd);
    if (f === undefined) continue;
    left--;
    const mask = (f as netSelect.Pollable).events();
    const events = netSelect.maskNames(mask);
    if (f instanceof Listener) out.push({ fd, kind: 'listener', events, state: 'listening', pending: f.pending });
    else if (f instanceof Socket) {
      const state =
        mask & netSelect.POLLERR ? 'error (reset)' : mask & netSelect.POLLHUP ? 'hung up' : mask & netSelect.POLLRDHUP ? 'peer shut down (EOF)' : 'open';
      out.push({ fd, kind: 'socket', events, state, recvQueue: f.recvQueueSize, sendQueue: f.sendQueueSize });
    } else out.push({ fd, kind: f instanceof Epoll ? 'epoll' : 'file', events, state: '' });
  }
  return out;
}

// ----- The console ------------------------------------------------------------------------------------------
const MAX_CONSOLE = 2000;
let consoleLines = 0;

function show(v: unknown, depth = 0): string {
  if (typeof v === 'string') return depth === 0 ? v : JSON.stringify(v);
  if (v instanceof Error) return v.stack ?? `${v.name}: ${v.message}`;
  if (Buffer.isBuffer(v)) {
    const bytes = [...v.subarray(0, 32)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    return `<Buffer ${bytes}${v.length > 32 ? ` ... ${v.length - 32} more bytes` : ''}>`;
  }
  if (typeof v === 'function') return `[Function ${v.name || '(anonymous)'}]`;
  if (v === null || typeof v !== 'object') return String(v);
  if (depth > 2) return Array.isArray(v) ? '[Array]' : '[Object]';
  if (Array.isArray(v)) return `[ ${v.map((x) => show(x, depth + 1)).join(', ')} ]`;
  if (v instanceof Map) return `Map(${v.size}) { ${[...v].map(([k, x]) => `${show(k, depth + 1)} => ${show(x, depth + 1)}`).join(', ')} }`;
  if (v instanceof Set) return `Set(${v.size}) { ${[...v].map((x) => show(x, depth + 1)).join(', ')} }`;
  const name = v.constructor && v.constructor !== Object ? `${v.constructor.name} ` : '';
  const fields = Object.entries(v).map(([k, x]) => `${k}: ${show(x, depth + 1)}`);
  return `${name}{ ${fields.join(', ')} }`;
}

for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  console[level] = (...args: unknown[]) => {
    if (finished) return;
    if (++consoleLines > MAX_CONSOLE) {
      if (consoleLines === MAX_CONSOLE + 1) post({ type: 'console', level: 'warn', text: `(more than ${MAX_CONSOLE} lines: the rest is not shown)` });
      return;
    }
    post({ type: 'console', level, text: args.map((a) => show(a)).join(' ') });
  };
}

// ----- Errors: the program's, with its own line numbers ------------------------------------------------------
/** Lines the function wrapper adds before the program's first line. */
const HEADER_LINES = 2;

function programStack(err: unknown): string {
  if (!(err instanceof Error)) return `Uncaught ${show(err)}`;
  const lines = (err.stack ?? `${err.name}: ${err.message}`).split('\n');
  const head = lines.filter((l) => !/^\s+at /.test(l));
  const frames = lines
    .filter((l) => l.includes('program.ts:'))
    .map((l) => l.replace(/program\.ts:(\d+):(\d+)/g, (_, line: string, col: string) => `program.ts:${Number(line) - HEADER_LINES}:${col}`))
    .map((l) => l.replace(/\(eval at [^)]*\), /, '').replace(/at eval \(/, 'at (').replace(/at async eval \(/, 'at async ('));
  return [...head, ...frames].join('\n');
}

function lineOf(err: unknown): number | undefined {
  const m = /program\.ts:(\d+)/.exec((err as Error)?.stack ?? '');
  return m ? Number(m[1]) - HEADER_LINES : undefined;
}

function fail(kind: PlaygroundError['kind'], err: unknown): void {
  if (finished) return;
  const message = err instanceof Error ? `${err.name}: ${err.message}` : show(err);
  const error: PlaygroundError = { kind, message, stack: programStack(err) };
  const line = lineOf(err);
  if (line !== undefined) error.line = line;
  finish('error', error);
}

self.addEventListener('error', (e) => {
  e.preventDefault();
  fail('exception', e.error ?? new Error(e.message));
});
self.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  fail('rejection', e.reason);
});

// ----- One run -----------------------------------------------------------------------------------------------
let verdict: Verdict | null = null;
let programDone = false;
let clientsDone = true;
let clientsStarted = false;

function finish(end: RunEnd, error?: PlaygroundError): void {
  if (finished) return;
  const fds = fdStates();
  finished = true;
  scheduler.pause();
  post({
    type: 'done',
    end,
    calls: counted,
    records: records.slice(sentUpTo),
    verdict: verdict ?? (clientsStarted ? verdictSoFar() : null),
    fds,
    virtualMs: sim?.now() ?? 0,
    ...(error ? { error } : {}),
  });
}

function modules(port: (p: number) => void): Record<string, unknown> {
  const server = (sim as testing.SimNetwork).host('server');
  const client = (sim as testing.SimNetwork).host('client');
  let first = true;
  const ns = {
    ...netSelect,
    select: gated(netSelect.select as unknown as AnyAsync),
    /** On the simulated network: a listener on host 'server' (`host` is not used). */
    listen: async (options: netSelect.ListenOptions = {}) => {
      const l = await server.listen(options);
      const addr = l.getsockname();
      if (first && typeof addr !== 'string') port(addr.port);
      first = false;
      return l;
    },
    /** On the simulated network: a connection from host 'client' to host 'server'. */
    connect: (options: { port: number } & netSelect.BufferOptions) => {
      const { port: p, sndbuf, rcvbuf } = options ?? ({} as { port: number });
      return client.connect({ host: 'server', port: p, ...(sndbuf ? { sndbuf } : {}), ...(rcvbuf ? { rcvbuf } : {}) });
    },
  };
  return { 'net-select': ns, 'net-select/testing': testing, buffer: { Buffer } };
}

const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;

async function run(req: RunRequest): Promise<void> {
  maxCalls = req.maxCalls;
  allowed = req.step ? 1 : Infinity;
  clientPoll = new Poll();
  probing = true;
  await clientPoll.poll(0);
  probing = false;

  sim = new SimNetwork({ seed: req.seed, faults: req.faults.sim, trace: false });
  const net = sim;
  useClock(() => net.now());
  const p = req.faults.partition;
  if (p !== null) {
    void net.runFor(p.atMs).then(() => {
      net.partition('client', 'server');
      return net.runFor(p.forMs).then(() => net.repair('client', 'server'));
    });
  }
  const wantClients: ClientSettings | null = req.clients.count > 0 ? req.clients : null;
  clientsDone = wantClients === null;
  const startClients = (port: number): void => {
    if (wantClients === null) return;
    clientsStarted = true;
    runClients(net, port, wantClients, clientPoll as netSelect.Poll, quiet).then(
      (v) => {
        verdict = v;
        clientsDone = true;
        finish('clients');
      },
      (err) => fail('exception', err),
    );
  };

  let program: (...a: unknown[]) => Promise<unknown>;
  try {
    program = new AsyncFunction('require', 'exports', 'module', `${req.code}\n//# sourceURL=program.ts`);
  } catch (err) {
    fail('syntax', err);
    return;
  }
  const mods = modules(startClients);
  const require = (name: string): unknown => {
    if (name in mods) return mods[name];
    throw new Error(`Cannot find module '${name}': the playground has 'net-select', 'net-select/testing' and 'buffer'`);
  };
  const module = { exports: {} };
  program(require, module.exports, module).then(
    () => {
      programDone = true;
      if (clientsDone) finish('program');
    },
    (err) => fail('exception', err),
  );
}

// Nothing can happen any more: the program waits (a select with no timeout, no client) and nothing is queued.
let idleBeats = 0;
setInterval(() => {
  post({ type: 'beat' });
  if (sim === undefined || finished || counted >= allowed) return;
  idleBeats = scheduler.pending === 0 ? idleBeats + 1 : 0;
  if (idleBeats >= 2) finish(programDone ? 'program' : 'idle');
}, 250);

self.onmessage = (e: MessageEvent) => {
  const m = e.data as { type: string } & Partial<RunRequest>;
  if (m.type === 'run') void run(m as unknown as RunRequest).catch((err) => fail('exception', err));
  else if (m.type === 'step') {
    allowed = counted + 1;
    release();
  } else if (m.type === 'continue') {
    allowed = Infinity;
    release();
  }
};

post({ type: 'ready' });
