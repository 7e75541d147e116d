/**
 * `npm run test:kernel -- --seed N --n N [--seeds 1,2,3] [--shrink K] [--verbose] [--self]
 * [--tolerate REGEX]`: a longer run of the kernel
 * differential test (run.ts). Prints the summary and every kind of disagreement, shrunk;  exits 1 if any.
 * `--tolerate` goes on past disagreements whose signature matches (known bugs), to see what hides behind.
 * `--self` runs Linux against Linux, to check that the harness itself is quiet.
 */
import { parseArgs } from 'node:util';
import { showOps } from './model.js';
import { formatReport, runKernelDiff } from './run.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    seeds: { type: 'string' },
    n: { type: 'string', default: '300' },
    shrink: { type: 'string', default: '20' },
    verbose: { type: 'boolean', default: false },
    self: { type: 'boolean', default: false },
    tolerate: { type: 'string' },
  },
});
const seeds = (values.seeds ?? values.seed).split(',').map(Number);
const report = await runKernelDiff({
  seeds,
  n: Number(values.n),
  shrinkKinds: Number(values.shrink),
  self: values.self,
  ...(values.tolerate ? { tolerate: new RegExp(values.tolerate) } : {}),
  onSequence: (seed, i, t) => {
    if (values.verbose) console.log(`seed ${seed} #${i} ${t.found.length === 0 ? 'agrees' : 'DISAGREES'}: ${showOps(t.ops)}`);
  },
});
console.log(formatReport(report));
process.exitCode = report.findings.length + report.unshrunk.size > 0 ? 1 : 0;
