/**
 * A longer run of the kernel differential test (run.ts), from the command line:
 *
 *   npm run test:kernel -- --seed N --n N [--seeds 1,2,3] [--kind tcp,pipe,udp,udpc,file] [--from I] [--shrink K]
 *                          [--verbose] [--self] [--tolerate REGEX] [--ops 'a.send(1); b.close()']
 *
 * Runs N sequences of each kind of pair (`--kind`, default tcp,pipe,udp,udpc,file; `udpc` is two UDP sockets
 * connected to each other). Prints the summary and every kind of disagreement, shrunk (at most K kinds);
 * exits 1 if any.
 * `--from I --n 1 --verbose` reruns sequence #I of the seed alone and prints both worlds' answers.
 * `--ops 'a.send(1); b.close()'` runs that one sequence (on the first `--kind`) to its end and prints both
 * worlds' answers.
 * `--tolerate REGEX` goes on past disagreements whose signature matches (known bugs), to see what hides
 * behind; `--tolerate edges` past those in edge-triggered events only.
 * `--self` runs Linux against Linux, to check that the harness itself is quiet. A bad command line (an unknown
 * flag, a value that is not a whole number, a regular expression or op that does not parse) prints one line
 * and the usage, and exits 2; `--help` prints the usage.
 */
import { parseArgs } from 'node:util';
import { Comparator } from './compare.js';
import { KINDS, parseOps, showOps, type Kind } from './model.js';
import { DEFAULT_KINDS, EDGES_ONLY, Worlds, formatReport, formatTrace, runKernelDiff, runSequence } from './run.js';

const USAGE = "usage: npm run test:kernel -- [--seed N | --seeds 1,2,3] [--kind tcp,pipe,udp,udpc,file] [--n N] [--from I]\n" +
  "                             [--shrink K] [--verbose] [--self] [--tolerate REGEX|edges] [--ops 'a.send(1); b.close()']";

/** A bad command line: one line saying what is wrong, the usage, exit 2. */
function usage(problem: string): never {
  console.error(`kernel-diff: ${problem}\n${USAGE}`);
  process.exit(2);
}

/** A whole number of at least `min`, as written on the command line (decimal digits only). */
function count(text: string, flag: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min) usage(`--${flag} must be a whole number >= ${min}, not '${text}'`);
  return Number(text);
}

let parsed;
try {
  parsed = parseArgs({ options: {
    seed: { type: 'string', default: '1' },
    seeds: { type: 'string' },
    kind: { type: 'string', default: DEFAULT_KINDS.join(',') },
    n: { type: 'string', default: '300' },
    from: { type: 'string', default: '0' },
    ops: { type: 'string' },
    shrink: { type: 'string', default: '20' },
    verbose: { type: 'boolean', default: false },
    self: { type: 'boolean', default: false },
    tolerate: { type: 'string' },
    help: { type: 'boolean', default: false },
  } });
} catch (err) {
  usage((err as Error).message);
}
const { values } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const kinds = values.kind.split(',').map((k): Kind => {
  if (!(KINDS as readonly string[]).includes(k)) usage(`--kind must name kinds among ${KINDS.join(', ')}, not '${k}'`);
  return k as Kind;
});
if (values.ops !== undefined) {
  // One given sequence, both worlds' answers printed op by op.
  let ops;
  try {
    ops = parseOps(values.ops);
  } catch (err) {
    usage(`--ops: ${(err as Error).message}`);
  }
  const w = await Worlds.open(values.self);
  try {
    const t = await runSequence(w, ops, new Comparator(!values.self, undefined, kinds[0]), /./);
    console.log(formatTrace(t));
    process.exit(t.found.length ? 1 : 0);
  } finally {
    w.close();
  }
}
const seeds = (values.seeds ?? values.seed).split(',').map((s) => count(s, values.seeds === undefined ? 'seed' : 'seeds', 0));
let tolerate: RegExp | undefined;
try {
  tolerate = values.tolerate === undefined ? undefined : values.tolerate === 'edges' ? EDGES_ONLY : new RegExp(values.tolerate);
} catch (err) {
  usage(`--tolerate: ${(err as Error).message}`);
}
const report = await runKernelDiff({
  seeds,
  kinds,
  n: count(values.n, 'n', 1),
  from: count(values.from, 'from', 0),
  shrinkKinds: count(values.shrink, 'shrink', 0),
  self: values.self,
  ...(tolerate ? { tolerate } : {}),
  onSequence: (seed, i, t) => {
    if (!values.verbose) return;
    console.log(`seed ${seed} ${t.kind} #${i} ${t.found.length === 0 ? 'agrees' : 'DISAGREES'}: ${showOps(t.ops)}`);
    if (t.found.length) console.log(formatTrace(t));
  },
});
console.log(formatReport(report));
process.exitCode = report.findings.length + report.unshrunk.size > 0 ? 1 : 0;
