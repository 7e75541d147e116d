/**
 * The README's "Testing your protocol": its three-host example is exactly examples/sim-partition.ts, and that
 * program shows the partition and the repair, the same way on every run of its seed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ROOT, runTs } from './fixtures/helpers.js';

t.test('the README three-host example is examples/sim-partition.ts, with the package names in the imports', async (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Testing your protocol'));
  const block = /Three hosts, a partition and a repair[^\n]*\n\n```ts\n([\s\S]*?)```/.exec(section)?.[1];
  t.ok(block, 'the section has the example');
  const file = readFileSync(join(ROOT, 'examples/sim-partition.ts'), 'utf8');
  const code = file
    .slice(file.indexOf('import {'))
    .replace("from '../lib/index.js';", "from 'net-select';")
    .replace("from '../lib/testing/index.js';", "from 'net-select/testing';");
  t.equal(block, code);
});

t.test('the three-host example: a partition holds app1 a virtual minute, app2 is served, the repair loses nothing', async (t) => {
  const outs: string[] = [];
  for (let i = 0; i < 2; i++) {
    const child = runTs(t, 'examples/sim-partition.ts');
    t.equal(await child.exited, 0, child.err());
    outs.push(child.out());
  }
  const out = outs[0] as string;
  t.match(out, /both served: hello app1, hello app2/);
  t.match(out, /t=(6\d{4}(\.\d+)?)ms app1 cut off, app2 still served: still here/, 'a virtual minute later');
  t.match(out, /after the repair app1 gets: ping-1;ping-2;/);
  if (process.env.NET_SELECT_SEED === undefined) t.equal(outs[1], out, 'the same seed, the same run');
});
