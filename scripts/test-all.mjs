// `npm run test:all`: everything `npm test` runs, with its long tests, and the checks that take minutes: the
// package installed from a tarball and from git, the full load run, a longer kernel differential run. Each
// runs even when one before it failed, so that one run shows every failure; the exit code is 1 if any did.
import { spawnSync } from 'node:child_process';

const steps = [
  ['npm', ['test'], { NET_SELECT_LONG: '1' }],
  ['npm', ['run', 'test:package']],
  ['npm', ['run', 'test:load']],
  ['npm', ['run', 'test:kernel', '--', '--seeds', '4,5,6', '--n', '200']],
];

let failed = 0;
for (const [cmd, args, env = {}] of steps) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    failed++;
    console.error(`test:all: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
