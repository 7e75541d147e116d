/**
 * examples/c10k.ts, run as a user would run it: it must end by itself, refuse select past FD_SETSIZE, show
 * epoll's modelled work flat and poll's linear in the idle connections, and write an SVG chart.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, nodeArgs } from './fixtures/helpers.js';

const MODELS = ['select', 'poll', 'epoll'] as const;
const SIZES = [10, 100, 1100];

interface Row {
  model: string;
  idle: number;
  /** The rest of the line after the model, idle and active columns. */
  rest: string;
  examined: number;
}

/** The table rows: `model idle active calls examined/call ...`, or `model idle active refused: ...`. */
function parseRows(stdout: string): Row[] {
  const rows: Row[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(select|poll|epoll)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const rest = m[4] ?? '';
    const cols = rest.trim().split(/\s+/).map(Number);
    rows.push({ model: m[1] ?? '', idle: Number(m[2]), rest, examined: rest.startsWith('refused') ? NaN : (cols[1] ?? NaN) });
  }
  return rows;
}

const dir = mkdtempSync(join(tmpdir(), 'c10k-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const svgPath = join(dir, 'c.svg');

const run = await new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
  // The kill is only a hang detector, well inside tap's own timeout: the example must end by itself.
  const args = [...nodeArgs('examples/c10k.ts'), '--sizes', SIZES.join(','), '--rounds', '30', '--out', svgPath];
  execFile(process.execPath, args, { cwd: ROOT, timeout: 90_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
    const e = err as (Error & { code?: unknown; signal?: string | null }) | null;
    resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : null, signal: e?.signal ?? null, stdout, stderr });
  });
});
const rows = parseRows(run.stdout);
const row = (model: string, idle: number): Row | undefined => rows.find((r) => r.model === model && r.idle === idle);

t.test('the example ends by itself with exit code 0', async (t) => {
  t.equal(run.signal, null, 'not killed');
  t.equal(run.code, 0, `exit code (stderr: ${run.stderr.trim()})`);
  t.match(run.stdout, /sockets closed/, 'says it closed its sockets');
});

t.test('the table has one row per model per size', async (t) => {
  for (const n of SIZES) for (const m of MODELS) t.ok(row(m, n), `${m} at ${n} idle`);
});

t.test('select refuses once a descriptor is >= FD_SETSIZE, and runs below it', async (t) => {
  t.match(row('select', 1100)?.rest, /^refused: fd >= FD_SETSIZE/, 'refused at 1100 idle');
  for (const n of [10, 100]) t.ok((row('select', n)?.examined ?? 0) > 0, `measured at ${n} idle`);
  t.ok((row('select', 100)?.examined ?? 0) > (row('select', 10)?.examined ?? Infinity), 'select examines more at 100 than at 10');
});

t.test("epoll's modelled work per call does not grow with the idle connections", async (t) => {
  const small = row('epoll', 10)?.examined ?? NaN;
  const large = row('epoll', 1100)?.examined ?? NaN;
  t.ok(small > 0 && large > 0, `both measured (${small}, ${large})`);
  t.ok(large <= small * 2, `examined/call at 1100 idle (${large}) within 2x of at 10 idle (${small})`);
});

t.test("poll's modelled work per call grows with the idle connections", async (t) => {
  const small = row('poll', 10)?.examined ?? NaN;
  const large = row('poll', 1100)?.examined ?? NaN;
  t.ok(small > 0, `measured at 10 idle (${small})`);
  t.ok(large >= small * 10, `examined/call at 1100 idle (${large}) at least 10x that at 10 idle (${small})`);
});

t.test('the SVG chart is written, with a line per model', async (t) => {
  t.ok(existsSync(svgPath), `${svgPath} exists`);
  const svg = existsSync(svgPath) ? readFileSync(svgPath, 'utf8') : '';
  t.ok(svg.startsWith('<svg'), 'starts with <svg');
  t.match(svg, /<\/svg>\s*$/, 'ends with </svg>');
  for (const m of MODELS) t.match(svg, new RegExp(`<(polyline|path)[^>]*data-model="${m}"`), `a line for ${m}`);
});
