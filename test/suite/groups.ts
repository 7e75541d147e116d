/**
 * How `npm test` spends its processes. Starting a test process (Node, tsx, tap) costs about a second of CPU,
 * more than most test files take to run, so the test files share a few processes: each `test/suite/shared-K.ts`
 * imports test files one after another, as `test/contract-suite.ts` does for the contract tests.
 *
 * Every `test/**\/*.test.ts` is shared by default, a new file included. The exceptions are in package.json's
 * `tap.include`, the file list tap runs: a test file named there runs in a process of its own (it asserts
 * process-wide state, such as the first descriptor being 3), and one matched by `tap.exclude` runs only in
 * `npm run test:all`. Directories named fixtures, kernel and node_modules hold no test files.
 *
 * The processes share the files as they go (`runShare`): each takes the next file nobody has taken once its
 * last one has ended, the longest first (by the durations the last run measured: `claimOrder`). Which process
 * runs a file varies from run to run; each file runs once, alone in its process at that time.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IO_CHANNEL, POLL_CHANNEL, SELECT_CHANNEL } from '../../lib/index.js';

/** The trace channels: no test file may leave a subscriber on them for the next. */
const CHANNELS = [SELECT_CHANNEL, POLL_CHANNEL, IO_CHANNEL];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SKIPPED_DIRS = new Set(['fixtures', 'kernel', 'node_modules']);

interface TapConfig {
  include: string[];
  exclude: string[];
}

/** A glob of tap's config as a regular expression: `**`, `*` and `?` (patterns with groups are not for files here). */
function globToRegExp(glob: string): RegExp | null {
  if (/[(){}[\]]/.test(glob)) return null;
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^$|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Every test file under test/, relative to the repository root, in name order. */
function testFiles(dir = 'test'): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) out.push(...testFiles(rel));
    } else if (e.name.endsWith('.test.ts')) out.push(rel);
  }
  return out.sort();
}

/** The test files that share processes: all but those tap runs alone and those only `test:all` runs. */
export function sharedFiles(): string[] {
  const tap = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { tap: TapConfig }).tap;
  const alone = new Set(tap.include.filter((f) => f.endsWith('.test.ts')));
  const excluded = tap.exclude.map(globToRegExp).filter((r): r is RegExp => r !== null);
  return testFiles().filter((f) => !alone.has(f) && !excluded.some((r) => r.test(f)));
}

/** A guess at a file's cost: its size, ten times over for a file that starts child processes or a browser. */
function cost(file: string): number {
  const full = path.join(ROOT, file);
  const spawns = /\b(runTs|spawn|spawnSync|execFile|startLoadServer|nodeArgs|chromium\.launch)\(/.test(readFileSync(full, 'utf8'));
  return statSync(full).size * (spawns ? 10 : 1);
}

/** Where each shared file's last measured duration is kept (ms), one small file per test file. */
const DURATIONS = path.join(ROOT, 'node_modules/.cache/net-select/durations');

/** A test file's path as one file name, for its claim and its duration (and back, with `fileOfKey`). */
function fileKey(file: string): string {
  return file.replaceAll('/', '+');
}

function fileOfKey(key: string): string {
  return key.replaceAll('+', '/');
}

function durationPath(file: string): string {
  return path.join(DURATIONS, fileKey(file));
}

/** The durations measured by earlier runs, by file (none on a fresh clone). */
function measuredDurations(): Map<string, number> {
  const out = new Map<string, number>();
  let names: string[];
  try {
    names = readdirSync(DURATIONS);
  } catch {
    return out;
  }
  for (const name of names) {
    const ms = Number(readFileSync(path.join(DURATIONS, name), 'utf8'));
    if (Number.isFinite(ms) && ms >= 0) out.set(fileOfKey(name), ms);
  }
  return out;
}

/** Keeps how long `file` took, for the next run's order (written whole, then renamed: a reader never sees half). */
function recordDuration(file: string, ms: number): void {
  mkdirSync(DURATIONS, { recursive: true });
  const tmp = `${durationPath(file)}.${process.pid}`;
  writeFileSync(tmp, String(Math.round(ms)));
  renameSync(tmp, durationPath(file));
}

/**
 * The order the processes claim files in: the longest first, so that no long file starts last and leaves the
 * other processes idle at the end (longest-processing-time scheduling). A file's length is what it took in
 * the last run that ran it; a file never measured (a new one, or every file on a fresh clone) gets its
 * `cost` guess, scaled to milliseconds by the files that were measured.
 */
export function claimOrder(files: readonly string[], measured: ReadonlyMap<string, number>): string[] {
  const guesses = files.map((f) => ({ f, c: cost(f) }));
  const ratios = guesses.filter(({ f }) => measured.has(f)).map(({ f, c }) => (measured.get(f) as number) / c);
  ratios.sort((a, b) => a - b);
  const scale = ratios.length > 0 ? (ratios[Math.floor(ratios.length / 2)] as number) : 1;
  return guesses
    .map(({ f, c }) => ({ f, ms: measured.get(f) ?? c * scale }))
    .sort((a, b) => b.ms - a.ms || (a.f < b.f ? -1 : 1))
    .map(({ f }) => f);
}

/**
 * Where the processes of one tap run claim files: a directory named after the run, that is after their
 * parent, tap's runner (its process id and its start time, so that a process id used again is another run),
 * under node_modules/.cache; those of runs an hour old are removed.
 */
function claimDir(): string {
  const base = path.join(ROOT, 'node_modules/.cache/net-select/shares');
  let started = '';
  try {
    // /proc/PID/stat: the start time is field 22, counted after the command's name in parentheses.
    started = readFileSync(`/proc/${process.ppid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[19] ?? '';
  } catch {
    // no /proc: the process id alone
  }
  const run = `${process.ppid}-${started}`;
  mkdirSync(base, { recursive: true });
  for (const old of readdirSync(base)) {
    const dir = path.join(base, old);
    if (old !== run && statSync(dir).mtimeMs < Date.now() - 3_600_000) rmSync(dir, { recursive: true, force: true });
  }
  const dir = path.join(base, run);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Runs shared test files in this process until none is left: it claims the next file no other process of
 * the run has claimed (the longest first: `claimOrder`), runs it, and claims another once its tests have
 * ended, so that the processes stay busy till the end whatever each file costs.
 */
export async function runShare(): Promise<void> {
  const dir = claimDir();
  await runFiles(
    claimOrder(sharedFiles(), measuredDurations()),
    (f) => {
      try {
        mkdirSync(path.join(dir, fileKey(f)));
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false; // another process runs it
        throw err;
      }
    },
    recordDuration,
  );
}

/**
 * Runs test files (paths from the repository root) in this process, one after another: imports each (its
 * tests are queued on tap's root test) and waits until they have ended. `take(file)` may decline a file. A
 * file's own top-level `t.teardown` is registered only once every file has run, and the root test then
 * ended: tap ends a root test with a teardown as soon as it is idle, which it is between two files.
 */
export async function runFiles(
  files: readonly string[],
  take: (file: string) => boolean = () => true,
  took?: (file: string, ms: number) => void,
): Promise<void> {
  const t = (await import('tap')).default;
  const timeout = Number(process.env['TAP_TIMEOUT'] ?? 0);
  const teardown = t.teardown;
  const later: Parameters<typeof teardown>[0][] = [];
  t.teardown = (fn) => void later.push(fn);
  try {
    for (const f of files) {
      if (!take(f)) continue;
      t.comment(f);
      // tap's time limit is per test file: each file here gets it whole (TAP_TIMEOUT, seconds; 0 for none).
      if (timeout > 0) t.setTimeout(timeout * 1000);
      const start = performance.now();
      await import(pathToFileURL(path.join(ROOT, f)).href);
      while (!t.idle) await once(t, 'idle');
      took?.(f, performance.now() - start);
      // A file shares its process with others: a trace subscriber it leaves on would trace theirs.
      for (const name of CHANNELS) {
        if (diagnosticsChannel.hasSubscribers(name)) t.fail(`${f} left a subscriber on ${name}`);
      }
    }
  } finally {
    t.teardown = teardown;
    for (const fn of later) t.teardown(fn);
    // Every file has run: end now (tap would end a root test with a teardown on its next idle, which has passed).
    t.end();
  }
}

/** The tests of the examples, `test/*-example.test.ts`: what CI runs on every Node version beside the contract. */
export function exampleFiles(): string[] {
  return sharedFiles().filter((f) => /^test\/[^/]+-example\.test\.ts$/.test(f));
}
