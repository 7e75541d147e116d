/**
 * The net-select side of the differential test: a pair of each kind (model.ts's `Kind`): a connected TCP
 * pair from `listen` + `connect` + `accept` on 127.0.0.1, a pipe (a FIFO, both ends adopted), two
 * `DatagramSocket`s, a regular file opened twice with `openFile` — watched the way kernel_helper.py watches
 * its kernel pair — `events()`, `select()` of each end,
 * a level-triggered `Epoll` and three persistent `EPOLLET` registrations.
 *
 * Settling (net-select delivers what Node has read, so the pair needs a few event-loop turns after an op):
 * after each op the world checks once per turn (each check is an `epoll_wait` with timeout 0 on a sentinel
 * edge-triggered epoll, which also tells whether any wake happened; from the fourth check on, 1 ms passes
 * between checks) a snapshot of both ends' `events()` and queue sizes. It is settled when
 *   - nothing changed and no wake came for two checks in a row, and
 *   - every byte the op sequence put in flight has arrived (for each open direction, the receiver's queue
 *     holds all that was accepted and not yet received, or is full), and
 *   - the caller's `agrees` (the kernel's answer, modulo the documented departures) accepts `events()`;
 * or when every byte in flight has arrived and nothing changed for {@link QUIET_MS} (the answer is then
 * final, agreeing or not), or after {@link CAP_MS} in all (a loaded machine may stall Node for a while).
 * A disagreement is therefore reported only after net-select stayed quiet for QUIET_MS: a late wake is
 * waited for, a missing one is not waited for forever.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  EPOLLET,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  Epoll,
  POLLERR,
  POLLHUP,
  bindDatagram,
  connect,
  listen,
  openFile,
  select,
  DatagramSocket,
  RegularFile,
  Socket,
  StreamFile,
  type DatagramAddress,
  type Listener,
} from '../../lib/index.js';
import { fifoPair } from '../fixtures/fifo.js';
import { expectReady, portOf } from '../fixtures/helpers.js';
import {
  ET_NAMES,
  SIDES,
  peer,
  type EtName,
  type Kind,
  type Obs,
  type Op,
  type Outcome,
  type Side,
  type Step,
  type World,
} from './model.js';

/** How long net-select must stay quiet before a disagreeing answer is taken as final. */
export const QUIET_MS = 60;
/** The most a settle waits, in all. */
export const CAP_MS = 1000;
/** What the `wait` op lets pass, in both worlds. */
export const WAIT_OP_MS = 10;

const LT_MASK = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
const ET_MASKS: Record<EtName, number> = {
  all: EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
  in: EPOLLIN | EPOLLET,
  out: EPOLLOUT | EPOLLET,
};
const CHUNK = Buffer.alloc(300_000, 0x5a);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The errno name of a SocketError (or any error with a string `code`); anything else is a bug of the test. */
function errnoOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && !code.startsWith('ERR_')) return code;
  throw err;
}

/**
 * Accepted minus received, per direction (`a` means a → b), as this world counted them: bytes for a stream,
 * datagrams for UDP.
 */
type Flow = Record<Side, { accepted: number; received: number }>;

/** One end of a pair: what each kind is made of in net-select. */
type End = Socket | StreamFile | DatagramSocket | RegularFile;

/** The receive queue's size of a pipe end (net-select's default, which a StreamFile does not report). */
const PIPE_RCVBUF = 256 * 1024;

interface Pair {
  kind: Kind;
  socks: Record<Side, End>;
  sideOf: Map<number, Side>;
  lt: Epoll;
  et: Record<EtName, Epoll>;
  sentinel: Epoll;
  /** What `Epoll.register` said of each end. */
  reg: Record<Side, string>;
  flow: Flow;
  /** Ends closed or reset: what reaches them, or comes from them, is no longer counted. */
  gone: Set<Side>;
  /** UDP: where each side sends. */
  to?: Record<Side, DatagramAddress>;
  /** A regular file's path, removed with the pair. */
  file?: string;
}

/** net-select's world: one listener, one pair at a time. */
export class NodeWorld implements World {
  readonly #listener: Listener;
  #pair: Pair | null = null;

  private constructor(listener: Listener) {
    this.#listener = listener;
  }

  /** A world with its listener on 127.0.0.1. */
  static async create(): Promise<NodeWorld> {
    return new NodeWorld(await listen({ host: '127.0.0.1', port: 0 }));
  }

  /** Closes the pair and the listener. */
  close(): void {
    this.end();
    this.#listener.close();
  }

  get #p(): Pair {
    if (!this.#pair) throw new Error('no pair: call open() first');
    return this.#pair;
  }

  /**
   * A fresh pair of `kind` (the previous one is closed), registered everywhere, settled: the set-up step.
   * `udpc`'s sockets are connected to each other, and send with `send`.
   */
  async open(kind: Kind): Promise<Step> {
    this.end();
    const pair: Pair = {
      kind,
      socks: await this.#make(kind),
      sideOf: new Map(),
      lt: new Epoll(),
      et: { all: new Epoll(), in: new Epoll(), out: new Epoll() },
      sentinel: new Epoll(),
      reg: { a: 'ok', b: 'ok' },
      flow: { a: { accepted: 0, received: 0 }, b: { accepted: 0, received: 0 } },
      gone: new Set(),
    };
    this.#pair = pair;
    const { a, b } = pair.socks;
    if (a instanceof DatagramSocket && b instanceof DatagramSocket) pair.to = { a: b.getsockname(), b: a.getsockname() };
    if (kind === 'file') pair.file = this.#file;
    for (const side of SIDES) {
      const s = pair.socks[side];
      pair.sideOf.set(s.fileno(), side);
      try {
        pair.lt.register(s, LT_MASK);
        for (const n of ET_NAMES) pair.et[n].register(s, ET_MASKS[n]);
        pair.sentinel.register(s, ET_MASKS.all);
      } catch (err) {
        pair.reg[side] = errnoOf(err);
      }
    }
    await this.#settle(() => true);
    return { op: null, outcome: 'ok', obs: await this.#observe() };
  }

  #file: string | undefined;

  async #make(kind: Kind): Promise<Record<Side, End>> {
    switch (kind) {
      case 'tcp': {
        const a = connect({ host: '127.0.0.1', port: portOf(this.#listener) });
        await expectReady({ readable: [this.#listener] });
        const b = this.#listener.accept();
        if (!b) throw new Error('the listener was readable but accept() returned null');
        await expectReady({ writable: [a] });
        return { a, b };
      }
      case 'pipe': {
        const { w, r } = fifoPair();
        return { a: w, b: r };
      }
      case 'udp':
      case 'udpc': {
        const a = await bindDatagram({ host: '127.0.0.1' });
        const b = await bindDatagram({ host: '127.0.0.1' });
        if (kind === 'udpc') {
          a.connect(b.getsockname());
          b.connect(a.getsockname());
        }
        return { a, b };
      }
      case 'file': {
        this.#file = path.join(os.tmpdir(), `net-select-kernel-${process.pid}.txt`);
        fs.writeFileSync(this.#file, '');
        return { a: openFile(this.#file, 'a'), b: openFile(this.#file, 'r') };
      }
    }
  }

  /**
   * Settles after an op (see the file comment; `agrees` says whether `events()` of both ends matches the
   * kernel's answer) and observes.
   */
  async settled(op: Op, outcome: Outcome, agrees: (bits: Record<Side, number>) => boolean): Promise<Step> {
    await this.#settle(agrees);
    return { op, outcome, obs: await this.#observe() };
  }

  /**
   * Waits until net-select has been quiet for QUIET_MS, then observes again; edge-triggered events drained
   * now are merged into `step`'s (an edge that came late still counts as one edge).
   */
  async linger(step: Step): Promise<Step> {
    await this.#settle(() => false);
    const obs = await this.#observe();
    for (const n of ET_NAMES) obs.et[n] = { ...step.obs.et[n], ...obs.et[n] };
    return { ...step, obs };
  }

  /** Makes the program's call and classifies its result; `wait` lets WAIT_OP_MS pass. */
  async call(op: Op): Promise<Outcome> {
    const p = this.#p;
    const s = p.socks[op.side];
    try {
      switch (op.op) {
        case 'send': {
          const data = CHUNK.subarray(0, op.n);
          if (s instanceof DatagramSocket) {
            const n = p.kind === 'udpc' ? s.send(data) : s.sendto(data, (p.to as Record<Side, DatagramAddress>)[op.side]);
            if (n === null) return 'EAGAIN';
            p.flow[op.side].accepted++;
            return `sent:${n}`;
          }
          const n = s.send(data);
          p.flow[op.side].accepted += n;
          return n > 0 ? `sent:${n}` : 'EAGAIN';
        }
        case 'recv': {
          if (s instanceof DatagramSocket) {
            const got = p.kind === 'udpc' ? s.recv(op.n) : (s.recvfrom(op.n)?.[0] ?? null);
            if (got === null) return 'EAGAIN';
            p.flow[peer(op.side)].received++;
            return `recv:${got.length}`;
          }
          const data = s.recv(op.n);
          if (data === null) return 'EAGAIN';
          if (data.length === 0) return 'EOF';
          p.flow[peer(op.side)].received += data.length;
          return `recv:${data.length}`;
        }
        case 'shutdown':
          if (!(s instanceof Socket)) throw new Error(`shutdown on a ${p.kind} pair`);
          s.shutdown(op.n);
          return 'ok';
        case 'close':
          s.close();
          p.gone.add(op.side);
          return 'ok';
        case 'reset':
          if (!(s instanceof Socket)) throw new Error(`reset on a ${p.kind} pair`);
          s.reset();
          p.gone.add(op.side);
          return 'ok';
        case 'wait':
          await sleep(WAIT_OP_MS);
          return 'ok';
      }
    } catch (err) {
      return errnoOf(err);
    }
  }

  /**
   * True when everything in flight has reached its receiver's queue (or the queue is full): every byte of a
   * stream, every datagram (queued or dropped) of UDP.
   */
  #delivered(): boolean {
    const p = this.#p;
    for (const from of SIDES) {
      const to = peer(from);
      if (p.gone.has(from) || p.gone.has(to)) continue;
      const r = p.socks[to];
      if (r instanceof RegularFile) continue;
      if (r instanceof DatagramSocket) {
        if (r.stats.received + r.stats.dropped < p.flow[from].accepted) return false;
        continue;
      }
      if (r.events() & (POLLERR | POLLHUP)) continue;
      const inFlight = p.flow[from].accepted - p.flow[from].received;
      const rcvbuf = r instanceof Socket ? r.rcvbuf : PIPE_RCVBUF;
      if (r.recvQueueSize !== inFlight && r.recvQueueSize < rcvbuf) return false;
    }
    return true;
  }

  #snapshot(): string {
    const { a, b } = this.#p.socks;
    return [a, b]
      .map((s) => (s instanceof DatagramSocket ? `${s.events()}/${s.stats.received}` : `${s.events()}/${s.recvQueueSize}/${s.sendQueueSize}`))
      .join(' ');
  }

  async #settle(agrees: (bits: Record<Side, number>) => boolean): Promise<void> {
    const p = this.#p;
    const start = performance.now();
    let last = '';
    let quietSince = start;
    let stable = 0;
    for (let i = 0; ; i++) {
      if (i >= 3) await sleep(1);
      const woke = (await p.sentinel.poll(0)).length > 0;
      const snap = this.#snapshot();
      const t = performance.now();
      if (woke || snap !== last) {
        last = snap;
        stable = 0;
        quietSince = t;
      } else stable++;
      const delivered = this.#delivered();
      if (stable >= 2 && delivered && agrees({ a: p.socks.a.events(), b: p.socks.b.events() })) return;
      if ((t - quietSince >= QUIET_MS && delivered) || t - start >= CAP_MS) return;
    }
  }

  /** Every observation at once, so that all are answered in the same turn, from the same state. */
  async #observe(): Promise<Obs> {
    const p = this.#p;
    const sel = async (s: End): Promise<string> => {
      try {
        const [r, w, x] = await select([s], [s], [s], 0);
        return (r.length ? 'r' : '-') + (w.length ? 'w' : '-') + (x.length ? 'x' : '-');
      } catch (err) {
        return errnoOf(err);
      }
    };
    const bySide = (events: [number, number][]): Partial<Record<Side, number>> =>
      Object.fromEntries(events.map(([fd, ev]) => [p.sideOf.get(fd) as Side, ev]));
    const bits = { a: p.socks.a.events(), b: p.socks.b.events() };
    const [selA, selB, lt, all, inOnly, outOnly] = await Promise.all([
      sel(p.socks.a),
      sel(p.socks.b),
      p.lt.poll(0),
      p.et.all.poll(0),
      p.et.in.poll(0),
      p.et.out.poll(0),
    ]);
    return {
      bits,
      sel: { a: selA, b: selB },
      lt: { a: 0, b: 0, ...bySide(lt) },
      et: { all: bySide(all), in: bySide(inOnly), out: bySide(outOnly) },
      reg: { ...p.reg },
    };
  }

  /** Closes the current pair and its epolls. */
  end(): void {
    const p = this.#pair;
    if (!p) return;
    this.#pair = null;
    p.socks.a.close();
    p.socks.b.close();
    for (const ep of [p.lt, p.sentinel, ...ET_NAMES.map((n) => p.et[n])]) ep.close();
    if (p.file) fs.rmSync(p.file, { force: true });
  }
}
