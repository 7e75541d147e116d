/**
 * The kernel differential test: the same seeded op sequences applied to a real Linux socket pair
 * (kernel_helper.py) and to a net-select pair, compared after every op (compare.ts); every disagreeing
 * sequence is shrunk (shrink.ts) and the minimal ones are printed with both worlds' answers, op by op.
 *
 * `npm run test:kernel -- --seed N --n N` runs it from the command line (cli.ts); test/kernel-diff.test.ts
 * runs a short version as part of `npm test`.
 */
import { listen } from '../../lib/index.js';
import { Comparator, type Diff } from './compare.js';
import { Rng, sequence } from './gen.js';
import { KernelWorld } from './kernel-world.js';
import { peer, showObs, showOp, showOps, type Op, type Step } from './model.js';
import { NodeWorld } from './node-world.js';
import { shrink } from './shrink.js';

/** One step of a run in both worlds, and where they differ. */
export interface PairedStep {
  kernel: Step;
  node: Step;
  diffs: Diff[];
}

/** A sequence's run: its steps (the set-up first) up to and including the first disagreeing one. */
export interface Trace {
  ops: Op[];
  steps: PairedStep[];
  /** Index into `ops` of the op after which the worlds first disagreed; -1 for the set-up; null: agreed. */
  failedAt: number | null;
}

/** A kind of disagreement, with its shrunk example. */
export interface Finding {
  signature: string;
  /** How many of the run's sequences disagreed this way. */
  sequences: number;
  seed: number;
  index: number;
  original: Op[];
  minimal: Op[];
  trace: Trace;
  /** Whether a second run of the minimal sequence disagreed again. */
  reproduced: boolean;
}

export interface Report {
  seeds: number[];
  sequences: number;
  agreed: number;
  findings: Finding[];
  /** Signatures seen but not shrunk (the shrink budget ran out), with counts. */
  unshrunk: Map<string, number>;
  exempted: Map<string, number>;
  kernelSettleTimeouts: number;
  ms: number;
}

export interface Options {
  seeds: number[];
  /** Sequences per seed. */
  n: number;
  /** At most this many kinds of disagreement are shrunk; the others are only counted. */
  shrinkKinds?: number;
  /** Candidate runs per shrink. */
  shrinkBudget?: number;
  /** Called after each sequence (progress). */
  onSequence?: (seed: number, index: number, trace: Trace) => void;
}

/** The seed of sequence `index` of `seed`: any sequence can be rerun on its own. */
export function sequenceSeed(seed: number, index: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + index) >>> 0;
}

/** The two worlds, opened once per run. */
export class Worlds {
  private constructor(
    readonly kernel: KernelWorld,
    readonly node: NodeWorld,
    readonly close: () => void,
  ) {}

  static async open(): Promise<Worlds> {
    const listener = await listen({ host: '127.0.0.1', port: 0 });
    const kernel = new KernelWorld();
    const node = new NodeWorld(listener);
    return new Worlds(kernel, node, () => {
      node.end();
      listener.close();
      kernel.close();
    });
  }
}

/** Runs `ops` on fresh pairs in both worlds, comparing after each op; stops at the first disagreement. */
export async function runSequence(w: Worlds, ops: Op[], cmp = new Comparator()): Promise<Trace> {
  const steps: PairedStep[] = [];
  const k0 = await w.kernel.open();
  const n0 = await w.node.open();
  const d0 = cmp.compareObs(k0.obs, n0.obs);
  steps.push({ kernel: k0, node: n0, diffs: d0 });
  let failedAt: number | null = d0.length ? -1 : null;
  for (let i = 0; i < ops.length && failedAt === null; i++) {
    const op = ops[i] as Op;
    const outcome = await w.node.call(op);
    const k = await w.kernel.apply(op);
    const diffs = cmp.outcome(op, k.outcome, outcome);
    let n = await w.node.settled(op, outcome, (bits) => cmp.bitsAgree(k.obs.bits, bits));
    let obsDiffs = cmp.compareObs(k.obs, n.obs);
    if (obsDiffs.length) {
      // A late edge or a late change still counts: wait until net-select is quiet, then look again.
      n = await w.node.linger(n);
      obsDiffs = cmp.compareObs(k.obs, n.obs);
    }
    diffs.push(...obsDiffs);
    steps.push({ kernel: k, node: n, diffs });
    if (diffs.length) failedAt = i;
  }
  await w.kernel.end();
  w.node.end();
  return { ops, steps, failedAt };
}

/**
 * What kind of disagreement a trace shows, for grouping and for keeping a shrink on the same bug: the op
 * kind at the first disagreeing step and the fields that differ, with the ends named relative to the op
 * (`self`, `peer`).
 */
export function signature(t: Trace): string {
  if (t.failedAt === null) return '';
  const step = t.steps[t.steps.length - 1] as PairedStep;
  const op = t.failedAt >= 0 ? (t.ops[t.failedAt] as Op) : null;
  const rel = (field: string): string =>
    op ? field.replace(new RegExp(`\\.${op.side}$`), '.self').replace(new RegExp(`\\.${peer(op.side)}$`), '.peer') : field;
  const kind = op ? (op.op === 'shutdown' ? `shutdown(${op.n})` : op.op) : 'connect';
  const fields = [...new Set(step.diffs.map((d) => rel(d.field)))].sort();
  return `after ${kind}: ${fields.join(', ')}`;
}

/** Runs the sequences of every seed, shrinks one example of each kind of disagreement. */
export async function runKernelDiff(opts: Options): Promise<Report> {
  const start = performance.now();
  const w = await Worlds.open();
  const cmp = new Comparator();
  const kinds = new Map<string, { count: number; seed: number; index: number; trace: Trace }>();
  let sequences = 0;
  let agreed = 0;
  try {
    for (const seed of opts.seeds) {
      for (let i = 0; i < opts.n; i++) {
        const ops = sequence(new Rng(sequenceSeed(seed, i)));
        const trace = await runSequence(w, ops, cmp.fork());
        sequences++;
        opts.onSequence?.(seed, i, trace);
        if (trace.failedAt === null) {
          agreed++;
          continue;
        }
        const sig = signature(trace);
        const kind = kinds.get(sig);
        if (kind) kind.count++;
        else kinds.set(sig, { count: 1, seed, index: i, trace });
      }
    }
    const findings: Finding[] = [];
    const unshrunk = new Map<string, number>();
    const maxKinds = opts.shrinkKinds ?? Infinity;
    for (const [sig, kind] of [...kinds].sort((x, y) => y[1].count - x[1].count)) {
      if (findings.length >= maxKinds) {
        unshrunk.set(sig, kind.count);
        continue;
      }
      const stillFails = async (ops: Op[]): Promise<number | null> => {
        const t = await runSequence(w, ops, cmp.fork());
        return signature(t) === sig ? (t.failedAt as number) + 1 : null;
      };
      const original = kind.trace.ops;
      const minimal = await shrink(original, (kind.trace.failedAt as number) + 1, stillFails, opts.shrinkBudget);
      const trace = await runSequence(w, minimal, cmp.fork());
      findings.push({
        signature: sig,
        sequences: kind.count,
        seed: kind.seed,
        index: kind.index,
        original,
        minimal,
        trace: trace.failedAt === null ? kind.trace : trace,
        reproduced: signature(trace) === sig,
      });
    }
    return {
      seeds: opts.seeds,
      sequences,
      agreed,
      findings,
      unshrunk,
      exempted: cmp.exempted,
      kernelSettleTimeouts: w.kernel.timedOutSettles,
      ms: performance.now() - start,
    };
  } finally {
    w.close();
  }
}

/** Both worlds' answers, op by op, with the differing fields marked. */
export function formatTrace(t: Trace): string {
  const lines: string[] = [];
  for (const [i, s] of t.steps.entries()) {
    const op = i === 0 ? null : (t.ops[i - 1] as Op);
    lines.push(`  ${showOp(op)}`);
    lines.push(`    Linux:      ${s.kernel.outcome.padEnd(14)} ${showObs(s.kernel.obs)}`);
    lines.push(`    net-select: ${s.node.outcome.padEnd(14)} ${showObs(s.node.obs)}`);
    for (const d of s.diffs) lines.push(`    DIFFERS ${d.field}: Linux ${d.kernel}, net-select ${d.node}`);
  }
  return lines.join('\n');
}

/** The report as text: a summary line, then each kind of disagreement with its minimal sequence. */
export function formatReport(r: Report): string {
  const out: string[] = [];
  const exempted = [...r.exempted].map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  out.push(
    `kernel-diff seeds ${r.seeds.join(',')}: ${r.agreed} of ${r.sequences} sequences agree; ` +
      `${r.findings.length + r.unshrunk.size} kinds of disagreement; exempted differences: ${exempted}; ` +
      `kernel settles over the cap: ${r.kernelSettleTimeouts}; ${(r.ms / 1000).toFixed(1)} s`,
  );
  for (const f of r.findings) {
    out.push('');
    out.push(`DISAGREEMENT ${f.signature}  (${f.sequences} sequences; first: seed ${f.seed} #${f.index})`);
    out.push(`  minimal: ${showOps(f.minimal)}${f.reproduced ? '' : '   (did not reproduce on a second run)'}`);
    out.push(`  from:    ${showOps(f.original)}`);
    out.push(formatTrace(f.trace));
  }
  for (const [sig, count] of r.unshrunk) out.push(`not shrunk: ${sig} (${count} sequences)`);
  return out.join('\n');
}
