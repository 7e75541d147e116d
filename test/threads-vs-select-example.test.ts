/** examples/threads-vs-select.ts --quick: the table of both models, and a thread costing more memory than a socket in a list. */
import t from 'tap';
import { runTs, within } from './fixtures/helpers.js';

const MB = 1024 * 1024;
const toBytes = (n: string, unit: string): number => Number(n) * (unit === 'MB' ? MB : 1024);

t.test('--quick prints a row per model at 5 and 20 connections; a thread per connection costs megabytes', async (t) => {
  const child = runTs(t, 'examples/threads-vs-select.ts', ['--quick']);
  t.equal(await within(child.exited, 'the quick run', 110_000), 0);
  t.equal(child.err(), '');
  const rows = [...child.out().matchAll(/^ +(\d+) \| (thread per connection|one select loop) +\| +([\d.]+) (MB|KB) \| +(\d+)$/gm)];
  t.same(rows.map((r) => `${r[1]} ${r[2]}`), [
    '5 thread per connection',
    '5 one select loop',
    '20 thread per connection',
    '20 one select loop',
  ]);
  for (const r of rows) t.ok(Number(r[5]) > 0, `${r[1]} ${r[2]}: round trips happened`);
  for (const [threads, sel] of [[rows[0], rows[1]], [rows[2], rows[3]]] as const) {
    const perThread = toBytes(threads?.[3] as string, threads?.[4] as string);
    const perSocket = toBytes(sel?.[3] as string, sel?.[4] as string);
    // A Worker is a whole engine (heap, event loop): megabytes. A socket in a select list: kilobytes.
    t.ok(perThread > MB, `a thread per connection: ${threads?.[3]} ${threads?.[4]} each`);
    t.ok(perThread > 4 * perSocket, `more than the select loop's ${sel?.[3]} ${sel?.[4]} each`);
  }
});
