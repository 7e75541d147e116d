/**
 * The vocabulary of the kernel differential test: an operation, what a program observes after it, and how
 * both are printed. Shared by the Linux side (kernel-world.ts, over kernel_helper.py), the net-select side
 * (node-world.ts), the comparison (compare.ts) and the shrinker (shrink.ts).
 */

/**
 * The kernel objects a pair is made of: `tcp` (`a` connected, `b` accepted), `pipe` (`a` the write end, `b` the
 * read end), `udp` (two UDP sockets sending to each other with sendto), `udpc` (the same, each connected to
 * the other, so that ICMP errors come back), `file` (a regular file: `a` open to append, `b` to read).
 */
export type Kind = 'tcp' | 'pipe' | 'udp' | 'udpc' | 'file';
export const KINDS: readonly Kind[] = ['tcp', 'pipe', 'udp', 'udpc', 'file'];

/** The two ends of a pair (see {@link Kind}); for TCP `a` connected, `b` accepted. */
export type Side = 'a' | 'b';
export const SIDES: readonly Side[] = ['a', 'b'];

/** The other end. */
export function peer(side: Side): Side {
  return side === 'a' ? 'b' : 'a';
}

/** One call made by the program on one end (`wait` makes none: a short while passes). */
export type Op =
  | { side: Side; op: 'send' | 'recv'; n: number }
  | { side: Side; op: 'shutdown'; n: 0 | 1 | 2 }
  | { side: Side; op: 'close' | 'reset' | 'wait'; n?: undefined };

/** The edge-triggered registrations, by name: EPOLLET with these masks. */
export const ET_NAMES = ['all', 'in', 'out'] as const;
export type EtName = (typeof ET_NAMES)[number];

/**
 * What the program sees once the pair has settled (see kernel_helper.py for the field-by-field meaning):
 * poll bits, select of each end alone ("rwx" with "-" for absent, or an errno name), a level-triggered
 * epoll's events (0 when not reported) and the events drained from each edge-triggered epoll.
 */
export interface Obs {
  bits: Record<Side, number>;
  sel: Record<Side, string>;
  lt: Record<Side, number>;
  et: Record<EtName, Partial<Record<Side, number>>>;
  /** What epoll_ctl(EPOLL_CTL_ADD) said of each end: `ok`, or an errno name (`EPERM` for a regular file). */
  reg: Record<Side, string>;
}

/**
 * A call's result, classified: `sent:N`, `recv:N`, `EOF`, `EAGAIN` (would block), `ok`, or an errno name.
 */
export type Outcome = string;

/** One step of a run: the op (none for the set-up) and what one world answered. */
export interface Step {
  op: Op | null;
  outcome: Outcome;
  obs: Obs;
}

/** The side compared against Linux: net-select's (node-world.ts), or Linux again as a check of the harness. */
export interface World {
  /** A fresh pair of `kind`, registered everywhere, settled: the set-up step. */
  open(kind: Kind): Promise<Step>;
  /** Makes the program's call and classifies its result. */
  call(op: Op): Promise<Outcome>;
  /** Settles after `op` (`agrees`: do these poll bits match Linux's answer?) and observes. */
  settled(op: Op, outcome: Outcome, agrees: (bits: Record<Side, number>) => boolean): Promise<Step>;
  /** Waits until the world is quiet and observes again, merging late edges into `step`. */
  linger(step: Step): Promise<Step>;
  /** Closes the pair. */
  end(): void | Promise<void>;
  /** Closes the world. */
  close(): void;
}

const BIT_NAMES: [number, string][] = [
  [0x001, 'IN'],
  [0x002, 'PRI'],
  [0x004, 'OUT'],
  [0x008, 'ERR'],
  [0x010, 'HUP'],
  [0x020, 'NVAL'],
  [0x2000, 'RDHUP'],
];

/** `IN|OUT|RDHUP`, or `0`. */
export function showBits(bits: number | undefined): string {
  if (bits === undefined) return '-';
  const names = BIT_NAMES.filter(([b]) => bits & b).map(([, n]) => n);
  const rest = bits & ~BIT_NAMES.reduce((m, [b]) => m | b, 0);
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names.length ? names.join('|') : '0';
}

const SHUT = ['SHUT_RD', 'SHUT_WR', 'SHUT_RDWR'];

const SETUP: Record<Kind, string> = {
  tcp: 'connect+accept',
  pipe: 'pipe (a writes, b reads)',
  udp: 'two UDP sockets (sendto each other)',
  udpc: 'two UDP sockets connected to each other',
  file: 'a regular file (a appends, b reads)',
};

/** `a.send(300)`, `b.shutdown(SHUT_RD)`, `a.wait()`; the set-up step by what it makes. */
export function showOp(op: Op | null, kind: Kind = 'tcp'): string {
  if (op === null) return SETUP[kind];
  if (op.op === 'shutdown') return `${op.side}.shutdown(${SHUT[op.n]})`;
  return `${op.side}.${op.op}(${op.n ?? ''})`;
}

/** A sequence as one line: `a.send(3); b.shutdown(SHUT_RD)`. */
export function showOps(ops: readonly Op[]): string {
  return ops.map((o) => showOp(o)).join('; ');
}

/** Reads back what {@link showOps} printed: `a.send(3); b.shutdown(SHUT_RD); a.close()`. */
export function parseOps(text: string): Op[] {
  return text
    .split(';')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t): Op => {
      const m = /^([ab])\.(send|recv|shutdown|close|reset|wait)\((\w*)\)$/.exec(t);
      if (!m) throw new Error(`not an op: ${t} (expected e.g. a.send(3), b.shutdown(SHUT_RD), a.close())`);
      const side = m[1] as Side;
      const arg = m[3] as string;
      if (m[2] === 'send' || m[2] === 'recv') return { side, op: m[2], n: Number(arg) };
      if (m[2] === 'shutdown') return { side, op: 'shutdown', n: SHUT.indexOf(arg) as 0 | 1 | 2 };
      return { side, op: m[2] as 'close' | 'reset' | 'wait' };
    });
}

/** An observation as one line: `a: IN|OUT sel=rw- lt=OUT et=[all:OUT in:- out:OUT]; b: ...`. */
export function showObs(o: Obs): string {
  return SIDES.map((s) => {
    const et = ET_NAMES.map((n) => `${n}:${showBits(o.et[n][s])}`).join(' ');
    const reg = o.reg[s] === 'ok' ? '' : ` epoll_ctl=${o.reg[s]}`;
    return `${s}: ${showBits(o.bits[s])} sel=${o.sel[s]} lt=${showBits(o.lt[s])} et=[${et}]${reg}`;
  }).join('; ');
}
