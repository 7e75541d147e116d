// Run before `npm test`: builds tap's Test class for this project's plugin list if it is not built yet.
//
// package.json's "tap.plugin" drops @tapjs/typescript (tsx loads the .ts files instead). tap builds the
// matching Test class the first time it runs after an install, and during that first run every test process
// still loads the default set, ts-node and the TypeScript compiler included: the first `npm test` after
// `npm ci` took 280 s here instead of 160. Built once here, later runs find it and skip the build.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const built = readFileSync(new URL('../node_modules/@tapjs/test/test-built/src/index.ts', import.meta.url), 'utf8');
if (built.includes('"@tapjs/typescript"')) {
  const tap = new URL('../node_modules/.bin/tap', import.meta.url).pathname;
  const r = spawnSync(tap, ['build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.exit(r.status ?? 1);
}
