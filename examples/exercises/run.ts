/**
 * Grades an exercise: `npm run exercise -- N` runs exercise N's check against your file, `N-name/start.ts`;
 * `npm run exercise -- N --answer` against the answer beside it. Prints what the check saw, one line each,
 * and exits 0 when every line holds, 1 when one does not (2 for a bad command line). Runs on the simulated
 * network, in virtual time: a few wall milliseconds, whatever the server does.
 *
 * Run: npm run exercise -- 1         (or: npx tsx examples/exercises/run.ts 1)
 */
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Check, Finding, Serve } from './kit.js';

const HERE = new URL('.', import.meta.url);

/** The exercises: their numbers and folders (`01-eof`, ...), in order. */
export function exercises(): { n: number; dir: string }[] {
  return readdirSync(HERE, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^\d\d-/.test(e.name))
    .map((e) => ({ n: Number(e.name.slice(0, 2)), dir: e.name }))
    .sort((a, b) => a.n - b.n);
}

/** Runs exercise `n`'s check against its `start` or `answer` file. */
export async function grade(n: number, which: 'start' | 'answer'): Promise<{ title: string; findings: Finding[] }> {
  const ex = exercises().find((e) => e.n === n);
  if (ex === undefined) throw new RangeError(`no exercise ${n}`);
  const { check, title } = (await import(new URL(`${ex.dir}/check.ts`, HERE).href)) as { check: Check; title: string };
  const { serve } = (await import(new URL(`${ex.dir}/${which}.ts`, HERE).href)) as { serve: Serve };
  return { title, findings: await check(serve) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const known = exercises();
  const n = Number(args[0]);
  const which = args[1] === '--answer' ? 'answer' : 'start';
  if (args.length < 1 || args.length > 2 || !/^\d+$/.test(args[0] ?? '') || (args[1] !== undefined && args[1] !== '--answer') ||
    !known.some((e) => e.n === n)) {
    console.error(`usage: npm run exercise -- N [--answer]   (N: ${known.map((e) => e.n).join(', ')}; got ${JSON.stringify(args)})`);
    process.exit(2);
  }
  const dir = known.find((e) => e.n === n)?.dir ?? '';
  const { title, findings } = await grade(n, which);
  console.log(`exercise ${n}: ${title} (examples/exercises/${dir}/${which}.ts)`);
  for (const f of findings) console.log(`  ${f.ok ? 'ok     ' : 'NOT OK '} ${f.line}`);
  const failed = findings.filter((f) => !f.ok).length;
  console.log(failed === 0 ? 'passed: every check holds' : `failed: ${failed} of ${findings.length} checks do not hold`);
  if (failed > 0 && which === 'start') {
    console.log(`fix examples/exercises/${dir}/start.ts and run this again; the answer: npm run exercise -- ${n} --answer`);
  }
  process.exitCode = failed === 0 ? 0 : 1;
}
