/**
 * docs/tutorial.md keeps its shape: its chapters in the order a learner needs them, a table of contents that
 * links to each, every exercise taught in a chapter, and a measured select-versus-threads table. That its
 * commands run and its code compiles is test/guides.test.ts's part.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { exercises } from '../examples/exercises/run.js';
import { ROOT } from './fixtures/helpers.js';

const text = fs.readFileSync(path.join(ROOT, 'docs/tutorial.md'), 'utf8');
const slug = (h: string): string => h.toLowerCase().replace(/[^\w\s-]/g, '').trim().replace(/\s/g, '-');
const chapters = [...text.matchAll(/^## (\d+)\. (.+)$/gm)].map((m) => ({ n: Number(m[1]), title: m[2] as string, at: m.index }));

t.test('the chapters come in the order a learner needs them', async (t) => {
  const order = [/what select does/i, /readiness rules/i, /seed's server/i, /busy loop.*backpressure/i, /stdin.*pipes/i, /chat server/i, /costs/i, /epoll/i, /threads?/i];
  t.same(chapters.map((c) => c.n), order.map((_, i) => i + 1), 'numbered 1..9');
  order.forEach((re, i) => t.match(chapters[i]?.title ?? '', re, `chapter ${i + 1}`));
});

t.test('the table of contents links to every chapter, in order', async (t) => {
  const links = [...text.matchAll(/^\| \[[^\]]+\]\(#([\w-]+)\)/gm)].map((m) => m[1] as string);
  t.same(links, chapters.map((c) => slug(`${c.n}. ${c.title}`)));
});

t.test('every exercise is taught in a chapter, and the chapter says how to grade it', async (t) => {
  for (const { n, dir } of exercises()) {
    const i = text.indexOf(`examples/exercises/${dir}/start.ts`);
    t.ok(i > 0, `exercise ${n} (${dir}) is named`);
    const chapter = chapters.filter((c) => c.at < i).at(-1);
    const body = text.slice(chapter?.at ?? 0, chapters.find((c) => c.at > i)?.at ?? text.length);
    t.match(body, `npm run exercise -- ${n}`, `its chapter (${chapter?.title}) gives npm run exercise -- ${n}`);
  }
});

t.test('the chapters that explain readiness, the busy loop and costs show the HTML timeline', async (t) => {
  for (const re of [/readiness rules/i, /busy loop/i, /costs/i]) {
    const c = chapters.find((ch) => re.test(ch.title));
    const body = text.slice(c?.at ?? 0, chapters.find((ch) => ch.at > (c?.at ?? 0))?.at ?? text.length);
    t.match(body, /npx net-select trace --html/, `chapter ${c?.n}: ${c?.title}`);
  }
});

t.test('each short (`--grep "NAME"`) of the epoll chapter selects a test of test/epoll.test.ts', async (t) => {
  const c = chapters.find((ch) => /epoll/i.test(ch.title));
  const body = text.slice(c?.at ?? 0, chapters.find((ch) => ch.at > (c?.at ?? 0))?.at ?? text.length);
  const greps = [...body.matchAll(/\(`--grep "([^"]+)"`\)/g)].map((m) => m[1] as string);
  t.ok(greps.length >= 3, `${greps.length} greps`);
  const names = [...fs.readFileSync(path.join(ROOT, 'test/epoll.test.ts'), 'utf8').matchAll(/t\.test\(\s*(['"`])(.*?)\1/g)].map((m) => m[2] as string);
  for (const g of greps) t.ok(names.some((n) => new RegExp(g).test(n)), `--grep "${g}"`);
});

t.test('the select-versus-threads chapter has a measured table, not a placeholder', async (t) => {
  t.notMatch(text, /THREADS_TABLE/);
  t.match(text, /^\| 1000 \| thread per connection \| [\d.]+ MB \|/m);
});
