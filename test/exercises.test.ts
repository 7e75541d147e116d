/**
 * The exercises grade themselves (examples/exercises/): each check fails on the exercise's start file and
 * passes on its answer, on the simulated network in virtual time. `npm run exercise -- N` is the same check
 * run against the learner's start file.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { exercises, grade } from '../examples/exercises/run.js';
import { ROOT, runTs } from './fixtures/helpers.js';

const all = exercises();

t.test('there are at least five exercises, each with a start, an answer and a check', async (t) => {
  t.ok(all.length >= 5, `${all.length} exercises`);
  t.same(all.map((e) => e.n), all.map((_, i) => i + 1), 'numbered 1..N without a gap');
  for (const { dir } of all) {
    for (const f of ['start.ts', 'answer.ts', 'check.ts']) t.ok(fs.existsSync(path.join(ROOT, 'examples/exercises', dir, f)), `${dir}/${f}`);
  }
  const readme = fs.readFileSync(path.join(ROOT, 'examples/exercises/README.md'), 'utf8');
  for (const { n, dir } of all) t.match(readme, new RegExp(`${dir}/`), `the README lists exercise ${n}`);
});

t.test('npm run exercise -- N grades the start file: one line per check, exit 1 until it is fixed', async (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  t.equal(pkg.scripts['exercise'], 'tsx examples/exercises/run.ts', 'the npm script runs the grader');
  const child = runTs(t, 'examples/exercises/run.ts', ['3']);
  t.equal(await child.exited, 1);
  t.match(child.out(), /^exercise 3: .*03-epollet\/start\.ts\)$/m);
  t.match(child.out(), /^ {2}NOT OK {2}the echo comes back whole/m);
  t.match(child.out(), /^failed: 1 of 2 checks do not hold$/m);
  t.match(child.out(), /^fix examples\/exercises\/03-epollet\/start\.ts and run this again; the answer: npm run exercise -- 3 --answer$/m, 'says what to do next');
  const bad = runTs(t, 'examples/exercises/run.ts', ['99']);
  t.equal(await bad.exited, 2, 'no such exercise: exit 2');
  t.match(bad.err(), /^usage: npm run exercise -- N \[--answer\]/);
});

for (const { n, dir } of all) {
  t.test(`exercise ${n} (${dir}): the check fails on start.ts and passes on answer.ts`, async (t) => {
    const start = await grade(n, 'start');
    const failed = start.findings.filter((f) => !f.ok);
    t.ok(failed.length > 0, `start.ts fails: ${failed.map((f) => f.line).join('; ')}`);
    const answer = await grade(n, 'answer');
    t.same(answer.findings.filter((f) => !f.ok), [], 'answer.ts passes every check');
    t.ok(answer.findings.length >= 2, 'the check says more than one thing');
  });
}
