/**
 * A longer run of the kernel differential test (run.ts), from the command line:
 *
 *   npm run test:kernel -- --seed N --n N [--seeds 1,2,3] [--from I] [--shrink K] [--verbose] [--self]
 *                          [--tolerate REGEX] [--ops 'a.send(1); b.close()']
 *
 * Prints the summary and every kind of disagreement, shrunk (at most K kinds); exits 1 if any.
 * `--from I --n 1 --verbose` reruns sequence #I of the seed alone and prints both worlds' answers.
 * `--ops 'a.send(1); b.close()'` runs that one sequence to its end and prints both worlds' answers.
 * `--tolerate REGEX` goes on past disagreements whose signature matches (known bugs), to see what hides
 * behind; `--tolerate edges` past those in edge-triggered events only.
 * `--self` runs Linux against Linux, to check that the harness itself is quiet.
 */
import { parseArgs } from 'node:util';
import { parseOps, showOps } from './model.js';
import { EDGES_ONLY, Worlds, formatReport, formatTrace, runKernelDiff, runSequence } from './run.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    seeds: { type: 'string' },
    n: { type: 'string', default: '300' },
    from: { type: 'string', default: '0' },
    ops: { type: 'string' },
    shrink: { type: 'string', default: '20' },
    verbose: { type: 'boolean', default: false },
    self: { type: 'boolean', default: false },
    tolerate: { type: 'string' },
  },
});
if (values.ops !== undefined) {
  // One given sequence, both worlds' answers printed op by op.
  const w = await Worlds.open(values.self);
  try {
    const t = await runSequence(w, parseOps(values.ops), undefined, /./);
    console.log(formatTrace(t));
    process.exit(t.found.length ? 1 : 0);
  } finally {
    w.close();
  }
}
const seeds = (values.seeds ?? values.seed).split(',').map(Number);
const report = await runKernelDiff({
  seeds,
  n: Number(values.n),
  from: Number(values.from),
  shrinkKinds: Number(values.shrink),
  self: values.self,
  ...(values.tolerate ? { tolerate: values.tolerate === 'edges' ? EDGES_ONLY : new RegExp(values.tolerate) } : {}),
  onSequence: (seed, i, t) => {
    if (!values.verbose) return;
    console.log(`seed ${seed} #${i} ${t.found.length === 0 ? 'agrees' : 'DISAGREES'}: ${showOps(t.ops)}`);
    if (t.found.length) console.log(formatTrace(t));
  },
});
console.log(formatReport(report));
process.exitCode = report.findings.length + report.unshrunk.size > 0 ? 1 : 0;
