/**
 * docs/tutorial.md stays true: every example it runs exists, every `--grep` it gives selects a test in the
 * file it names, every file it points at exists, and its table of contents links to its own chapters.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ROOT } from './fixtures/helpers.js';

const text = fs.readFileSync(path.join(ROOT, 'docs/tutorial.md'), 'utf8');

t.test('every example and file the tutorial names exists', async (t) => {
  const files = new Set([...text.matchAll(/\b((?:examples|test|lib|docs)\/[\w./-]+\.(?:ts|md))\b/g)].map((m) => m[1] as string));
  t.ok(files.size >= 10, `${files.size} files named`);
  for (const f of files) t.ok(fs.existsSync(path.join(ROOT, f)), f);
});

t.test('every `npx tap FILE --grep "NAME"` selects at least one test in FILE', async (t) => {
  const greps = [...text.matchAll(/npx tap (test\/[\w.-]+\.ts) --grep "([^"]+)"/g)];
  const bare = [...text.matchAll(/\(`--grep "([^"]+)"`\)/g)]; // in chapter 9, short for test/epoll.test.ts
  t.ok(greps.length >= 4, `${greps.length} grep commands`);
  const cases: [string, string][] = [
    ...greps.map((m): [string, string] => [m[1] as string, m[2] as string]),
    ...bare.map((m): [string, string] => ['test/epoll.test.ts', m[1] as string]),
  ];
  for (const [file, pattern] of cases) {
    const names = [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/t\.test\(\s*(['"`])(.*?)\1/g)].map((m) => m[2] as string);
    t.ok(names.some((n) => new RegExp(pattern).test(n)), `${file} has a test matching "${pattern}"`);
  }
});

t.test('the table of contents links to chapters that exist, one per row', async (t) => {
  const slug = (h: string): string => h.toLowerCase().replace(/[^\w\s-]/g, '').trim().replace(/\s/g, '-');
  const anchors = new Set([...text.matchAll(/^## (.+)$/gm)].map((m) => slug(m[1] as string)));
  const links = [...text.matchAll(/^\| \[[^\]]+\]\(#([\w-]+)\)/gm)].map((m) => m[1] as string);
  t.equal(links.length, 10, 'ten chapters');
  for (const l of links) t.ok(anchors.has(l), `#${l}`);
});

t.test('the select-versus-threads chapter has a measured table, not a placeholder', async (t) => {
  t.notMatch(text, /THREADS_TABLE/);
  t.match(text, /^\| 1000 \| thread per connection \| [\d.]+ MB \|/m);
});
