/**
 * Compares Linux's answer with net-select's, step by step. Every difference is a failure except those that
 * follow from a departure docs/contract.md documents ("Departures from Linux, on purpose"); each exemption below
 * names the sentence it rests on, and is as narrow as the departure.
 */
import { ET_NAMES, SIDES, peer, showBits, type EtName, type Kind, type Obs, type Op, type Outcome, type Side } from './model.js';

const IN = 0x001;
const OUT = 0x004;
const ERR = 0x008;
const HUP = 0x010;
const RDHUP = 0x2000;
const ET_BITS: Record<EtName, number> = { all: IN | OUT | RDHUP, in: IN, out: OUT };

/** A documented departure, with the sentence of docs/contract.md it rests on. */
export interface Exemption {
  name: string;
  readme: string;
}

/** The except set carries errors: kernel `x` (out-of-band data only) is expected as `x || POLLERR`. */
export const EXCEPT_SET: Exemption = {
  name: 'except set carries pending errors',
  readme:
    'The except set carries pending errors, as POSIX says; Linux does not. ... net-select follows POSIX here and ' +
    'departs from Linux: a pending error puts the socket in `xlist`',
};

/**
 * Buffer sizes: how much a send accepts, and so how much is in flight, where it waits and when the receiver
 * sees it, differ. All of it applies only while more than {@link SMALL} bytes are in flight (or the two worlds'
 * amounts differ), and then:
 * - send and recv outcomes are compared by class (`sent`, `recv`, errno), not byte count;
 * - readiness without the bits that hang on the amounts: the sender's `OUT`, the receiver's `IN` when one
 *   world has bytes left and the other none, and, for a FIN queued behind the data, `RDHUP`/`HUP` and the
 *   edges that the FIN's arrival and its ACK make ({@link Comparator.exempt});
 * - what a reset or a shutdown does while that FIN is on its way (ECONNRESET vs EPIPE, ok vs ENOTCONN);
 * - the comparison of a sequence ends where only the buffers decide what follows ({@link Comparator.diverged}).
 */
export const BUFFER_SIZES: Exemption = {
  name: 'buffer sizes',
  readme:
    'Buffers are modelled in user space. `sndbuf`/`rcvbuf` ... size the queues net-select keeps in front of Node, ' +
    'like SO_SNDBUF/SO_RCVBUF: a `send` larger than the free space accepts only that much, so tests can force ' +
    "partial sends. Node cannot size the kernel's own buffers, which absorb several MB on loopback before these " +
    'queues fill.',
};

/**
 * In-flight bytes up to this many are taken whole by a send and delivered whole before settling, in both
 * worlds (the kernel's first receive window on loopback is ~128 KB; net-select's queues are 256 KiB).
 */
export const SMALL = 64 * 1024;

/**
 * The same for a pipe: Linux's holds 16 pages, and a write that does not fit in the last page's free space
 * starts a new one, so a few writes of odd sizes fill it with much less than 64 KiB in it.
 */
export const PIPE_SMALL = 32 * 1024;

/**
 * A pipe's reader has gone: Linux reports `POLLERR` on the write end at once (and wakes its epoll
 * registrations); net-select learns it only when a write fails, because Node watches an idle pipe write end
 * for nothing. Until then the write end's `ERR` (and what it makes: select's read and except sets, the edge
 * of every registration) is exempt; so is, while net-select's writes still wait in its queue, a send that
 * net-select accepts where Linux says `EPIPE`.
 */
export const READER_GONE: Exemption = {
  name: "a pipe's reader gone, unseen until a write",
  readme:
    "A pipe's write end whose reader has gone is `POLLOUT | POLLERR` at once on Linux; net-select reports it " +
    'only once a write has found the reader gone',
};

/** One difference: where, and the two answers. */
export interface Diff {
  field: string;
  kernel: string;
  node: string;
}

interface Flow {
  accepted: number;
  received: number;
}
type Flows = Record<Side, Flow>; // by sender: a → b is `a`

const count = (o: Outcome): number | null => (/^(sent|recv):(\d+)$/.exec(o) ? Number(o.split(':')[1]) : null);
const klass = (o: Outcome): string => o.replace(/:\d+$/, '');

/** Tracks the bytes in flight in each world, and compares each step's answers. */
export class Comparator {
  readonly #k: Flows = { a: { accepted: 0, received: 0 }, b: { accepted: 0, received: 0 } };
  readonly #n: Flows = { a: { accepted: 0, received: 0 }, b: { accepted: 0, received: 0 } };
  /** The program shut this end for writing or closed it: a FIN is on its way, behind the data. */
  readonly #finSent = { a: false, b: false };
  /** The program shut this end for reading. */
  readonly #rdShut = { a: false, b: false };
  /** The comparison ends after this step (see {@link diverged}). */
  #ended = false;
  /** This step's observations hang on the buffers as a whole (see {@link compareObs}). */
  #stepExempt = false;
  /** The exemptions as they were before the current op. */
  #preOp: ReturnType<Comparator['exempt']> | null = null;
  /** How many differences each exemption let pass, by name (shared with forks). */
  readonly exempted: Map<string, number>;

  /** False when the other world is Linux too (`--self`): its except set is POSIX's. */
  readonly #exceptCarriesErrors: boolean;
  /** The kind of pair compared: the buffer exemptions are for streams (TCP, a pipe), the TCP rules for TCP. */
  readonly kind: Kind;
  readonly #small: number;
  /** A pipe's reader closed, and net-select's write end had not reported `POLLERR` yet at the last step. */
  #readerGoneUnseen = false;
  /** net-select's send found the reader gone in this step (EPIPE): its wake is the edge Linux had earlier. */
  #readerGoneLearnt = false;

  constructor(exceptCarriesErrors = true, exempted = new Map<string, number>(), kind: Kind = 'tcp') {
    this.#exceptCarriesErrors = exceptCarriesErrors;
    this.exempted = exempted;
    this.kind = kind;
    this.#small = kind === 'pipe' ? PIPE_SMALL : SMALL;
  }

  /** A comparator for a fresh pair (nothing in flight) of the same kind that counts into the same `exempted`. */
  fork(): Comparator {
    return new Comparator(this.#exceptCarriesErrors, this.exempted, this.kind);
  }

  /** A byte stream, whose amounts in flight the buffer-size departure is about. */
  get #stream(): boolean {
    return this.kind === 'tcp' || this.kind === 'pipe';
  }

  #pass(e: Exemption): true {
    this.exempted.set(e.name, (this.exempted.get(e.name) ?? 0) + 1);
    return true;
  }

  #out(from: Side): [kernel: number, node: number] {
    const k = this.#k[from];
    const n = this.#n[from];
    return [k.accepted - k.received, n.accepted - n.received];
  }

  /** Bytes in flight from `from` are more than both worlds surely deliver, or differ between them. */
  #buffered(from: Side): boolean {
    const [k, n] = this.#out(from);
    return k !== n || Math.max(k, n) > this.#small;
  }

  /**
   * The bits of each end whose difference the buffer-size departure explains now:
   * - the sender's `OUT` while more than {@link SMALL} bytes are in flight (either world's queue may be full);
   * - then too, if the sender has sent its FIN (shutdown for writing, close), the receiver's `RDHUP` and
   *   `HUP`, and for edge-triggered presence every bit of both ends: the FIN waits behind the data that has
   *   not fit yet, its arrival wakes every registration of the receiver, its ACK those of the sender;
   * - the receiver's `IN` when one world has bytes in flight and the other none (they took different amounts).
   * `edge` adds, for edge-triggered presence, the receiver's `IN` whenever the amounts are buffered (more data
   * arriving after a `recv` makes a new edge in one world and not the other).
   * An op's consequences are judged with the amounts before it and after it: the union of both.
   */
  exempt(): { bits: Record<Side, number>; edge: Record<Side, number> } {
    const now = this.#exemptNow();
    const pre = this.#preOp;
    if (!pre) return now;
    return {
      bits: { a: now.bits.a | pre.bits.a, b: now.bits.b | pre.bits.b },
      edge: { a: now.edge.a | pre.edge.a, b: now.edge.b | pre.edge.b },
    };
  }

  #exemptNow(): { bits: Record<Side, number>; edge: Record<Side, number> } {
    const bits = { a: 0, b: 0 };
    const edge = { a: 0, b: 0 };
    if (!this.#stream) return { bits, edge };
    for (const from of SIDES) {
      const to = peer(from);
      const [k, n] = this.#out(from);
      if (Math.max(k, n) > this.#small) {
        bits[from] |= OUT;
        if (this.#finSent[from]) {
          bits[to] |= RDHUP | HUP;
          edge[to] |= IN | OUT | RDHUP;
          edge[from] |= IN | OUT | RDHUP; // the ACK of that FIN wakes the sender (FIN_WAIT1 -> FIN_WAIT2)
        }
      }
      if (k > 0 !== n > 0) bits[to] |= IN;
      if (this.#buffered(from)) edge[to] |= IN;
    }
    return { bits, edge: { a: edge.a | bits.a, b: edge.b | bits.b } };
  }

  /**
   * True once the rest of the sequence hangs on the buffers alone, so that its comparison ends:
   * - more than {@link SMALL} bytes in flight towards an end shut for reading: Linux advertises no window
   *   after `SHUT_RD`, so the data that has not fit stays with the sender until a zero-window probe (hundreds
   *   of ms later), and only its arrival resets the connection; net-select's queues may have taken it all;
   * - a reset reached an end while a FIN waited behind more than SMALL bytes: whether that FIN got in first
   *   hangs on the buffers, and so does what the reset does (see {@link compareObs});
   * - a close with bytes unread in one world and none in the other: one sends RST, the other FIN;
   * - a reset (or a close with bytes unread) by an end whose own sending is buffered: what the peer can
   *   still read before ECONNRESET is what had reached it.
   */
  diverged(): boolean {
    const ended = this.#ended || SIDES.some((from) => this.#large(from) && this.#rdShut[peer(from)]);
    return ended && this.#pass(BUFFER_SIZES);
  }

  #large(from: Side): boolean {
    return this.#stream && Math.max(...this.#out(from)) > this.#small;
  }

  /** True when net-select's `events()` match the kernel's poll bits, modulo the exemptions. */
  bitsAgree(kernel: Record<Side, number>, node: Record<Side, number>): boolean {
    const { bits } = this.exempt();
    if (this.#readerGoneUnseen) bits.a |= ERR;
    return SIDES.every((s) => ((kernel[s] ^ node[s]) & ~bits[s]) === 0);
  }

  /**
   * Compares the two outcomes of `op` (with the amounts in flight before it), then counts what moved.
   * Must be called once per op, before {@link compareObs}.
   */
  outcome(op: Op, kernel: Outcome, node: Outcome): Diff[] {
    const diffs: Diff[] = [];
    if (kernel !== node && !this.#outcomeExempt(op, kernel, node)) diffs.push({ field: 'outcome', kernel, node });
    this.#stepExempt = false;
    this.#preOp = this.#exemptNow();
    const [unreadK, unreadN] = this.#out(peer(op.side));
    if (this.kind === 'tcp') {
      if (op.op === 'close' && unreadK > 0 !== unreadN > 0) this.#stepExempt = this.#ended = true; // RST vs FIN
      // A reset drops what the resetting end had not sent yet: how much of a buffered flow the peer can still
      // read before ECONNRESET hangs on the buffers.
      const resets = op.op === 'reset' || (op.op === 'close' && (unreadK > 0 || unreadN > 0));
      if (resets && this.#buffered(op.side)) this.#ended = true;
    }
    if (this.kind === 'pipe' && op.op === 'close' && op.side === 'b') this.#readerGoneUnseen = true;
    if (this.#readerGoneUnseen && op.side === 'a' && op.op === 'send' && node === 'EPIPE') {
      // From now on net-select knows, and must say POLLOUT|POLLERR as Linux does; only this step's edge is late.
      this.#readerGoneUnseen = false;
      this.#readerGoneLearnt = true;
    }
    if (op.op === 'close' || (op.op === 'shutdown' && op.n !== 0)) this.#finSent[op.side] = true;
    if (op.op === 'shutdown' && op.n !== 1) this.#rdShut[op.side] = true;
    const moved = (flows: Flows, o: Outcome): void => {
      const c = count(o);
      if (c === null) return;
      if (op.op === 'send') flows[op.side].accepted += c;
      else flows[peer(op.side)].received += c;
    };
    moved(this.#k, kernel);
    moved(this.#n, node);
    return diffs;
  }

  #outcomeExempt(op: Op, kernel: Outcome, node: Outcome): boolean {
    if (!this.#stream) return false;
    // The reader is gone and net-select's write still waits in its queue behind the buffered bytes: it is
    // taken, and fails later (POLLERR, then EPIPE).
    if (this.#readerGoneUnseen && op.op === 'send' && kernel === 'EPIPE' && klass(node) === 'sent' && this.#large('a')) {
      return this.#pass(READER_GONE);
    }
    const from = peer(op.side);
    const [kIn, nIn] = this.#out(from);
    // The peer's FIN waits behind more than SMALL bytes: whether it is in yet (the TCP state) hangs on the
    // buffers. A reset before it is ECONNRESET, after it EPIPE; a shutdown once both FINs are through is
    // ENOTCONN (Linux's TCP_CLOSE), before that it succeeds.
    const racing = [kernel, node].sort().join();
    const finRace = Math.max(kIn, nIn) > this.#small && this.#finSent[from];
    if (finRace && (racing === 'ECONNRESET,EPIPE' || racing === 'ENOTCONN,ok')) {
      return this.#pass(BUFFER_SIZES);
    }
    // Our own FIN behind more than SMALL bytes: whether the peer has acknowledged it, so that the socket is in
    // TCP_CLOSE once the peer's FIN is in too, hangs on the buffers as well.
    const ownFinRace = this.kind === 'tcp' && this.#large(op.side) && this.#finSent[op.side];
    if (ownFinRace && racing === 'ENOTCONN,ok') return this.#pass(BUFFER_SIZES);
    if (op.op === 'send') {
      const pre = Math.max(...this.#out(op.side));
      // Both sent: the counts differ only if one world could not take it all.
      if (klass(kernel) === 'sent' && klass(node) === 'sent') return pre + op.n > this.#small && this.#pass(BUFFER_SIZES);
      // One would block where the other took some: a queue was full in one world only.
      const pair = [klass(kernel), klass(node)].sort().join();
      return pair === 'EAGAIN,sent' && pre > this.#small && this.#pass(BUFFER_SIZES);
    }
    if (op.op === 'recv' && this.#buffered(from)) {
      if (klass(kernel) === 'recv' && klass(node) === 'recv') return this.#pass(BUFFER_SIZES);
      // The world with nothing in flight has nothing to give (would-block, or the EOF behind the data).
      const nothing = (o: Outcome): boolean => o === 'EAGAIN' || o === 'EOF';
      if (klass(node) === 'recv' && kIn === 0 && nothing(kernel)) return this.#pass(BUFFER_SIZES);
      if (klass(kernel) === 'recv' && nIn === 0 && nothing(node)) return this.#pass(BUFFER_SIZES);
    }
    return false;
  }

  /**
   * Compares what the program observes after an op. When a reset is seen (in either world) while a FIN
   * waits behind more than {@link SMALL} bytes, the comparison ends after this step (the reset is
   * ECONNRESET before that FIN is in, EPIPE after); and when both ends have sent their FIN, the whole step is
   * exempt: a socket whose FINs are both through and acknowledged is in Linux's TCP_CLOSE, which ignores a
   * reset, and whether they are through hangs on the buffers.
   */
  compareObs(kernel: Obs, node: Obs): Diff[] {
    const diffs: Diff[] = [];
    for (const s of SIDES) {
      if (kernel.reg[s] !== node.reg[s]) diffs.push({ field: `reg.${s}`, kernel: kernel.reg[s], node: node.reg[s] });
    }
    // A pipe's reader gone: until net-select's write end reports POLLERR (and in the step it first does, whose
    // edge Linux had when the reader left), the write end's ERR and its edges are exempt.
    const readerGone = this.#readerGoneUnseen;
    if (readerGone && node.bits.a & ERR) this.#readerGoneUnseen = false;
    const lateEdge = readerGone || this.#readerGoneLearnt;
    this.#readerGoneLearnt = false;
    const reset = this.kind === 'tcp' && (kernel.bits.a | kernel.bits.b | node.bits.a | node.bits.b) & ERR;
    if (reset && SIDES.some((from) => this.#large(from) && this.#finSent[from])) {
      this.#ended = true;
      if (this.#finSent.a && this.#finSent.b) this.#stepExempt = true;
    }
    if (this.#stepExempt) {
      this.#stepExempt = false;
      const same = JSON.stringify(kernel) === JSON.stringify(node);
      if (same || this.#pass(BUFFER_SIZES)) return diffs;
    }
    const { bits: ex, edge } = this.exempt();
    // Which departure a difference within the exempt bits rests on: the reader gone (ERR on the write end), or
    // the buffers.
    const why = (mask: number): Exemption => (readerGone && mask & ERR ? READER_GONE : BUFFER_SIZES);
    if (readerGone) ex.a |= ERR;
    if (lateEdge) edge.a |= IN | OUT | RDHUP;
    const bitsDiff = (field: string, k: number | undefined, n: number | undefined, mask: number): void => {
      if (k === n) return;
      if (k !== undefined && n !== undefined && ((k ^ n) & ~mask) === 0 && this.#pass(why((k ^ n) & mask))) return;
      diffs.push({ field, kernel: showBits(k), node: showBits(n) });
    };
    for (const s of SIDES) {
      bitsDiff(`bits.${s}`, kernel.bits[s], node.bits[s], ex[s]);
      this.#selDiff(s, kernel, node, ex[s], diffs, readerGone && s === 'a');
      bitsDiff(`lt.${s}`, kernel.lt[s], node.lt[s], ex[s]);
      for (const n of ET_NAMES) {
        const k = kernel.et[n][s];
        const v = node.et[n][s];
        // Present in one world only: an edge that the amounts in flight explain (see exempt()), or the
        // reader's leaving, which Linux wakes for at once and net-select once a write finds it.
        if ((k === undefined) !== (v === undefined) && edge[s] & ET_BITS[n]) {
          if (this.#pass(lateEdge && s === 'a' ? READER_GONE : BUFFER_SIZES)) continue;
        }
        bitsDiff(`et.${n}.${s}`, k, v, ex[s]);
      }
    }
    return diffs;
  }

  #selDiff(s: Side, kernel: Obs, node: Obs, ex: number, diffs: Diff[], readerGone = false): void {
    const k = kernel.sel[s];
    const n = node.sel[s];
    if (k.length !== 3 || n.length !== 3) {
      if (k !== n) diffs.push({ field: `sel.${s}`, kernel: k, node: n });
      return;
    }
    // The except set: expected to hold the socket when the kernel reports a pending error.
    let want = k;
    if (this.#exceptCarriesErrors && k[2] === '-' && kernel.bits[s] & ERR) {
      want = `${k.slice(0, 2)}x`;
      if (n === want) this.#pass(EXCEPT_SET);
    }
    if (n === want) return;
    const lettersDiffer = [0, 1, 2].filter((i) => want[i] !== n[i]);
    // The reader gone: Linux's POLLERR puts the write end in the read set (and, expected of net-select, the
    // except set) before net-select knows.
    if (readerGone && lettersDiffer.every((i) => i === 0 || i === 2) && this.#pass(READER_GONE)) return;
    const explained = lettersDiffer.every((i) => (i === 0 && ex & IN) || (i === 1 && ex & OUT));
    if (explained && this.#pass(BUFFER_SIZES)) return;
    diffs.push({ field: `sel.${s}`, kernel: want === k ? k : `${k} (expected ${want})`, node: n });
  }
}
