/**
 * The testing guide (docs/testing.md) and the README's digest of it: the guide's three-host example is exactly
 * examples/sim-partition.ts, that program shows the partition and the repair the same way on every run of its
 * seed, and the README's "Testing your protocol" shows the guide's code and links to it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ROOT, runTs } from './fixtures/helpers.js';

t.test('the three-host example of docs/testing.md is examples/sim-partition.ts, with the package names in the imports', async (t) => {
  const guide = readFileSync(join(ROOT, 'docs/testing.md'), 'utf8');
  const block = /Three hosts, a partition and a repair[^\n]*\n\n```ts\n([\s\S]*?)```/.exec(guide)?.[1];
  t.ok(block, 'the guide has the example');
  const file = readFileSync(join(ROOT, 'examples/sim-partition.ts'), 'utf8');
  const code = file
    .slice(file.indexOf('import {'))
    .replace("from '../lib/index.js';", "from 'net-select';")
    .replace("from '../lib/testing/index.js';", "from 'net-select/testing';");
  t.equal(block, code);
});

t.test('the testing section of the README follows docs/testing.md: the same code, and a link to the whole kit', async (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const guide = readFileSync(join(ROOT, 'docs/testing.md'), 'utf8');
  const start = readme.indexOf('## Testing your protocol');
  t.ok(start >= 0, 'the README has the section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  t.ok(blocks.length > 0, 'the section shows code');
  for (const block of blocks) t.ok(guide.includes(block), 'each of its code blocks is in the guide, word for word');
  t.match(section, /\]\(docs\/testing\.md\)/, 'it links to the guide');
  t.ok(section.split('\n').length <= 35, 'it stays a digest: about 30 lines');
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

t.test('the README stays a front page: at most 15 KB, the rest in the guides it links', async (t) => {
  const bytes = readFileSync(join(ROOT, 'README.md')).length;
  t.ok(bytes <= 15_000, `README.md is ${bytes} bytes`);
});
