/**
 * The playground page: the editor, the settings, Run / Step / Reset / Share, and what a run shows — the
 * timeline (the same page `net-select trace --html` draws, from the same trace model), the lists of the
 * current call, the state of each descriptor, the console and the verdict. The program runs in a Web
 * Worker (worker.ts), one per run: a program that never yields is stopped by terminating it.
 *
 * `window.netSelectPlayground.run(...)` drives the page from a test (docs/playground.md).
 */
import { EditorView, basicSetup } from 'codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { StateEffect, StateField } from '@codemirror/state';
import { Decoration, keymap, type DecorationSet } from '@codemirror/view';
import { transform } from 'sucrase';
import workerSource from 'playground:worker';
import { buildTimeline, type TimelineCall } from '../../lib/cli/timeline-model.js';
import { renderTimeline } from '../../lib/cli/timeline-html.js';
import { PRESETS, type Preset } from './presets.js';
import { pageFaults, type Settings } from './settings.js';
import type { FdState, PlaygroundError, RunEnd, RunRequest, ToPage, TraceRecord } from './protocol.js';
import type { Mismatch, Verdict, ClientReport } from './clients.js';

/** What a run gives back: the hook's answer. */
export interface RunResult {
  /** select/poll/epoll calls the program made (answered). */
  calls: number;
  /** The trace: one record per call and per recv/send/accept, as `NET_SELECT_TRACE_FILE` writes them (times virtual). */
  trace: TraceRecord[];
  /** The program's console, one string a line. */
  console: string[];
  /** Bytes the clients sent, got back as expected, and did not get back. */
  sent: number;
  echoed: number;
  lost: number;
  /** The first byte that came back wrong, or null. */
  mismatch: Mismatch | null;
  /** Each client's end. */
  clients: ClientReport[];
  /** Why the run ended. */
  end: RunEnd;
  /** The descriptors of the server host when it ended. */
  fds: FdState[];
  /** Virtual milliseconds the run took. */
  virtualMs: number;
  error?: PlaygroundError;
}

/** What the hook takes: a program and, over the current preset's, any settings. */
export interface RunOptions {
  code: string;
  clients?: Partial<Settings['clients']>;
  faults?: Settings['faults'];
  seed?: number;
  maxCalls?: number;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

// ----- The editor, with the line of a syntax error or an exception marked ------------------------------------
const markLine = StateEffect.define<number | null>();
const errorLine = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const e of tr.effects) {
      if (e.is(markLine)) {
        if (e.value === null || e.value < 1 || e.value > tr.state.doc.lines) return Decoration.none;
        const line = tr.state.doc.line(e.value);
        return Decoration.set([Decoration.line({ class: 'cm-error-line' }).range(line.from)]);
      }
    }
    return tr.docChanged ? Decoration.none : marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

const editor = new EditorView({
  parent: $('editor'),
  extensions: [
    keymap.of([{ key: 'Mod-Enter', run: () => ($('run').click(), true) }]), // Ctrl-Enter (Cmd-Enter) runs
    basicSetup,
    javascript({ typescript: true }),
    errorLine,
  ],
});

function setCode(code: string): void {
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: code }, effects: markLine.of(null) });
}

// ----- The settings form -----------------------------------------------------------------------------------
const num = (id: string): number => Number($<HTMLInputElement>(id).value);
const check = (id: string): boolean => $<HTMLInputElement>(id).checked;
const put = (id: string, v: number | boolean): void => {
  const el = $<HTMLInputElement>(id);
  if (typeof v === 'boolean') el.checked = v;
  else el.value = String(v);
};

function readSettings(): Settings {
  const at = num('partition-at');
  const forMs = num('partition-for');
  return {
    clients: {
      count: num('clients'),
      size: num('size'),
      messages: num('messages'),
      halfClose: check('halfclose'),
      protocol: $<HTMLSelectElement>('protocol').value as 'echo' | 'framed',
    },
    faults: {
      fragment: check('fragment'),
      latencyMs: [num('latency-min'), Math.max(num('latency-min'), num('latency-max'))],
      sndbuf: num('sndbuf'),
      reset: num('reset-p'),
      partition: forMs > 0 ? { atMs: at, forMs } : null,
    },
    seed: num('seed'),
    maxCalls: num('maxcalls'),
  };
}

function writeSettings(s: Settings): void {
  put('clients', s.clients.count);
  put('size', s.clients.size);
  put('messages', s.clients.messages);
  put('halfclose', s.clients.halfClose);
  $<HTMLSelectElement>('protocol').value = s.clients.protocol;
  const f = s.faults;
  put('fragment', f.fragment ?? false);
  const lat = f.latencyMs === undefined ? [0, 0] : typeof f.latencyMs === 'number' ? [f.latencyMs, f.latencyMs] : f.latencyMs;
  put('latency-min', lat[0] as number);
  put('latency-max', lat[1] as number);
  put('sndbuf', f.sndbuf ?? 0);
  put('reset-p', f.reset ?? 0);
  put('partition-at', f.partition?.atMs ?? 0);
  put('partition-for', f.partition?.forMs ?? 0);
  put('seed', s.seed);
  put('maxcalls', s.maxCalls);
}

const presetSelect = $<HTMLSelectElement>('preset');
for (const p of PRESETS) presetSelect.add(new Option(p.title, p.id));

function loadPreset(p: Preset): void {
  presetSelect.value = p.id;
  setCode(p.code);
  writeSettings(p.settings);
}
presetSelect.addEventListener('change', () => {
  const p = PRESETS.find((x) => x.id === presetSelect.value);
  if (p) {
    reset();
    loadPreset(p);
  }
});

// ----- Workers: one per run, the next one loaded while the learner reads ------------------------------------
const workerUrl = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
interface Loaded {
  worker: Worker;
  ready: Promise<void>;
}
function loadWorker(): Loaded {
  const worker = new Worker(workerUrl);
  const ready = new Promise<void>((resolve) => {
    const first = (e: MessageEvent): void => {
      if ((e.data as ToPage).type !== 'ready') return;
      worker.removeEventListener('message', first);
      resolve();
    };
    worker.addEventListener('message', first);
  });
  return { worker, ready };
}
let spare: Loaded | null = null;
function takeWorker(): Loaded {
  const w = spare ?? loadWorker();
  spare = null;
  return w;
}

// ----- A run ------------------------------------------------------------------------------------------------
/** How long the program may go without yielding before it is stopped (the worker beats every 250 ms). */
const SILENCE_MS = 1500;

interface Run {
  worker: Worker | null;
  records: TraceRecord[];
  fdsByCall: FdState[][];
  console: string[];
  calls: number;
  paused: boolean;
  done: boolean;
  settle: (r: RunResult) => void;
  result: Promise<RunResult>;
  watchdog: number;
}

let current: Run | null = null;
let runs = 0;
let selected = 0; // the call shown in the lists panel (0: the last one)

function setStatus(text: string, kind = ''): void {
  const s = $('status');
  s.textContent = text;
  s.dataset['kind'] = kind;
}

function log(text: string, level = 'log'): void {
  const line = document.createElement('div');
  line.className = `line ${level}`;
  line.textContent = text;
  $('console').append(line);
  current?.console.push(text);
}

function clearViews(): void {
  $('console').replaceChildren();
  $('verdict').replaceChildren();
  $('lists').replaceChildren();
  $('fds').replaceChildren();
  $('calls').textContent = '0';
  $<HTMLIFrameElement>('timeline').srcdoc = '';
  editor.dispatch({ effects: markLine.of(null) });
}

/** Stops the run in progress, if any (its promise settles with `end: 'reset'`). */
function reset(): void {
  const r = current;
  if (r === null || r.done) return;
  finishRun(r, { type: 'done', end: 'reset', calls: r.calls, records: [], verdict: null, fds: [], virtualMs: 0 });
}

function start(code: string, settings: Settings, step: boolean): Promise<RunResult> {
  reset();
  clearViews();
  runs++;
  selected = 0;
  let settle!: (r: RunResult) => void;
  const result = new Promise<RunResult>((resolve) => (settle = resolve));
  const run: Run = { worker: null, records: [], fdsByCall: [], console: [], calls: 0, paused: false, done: false, settle, result, watchdog: 0 };
  current = run;
  lastDraw = performance.now();

  let js: string;
  try {
    js = transform(code, { transforms: ['typescript', 'imports'], production: true }).code;
  } catch (err) {
    const e = err as Error & { loc?: { line: number; column: number } };
    const line = e.loc?.line;
    const error: PlaygroundError = { kind: 'syntax', message: `SyntaxError: ${e.message}`, ...(line ? { line } : {}) };
    finishRun(run, { type: 'done', end: 'error', calls: 0, records: [], verdict: null, fds: [], virtualMs: 0, error });
    return result;
  }

  const { worker, ready } = takeWorker();
  run.worker = worker;
  let heard = performance.now();
  worker.onmessage = (e: MessageEvent) => {
    heard = performance.now();
    if (current === run) onMessage(run, e.data as ToPage);
  };
  const req: RunRequest = {
    code: js,
    clients: settings.clients,
    faults: pageFaults(settings.faults),
    seed: settings.seed,
    maxCalls: settings.maxCalls,
    step,
  };
  setStatus(step ? 'Stepping: one call at a time' : 'Running…', 'busy');
  void ready.then(() => {
    if (run.done) return;
    heard = performance.now();
    worker.postMessage({ type: 'run', ...req });
    spare ??= loadWorker(); // the next run's worker parses while this one runs
  });
  let tick = performance.now();
  run.watchdog = window.setInterval(() => {
    const now = performance.now();
    // The page itself was busy (drawing a big timeline): the worker's beats may wait in the queue behind this.
    if (now - tick > 500) heard = now;
    tick = now;
    if (now - heard < SILENCE_MS) return;
    const error: PlaygroundError = {
      kind: 'timeout',
      message: `stopped: the program did not yield for ${SILENCE_MS / 1000} s (an endless loop such as while (true) {} never lets select or anything else run)`,
    };
    finishRun(run, { type: 'done', end: 'error', calls: run.calls, records: [], verdict: null, fds: [], virtualMs: 0, error });
  }, 100);
  return result;
}

function onMessage(run: Run, m: ToPage): void {
  switch (m.type) {
    case 'console':
      log(m.text, m.level);
      break;
    case 'call':
      run.records.push(...m.records);
      run.calls = m.n;
      run.fdsByCall[m.n - 1] = m.fds;
      $('calls').textContent = String(m.n);
      scheduleDraw(run);
      break;
    case 'paused':
      run.paused = true;
      setStatus(`Paused after call ${m.calls}: Step for the next, Run to go on`, 'paused');
      draw(run);
      break;
    case 'done':
      finishRun(run, m);
      break;
    default:
      break;
  }
}

function finishRun(run: Run, m: Extract<ToPage, { type: 'done' }>): void {
  if (run.done) return;
  run.done = true;
  window.clearInterval(run.watchdog);
  run.worker?.terminate();
  run.records.push(...m.records);
  if (m.fds.length > 0 || run.fdsByCall.length === 0) run.fdsByCall[Math.max(run.calls, m.calls, 1) - 1] ??= m.fds;
  run.calls = Math.max(run.calls, m.calls);
  $('calls').textContent = String(run.calls);
  const v: Verdict = m.verdict ?? { sent: 0, echoed: 0, lost: 0, mismatch: null, clients: [] };
  if (m.error) {
    const e = m.error;
    log(e.stack && e.stack.length > 0 ? e.stack : e.message, 'error');
    if (e.kind === 'rejection') log('(an unhandled promise rejection: in Node it ends the process)', 'error');
    if (e.line !== undefined) editor.dispatch({ effects: markLine.of(e.line) });
  }
  showVerdict(m.verdict, m.end, m.error);
  draw(run, m.fds);
  const endText: Record<RunEnd, string> = {
    clients: 'Done: every client has finished',
    program: 'Done: the program returned',
    maxCalls: `Stopped after ${run.calls} calls (the limit)`,
    idle: 'Stopped: nothing can happen any more (the program waits, nobody sends)',
    error: m.error?.kind === 'timeout' ? 'Stopped: the program never yielded' : 'The program failed: see the console',
    reset: 'Reset',
  };
  setStatus(`${endText[m.end]} · Run works again`, m.end === 'error' ? 'error' : 'done');
  run.settle({
    calls: run.calls,
    trace: run.records,
    console: run.console,
    sent: v.sent,
    echoed: v.echoed,
    lost: v.lost,
    mismatch: v.mismatch,
    clients: v.clients,
    end: m.end,
    fds: m.fds,
    virtualMs: m.virtualMs,
    ...(m.error ? { error: m.error } : {}),
  });
}

// ----- What the learner sees -------------------------------------------------------------------------------
const LIVE_DRAW_MS = 2000;
let drawPending = false;
let lastDraw = 0;
function scheduleDraw(run: Run): void {
  if (drawPending) return;
  drawPending = true;
  // The whole timeline is drawn again each time: while a run goes on, every 2 s (and when it pauses or ends).
  const wait = Math.max(0, LIVE_DRAW_MS - (performance.now() - lastDraw));
  window.setTimeout(() => {
    drawPending = false;
    if (current === run && !run.done && !run.paused) draw(run); // a pause or the end drew it already
  }, wait);
}

/**
 * The most calls × descriptor rows drawn at once: the drawing grows with both (50 clients over 2000 calls
 * made 44 MB of HTML and took seconds). Past it, the timeline shows the window of calls ending at the last one.
 */
const CELL_BUDGET = 5000;

/** The records of calls `lo`..`hi` (1-based, in answer order) and the recv/send/accept between them. */
function windowOf(records: readonly TraceRecord[], lo: number, hi: number): TraceRecord[] {
  const out: TraceRecord[] = [];
  let n = 0;
  for (const r of records) {
    if (r.channel === 'process') out.push(r);
    else if (r.channel === 'net-select:io') {
      if (n >= lo && n <= hi) out.push(r);
    } else if (++n >= lo && n <= hi) out.push(r);
  }
  return out;
}

function draw(run: Run, endFds?: FdState[]): void {
  lastDraw = performance.now();
  const tl = buildTimeline(run.records);
  const frame = $<HTMLIFrameElement>('timeline');
  delete frame.dataset['drawn'];
  showCall(tl.calls, run.fdsByCall, endFds);
  if (tl.calls.length === 0) {
    frame.srcdoc = '';
    return;
  }
  const count = tl.calls.length;
  const shown = Math.min(count, Math.max(50, Math.floor(CELL_BUDGET / Math.max(1, tl.rows.length))));
  const first = count - shown + 1; // the drawing numbers its calls from 1: its #1 is call `first`
  let title = `${presetSelect.selectedOptions[0]?.text ?? 'program'} · seed ${num('seed')}`;
  if (first > 1) title += ` · calls ${first}-${count} of ${count} (#1 here is call ${first})`;
  frame.srcdoc = renderTimeline(first > 1 ? windowOf(run.records, first, count) : run.records, title);
  frame.onload = () => {
    frame.dataset['drawn'] = String(shown); // what a test waits for
    const doc = frame.contentDocument;
    if (!doc) return;
    doc.addEventListener('click', (e) => {
      // Not `instanceof Element`: the frame's elements are of its own realm.
      const target = e.target as Element | null;
      const el = typeof target?.closest === 'function' ? target.closest('[data-call]') : null;
      if (!el) return;
      selected = first - 1 + Number(el.getAttribute('data-call'));
      showCall(tl.calls, run.fdsByCall);
    });
  };
}

function showCall(calls: TimelineCall[], fdsByCall: FdState[][], endFds?: FdState[]): void {
  const n = selected > 0 && selected <= calls.length ? selected : calls.length;
  const c = calls[n - 1];
  const lists = $('lists');
  lists.replaceChildren();
  if (c !== undefined) {
    const h = document.createElement('p');
    h.className = 'callline';
    h.textContent = `call ${n}: ${c.line}`;
    const table = document.createElement('table');
    table.innerHTML = '<thead><tr><th>fd</th><th>went in</th><th>came back</th></tr></thead>';
    const body = document.createElement('tbody');
    for (const [key, asked] of c.asked) {
      const tr = document.createElement('tr');
      const ready = c.ready.get(key);
      for (const text of [key.replace('fd ', ''), asked.text, ready ? ready.text : '—']) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      if (ready) tr.className = 'ready';
      body.append(tr);
    }
    table.append(body);
    lists.append(h, table);
  }
  const fds = (selected === 0 && endFds ? endFds : fdsByCall[n - 1]) ?? [];
  const ft = $('fds');
  ft.replaceChildren();
  if (fds.length === 0) return;
  const table = document.createElement('table');
  table.innerHTML = '<thead><tr><th>fd</th><th>kind</th><th>state</th><th>ready for</th><th>received, unread</th><th>send queue</th></tr></thead>';
  const body = document.createElement('tbody');
  for (const f of fds) {
    const tr = document.createElement('tr');
    tr.dataset['fd'] = String(f.fd);
    const cells = [String(f.fd), f.kind, f.state, f.events, f.recvQueue === undefined ? (f.pending !== undefined ? `${f.pending} to accept` : '') : `${f.recvQueue} B`, f.sendQueue === undefined ? '' : `${f.sendQueue} B`];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    if ((f.recvQueue ?? 0) > 0) tr.className = 'buffered';
    body.append(tr);
  }
  table.append(body);
  ft.append(table);
}

function showVerdict(v: Verdict | null, end: RunEnd, error?: PlaygroundError): void {
  const el = $('verdict');
  el.replaceChildren();
  const p = document.createElement('p');
  if (v === null || v.clients.length === 0) {
    p.textContent = error ? `${error.kind}: ${error.message}` : end === 'reset' ? '' : 'No simulated clients in this run.';
    el.append(p);
    return;
  }
  const ok = v.lost === 0 && v.mismatch === null;
  el.dataset['ok'] = String(ok);
  p.innerHTML = `<b>${ok ? 'Every byte came back.' : 'Bytes went wrong.'}</b> sent <span id="v-sent">${v.sent}</span> B · echoed <span id="v-echoed">${v.echoed}</span> B · lost <span id="v-lost">${v.lost}</span> B`;
  el.append(p);
  if (v.mismatch) {
    const m = v.mismatch;
    const q = document.createElement('p');
    const ch = (b: number): string => (b < 0 ? 'nothing' : b >= 32 && b < 127 ? `'${String.fromCharCode(b)}' (${b})` : String(b));
    q.textContent = `First mismatch: client ${m.client}, byte ${m.offset} of its answers: expected ${ch(m.expected)}, got ${ch(m.got)}`;
    el.append(q);
  }
  const ends = new Map<string, number>();
  for (const c of v.clients) ends.set(c.end, (ends.get(c.end) ?? 0) + 1);
  const r = document.createElement('p');
  r.textContent = `Clients: ${[...ends].map(([k, n]) => `${n} ${k}`).join(', ')}`;
  el.append(r);
}

// ----- Buttons ----------------------------------------------------------------------------------------------
function runFromForm(step: boolean): Promise<RunResult> {
  return start(editor.state.doc.toString(), readSettings(), step);
}

$('run').addEventListener('click', () => {
  const r = current;
  if (r !== null && !r.done && r.paused) {
    r.paused = false;
    setStatus('Running…', 'busy');
    r.worker?.postMessage({ type: 'continue' });
    return;
  }
  void runFromForm(false);
});
$('step').addEventListener('click', () => {
  const r = current;
  if (r !== null && !r.done) {
    // Paused: one more call. Running: pause after the next one.
    r.paused = false;
    r.worker?.postMessage({ type: 'step' });
    return;
  }
  void runFromForm(true);
});
$('reset').addEventListener('click', () => {
  reset();
  clearViews();
  setStatus('Ready: press Run, or Step for one call at a time');
});

// ----- Share: the program and the settings in the URL's fragment -------------------------------------------
interface Shared {
  preset: string;
  code: string;
  settings: Settings;
}

async function pack(s: Shared): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(s));
  const z = await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer();
  let bin = '';
  for (const b of new Uint8Array(z)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function unpack(text: string): Promise<Shared> {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const json = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'))).text();
  return JSON.parse(json) as Shared;
}

async function share(): Promise<string> {
  const hash = `#s=${await pack({ preset: presetSelect.value, code: editor.state.doc.toString(), settings: readSettings() })}`;
  history.replaceState(null, '', hash);
  const url = location.href;
  $<HTMLInputElement>('share-url').value = url;
  $('share-box').hidden = false;
  setStatus('Share link made: it opens this program and these settings, and runs nothing until Run is pressed');
  return url;
}
$('share').addEventListener('click', () => void share());

// ----- The hook -------------------------------------------------------------------------------------------
/** The page's test hook: `window.netSelectPlayground` (docs/playground.md). */
const hook = {
  /** Puts `code` in the editor and the settings in the form (over the current preset's), then runs it. */
  run(options: RunOptions): Promise<RunResult> {
    if (options === null || typeof options !== 'object' || typeof options.code !== 'string') {
      return Promise.reject(new TypeError('netSelectPlayground.run({ code }): code must be a string'));
    }
    const s = readSettings();
    const settings: Settings = {
      clients: { ...s.clients, ...options.clients },
      faults: options.faults ? { ...options.faults } : s.faults,
      seed: options.seed ?? s.seed,
      maxCalls: options.maxCalls ?? s.maxCalls,
    };
    reset();
    setCode(options.code);
    writeSettings(settings);
    return start(options.code, settings, false);
  },
  /** The presets: id, title, program and settings. */
  presets: PRESETS,
  /** Loads preset `id` into the editor and the form (nothing runs). */
  load(id: string): void {
    const p = PRESETS.find((x) => x.id === id);
    if (!p) throw new RangeError(`no preset '${id}'`);
    reset();
    clearViews();
    loadPreset(p);
  },
  /** Makes the Share link of what the page holds now (and puts it in the address bar). */
  share,
  /** The editor's program and the form's settings. */
  current(): { code: string; settings: Settings; preset: string } {
    return { code: editor.state.doc.toString(), settings: readSettings(), preset: presetSelect.value };
  },
  /** Runs started since the page opened, and the calls of the last one. */
  state(): { runs: number; calls: number; running: boolean; paused: boolean } {
    return { runs, calls: current?.calls ?? 0, running: current !== null && !current.done, paused: current?.paused ?? false };
  },
  /** The run in progress (or the last one), to await after pressing Run or Step. */
  result(): Promise<RunResult> | null {
    return current?.result ?? null;
  },
};
(window as unknown as { netSelectPlayground: typeof hook }).netSelectPlayground = hook;

// ----- Opening: a Share link restores its program and settings, and runs nothing ---------------------------
async function open(): Promise<void> {
  const m = /^#s=(.+)$/.exec(location.hash);
  let damaged = false;
  if (m) {
    try {
      const s = await unpack(m[1] as string);
      if (PRESETS.some((p) => p.id === s.preset)) presetSelect.value = s.preset;
      setCode(s.code);
      writeSettings(s.settings);
      setStatus('Opened from a shared link: nothing has run. Read the program, then press Run.');
      return;
    } catch {
      damaged = true;
    }
  }
  // #preset=ID (the tutorial's links): that preset, not run either.
  const id = /^#preset=(.*)$/.exec(location.hash)?.[1];
  const preset = PRESETS.find((p) => p.id === id);
  loadPreset(preset ?? (PRESETS[0] as Preset));
  if (damaged) setStatus('The shared link is damaged: the default program is loaded instead', 'error');
  else if (id !== undefined && preset === undefined) {
    setStatus(`No preset ${JSON.stringify(id)}: the default program is loaded instead`, 'error');
  } else setStatus('Ready: press Run, or Step for one call at a time');
}
spare = loadWorker();
void open().then(() => {
  document.body.setAttribute('data-ready', '');
  // The type stripper's first call compiles its own code: pay it now rather than at the first Run.
  setTimeout(() => {
    try {
      transform('const warm: number = 1;', { transforms: ['typescript', 'imports'], production: true });
    } catch {
      // nothing to report: Run reports the program's own errors
    }
  }, 0);
});
