/**
 * The select playground (`npm run site`, docs/playground/) in a real browser: headless Chromium driven by
 * playwright-core, as test/trace-timeline.test.ts does (.ci/install-browser.sh installs it). One browser for
 * every test. The site is built into a temporary directory first; a Node built-in left in the library's browser
 * bundle fails that build, and this test with it.
 *
 * Runs go through the page's hook, `window.netSelectPlayground` (docs/playground.md), or its buttons. No
 * test bounds a time: the first Run of the echo preset is measured and printed as a comment.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildSite, SITE_BUDGET } from '../scripts/build-site.mjs';
import { ROOT } from './fixtures/helpers.js';

/** The headless Chromium to drive: `CHROMIUM_PATH`, else Debian's chromium-headless-shell or chromium. */
function chromiumPath(): string | null {
  for (const c of [process.env['CHROMIUM_PATH'], 'chromium-headless-shell', 'chromium']) {
    if (!c) continue;
    const found = spawnSync('sh', ['-c', `command -v "$0"`, c], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  return null;
}

/** What the hook's `run` resolves to (docs/playground.md). */
interface RunResult {
  calls: number;
  trace: { channel: string; message?: Record<string, unknown> }[];
  console: string[];
  sent: number;
  echoed: number;
  lost: number;
  mismatch: { client: number; offset: number; expected: number; got: number } | null;
  clients: { client: number; sent: number; echoed: number; end: string }[];
  end: string;
  virtualMs: number;
  fds: { fd: number; kind: string; recvQueue?: number }[];
  error?: { kind: string; message: string; line?: number; stack?: string };
}

interface Preset {
  id: string;
  code: string;
  settings: { clients: { count: number; size: number; messages: number; protocol: string }; faults: Record<string, unknown>; seed: number; maxCalls: number };
}

declare const document: {
  getElementById(id: string): { value: string } | null;
  querySelectorAll(selector: string): Iterable<{ id: string }>;
};
declare const window: {
  netSelectPlayground: {
    run(o: object): Promise<RunResult>;
    presets: Preset[];
    load(id: string): void;
    share(): Promise<string>;
    current(): { code: string; settings: Preset['settings']; preset: string };
    state(): { runs: number; calls: number; running: boolean; paused: boolean };
    result(): Promise<RunResult> | null;
  };
};

/** Traces compared as text: a deep comparison of hundreds of records is slow to report. */
const json = (x: unknown): string => JSON.stringify(x);

/** A hang guard only: far above any run here; never a timing assertion. */
const HANG_GUARD_MS = 60_000;

const executable = chromiumPath();
if (executable === null) {
  t.test('the playground in a browser', { skip: 'no headless Chromium installed (.ci/install-browser.sh installs it)' }, () => {});
} else {
  t.test('the playground', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'net-select-site-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    let built: Awaited<ReturnType<typeof buildSite>>;
    try {
      built = await buildSite({ outdir: dir });
    } catch (err) {
      t.fail(`npm run site fails, so the playground cannot be tested: ${(err as Error).message}`);
      return;
    }

    t.test('the site weighs at most 2 MiB, every file counted', async (t) => {
      const total = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
      t.equal(total, built.total);
      t.ok(total <= SITE_BUDGET, `${total} bytes <= ${SITE_BUDGET}`);
      t.same(readdirSync(dir).sort(), ['index.html', 'playground.css', 'playground.js']);
    });

    t.test('a Node built-in in the bundles fails the build, named with its importer', async (t) => {
      // A copy of the sources with links to lib/ and node_modules/ where the repository has them, one import planted.
      const copy = mkdtempSync(join(tmpdir(), 'net-select-site-src-'));
      t.teardown(() => rmSync(copy, { recursive: true, force: true }));
      cpSync(join(ROOT, 'docs', 'playground'), join(copy, 'docs', 'playground'), { recursive: true });
      symlinkSync(join(ROOT, 'lib'), join(copy, 'lib'));
      symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
      const worker = join(copy, 'docs', 'playground', 'worker.ts');
      writeFileSync(worker, `import 'node:os';\n${readFileSync(worker, 'utf8')}`);
      await t.rejects(buildSite({ src: join(copy, 'docs', 'playground'), outdir: join(copy, 'out') }), {
        message: /imports Node built-ins[^]*node:os \(imported by .*worker\.ts\)/,
      });
      t.notOk(existsSync(join(copy, 'out')), 'and writes nothing');
    });

    const browser: Browser = await chromium.launch({ executablePath: executable });
    t.teardown(() => browser.close());
    const url = pathToFileURL(join(dir, 'index.html')).href;
    const problems: string[] = [];
    const open = async (href: string): Promise<Page> => {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      page.setDefaultTimeout(HANG_GUARD_MS);
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!/^(file|blob|data|about):/.test(r.url())) problems.push(`request: ${r.url()}`);
      });
      await page.goto(href);
      await page.waitForSelector('body[data-ready]');
      return page;
    };
    const page = await open(url);
    await t.test('the page loads with no console error, and fetches nothing from elsewhere', async (t) => {
      t.same(problems, []);
      t.ok((await page.locator('.cm-content').textContent())?.includes("from 'net-select'"), 'the editor holds the echo preset');
      t.equal(await page.evaluate(() => window.netSelectPlayground.state().runs), 0, 'nothing ran');
    });
    const presets = await page.evaluate(() => window.netSelectPlayground.presets);
    const preset = (id: string): Preset => {
      const p = presets.find((x) => x.id === id);
      if (!p) throw new Error(`no preset ${id}`);
      return p;
    };
    // A run's answer crosses from the page with its trace as one JSON text: playwright's transfer of hundreds of
    // records object by object cost more CPU than the run itself (about half a second per echo run).
    const received = (r: Omit<RunResult, 'trace'> & { trace: string }): RunResult => ({ ...r, trace: JSON.parse(r.trace) as RunResult['trace'] });
    const run = async (o: object, on: Page = page): Promise<RunResult> =>
      received(await on.evaluate((o) => window.netSelectPlayground.run(o).then((r) => ({ ...r, trace: JSON.stringify(r.trace) })), o));
    const runPreset = (id: string, over: object = {}, on: Page = page): Promise<RunResult> => {
      const p = preset(id);
      const { clients, faults, seed, maxCalls } = p.settings;
      return run({ code: p.code, clients, faults, seed, maxCalls, ...over }, on);
    };
    const pressed = async (button: string, on: Page = page): Promise<void> => on.click(`#${button}`);
    const result = async (on: Page = page): Promise<RunResult> =>
      received(await on.evaluate(() => (window.netSelectPlayground.result() as Promise<RunResult>).then((r) => ({ ...r, trace: JSON.stringify(r.trace) }))));
    /** Waits until the timeline frame has loaded its drawing of `n` calls. */
    const drawn = async (n: number, on: Page = page): Promise<void> => void (await on.waitForSelector(`#timeline[data-drawn="${n}"]`, { state: 'attached' }));
    const calls = (r: RunResult): number => r.trace.filter((x) => x.channel !== 'net-select:io' && x.channel !== 'process').length;

    await t.test('the echo preset, 4 clients, fragment: every byte comes back (first Run measured)', async (t) => {
      const s = await page.evaluate(() => window.netSelectPlayground.current());
      t.equal(s.preset, 'echo-select', 'the page opens on the echo preset');
      t.equal(s.settings.clients.count, 4);
      t.equal(s.settings.faults['fragment'], true);
      const t0 = performance.now();
      await pressed('run');
      const r = await result();
      t.comment(`first Run of the echo preset: answered in ${Math.round(performance.now() - t0)} ms (${r.calls} calls)`);
      const { count, messages, size } = s.settings.clients;
      t.equal(r.end, 'clients');
      t.equal(r.sent, count * messages * size, 'each client sent all its messages');
      t.equal(r.echoed, r.sent, 'and got every byte back');
      t.equal(r.lost, 0);
      t.equal(r.mismatch, null);
      t.same(new Set(r.clients.map((c) => c.end)), new Set(['ok']));
      t.equal(r.calls, calls(r), 'a trace record per call');
      t.ok(r.trace.some((x) => x.channel === 'net-select:io'), 'recv and send are traced too');
      await drawn(r.calls);
      const frame = page.frameLocator('#timeline');
      t.equal(await frame.locator('#view-calls [data-call]').count(), r.calls, 'the timeline has a bar per call');
      t.same(await frame.locator('#view-calls [data-row]').allTextContents(), ['fd 3', 'fd 4', 'fd 5', 'fd 6', 'fd 7'], 'a row per descriptor: the listener and 4 clients');
      t.match(await page.textContent('#verdict'), `echoed ${r.echoed} B`);
    });

    await t.test('Step moves exactly one call, the network frozen meanwhile; Run goes on to the same end', async (t) => {
      const plain = await runPreset('echo-select', { clients: { count: 2 } });
      const paused = (): Promise<{ runs: number; calls: number; running: boolean; paused: boolean }> =>
        page.waitForFunction(() => window.netSelectPlayground.state().paused && window.netSelectPlayground.state()).then((h) => h.jsonValue() as never);
      await pressed('step');
      t.equal((await paused()).calls, 1, 'the first Step: one call');
      await drawn(1);
      const frame = page.frameLocator('#timeline');
      t.equal(await frame.locator('#view-calls [data-call]').count(), 1, 'one bar drawn');
      for (let n = 2; n <= 4; n++) {
        await pressed('step');
        t.equal((await paused()).calls, n, `Step ${n}: one more call`);
      }
      await drawn(4);
      t.equal(await frame.locator('#view-calls [data-call]').count(), 4);
      t.match(await page.textContent('#lists'), /^call 4: select\(/, 'the lists of the current call');
      await pressed('run');
      const stepped = await result();
      t.equal(stepped.echoed, stepped.sent);
      t.equal(json(stepped.trace), json(plain.trace), 'stepping gives the very run that Run gives');
    });

    await t.test('the framed preset fails under fragment (its planted bug) and passes without', async (t) => {
      const bad = await runPreset('framed', { faults: { fragment: true } });
      t.equal(bad.error, undefined);
      t.not(bad.mismatch, null, 'a byte came back wrong');
      t.ok(bad.lost > 0);
      t.ok(bad.clients.some((c) => c.end === 'mismatch'));
      t.match(await page.textContent('#verdict'), /First mismatch: client \d+/);
      const good = await runPreset('framed', { faults: { fragment: false } });
      t.equal(good.mismatch, null);
      t.equal(good.lost, 0);
      t.ok(good.sent > 0 && good.echoed === good.sent, 'every answer right without fragmentation');
    });

    await t.test('the writable busy loop spins: the calls run out, nothing echoed; the echo preset finishes', async (t) => {
      const busy = await runPreset('echo-busy-loop', { maxCalls: 300 });
      t.equal(busy.end, 'maxCalls');
      t.equal(busy.calls, 300);
      t.equal(busy.echoed, 0, 'virtual time never moved: nothing arrived');
      t.same(new Set(busy.clients.map((c) => c.end)), new Set(['running']), 'the clients were still waiting');
      const fixed = await runPreset('echo-select', { clients: preset('echo-busy-loop').settings.clients, faults: preset('echo-busy-loop').settings.faults });
      t.equal(fixed.end, 'clients');
      t.ok(fixed.calls < 300 && fixed.echoed === fixed.sent, `the echo preset: ${fixed.calls} calls, every byte back`);
    });

    await t.test("the edge-triggered preset's bug: bytes stall in the server's receive buffers", async (t) => {
      const r = await runPreset('echo-epoll-et');
      t.ok(r.lost > 0, `${r.lost} bytes never came back`);
      t.same(new Set(r.clients.map((c) => c.end)), new Set(['stalled']));
      const buffered = r.fds.reduce((s, f) => s + (f.recvQueue ?? 0), 0);
      t.equal(buffered, r.lost, 'every byte lost is still in a receive buffer of the server: read, never');
      t.ok((await page.locator('#fds tr.buffered').count()) > 0, 'the page shows the buffered bytes');
      const fixed = await runPreset('echo-epoll-et', { code: preset('echo-epoll-et').code.replace('const FIXED = false', 'const FIXED = true') });
      t.equal(fixed.lost, 0, 'reading to EAGAIN fixes it');
      t.equal(fixed.echoed, fixed.sent);
    });

    await t.test('the faults from the page: resets, partial sends, a partition and its repair', async (t) => {
      const reset = await runPreset('echo-select', { faults: { fragment: true, reset: 0.05 } });
      t.ok(reset.clients.some((c) => c.end === 'ECONNRESET'), 'a reset probability resets connections');
      t.ok(reset.lost > 0, 'and loses their bytes');
      t.match(reset.console.join('\n'), /ECONNRESET/, 'the program saw it');
      const small = await runPreset('echo-select', { clients: { count: 2, messages: 2 }, faults: { sndbuf: 300, fragment: true } });
      const sends = small.trace.flatMap((x) => (x.channel === 'net-select:io' && x.message?.['call'] === 'send' ? [x.message] : []));
      t.ok(sends.some((m) => (m['result'] as number) >= 0 && (m['result'] as number) < (m['size'] as number)), 'a small send buffer: partial sends');
      t.equal(small.echoed, small.sent, 'which the preset finishes');
      const cut = await runPreset('echo-select', { faults: { latencyMs: [1, 5], partition: { atMs: 2, forMs: 500 } } });
      t.equal(cut.echoed, cut.sent, 'a partition loses nothing once repaired');
      t.ok(cut.virtualMs >= 502, `the run lasted past the repair (${cut.virtualMs} virtual ms)`);
    });

    await t.test('a syntax error, an exception, while (true) {} and an unhandled rejection: each reported, and Run works after', async (t) => {
      // No clients: the run ends when the program returns, not after half a second of real time with nothing to do.
      const again = async (): Promise<void> => {
        const ok = await run({ code: "console.log('runs again')", clients: { count: 0 } });
        t.equal(ok.error, undefined, 'the next run works');
        t.same(ok.console, ['runs again']);
      };
      const syntax = await run({ code: 'const a = 1;\nconst b = (;\n' });
      t.equal(syntax.error?.kind, 'syntax');
      t.equal(syntax.error?.line, 2, 'its line');
      t.equal(await page.textContent('.cm-error-line'), 'const b = (;', 'the line is marked in the editor');
      await again();

      const thrown = await run({ code: "const a = 1;\nfunction f(): never {\n  throw new Error('boom');\n}\nf();\n" });
      t.equal(thrown.error?.kind, 'exception');
      t.match(thrown.error?.stack, /Error: boom\n\s+at f \(program\.ts:3:\d+\)\n\s+at \(program\.ts:5:\d+\)/, 'its stack, in the program\'s lines');
      t.match(thrown.console.join('\n'), /Error: boom/, 'shown in the console');
      await again();

      const endless = await run({ code: 'while (true) {}' });
      t.equal(endless.error?.kind, 'timeout');
      t.match(endless.console.join('\n'), /did not yield/);
      await again();

      const rejected = await run({ code: "Promise.reject(new Error('nobody awaits me'));\nawait new Promise(() => {});\n" });
      t.equal(rejected.error?.kind, 'rejection');
      t.match(rejected.error?.message, /nobody awaits me/);
      await again();
    });

    await t.test('the same seed twice gives the same trace; another seed another', async (t) => {
      const a = await runPreset('echo-select', { seed: 42 });
      const b = await runPreset('echo-select', { seed: 42 });
      t.ok(a.calls > 0);
      t.equal(json(b.trace), json(a.trace));
      const c = await runPreset('echo-select', { seed: 43 });
      t.not(json(c.trace), json(a.trace), 'fragments cut elsewhere: another run');
    });

    await t.test('index.html#preset=ID opens that preset (as the tutorial links them), not run', async (t) => {
      for (const id of ['framed', 'echo-epoll-et']) {
        const other = await open(`${url}#preset=${id}`);
        t.teardown(() => other.close());
        const opened = await other.evaluate(() => window.netSelectPlayground.current());
        t.equal(opened.preset, id, `#preset=${id} selects it`);
        t.equal(opened.code, preset(id).code, 'and puts its program in the editor');
        t.equal(await other.evaluate(() => window.netSelectPlayground.state().runs), 0, 'nothing ran');
      }
    });

    await t.test('bug: a damaged Share link or an unknown #preset= said "Ready" and loaded the default program silently; the status says why', async (t) => {
      for (const [hash, said] of [
        ['#s=not-a-link', /^The shared link is damaged: the default program is loaded instead$/],
        ['#preset=no-such-preset', /^No preset "no-such-preset": the default program is loaded instead$/],
      ] as const) {
        const other = await open(`${url}${hash}`);
        t.teardown(() => other.close());
        t.match(await other.textContent('#status'), said, hash);
        t.equal((await other.evaluate(() => window.netSelectPlayground.current())).preset, preset('echo-select').id, 'the default preset is open');
      }
    });

    await t.test('bug: the reset probability field shared its id with the Reset button, so the form read the button and every run had no resets', async (t) => {
      await page.evaluate(() => window.netSelectPlayground.load('echo-select'));
      const field = page.getByLabel('reset probability');
      await field.fill('0.05');
      t.equal((await page.evaluate(() => window.netSelectPlayground.current())).settings.faults.reset, 0.05, 'the form reads the field');
      await page.evaluate(() => window.netSelectPlayground.load('echo-select'));
      t.equal(await field.inputValue(), '0', 'loading a preset writes the field');
      const ids = await page.evaluate(() => [...document.querySelectorAll('[id]')].map((e) => e.id));
      t.same(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'no id is used twice on the page');
    });

    await t.test('a Share link reopens the same program and settings, runs nothing until Run, then gives the same trace', async (t) => {
      await page.evaluate(() => window.netSelectPlayground.load('framed'));
      await page.fill('#seed', '7');
      await page.fill('#clients', '2');
      await page.uncheck('#fragment');
      const before = await page.evaluate(() => window.netSelectPlayground.current());
      await pressed('share');
      const link = await page.waitForFunction(() => document.getElementById('share-url')?.value || null).then((h) => h.jsonValue() as Promise<string>);
      t.match(link, /#s=/);
      await pressed('run');
      const first = await result();
      t.ok(first.calls > 0 && first.lost === 0);

      const other = await open(link);
      t.teardown(() => other.close());
      t.same(await other.evaluate(() => window.netSelectPlayground.current()), before, 'the same program, preset and settings');
      t.same(await other.evaluate(() => window.netSelectPlayground.state()), { runs: 0, calls: 0, running: false, paused: false }, 'nothing has run');
      t.equal(await other.textContent('#console'), '', 'and nothing printed');
      await pressed('run', other);
      t.equal(json((await result(other)).trace), json(first.trace), 'Run gives the same trace');
    });

    await t.test('a program unknown to the page, handed to the hook, runs and reports its trace', async (t) => {
      const code = [
        "import { listen, Poll, POLLIN } from 'net-select';",
        'const server = await listen({ port: 9000 });',
        'const poll = new Poll();',
        'poll.register(server, POLLIN);',
        'const socks = new Map<number, any>();',
        'for (;;) {',
        '  for (const [fd] of await poll.poll(1000)) {',
        '    if (fd === server.fileno()) {',
        '      const c = server.accept();',
        '      if (c) { socks.set(c.fileno(), c); poll.register(c, POLLIN); }',
        '      continue;',
        '    }',
        '    const c = socks.get(fd);',
        '    const data = c.recv(65536);',
        '    if (data === null) continue;',
        '    if (data.length === 0) { poll.unregister(c); c.close(); socks.delete(fd); }',
        '    else c.send(data);',
        '  }',
        '}',
      ].join('\n');
      const r = await run({ code, clients: { count: 3, size: 500, messages: 2, halfClose: true, protocol: 'echo' }, faults: { fragment: true }, seed: 5 });
      t.equal(r.error, undefined);
      t.equal(r.sent, 3 * 2 * 500);
      t.equal(r.echoed, r.sent);
      const polls = r.trace.filter((x) => x.channel === 'net-select:poll');
      t.equal(polls.length, r.calls, 'every call a poll');
      t.ok(polls.every((x) => x.message?.['call'] === 'poll'));
      const maxed = await run({ code, clients: { count: 3 }, maxCalls: 5 });
      t.equal(maxed.calls, 5, 'maxCalls stops it');
      t.equal(maxed.end, 'maxCalls');
    });

    t.same(problems, [], 'no console error, no page error, no request outside the page');
  });
}
