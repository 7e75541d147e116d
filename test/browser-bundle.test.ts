/**
 * net-select in a browser: the bundle of net-select and net-select/testing for platform 'browser' holds no
 * Node built-in (the buffer package is the only stand-in), and in headless Chromium the simulated network
 * carries an echo, epoll works over an in-memory pair, and a real socket is a coded error.
 */
import t from 'tap';
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { POLLIN } from '../lib/index.js';
// @ts-expect-error: a plain ES module script, without types
import { bundleForBrowser, ALLOWED_PACKAGES } from '../scripts/browser-bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The headless Chromium to drive: `CHROMIUM_PATH`, else Debian's chromium-headless-shell or chromium. */
function chromiumPath(): string {
  const candidates = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium-headless-shell', '/usr/bin/chromium'];
  const found = candidates.find((p): p is string => typeof p === 'string' && existsSync(p));
  if (found === undefined) throw new Error('no headless Chromium: set CHROMIUM_PATH');
  return found;
}

t.test('the browser bundle of both entry points builds with no Node built-in and no Node backend', async (t) => {
  const { problems, result } = (await bundleForBrowser()) as { problems: string[]; result: esbuild.BuildResult<{ metafile: true }> | undefined };
  t.same(problems, [], 'nothing Node in it');
  const inputs = Object.keys(result?.metafile.inputs ?? {});
  t.ok(inputs.includes('lib/backends/node/browser.ts'), 'the Node backend is its browser stand-in');
  t.notOk(inputs.some((i) => i.startsWith('lib/backends/node/') && !i.endsWith('browser.ts')), 'and nothing else of it');
  t.ok(inputs.some((i) => i.startsWith('node_modules/buffer/')), 'Buffer comes from the buffer package');
  t.ok(ALLOWED_PACKAGES.includes('buffer'));
});

t.test('in a browser the simulated network echoes and carries datagrams, epoll works on a pair, and a real socket is ERR_NO_REAL_NETWORK', async (t) => {
  const built = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['test/fixtures/browser-sim.ts'],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const code = built.outputFiles[0]?.text ?? '';
  const browser = await chromium.launch({ executablePath: chromiumPath() });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addScriptTag({ content: code });
  const outcome = (await page.evaluate(() => (globalThis as { outcome?: Promise<unknown> }).outcome)) as {
    hasProcess: boolean;
    sim: { replies: string[]; now: number; seed: number };
    udp: string[];
    epoll: number[][];
    connect: string;
    listen: string;
    bindDatagram: string;
  };
  t.same(errors, [], 'no error in the page');
  t.equal(outcome.hasProcess, false, 'a browser: no process object');
  t.same(outcome.sim.replies, ['echoed', 'echoed', 'echoed'], 'each client got its bytes back, in order');
  t.ok(outcome.sim.now > 0, `virtual time moved (${outcome.sim.now} ms, seed ${outcome.sim.seed})`);
  t.same(outcome.udp, ['one', 'three', 'two'], 'three datagrams over the sim, each whole');
  t.equal(outcome.epoll.length, 1, 'one ready descriptor');
  t.equal(outcome.epoll[0]?.[1], POLLIN, 'readable');
  t.equal(outcome.connect, 'ERR_NO_REAL_NETWORK', 'connect() to a real host throws a coded error');
  t.equal(outcome.listen, 'ERR_NO_REAL_NETWORK', 'listen() on a real port rejects with it');
  t.equal(outcome.bindDatagram, 'ERR_NO_REAL_NETWORK', 'bindDatagram() on a real port rejects with it');
});
