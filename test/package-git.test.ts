/**
 * `npm install <git url>` as a stranger runs it, against this repository's committed HEAD: npm clones it,
 * installs its devDependencies, builds it through `prepare` and packs it. The installed package must then
 * `require` and `import`. (Uncommitted changes are not in the clone: this checks what a push would give.)
 */
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ROOT } from './fixtures/helpers.js';
import { CONSUMERS, npmInstall, run, scratchProject } from './fixtures/package.js';

const scratch = scratchProject(t, 'net-select-git-');

t.test('npm install git+file://<repo>#<HEAD> gives a built package that require() and import load', async (t) => {
  const head = (await run('git', ['rev-parse', 'HEAD'], ROOT)).stdout.trim();
  t.match(head, /^[0-9a-f]{40}$/, 'the repository has a HEAD commit');
  const installed = await npmInstall(scratch, `git+file://${ROOT}#${head}`);
  t.equal(installed.code, 0, 'npm install <git url> succeeds', { stdout: installed.stdout, stderr: installed.stderr });
  const pkg = join(scratch, 'node_modules/net-select');
  t.ok(existsSync(join(pkg, 'dist/lib/index.js')), 'prepare built the library');
  t.ok(existsSync(join(pkg, 'dist/lib/index.d.ts')), 'with its declarations');
  t.notOk(existsSync(join(pkg, 'dist/test')), 'and without the compiled tests');
  for (const [file, says] of [['require.cjs', /^require: net-select \S+ function function$/m], ['import.mjs', /^import: function true$/m]] as const) {
    cpSync(join(CONSUMERS, file), join(scratch, file));
    const ran = await run(process.execPath, [file], scratch);
    t.equal(ran.code, 0, `${file} runs`, { stderr: ran.stderr });
    t.match(ran.stdout, says, `${file} sees the package`);
  }
});
