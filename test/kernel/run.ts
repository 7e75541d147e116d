/**
 * The kernel differential test: the same seeded op sequences applied to a real Linux pair of each kind (a TCP
 * connection, a pipe, two UDP sockets, a regular file; kernel_helper.py) and to net-select's, compared after
 * every op (compare.ts); every disagreeing sequence is shrunk (shrink.ts) and the minimal ones are printed
 * with both worlds' answers, op by op.
 *
 * `npm run test:kernel -- --seed N --n N` runs it from the command line (cli.ts); test/kernel-diff.test.ts
 * runs a short version as part of `npm test`.
 */
import { Comparator, type Diff } from './compare.js';
import { Rng, sequenceOf } from './gen.js';
import { KernelAsWorld, KernelWorld } from './kernel-world.js';
import { peer, showObs, showOp, showOps, type Kind, type Op, type Step, type World } from './model.js';
import { NodeWorld } from './node-world.js';
import { shrink } from './shrink.js';

/** One step of a run in both worlds, and where they differ. */
export interface PairedStep {
  kernel: Step;
  node: Step;
  diffs: Diff[];
}

/** A sequence's run: its steps (the set-up first), up to the first disagreement that is not tolerated. */
export interface Trace {
  kind: Kind;
  ops: Op[];
  steps: PairedStep[];
  /** Each disagreeing step: the index into `ops` of its op (-1: the set-up), and its signature. */
  found: { at: number; sig: string }[];
}

/** A kind of disagreement, with its shrunk example. */
export interface Finding {
  kind: Kind;
  signature: string;
  /** How many of the run's sequences disagreed this way. */
  sequences: number;
  seed: number;
  index: number;
  original: Op[];
  minimal: Op[];
  trace: Trace;
  /** Whether the last run of the minimal sequence disagreed this way again. */
  reproduced: boolean;
}

/** What a run found: how many sequences agreed, each kind of disagreement, what the exemptions let pass. */
export interface Report {
  seeds: number[];
  sequences: number;
  agreed: number;
  /** Sequences, agreeing sequences and ops run, by kind. */
  byKind: Map<Kind, { sequences: number; agreed: number; ops: number }>;
  findings: Finding[];
  /** Signatures seen but not shrunk (the shrink budget ran out), with counts. */
  unshrunk: Map<string, number>;
  /** Differences each exemption let pass, by name. */
  exempted: Map<string, number>;
  /** Linux settles that ran into the helper's cap (0 unless a peer vanished). */
  kernelSettleTimeouts: number;
  ms: number;
}

/** What to run: which seeds, how many sequences each, how much shrinking. */
export interface Options {
  seeds: number[];
  /** The kinds of pair to run (default {@link DEFAULT_KINDS}); each seed runs `n` sequences of each. */
  kinds?: readonly Kind[];
  /** Sequences per seed and kind. */
  n: number;
  /** The index of each seed's first sequence (default 0): `from: 12, n: 1` reruns sequence #12 alone. */
  from?: number;
  /** At most this many kinds of disagreement are shrunk; the others are only counted. */
  shrinkKinds?: number;
  /** Candidate runs per shrink. */
  shrinkBudget?: number;
  /** Linux against Linux: a check of the harness itself (every disagreement is noise). */
  self?: boolean;
  /** Disagreements whose signature this matches are recorded, and the sequence goes on (see runSequence). */
  tolerate?: RegExp;
  /** Called after each sequence (progress). */
  onSequence?: (seed: number, index: number, trace: Trace) => void;
}

/**
 * Signatures of disagreements in edge-triggered events only: they leave both worlds' sockets alike, so a
 * run may go on past them (`tolerate`) and show what hides behind.
 */
export const EDGES_ONLY = /^([a-z]+ )?after [a-z]+(\(\d\))?: (et\.[a-z]+\.(self|peer)(, )?)+$/;

/** The kinds a run compares unless told otherwise: all of them. */
export const DEFAULT_KINDS: readonly Kind[] = ['tcp', 'pipe', 'udp', 'udpc', 'file'];

const KIND_SALT: Record<Kind, number> = { tcp: 0, pipe: 0x70697065, udp: 0x75647020, udpc: 0x75647063, file: 0x66696c65 };

/**
 * The seed of sequence `index` of `seed` for `kind`: any sequence can be rerun on its own (TCP's are the
 * ones the run drew before it knew other kinds).
 */
export function sequenceSeed(seed: number, index: number, kind: Kind = 'tcp'): number {
  return ((Math.imul(seed >>> 0, 0x9e3779b1) + index) ^ KIND_SALT[kind]) >>> 0;
}

/** The two worlds, opened once per run: Linux, and net-select (or Linux again, to check the harness). */
export class Worlds {
  private constructor(
    readonly kernel: KernelWorld,
    readonly node: World,
  ) {}

  static async open(self = false): Promise<Worlds> {
    return new Worlds(new KernelWorld(), self ? new KernelAsWorld() : await NodeWorld.create());
  }

  close(): void {
    this.node.close();
    this.kernel.close();
  }
}

/**
 * Runs `ops` on fresh pairs in both worlds, comparing after each op; stops at the first disagreement whose
 * signature `tolerate` does not match (a tolerated one, a known bug that leaves both states alike, is
 * recorded and the run goes on, so that what hides behind it shows).
 */
export async function runSequence(w: Worlds, ops: Op[], cmp = new Comparator(), tolerate?: RegExp): Promise<Trace> {
  const kind = cmp.kind;
  const steps: PairedStep[] = [];
  const found: Trace['found'] = [];
  const k0 = await w.kernel.open(kind);
  const n0 = await w.node.open(kind);
  const d0 = cmp.compareObs(k0.obs, n0.obs);
  steps.push({ kernel: k0, node: n0, diffs: d0 });
  if (d0.length) found.push({ at: -1, sig: signature(null, d0, kind) });
  for (let i = 0; i < ops.length && found.every((f) => tolerate?.test(f.sig)); i++) {
    const op = ops[i] as Op;
    // Both worlds at once: the kernel helper applies and settles while net-select does the same.
    const asked = w.kernel.apply(op);
    const outcome = await w.node.call(op);
    let k: Step | null = null;
    let diffs: Diff[] = [];
    const answered = asked.then((step) => {
      k = step;
      diffs = cmp.outcome(op, step.outcome, outcome);
      return step;
    });
    let n = await w.node.settled(op, outcome, (bits) => k !== null && cmp.bitsAgree(k.obs.bits, bits));
    k = await answered;
    let obsDiffs = cmp.compareObs(k.obs, n.obs);
    if (obsDiffs.length) {
      // A late edge or a late change still counts: wait until net-select is quiet, then look again.
      n = await w.node.linger(n);
      obsDiffs = cmp.compareObs(k.obs, n.obs);
    }
    diffs.push(...obsDiffs);
    steps.push({ kernel: k, node: n, diffs });
    if (diffs.length) found.push({ at: i, sig: signature(op, diffs, kind) });
    if (cmp.diverged()) break;
  }
  await w.kernel.end();
  await w.node.end();
  return { kind, ops, steps, found };
}

/**
 * What kind of disagreement a step shows, for grouping and for keeping a shrink on the same bug: the kind of
 * pair (but TCP's), the op and the fields that differ, with the ends named relative to the op (`self`, `peer`).
 */
export function signature(op: Op | null, diffs: Diff[], kind: Kind = 'tcp'): string {
  const rel = (field: string): string => {
    if (!op) return field;
    return field.replace(new RegExp(`\\.${op.side}$`), '.self').replace(new RegExp(`\\.${peer(op.side)}$`), '.peer');
  };
  const what = op ? (op.op === 'shutdown' ? `shutdown(${op.n})` : op.op) : 'connect';
  const fields = [...new Set(diffs.map((d) => rel(d.field)))].sort();
  return `${kind === 'tcp' ? '' : `${kind} `}after ${what}: ${fields.join(', ')}`;
}

/** Runs the sequences of every seed, shrinks one example of each kind of disagreement. */
export async function runKernelDiff(opts: Options): Promise<Report> {
  const start = performance.now();
  const w = await Worlds.open(opts.self);
  const kinds = new Map<string, { kind: Kind; count: number; seed: number; index: number; ops: Op[] }>();
  const byKind: Report['byKind'] = new Map();
  const exempted = new Map<string, number>();
  const cmpFor = (kind: Kind): Comparator => new Comparator(!opts.self, exempted, kind);
  let sequences = 0;
  let agreed = 0;
  try {
    for (const seed of opts.seeds) {
      for (const kind of opts.kinds ?? DEFAULT_KINDS) {
        const tally = byKind.get(kind) ?? { sequences: 0, agreed: 0, ops: 0 };
        byKind.set(kind, tally);
        for (let i = opts.from ?? 0; i < (opts.from ?? 0) + opts.n; i++) {
          const ops = sequenceOf(kind, new Rng(sequenceSeed(seed, i, kind)));
          const trace = await runSequence(w, ops, cmpFor(kind), opts.tolerate);
          sequences++;
          tally.sequences++;
          tally.ops += trace.steps.length - 1;
          opts.onSequence?.(seed, i, trace);
          if (trace.found.length === 0) {
            agreed++;
            tally.agreed++;
          }
          for (const sig of new Set(trace.found.map((f) => f.sig))) {
            const known = kinds.get(sig);
            if (known) known.count++;
            else kinds.set(sig, { kind, count: 1, seed, index: i, ops });
          }
        }
      }
    }
    const findings: Finding[] = [];
    const unshrunk = new Map<string, number>();
    const maxKinds = opts.shrinkKinds ?? Infinity;
    for (const [sig, found] of [...kinds].sort((x, y) => y[1].count - x[1].count)) {
      if (findings.length >= maxKinds) {
        unshrunk.set(sig, found.count);
        continue;
      }
      const needed = (t: Trace): number | null => {
        const f = t.found.find((x) => x.sig === sig);
        return f ? f.at + 1 : null;
      };
      const stillFails = async (ops: Op[]): Promise<number | null> =>
        needed(await runSequence(w, ops, cmpFor(found.kind), opts.tolerate));
      const original = found.ops;
      const first = await runSequence(w, original, cmpFor(found.kind), opts.tolerate);
      const minimal = await shrink(original, needed(first) ?? original.length, stillFails, opts.shrinkBudget);
      const trace = await runSequence(w, minimal, cmpFor(found.kind), opts.tolerate);
      findings.push({
        kind: found.kind,
        signature: sig,
        sequences: found.count,
        seed: found.seed,
        index: found.index,
        original,
        minimal,
        trace,
        reproduced: needed(trace) !== null,
      });
    }
    return {
      seeds: opts.seeds,
      sequences,
      agreed,
      byKind,
      findings,
      unshrunk,
      exempted,
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
    lines.push(`  ${showOp(op, t.kind)}`);
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
  const kinds = [...r.byKind].map(([k, v]) => `${k} ${v.agreed}/${v.sequences} (${v.ops} ops)`).join(', ');
  out.push(
    `kernel-diff seeds ${r.seeds.join(',')}: ${r.agreed} of ${r.sequences} sequences agree [${kinds}]; ` +
      `${r.findings.length + r.unshrunk.size} kinds of disagreement; exempted differences: ${exempted}; ` +
      `kernel settles over the cap: ${r.kernelSettleTimeouts}; ${(r.ms / 1000).toFixed(1)} s`,
  );
  for (const f of r.findings) {
    out.push('');
    out.push(`DISAGREEMENT ${f.signature}  (${f.sequences} sequences; first: seed ${f.seed} #${f.index}, --kind ${f.kind})`);
    out.push(`  minimal: ${showOps(f.minimal)}${f.reproduced ? '' : '   (did not reproduce on a second run)'}`);
    out.push(`  from:    ${showOps(f.original)}`);
    out.push(formatTrace(f.trace));
  }
  for (const [sig, count] of r.unshrunk) out.push(`not shrunk: ${sig} (${count} sequences)`);
  return out.join('\n');
}
