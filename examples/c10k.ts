/**
 * The C10K problem in miniature: why epoll replaced select and poll.
 *
 * Teaches: what a readiness call costs the kernel when most connections are idle. The example opens N idle
 * and M active loopback connections (both ends in this process) and runs the same loop with select, poll and
 * epoll: each round every active client sends a few bytes, and the server waits with the model for the
 * server-side sockets (all N + M of them) and reads what is ready. The cost model (lib/core/cost.ts) says per call
 * what the kernel would have done:
 *
 * - select scans every descriptor below the highest + 1 and copies three fd_sets in and out: linear in N;
 *   and it cannot even name a descriptor >= FD_SETSIZE (1024), so past ~500 pairs it refuses;
 * - poll looks at every pollfd entry and copies the whole array in and out: linear in N, but no cap;
 * - epoll_wait looks at its ready list only and copies out one epoll_event per ready socket: flat in N.
 *
 * Columns: examined and bytes copied are modelled kernel work per call (select's count includes the client
 * ends too: they share this process's descriptor numbers, and select scans everything below the highest).
 * "us/call net-select" is the mean time net-select itself spent computing each answer (`cost.nanoseconds /
 * cost.calls`), "(median)" its median, which a rare GC pause cannot move. For poll and epoll it stays about
 * flat: net-select is event-driven, O(ready), there — the linear scan is what a kernel would pay. The free
 * `select()` counts the O(n) work of taking its three lists on every call (as a C program rebuilds its
 * fd_sets), so its time grows with the lists like the kernel's. "us/call wall" is the round loop's elapsed
 * time divided by the calls, loopback I/O included.
 *
 * Run:   npx tsx examples/c10k.ts [--sizes 10,100,1000,4000] [--rounds 200] [--active 10] [--out PATH]
 *        (sizes, rounds and active are positive integers; a bad command line exits 2 before opening anything)
 * It prints a table and writes the same data as an SVG chart (default examples/out/c10k.svg), closes every
 * socket and ends by itself. 4000 idle pairs need ~8000 descriptors: check `ulimit -n`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EPOLLIN,
  Epoll,
  FD_SETSIZE,
  POLLIN,
  POLLOUT,
  Poll,
  connect,
  listen,
  select,
  selectCost,
  type CostCounter,
  type Listener,
  type Socket,
} from '../lib/index.js';
import { parseInteger, parseOrExit, splitArgs } from './serve-cli.js';

const MODELS = ['select', 'poll', 'epoll'] as const;
type Model = (typeof MODELS)[number];

/** One measurement: a model at one number of idle connections. */
interface Row {
  model: Model;
  idle: number;
  calls: number;
  examined: number;
  bytes: number;
  usModel: number;
  /** The median of net-select's own time per call: a rare GC pause can dominate the mean. */
  usMedian: number;
  usWall: number;
  /** Set when the model refused to run at this size. */
  refused?: string;
}

const WAIT_MS = 5000; // no answer within this is a bug, not a slow machine: fail loudly
const BATCH = 250; // connections opened at a time, so the kernel's SYN backlog never overflows
const MSG = Buffer.from('ping from client'); // 16 bytes a round from each active client
const WARMUP = 20; // untimed rounds before each measurement

// ---- options ---------------------------------------------------------------------------------------------

const { sizes, rounds, active, outPath } = parseOrExit('c10k [--sizes 10,100,1000,4000] [--rounds 200] [--active 10] [--out PATH]', () => {
  const { values } = splitArgs(process.argv.slice(2), ['--sizes LIST', '--rounds N', '--active N', '--out PATH'], 0);
  const list = values.get('--sizes') ?? '10,100,1000,4000';
  return {
    sizes: [...new Set(list.split(',').map((n) => parseInteger('--sizes', n, 1)))].sort((a, b) => a - b),
    rounds: parseInteger('--rounds', values.get('--rounds') ?? '200', 1),
    active: parseInteger('--active', values.get('--active') ?? '10', 1),
    outPath: resolve(values.get('--out') ?? fileURLToPath(new URL('./out/c10k.svg', import.meta.url))),
  };
});

// ---- connections -----------------------------------------------------------------------------------------

/** Opens `count` connections to `listener`; returns both ends, the server ends in accept order. */
async function openPairs(listener: Listener, port: number, count: number): Promise<[Socket[], Socket[]]> {
  const clients: Socket[] = [];
  const servers: Socket[] = [];
  const acceptor = new Poll();
  acceptor.register(listener, POLLIN);
  try {
    while (clients.length < count) {
      const batch = Math.min(BATCH, count - clients.length);
      for (let i = 0; i < batch; i++) clients.push(connect({ host: '127.0.0.1', port }));
      while (servers.length < clients.length) {
        if ((await acceptor.poll(WAIT_MS)).length === 0) throw new Error(`accept: nothing after ${WAIT_MS} ms`);
        for (let s = listener.accept(); s !== null; s = listener.accept()) servers.push(s);
      }
    }
  } finally {
    acceptor.close();
  }
  return [clients, servers];
}

/** Waits until every socket in `socks` is writable (a client's connect has completed). */
async function writable(socks: Socket[]): Promise<void> {
  const p = new Poll();
  for (const s of socks) p.register(s, POLLOUT);
  try {
    let left = p.size;
    while (left > 0) {
      const ev = await p.poll(WAIT_MS);
      if (ev.length === 0) throw new Error(`connect: ${left} clients not connected after ${WAIT_MS} ms`);
      for (const [fd] of ev) p.unregister(fd);
      left = p.size;
    }
  } finally {
    p.close();
  }
}

// ---- the measured loop -----------------------------------------------------------------------------------

/** Runs `rounds` rounds with `model` waiting on every server-side socket; returns the per-call averages. */
async function measure(model: Model, idle: number, watched: Socket[], clients: Socket[]): Promise<Row> {
  const byFd = new Map(watched.map((s) => [s.fileno(), s]));
  const toSockets = (events: [number, number][]): Socket[] => events.map(([fd]) => byFd.get(fd) as Socket);
  let wait: () => Promise<Socket[]>;
  let cost: CostCounter;
  let poller: Poll | Epoll | undefined;
  if (model === 'select') {
    selectCost.reset();
    cost = selectCost;
    wait = async () => (await select(watched, [], [], WAIT_MS))[0] as Socket[];
  } else {
    const p = model === 'poll' ? new Poll() : new Epoll();
    poller = p;
    for (const s of watched) p.register(s, model === 'poll' ? POLLIN : EPOLLIN); // level-triggered
    cost = p.cost;
    wait = async () => toSockets(await p.poll(WAIT_MS));
  }
  const want = clients.length * MSG.length;
  const samples: number[] = [];
  const round = async (r: number): Promise<void> => {
    for (const c of clients) if (c.send(MSG) !== MSG.length) throw new Error(`${model}: a partial send`);
    for (let got = 0; got < want; ) {
      const ready = await wait();
      samples.push(cost.last.nanoseconds);
      if (ready.length === 0) throw new Error(`${model}: nothing readable after ${WAIT_MS} ms, round ${r}`);
      for (const s of ready) {
        const data = s.recv(65536);
        if (data === null) continue; // level-triggered and already drained: not an error
        if (data.length === 0) throw new Error(`${model}: unexpected EOF on descriptor ${s.fileno()}`);
        got += data.length;
      }
    }
  };
  try {
    for (let r = 0; r < WARMUP; r++) await round(r); // untimed: let the JIT settle first
    cost.reset();
    samples.length = 0;
    const start = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) await round(r);
    const wallNs = Number(process.hrtime.bigint() - start);
    const n = cost.calls;
    samples.sort((a, b) => a - b);
    return { model, idle, calls: n, examined: cost.examined / n, bytes: cost.bytesCopied / n,
      usModel: cost.nanoseconds / n / 1e3, usMedian: (samples[samples.length >> 1] ?? NaN) / 1e3, usWall: wallNs / n / 1e3 };
  } catch (err) {
    if (model !== 'select' || !(err instanceof RangeError) || (err as { code?: unknown }).code !== 'ERR_OUT_OF_RANGE') throw err;
    const highest = watched.reduce((m, s) => Math.max(m, s.fileno()), -1);
    return { model, idle, calls: 0, examined: NaN, bytes: NaN, usModel: NaN, usMedian: NaN, usWall: NaN,
      refused: `refused: fd >= FD_SETSIZE (highest fd ${highest}, FD_SETSIZE ${FD_SETSIZE})` };
  } finally {
    poller?.close();
  }
}

// ---- output ----------------------------------------------------------------------------------------------

const COLS: [string, number][] = [['model', 7], ['idle', 6], ['active', 7], ['calls', 6], ['examined/call', 14],
  ['bytes copied/call', 18], ['us/call net-select', 19], ['(median)', 9], ['us/call wall', 13]];

function line(cells: string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(COLS[0]?.[1] ?? 0) : c.padStart(COLS[i]?.[1] ?? 0))).join(' ');
}

function formatRow(r: Row): string {
  const head = [r.model, String(r.idle), String(active)];
  if (r.refused !== undefined) return `${line(head)}  ${r.refused}`;
  return line([...head, String(r.calls), r.examined.toFixed(1), r.bytes.toFixed(1), r.usModel.toFixed(2), r.usMedian.toFixed(2), r.usWall.toFixed(1)]);
}

const COLOR: Record<Model, string> = { select: '#d62728', poll: '#1f77b4', epoll: '#2ca02c' };
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const short = (v: number): string => (v >= 1000 ? `${v / 1000}k` : String(v));

/** One log-log panel: one line per model (and per series), the x axis at the measured sizes. */
function panel(x0: number, title: string, yLabel: string, series: { model: Model; dash: boolean; pick: (r: Row) => number }[], rows: Row[]): string {
  const W = 400, H = 300, top = 80, left = x0 + 70;
  const ok = rows.filter((r) => r.refused === undefined);
  const ys = series.flatMap((s) => ok.filter((r) => r.model === s.model).map(s.pick)).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...ys, 1)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...ys, 1))));
  const xlo = Math.log10(Math.max(1, sizes[0] ?? 1));
  const xhi = Math.max(xlo + 1, Math.log10(Math.max(1, sizes[sizes.length - 1] ?? 10)));
  const X = (n: number): number => left + ((Math.log10(Math.max(1, n)) - xlo) / (xhi - xlo)) * W;
  const Y = (v: number): number => top + H - ((Math.log10(v) - lo) / (hi - lo)) * H;
  const out = [`<text x="${left + W / 2}" y="${top - 25}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${left}" y="${top}" width="${W}" height="${H}" fill="none" stroke="#444"/>`];
  for (let d = lo; d <= hi; d++) {
    const y = Y(10 ** d);
    out.push(`<line x1="${left}" y1="${y}" x2="${left + W}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y + 4}" text-anchor="end">${short(10 ** d)}</text>`);
  }
  for (const n of sizes) {
    out.push(`<line x1="${X(n)}" y1="${top}" x2="${X(n)}" y2="${top + H}" stroke="#eee"/>`,
      `<text x="${X(n)}" y="${top + H + 18}" text-anchor="middle">${n}</text>`);
  }
  out.push(`<text x="${left + W / 2}" y="${top + H + 40}" text-anchor="middle">idle connections N (log scale; ${active} active)</text>`,
    `<text transform="translate(${x0 + 18} ${top + H / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  for (const s of series) {
    const pts = ok.filter((r) => r.model === s.model && s.pick(r) > 0).map((r) => `${X(r.idle).toFixed(1)},${Y(s.pick(r)).toFixed(1)}`);
    const dash = s.dash ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline data-model="${s.model}" points="${pts.join(' ')}" fill="none" stroke="${COLOR[s.model]}" stroke-width="2.5"${dash}/>`);
    for (const p of pts) out.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3.5" fill="${COLOR[s.model]}"/>`);
  }
  const refused = rows.filter((r) => r.refused !== undefined);
  for (const r of refused) {
    out.push(`<text x="${X(r.idle)}" y="${top + H - 8}" text-anchor="middle" fill="${COLOR.select}" font-size="20">&#215;</text>`);
  }
  if (refused.length > 0) {
    out.push(`<text x="${X(refused[0]?.idle ?? 0) - 12}" y="${top + H - 13}" text-anchor="end" fill="${COLOR.select}">select refused: fd &#8805; FD_SETSIZE</text>`);
  }
  return out.join('\n');
}

function svg(rows: Row[]): string {
  const legend = MODELS.map((m, i) => `<line x1="${140 + i * 110}" y1="468" x2="${170 + i * 110}" y2="468" stroke="${COLOR[m]}" stroke-width="3"/>` +
    `<text x="${176 + i * 110}" y="473">${m}</text>`).join('\n');
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="1040" height="500" viewBox="0 0 1040 500" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="520" y="22" text-anchor="middle" font-size="17" font-weight="bold">select vs poll vs epoll: cost per call as idle connections grow (${rounds} rounds)</text>`,
    panel(0, 'modelled kernel work', 'descriptors examined per call (log)', MODELS.map((model) => ({ model, dash: false, pick: (r: Row) => r.examined })), rows),
    panel(520, 'measured time', 'microseconds per call (log)', MODELS.flatMap((model) => [
      { model, dash: false, pick: (r: Row) => r.usMedian }, { model, dash: true, pick: (r: Row) => r.usWall }]), rows),
    legend,
    `<text x="570" y="465">solid: net-select's own time per answer (median)</text>`,
    `<text x="570" y="483">dashed: wall time of the round loop per call (includes loopback I/O)</text>`,
    '</svg>', ''].join('\n');
}

// ---- main ------------------------------------------------------------------------------------------------

const t0 = process.hrtime.bigint();
const listener = await listen({ host: '127.0.0.1', port: 0, backlog: 1024 });
const addr = listener.getsockname();
const port = typeof addr === 'string' ? 0 : addr.port;
const all: Socket[] = [];
const rows: Row[] = [];
try {
  // The active pairs first: they are the first M accepted, so every other server-side socket stays idle.
  const [activeClients, activeServers] = await openPairs(listener, port, active);
  all.push(...activeClients, ...activeServers);
  await writable(activeClients);
  for (const model of MODELS) await measure(model, 0, activeServers, activeClients); // warm-up, not shown
  const idleServers: Socket[] = [];
  console.log(`${active} active connections send ${MSG.length} bytes each per round, ${rounds} rounds per model\n`);
  console.log(line(COLS.map(([name]) => name)));
  for (const n of sizes) {
    const [c, s] = await openPairs(listener, port, n - idleServers.length);
    all.push(...c, ...s);
    idleServers.push(...s);
    for (const model of MODELS) {
      const row = await measure(model, n, [...activeServers, ...idleServers], activeClients);
      rows.push(row);
      console.log(formatRow(row));
    }
  }
} finally {
  for (const s of all) s.close();
  listener.close();
}

mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, svg(rows));
const pick = (m: Model): Row[] => rows.filter((r) => r.model === m && r.refused === undefined);
const span = (m: Model): string => pick(m).map((r) => r.examined.toFixed(0)).join(' -> ');
console.log(`\nexamined per call as N grows: select ${span('select') || '-'}${rows.some((r) => r.refused) ? ' (then refused)' : ''}; ` +
  `poll ${span('poll')}; epoll ${span('epoll')}`);
console.log(`chart written to ${outPath}; ${all.length} sockets closed; ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
