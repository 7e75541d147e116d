/**
 * `net-select trace --html`: the demo, traced from the outside, drawn as one self-contained page, which a
 * real browser (headless Chromium driven by playwright-core; .ci/install-browser.sh installs it) opens
 * with no console error and no request, showing a row per descriptor and a mark per call.
 *
 * The screenshot goes to a temporary directory; `NET_SELECT_SCREENSHOT=docs/timeline.png` puts it there.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { main } from '../lib/cli/net-select.js';
import { ROOT, nodeArgs, within } from './fixtures/helpers.js';

/** The headless Chromium to drive: `CHROMIUM_PATH`, else Debian's chromium-headless-shell or chromium. */
function chromiumPath(): string {
  const candidates = [process.env['CHROMIUM_PATH'], 'chromium-headless-shell', 'chromium'];
  for (const c of candidates) {
    if (!c) continue;
    const found = spawnSync('sh', ['-c', `command -v "$0"`, c], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  throw new Error('no headless Chromium: run .ci/install-browser.sh (or set CHROMIUM_PATH)');
}

/** Runs the bin with `args`; resolves with its exit code, stdout and stderr. */
async function netSelect(args: string[]): Promise<{ code: unknown; out: string; err: string }> {
  const proc = spawn(process.execPath, ['bin/net-select.mjs', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await within(new Promise((res) => proc.on('close', res)), 'net-select trace to end', 60_000);
  return { code, out, err };
}

const demoDir = mkdtempSync(join(tmpdir(), 'net-select-timeline-'));
t.teardown(() => rmSync(demoDir, { recursive: true, force: true }));
let demo: Promise<{ run: Awaited<ReturnType<typeof netSelect>>; html: string; dir: string }> | undefined;
/**
 * `net-select trace --html` of the demo, run once for the tests that read it (the page in a browser, the
 * counts the command line and the page say): the same run checked for each, not the demo run again.
 */
function tracedDemo(): NonNullable<typeof demo> {
  const html = join(demoDir, 'demo.html');
  demo ??= netSelect(['trace', '--html', html, '--', process.execPath, ...nodeArgs('examples/demo.ts')]).then((run) => ({ run, html, dir: demoDir }));
  return demo;
}

t.test('the timeline of the demo opens in a browser: a row per descriptor, a mark per call, details on hover', async (t) => {
  const { run, html, dir } = await tracedDemo();
  t.equal(run.code, 0, `the demo and the tracer succeed (stderr: ${run.err})`);
  // The demo prints its own calls (through printTrace): the page must have exactly those.
  const printed = run.out.split('\n').filter((l) => l.startsWith('select('));
  t.ok(printed.length > 4, `the demo made several calls (${printed.length})`);
  const io = run.out.split('\n').filter((l) => /^(accept|recv|send)\(/.test(l)).length;
  t.match(run.err, new RegExp(`net-select trace: ${printed.length} select/poll/epoll answers and ${io} accept/recv/send calls traced; timeline written to `));
  // Every descriptor in the three sets the calls passed: select(r=[3,5] w=[] x=[3,5], 1000)
  const asked = (l: string): number[] => [...(l.split(')')[0] ?? '').matchAll(/\[([\d,]*)\]/g)].flatMap((m) => (m[1] ? m[1].split(',').map(Number) : []));
  const fds = [...new Set(printed.flatMap(asked))].sort((a, b) => a - b);

  const page = readFileSync(html, 'utf8');
  t.notMatch(page, /<(script|link|img|iframe)[^>]+(src|href)=/i, 'nothing loaded from elsewhere');

  const browser = await chromium.launch({ executablePath: chromiumPath() });
  t.teardown(() => browser.close());
  const tab = await browser.newPage({ viewport: { width: 1200, height: 360 } });
  const problems: string[] = [];
  tab.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  tab.on('request', (r) => {
    if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`);
  });
  await tab.goto(pathToFileURL(html).href);

  const calls = tab.locator('#view-calls');
  t.equal(await calls.locator('[data-call]').count(), printed.length, 'a bar per call');
  const rows = await calls.locator('[data-row]').allTextContents();
  // A row per descriptor and life: a client that left early gives its number to one accepted later (the
  // lowest free descriptor, as Linux gives), and the later one has a row of its own, `fd 7 (2)`.
  t.same([...new Set(rows.map((r) => r.replace(/ \(\d+\)$/, '')))].sort(), fds.map((fd) => `fd ${fd}`).sort(), 'a row per descriptor asked about');
  t.ok(rows.every((r) => /^fd \d+( \(\d+\))?$/.test(r)), 'each named by its number, and its life after the first');
  t.ok((await calls.locator('.ready .gr').count()) > 0, 'some descriptor came back readable');
  t.ok((await calls.locator('.ready .gw').count()) > 0, 'some descriptor came back writable');
  t.equal(await calls.locator('.cost').count(), printed.length, 'a kernel-cost bar per call');
  t.equal(await calls.locator('text.moved').first().textContent(), 'accepted 4', 'the listener accepted the 4 clients');
  // In all, 4 x 40000 B in and out, and as much out as in.
  const [accepted, ...moved] = await calls.locator('text.moved').allTextContents();
  t.equal(accepted, 'accepted 4');
  const perRow = moved.map((m) => /^↓(\d+)k ↑(\d+)k$/.exec(m)?.slice(1).map(Number) ?? [NaN, NaN]);
  t.equal(perRow.length, 4, `a row per client, a reused descriptor's too (${moved.join(', ')})`);
  t.ok(perRow.every(([i, o]) => i === o && (i as number) % 40 === 0), 'each row: whole clients of 40000 B in, as much out');
  t.equal(perRow.reduce((a, [i]) => a + (i as number), 0), 160, 'the 4 clients: 160000 B in all');
  t.ok((await calls.locator('text.io').count()) > 4, 'bytes moved after each answer');

  await calls.locator('[data-call="2"]').hover();
  const tip = tab.locator('#tip');
  t.ok(await tip.isVisible(), 'hovering a call shows its details');
  t.equal((await tip.textContent())?.split('\n')[0], `#2 ${printed[1]}`, 'the call as the trace printed it');

  await tab.check('input[value=time]');
  t.ok(await tab.locator('#view-time').isVisible(), 'the real-time view can be switched to');
  t.notOk(await calls.isVisible());
  await tab.locator('#view-time [data-call="1"]').hover();
  t.match(await tip.textContent(), /^#1 select\(/);
  await tab.check('input[value=calls]');
  await calls.locator('[data-call="4"]').hover(); // the screenshot shows a tooltip

  const shot = resolve(ROOT, process.env['NET_SELECT_SCREENSHOT'] ?? join(dir, 'timeline.png'));
  await tab.screenshot({ path: shot, fullPage: true });
  t.comment(`screenshot: ${shot}`);
  t.same(problems, [], 'no console error, no page error, no request');
});

t.test('net-select trace without --html prints the lines as the command runs; --jsonl keeps the records', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'net-select-trace-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const target = [process.execPath, ...nodeArgs('test/fixtures/trace-target.ts')];
  const printed = await netSelect(['trace', '--', ...target]);
  t.equal(printed.code, 0);
  t.match(printed.err, /^select\(r=\[\d+\] w=\[\] x=\[\], 5000\) = 1 \(r=\[\d+\]\)  \[kernel: /);
  t.equal(printed.err.trim().split('\n').length, 14, 'a line per call: 9, the epoll_ctl and the four closes');

  const jsonl = join(dir, 'trace.jsonl');
  const kept = await netSelect(['trace', '--jsonl', jsonl, '--', ...target]);
  t.equal(kept.code, 0);
  t.equal(kept.err, '', 'nothing printed');
  t.equal(readFileSync(jsonl, 'utf8').trim().split('\n').length, 1 + 14, 'a process line and a line per call');
});

t.test('bug: `net-select trace --help` said "unknown argument: --help" and exited 2; it prints the usage and exits 0', async (t) => {
  const printed: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void printed.push(a.join(' '));
  console.error = (...a: unknown[]) => void printed.push(`stderr: ${a.join(' ')}`);
  t.teardown(() => {
    console.log = log;
    console.error = error;
  });
  for (const args of [['--help'], ['-h'], ['trace', '--help'], ['trace', '-h'], ['trace', '--html', 'x.html', '--help']]) {
    printed.length = 0;
    t.equal(await main(args), 0, `net-select ${args.join(' ')}`);
    t.match(printed.join('\n'), /^usage: net-select trace/, 'the usage, on stdout');
    t.notMatch(printed.join('\n'), /stderr:/, 'nothing on stderr');
  }
  printed.length = 0;
  t.equal(await main(['trace', '--', process.execPath, '-e', 'process.exit(process.argv.includes("--help") ? 4 : 5)', '--', '--help']), 4,
    'after --, --help belongs to the command');
});

t.test('bug: the command line said "34 calls traced" where the page said 13 calls and 21 accept/recv/send calls', async (t) => {
  const { run, html } = await tracedDemo();
  t.equal(run.code, 0, run.err);
  const said = /net-select trace: (\d+) select\/poll\/epoll answers and (\d+) accept\/recv\/send calls traced/.exec(run.err);
  t.ok(said, `the tracer counts answers and I/O calls apart: ${run.err}`);
  const page = readFileSync(html, 'utf8');
  t.match(page, new RegExp(`${said?.[1]} calls \\(`), 'the page says the same number of answers');
  t.match(page, new RegExp(` ${said?.[2]} accept/recv/send calls moved`), 'and the same number of I/O calls');
});

t.test('net-select exits 2 on bad arguments, 127 when the command cannot start, else with its status', async (t) => {
  const said: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => void said.push(a.join(' '));
  t.teardown(() => void (console.error = error));
  for (const args of [[], ['trace'], ['trace', '--html'], ['trace', '--bogus', '--', 'true'], ['bogus']]) {
    said.length = 0;
    t.equal(await main(args), 2, `net-select ${args.join(' ')}`);
    t.match(said.join('\n'), /usage: net-select trace/);
  }
  said.length = 0;
  t.equal(await main(['trace', '--', 'net-select-no-such-command']), 127);
  t.match(said.join('\n'), /cannot run net-select-no-such-command/);
  t.equal(await main(['trace', '--', process.execPath, '-e', 'process.exit(3)']), 3, "the command's own status");
});
