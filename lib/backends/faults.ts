/**
 * Faults for real sockets: a decorator over any stream transport that makes the network behaviour POSIX
 * allows on every stream socket and loopback almost never shows. `fragment`: what arrives is cut into random
 * pieces (down to 1 byte), one piece per turn of the event loop, so `recv` returns part of a message; with
 * `sndbuf`, a small send buffer, `send` is partial. A server tested with these survives a real network's
 * cuts. Everything else (latency, partitions, virtual time) needs the simulated network.
 */
import type { Host } from '../core/host.js';
import { platform } from '../core/platform.js';
import { checkInt, checkOptions } from '../core/validate.js';
import { Rng, pickSeed } from './sim/sim-rng.js';
import type { ListenSink, ListenTransport, SockAddr, StreamSink, StreamTransport, TransportStart } from './transport.js';

/** The faults `connect` and `listen` can put on real sockets (option `faults`). */
export interface SocketFaults {
  /** Deliver what arrives in random pieces, one per event-loop turn. */
  fragment?: boolean | undefined;
  /** The send buffer (SO_SNDBUF) of the socket unless it asks for one: small, for partial sends. */
  sndbuf?: number | undefined;
  /** The seed of the piece sizes (`NET_SELECT_SEED` overrides it). Default: a fresh one. */
  seed?: number | undefined;
}

/** @internal Checked faults. */
export interface CheckedFaults {
  fragment: boolean;
  sndbuf: number | undefined;
  rng: Rng;
}

/**
 * @internal Checks the `faults` option.
 * @throws {TypeError|RangeError} `ERR_INVALID_ARG_TYPE` / `ERR_OUT_OF_RANGE` naming the bad field.
 */
export function checkFaults(faults: unknown, name: string): CheckedFaults {
  const f = checkOptions(faults, name);
  const seed = f.seed === undefined ? undefined : checkInt(f.seed, `${name}.seed`, 0);
  return {
    fragment: Boolean(f.fragment),
    sndbuf: f.sndbuf === undefined ? undefined : checkInt(f.sndbuf, `${name}.sndbuf`, 1),
    rng: new Rng(pickSeed(seed)),
  };
}

/** @internal A stream transport whose arrivals are cut into pieces, one per turn. */
export class FaultTransport implements StreamTransport {
  readonly #inner: StreamTransport;
  readonly #faults: CheckedFaults;
  #sink: StreamSink | undefined;
  readonly #queue: (Buffer | (() => void))[] = []; // pieces, and the events that follow them
  #paused = false; // by the socket above
  #scheduled = false;

  constructor(inner: StreamTransport, faults: CheckedFaults) {
    this.#inner = inner;
    this.#faults = faults;
  }

  get host(): Host {
    return this.#inner.host;
  }

  get start(): TransportStart {
    return this.#inner.start;
  }

  get connecting(): boolean {
    return this.#inner.connecting;
  }

  get queued(): number {
    return this.#inner.queued;
  }

  bind(sink: StreamSink): void {
    this.#sink = sink;
    this.#inner.bind({
      data: (chunk) => this.#arrive(chunk),
      end: () => this.#after(() => sink.end()),
      error: (err) => this.#after(() => sink.error(err)),
      close: () => this.#after(() => sink.close()),
      connect: () => sink.connect(),
      written: () => sink.written(),
    });
  }

  pause(): void {
    this.#paused = true;
    this.#inner.pause();
  }

  resume(): void {
    this.#paused = false;
    if (this.#queue.length === 0) this.#inner.resume();
    else this.#pump();
  }

  tryWrite(buf: Uint8Array, off: number, len: number): number {
    return this.#inner.tryWrite(buf, off, len);
  }

  write(buf: Buffer): void {
    this.#inner.write(buf);
  }

  end(): void {
    this.#inner.end();
  }

  close(): void {
    this.#queue.length = 0;
    this.#inner.close();
  }

  reset(): void {
    this.#queue.length = 0;
    this.#inner.reset();
  }

  localAddress(): SockAddr | undefined {
    return this.#inner.localAddress();
  }

  remoteAddress(): SockAddr | undefined {
    return this.#inner.remoteAddress();
  }

  /** The inner transport's, while nothing is held back here (the reset comes after what is held). */
  probeReset(): (Error & { code?: unknown }) | null {
    return this.#queue.length > 0 ? null : (this.#inner.probeReset?.() ?? null);
  }

  #arrive(chunk: Buffer): void {
    if (!this.#faults.fragment) {
      if (this.#queue.length === 0) return this.#sink?.data(chunk);
      this.#queue.push(chunk);
      return;
    }
    let off = 0;
    for (const n of this.#faults.rng.pieces(chunk.length)) {
      this.#queue.push(chunk.subarray(off, off + n));
      off += n;
    }
    this.#inner.pause(); // the pieces are the receive window for now
    this.#pump();
  }

  /** An event from the network, kept behind the pieces still to deliver. */
  #after(fn: () => void): void {
    if (this.#queue.length === 0) fn();
    else this.#queue.push(fn);
  }

  /** Delivers one piece per turn: a select answers between two pieces, so `recv` sees a part. */
  #pump(): void {
    if (this.#scheduled || this.#paused || this.#queue.length === 0) return;
    this.#scheduled = true;
    platform.immediate(() => {
      this.#scheduled = false;
      if (this.#paused) return;
      const item = this.#queue.shift();
      if (typeof item === 'function') item();
      else if (item !== undefined) this.#sink?.data(item);
      if (this.#queue.length > 0) this.#pump();
      else if (!this.#paused) this.#inner.resume();
    });
  }
}

/** @internal A listen transport whose connections get `faults`. */
export class FaultListenTransport implements ListenTransport {
  readonly #inner: ListenTransport;
  readonly #faults: CheckedFaults;

  constructor(inner: ListenTransport, faults: CheckedFaults) {
    this.#inner = inner;
    this.#faults = faults;
  }

  get host(): Host {
    return this.#inner.host;
  }

  bind(sink: ListenSink): void {
    this.#inner.bind({
      connection: (t) => sink.connection(new FaultTransport(t, this.#faults)),
      error: (err) => sink.error(err),
    });
  }

  address(): SockAddr {
    return this.#inner.address();
  }

  close(): void {
    this.#inner.close();
  }
}
