// Run before `npm test` (package.json's "pretest"): tap's Test class for this project's plugins
// (scripts/tap-build.mjs), then the two type-checks side by side, each on a core of its own: `tsc` builds
// dist/ (the examples' tests run them from there) and `npm run site:check` checks the playground's sources.
// One after the other they took 4.4 s before the first test started; at once, the longer of the two.
// Each one's output is printed whole when it ends, in this order; the exit code is 1 if either failed.
import { spawn, spawnSync } from 'node:child_process';

const build = spawnSync(process.execPath, [new URL('tap-build.mjs', import.meta.url).pathname], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname;
const checks = [
  [process.execPath, [tsc, '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo']],
  ['npm', ['run', '--silent', 'site:check']],
].map(
  ([cmd, args]) =>
    new Promise((resolve) => {
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d) => (out += d));
      child.on('error', (err) => resolve({ code: 1, out: `${cmd}: ${err.message}\n` }));
      child.on('close', (code, signal) => resolve({ code: code ?? signal, out }));
    }),
);
let failed = false;
for (const { code, out } of await Promise.all(checks)) {
  process.stdout.write(out);
  if (code !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
