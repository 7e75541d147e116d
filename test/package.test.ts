/**
 * The package as a stranger gets it: `npm pack` (which builds through `prepare`), the tarball installed into a
 * scratch project, then consumers that `import` and `require` it, type-checked strictly (`skipLibCheck:
 * false`) under NodeNext and commonjs and run. The consumers are in test/fixtures/consumer/.
 */
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ROOT } from './fixtures/helpers.js';
import { CONSUMERS, NPM, npmInstall, run, scratchProject } from './fixtures/package.js';

const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin?: Record<string, string> };
const VERSION = PKG.version;
/** The files shipped besides dist/lib: the documents and the command-line programs of `bin`. */
const EXTRA = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', ...Object.values(PKG.bin ?? {}).map((f) => f.replace(/^\.\//, ''))];
const v = VERSION.replaceAll('.', '\\.');

const scratch = scratchProject(t, 'net-select-pkg-');

const packed = await run(NPM, ['pack', '--json', '--pack-destination', scratch], ROOT);
const manifest = packed.code === 0 ? (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[])[0] : undefined;
const shipped = manifest?.files.map((f) => f.path) ?? [];

// Everything slow happens before the first test, so tap's root test stays open while it runs.
const installed = manifest === undefined
  ? undefined
  : await npmInstall(scratch, join(scratch, manifest.filename));

t.test('npm pack builds the library through prepare and ships it with README, LICENSE and CHANGELOG', async (t) => {
  t.equal(packed.code, 0, 'npm pack succeeds', { stderr: packed.stderr });
  for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/lib/index.js', 'dist/lib/index.d.ts']) {
    t.ok(shipped.includes(f), `ships ${f}`);
  }
  t.same(shipped.filter((f) => !f.startsWith('dist/lib/') && !EXTRA.includes(f)), [],
    'nothing else (besides the bin programs): no compiled tests or examples, no sources');
  t.same(shipped.filter((f) => /\.(ts|js)$/.test(f) && !/\.(d\.ts|js)$/.test(f)), [], 'no TypeScript sources');
});

t.test('the shipped .d.ts files carry no internal member or constructor', async (t) => {
  const dir = join(scratch, 'node_modules/net-select/dist/lib');
  const dts = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
  t.ok(dts.length > 5, 'the declarations were built');
  const texts = dts.map((f) => [f, readFileSync(join(dir, f), 'utf8')] as const);
  t.same(texts.filter(([, text]) => text.includes('@internal')).map(([f]) => f), [], 'nothing tagged @internal');
  t.same(texts.filter(([, text]) => /^\s+(readonly )?_\w+/m.test(text)).map(([f]) => f), [], 'no underscore member');
  const socket = readFileSync(join(dir, 'sockets/socket.d.ts'), 'utf8');
  t.notMatch(socket, /constructor\(/, 'Socket has no public constructor: connect, accept or adopt make one');
  t.notMatch(readFileSync(join(dir, 'sockets/listener.d.ts'), 'utf8'), /constructor\(/, 'nor has Listener');
});

/** A consumer project folder inside the scratch project: its package.json, its tsconfig and one consumer. */
function project(name: string, type: 'module' | 'commonjs', module: 'NodeNext' | 'commonjs', file: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      module,
      target: 'ES2022',
      strict: true,
      skipLibCheck: false,
      resolveJsonModule: true,
      outDir: 'out',
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules/@types')],
    },
    files: [file],
  }));
  cpSync(join(CONSUMERS, file), join(dir, file));
  return dir;
}

t.test('the tarball installs into a scratch project', async (t) => {
  t.ok(installed, 'there was a tarball to install');
  t.equal(installed?.code, 0, 'npm install <tarball> succeeds', { stdout: installed?.stdout, stderr: installed?.stderr });
});

const projects = [
  { name: 'esm-nodenext', type: 'module', module: 'NodeNext', file: 'esm.ts', says: new RegExp(`^esm: net-select ${v} hi ok woken AbortError true$`, 'm') },
  { name: 'cjs-nodenext', type: 'commonjs', module: 'NodeNext', file: 'cjs.ts', says: /^cjs: function hi SocketError ok$/m },
  // bug: `import ... from 'net-select/testing'` had no types under module commonjs (TS2307): that resolution
  // ignores "exports", so package.json maps the subpath in "typesVersions" too.
  { name: 'cjs-commonjs', type: 'commonjs', module: 'commonjs', file: 'cjs.ts', says: /^cjs: function hi SocketError ok$/m },
] as const;

for (const p of projects) {
  const name = p.module === 'commonjs'
    ? 'bug: net-select/testing had no types under module commonjs (TS2307); a strict commonjs consumer of both entry points type-checks and runs'
    : `a strict ${p.type} consumer type-checks under module ${p.module} and runs`;
  t.test(name, { skip: installed?.code !== 0 && 'not installed' }, async (t) => {
    const dir = project(p.name, p.type, p.module, p.file);
    const checked = await run(process.execPath, [tsc, '-p', dir], dir);
    t.equal(checked.code, 0, 'tsc passes with skipLibCheck false', { output: checked.stdout + checked.stderr });
    const ran = await run(process.execPath, [join('out', p.file.replace(/\.ts$/, '.js'))], dir);
    t.equal(ran.code, 0, 'it runs', { stderr: ran.stderr });
    t.match(ran.stdout, p.says, 'it echoed through the package');
  });
}

t.test('plain JavaScript can require() and import the package', { skip: installed?.code !== 0 && 'not installed' }, async (t) => {
  for (const [file, says] of [['require.cjs', new RegExp(`^require: net-select ${v} function function$`, 'm')], ['import.mjs', /^import: function true$/m]] as const) {
    cpSync(join(CONSUMERS, file), join(scratch, file));
    const ran = await run(process.execPath, [file], scratch);
    t.equal(ran.code, 0, `${file} runs`, { stderr: ran.stderr });
    t.match(ran.stdout, says, `${file} sees the package`);
  }
});
