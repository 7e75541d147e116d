/**
 * The architecture as a test: `npm run check:arch` (dependency-cruiser's layer rules, knip, the browser
 * bundle) passes on lib/, and fails when a Node built-in is planted in a copy of a core file.
 */
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain ES module script, without types
import { bundleForBrowser } from '../scripts/browser-bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

t.test('npm run check:arch passes on lib/', async (t) => {
  const r = await run('npm', ['run', '--silent', 'check:arch'], root);
  t.equal(r.code, 0, r.out);
  t.match(r.out, /no dependency violations found/);
  t.match(r.out, /browser bundle: clean/);
});

/** A copy of the tree the checks read (lib/, package.json, the configs), with node_modules linked. */
function copyTree(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'net-select-arch-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ['lib', 'package.json', 'tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(root, f), join(dir, f), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function plant(dir: string, file: string, line: string): void {
  const path = join(dir, file);
  writeFileSync(path, `${line}\n${readFileSync(path, 'utf8')}`);
}

// One copy of the tree holds every planted fault, so that dependency-cruiser and the bundle run once for all.
t.test('planted faults fail: a node: import in a core file (layer rules and browser bundle), a core file importing a model, a type-only import cycle', async (t) => {
  const dir = copyTree(t);
  plant(dir, 'lib/core/errors.ts', "import { hostname } from 'node:os';\nexport const planted = hostname();");
  plant(dir, 'lib/core/host.ts', "import type { Poll } from '../models/poll.js';\nexport type Planted = Poll;");
  plant(dir, 'lib/core/flags.ts', "import type { FileLike } from './fd-table.js';\nexport type PlantedToo = FileLike;");
  plant(dir, 'lib/core/fd-table.ts', "import type { PollEvent } from './flags.js';\nexport type PlantedBack = PollEvent;");
  // Every fault is planted in lib/core/: cruising from there reaches each planted file and import (and what they
  // import) under the same rules, without parsing the layers above, which the first test cruises already.
  const r = await run(depcruise, ['lib/core', '--config', '.dependency-cruiser.cjs'], dir);
  t.not(r.code, 0, 'dependency-cruiser fails');
  t.match(r.out, /node-builtin-outside-node-backend: lib\/core\/errors\.ts → (node:)?os/, 'the node: import');
  t.match(r.out, /core-is-the-bottom-layer: lib\/core\/host\.ts → lib\/models\/poll\.ts/, 'the model import');
  t.match(r.out, /no-circular: lib\/core\/(flags|fd-table)\.ts →/, 'the type-only cycle');
  const { problems } = (await bundleForBrowser({ absWorkingDir: dir })) as { problems: string[] };
  t.match(problems.join('\n'), /lib\/core\/errors\.ts: Could not resolve "node:os"/, 'the browser bundle fails');
});
