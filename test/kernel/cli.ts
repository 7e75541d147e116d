/**
 * `npm run test:kernel -- --seed N --n N [--seeds 1,2,3] [--shrink K] [--verbose]`: a longer run of the kernel
 * differential test (run.ts). Prints the summary and every kind of disagreement, shrunk; exits 1 if any.
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
  },
});
const seeds = (values.seeds ?? values.seed).split(',').map(Number);
const report = await runKernelDiff({
  seeds,
  n: Number(values.n),
  shrinkKinds: Number(values.shrink),
  onSequence: (seed, i, t) => {
    if (values.verbose) console.log(`seed ${seed} #${i} ${t.failedAt === null ? 'agrees' : 'DISAGREES'}: ${showOps(t.ops)}`);
  },
});
console.log(formatReport(report));
process.exitCode = report.findings.length + report.unshrunk.size > 0 ? 1 : 0;
