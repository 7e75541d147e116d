/**
 * The simulated network's backend: stream and listen transports between simulated hosts.
 *
 * A connection is two endpoints joined by two pipes, one per direction. A pipe holds what one end sent as
 * segments (data, FIN, RST, and the handshake's SYN and SYN-ACK), each with the virtual time it arrives at;
 * the faults of the link decide those times (latency with jitter, bandwidth, coalescing) and how the bytes are
 * cut (fragments). Arrival times never go backwards, so TCP's order is kept. A segment that is due when the
 * link is partitioned or held, or when the receiver's window is closed (its socket paused, or its host
 * stopped reading), waits in the pipe — nothing is lost — until repair, release or resume delivers it in
 * order, as TCP's retransmissions would. Bytes count as the sender's `queued` until they are delivered (as
 * unacknowledged bytes count in SIOCOUTQ), so a receiver that stops reading fills the sender's queue.
 */
import type { Host } from '../../core/host.js';
import type { FaultSet } from './sim-faults.js';
import { toMicros, type SimEvent } from './sim-clock.js';
import type { Rng } from './sim-rng.js';
import type { Fabric } from './fabric.js';
import { netError, type ListenSink, type ListenTransport, type SockAddr, type StreamSink, type StreamTransport, type TransportStart } from '../transport.js';

const DATA = 0;
const FIN = 1;
const RST = 2;
const SYN = 3;
const SYNACK = 4;
const KIND = ['data', 'fin', 'rst', 'syn', 'syn-ack'] as const;

interface Segment {
  kind: number;
  data: Buffer | null;
  at: number;
}

/** Fragments of one write arrive at distinct times, so that the reader's program runs between them. */
const FRAGMENT_GAP_MS = 0.001;

/** A latency in [min, max], to the microsecond (so that traces stay readable). */
function jitter(rng: Rng, min: number, max: number): number {
  return toMicros(min + rng.next() * (max - min));
}

/** @internal One direction of a connection: what `src` sent and `dst` has not received yet. */
export class Pipe {
  readonly #net: Fabric;
  readonly src: SimEndpoint;
  readonly dst: SimEndpoint;
  #segs: Segment[] = [];
  #head = 0;
  /** Data bytes not delivered yet. */
  bytes = 0;
  #last = 0; // the latest arrival time given so far
  #busyUntil = 0; // when the link's bandwidth is free again
  #timer: SimEvent | undefined = undefined;
  #spent: SimEvent | undefined = undefined; // the last delivery's event, run: the next one reuses it
  #stalled = false;
  #faults: FaultSet | undefined;
  #generation = -1;
  readonly #deliver = (): void => this.#run();

  constructor(net: Fabric, src: SimEndpoint, dst: SimEndpoint) {
    this.#net = net;
    this.src = src;
    this.dst = dst;
  }

  /** The link's faults, looked up again only after they changed. */
  faults(): FaultSet {
    const net = this.#net;
    if (this.#generation !== net.generation || this.#faults === undefined) {
      this.#faults = net.faults(this.src.host.name, this.dst.host.name);
      this.#generation = net.generation;
    }
    return this.#faults;
  }

  /** Sends a segment: its arrival time comes from the link's faults; fragments split the data. */
  push(kind: number, data: Buffer | null): void {
    const net = this.#net;
    const f = this.faults();
    if (data !== null && f.fragment && data.length > 1) {
      let off = 0;
      for (const n of net.rng.pieces(data.length)) {
        this.#add(f, kind, data.subarray(off, off + n), true);
        off += n;
      }
    } else this.#add(f, kind, data, false);
    this.#arm();
  }

  #add(f: FaultSet, kind: number, data: Buffer | null, piece: boolean): void {
    const net = this.#net;
    const now = net.clock.now();
    let at = now;
    if (data !== null && f.bandwidth !== Infinity) {
      at = Math.max(now, this.#busyUntil) + (data.length * 1000) / f.bandwidth;
      this.#busyUntil = at;
    }
    if (f.latencyMax > 0) at += f.latencyMin === f.latencyMax ? f.latencyMin : jitter(net.rng, f.latencyMin, f.latencyMax);
    if (f.coalesceMs > 0) at = (Math.floor(at / f.coalesceMs) + 1) * f.coalesceMs; // the next tick of the window
    const last = piece ? toMicros(this.#last + FRAGMENT_GAP_MS) : this.#last;
    at = toMicros(at);
    if (at < last) at = last;
    this.#last = at;
    this.#segs.push({ kind, data, at });
    if (data !== null) this.bytes += data.length;
  }

  /** Drops everything not delivered yet (the connection is gone). */
  clear(): void {
    this.#segs = [];
    this.#head = 0;
    this.bytes = 0;
  }

  /** Delivers again after a stall: at once, or with `retransmit` (after a repair) a link delay later, as TCP resends. */
  kick(retransmit: boolean): void {
    if (!this.#stalled) return;
    this.#stalled = false;
    if (retransmit) {
      let t = toMicros(this.#net.clock.now() + this.faults().latencyMax);
      for (let i = this.#head; i < this.#segs.length; i++) {
        const s = this.#segs[i] as Segment;
        if (s.at < t) s.at = t;
        t = s.at;
      }
      if (t > this.#last) this.#last = t;
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#stalled) return;
    const s = this.#segs[this.#head];
    if (s !== undefined) this.#timer = this.#net.clock.at(s.at, this.#deliver, this.#spent);
  }

  #stall(): void {
    this.#stalled = true;
    this.#net.stall(this);
  }

  #run(): void {
    this.#spent = this.#timer;
    this.#timer = undefined;
    const net = this.#net;
    const { src, dst } = this;
    const now = net.clock.now();
    let moved = false;
    while (this.#head < this.#segs.length) {
      const s = this.#segs[this.#head] as Segment;
      if (s.at > now) break;
      if (net.blocked(src.host.name, dst.host.name)) {
        this.#stall();
        break;
      }
      if (s.kind === DATA) {
        const data = s.data as Buffer;
        if (dst.gone) {
          // Data for a closed end: it answers with a reset, and the bytes are lost.
          this.#trace(s, 'to a closed socket');
          this.clear();
          dst.abort(null);
          break;
        }
        if (dst.paused || dst.sink === undefined || !net.reading(dst.host.name)) {
          this.#stall(); // the receive window is closed
          break;
        }
        if (net.rng.chance(this.faults().reset)) {
          this.#trace(s, 'reset by the network');
          this.clear();
          dst.abort('ECONNRESET');
          break;
        }
        this.#head++;
        this.bytes -= data.length;
        moved = true;
        this.#trace(s, '');
        dst.sink.data(data);
        continue;
      }
      this.#head++;
      this.#trace(s, '');
      if (s.kind === FIN) {
        if (!dst.gone) dst.sink?.end();
      } else if (s.kind === RST) {
        dst.abort(dst.connecting ? 'ECONNREFUSED' : 'ECONNRESET', false);
      } else if (s.kind === SYN) {
        dst.arrive(src);
      } else if (s.kind === SYNACK) {
        src.established = true;
        dst.connected();
      }
    }
    if (this.#head > 64 && this.#head * 2 > this.#segs.length) {
      this.#segs.splice(0, this.#head);
      this.#head = 0;
    }
    if (moved && !src.gone) src.sink?.written();
    this.#arm();
  }

  #trace(s: Segment, note: string): void {
    if (!this.#net.tracing) return;
    const len = s.data === null ? '' : ` ${s.data.length}`;
    this.#net.record(`${this.src.label}>${this.dst.label} ${KIND[s.kind] as string}${len}${note ? ` (${note})` : ''}`);
  }
}

/** @internal One end of a simulated connection. */
export class SimEndpoint implements StreamTransport {
  readonly host: Host;
  readonly start: TransportStart;
  connecting: boolean;
  /** The handshake completed (the SYN-ACK went out or came in). */
  established = false;
  sink: StreamSink | undefined;
  paused = false;
  /** Closed or reset by its socket: nothing is delivered to it any more. */
  gone = false;
  /** Reset (sent or received), refused or timed out: nothing more leaves it. */
  dead = false;
  #finSent = false;
  out!: Pipe;
  in!: Pipe;
  readonly #net: Fabric;
  readonly #local: { address: string; port: number; family: string };
  readonly #remote: { address: string; port: number; family: string };
  #connectTimer: unknown;

  constructor(net: Fabric, host: Host, local: number, remote: { host: string; port: number }, start: TransportStart) {
    this.#net = net;
    this.host = host;
    this.start = start;
    this.connecting = start === 'connecting';
    this.#local = { address: host.name, port: local, family: 'sim' };
    this.#remote = { address: remote.host, port: remote.port, family: 'sim' };
  }

  /** `host:port`, for the trace. */
  get label(): string {
    return `${this.#local.address}:${this.#local.port}`;
  }

  get queued(): number {
    return this.out.bytes;
  }

  /** Starts the handshake: the SYN leaves (or is lost, with the `timeout` fault); the connect timer runs. */
  open(): void {
    const net = this.#net;
    this.#connectTimer = net.clock.setTimeout(() => {
      if (!this.connecting) return;
      net.record(`${this.label} connect timed out`);
      this.out.clear();
      this.abort('ETIMEDOUT', false);
    }, net.connectTimeoutMs);
    if (net.rng.chance(net.faults(this.host.name, this.#remote.address).timeout)) {
      net.record(`${this.label}>${this.#remote.address}:${this.#remote.port} syn (lost)`);
      return;
    }
    this.out.push(SYN, null);
  }

  /** The SYN came in at this (server) end: a listener takes the connection, or it is refused. */
  arrive(client: SimEndpoint): void {
    const net = this.#net;
    const l = net.listener(this.host.name, this.#local.port);
    if (l === undefined || l.closed || net.rng.chance(net.faults(client.host.name, this.host.name).refuse)) {
      this.gone = true;
      this.abort(null);
      return;
    }
    this.established = true;
    this.out.push(SYNACK, null);
    l.sink?.connection(this);
  }

  /** The SYN-ACK came in at this (client) end. */
  connected(): void {
    if (!this.connecting) return;
    this.connecting = false;
    this.#net.clock.clearTimeout(this.#connectTimer);
    if (!this.gone) this.sink?.connect();
  }

  /**
   * The connection is aborted here: tell the socket `code` (none: it already knows), and send the peer an
   * RST unless `answer` is false (the abort came from the peer's RST).
   */
  abort(code: string | null, answer = true): void {
    if (this.dead) return;
    this.dead = true;
    this.connecting = false;
    this.#net.clock.clearTimeout(this.#connectTimer);
    if (answer) {
      this.out.clear();
      this.out.push(RST, null);
    }
    if (code !== null && !this.gone) this.sink?.error(netError(code, code === 'ECONNRESET' ? 'read' : 'connect'));
  }

  bind(sink: StreamSink): void {
    this.sink = sink;
    this.in.kick(false);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.in.kick(false);
  }

  tryWrite(): number {
    // No uncopied path: the socket hands its own (copied, coalesced) chunk to `write`, which takes it as is.
    if (this.dead || this.#finSent) throw netError('EPIPE', 'write');
    return 0;
  }

  write(buf: Buffer): void {
    if (this.dead || this.#finSent || buf.length === 0) return;
    this.out.push(DATA, buf);
  }

  end(): void {
    if (this.dead || this.#finSent) return;
    this.#finSent = true;
    this.out.push(FIN, null);
  }

  close(): void {
    this.gone = true;
    if (this.connecting) this.abort(null); // a connect given up: the peer hears a reset, if anything
    else this.end();
  }

  reset(): void {
    this.gone = true;
    if (this.dead) return;
    this.dead = true;
    this.#net.clock.clearTimeout(this.#connectTimer);
    this.out.push(RST, null); // after the bytes already handed to the network
  }

  localAddress(): SockAddr {
    return this.#local;
  }

  remoteAddress(): SockAddr {
    return this.#remote;
  }
}

/** @internal Makes a client endpoint, its (not yet accepted) server endpoint and the two pipes between them. */
export function simConnection(
  net: Fabric,
  client: Host,
  clientPort: number,
  server: Host,
  serverPort: number,
): [SimEndpoint, SimEndpoint] {
  const c = new SimEndpoint(net, client, clientPort, { host: server.name, port: serverPort }, 'connecting');
  const s = new SimEndpoint(net, server, serverPort, { host: client.name, port: clientPort }, 'open');
  c.out = s.in = new Pipe(net, c, s);
  s.out = c.in = new Pipe(net, s, c);
  return [c, s];
}

/** @internal A listening socket's side of the simulated network. */
export class SimListenTransport implements ListenTransport {
  readonly host: Host;
  readonly port: number;
  sink: ListenSink | undefined;
  closed = false;
  readonly #unlisten: (l: SimListenTransport) => void;

  constructor(host: Host, port: number, unlisten: (l: SimListenTransport) => void) {
    this.host = host;
    this.port = port;
    this.#unlisten = unlisten;
  }

  bind(sink: ListenSink): void {
    this.sink = sink;
  }

  address(): SockAddr {
    return { address: this.host.name, port: this.port, family: 'sim' };
  }

  close(): void {
    this.closed = true;
    this.#unlisten(this);
  }
}
