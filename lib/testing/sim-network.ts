/**
 * `SimNetwork`: a deterministic simulated network of named hosts, with virtual time and seeded faults, in
 * one thread (after tokio's turmoil). The same `Socket`, `Listener`, `select`, `Selector`, `Poll`, `Epoll`
 * and selectors run over it unchanged: only the transport under the sockets and the clock of their host
 * differ.
 */
import { Host } from '../core/host.js';
import { FdTable } from '../core/fd-table.js';
import { Turn } from '../core/turn.js';
import { SocketError, invalidArgType, invalidArgValue } from '../core/errors.js';
import { checkBufferOptions, type BufferOptions, type Socket } from '../sockets/socket.js';
import { checkInt, checkOptions } from '../core/validate.js';
import { select } from '../models/select.js';
import { SimClock } from '../backends/sim/sim-clock.js';
import { Rng, pickSeed } from '../backends/sim/sim-rng.js';
import { NO_FAULTS, mergeFaults, type FaultSet, type Faults } from '../backends/sim/sim-faults.js';
import type { Fabric, Stalled } from '../backends/sim/fabric.js';
import type { SimListenTransport, SimEndpoint } from '../backends/sim/sim-transport.js';
import type { SimDatagramTransport } from '../backends/sim/sim-dgram.js';
import { SimHost } from './sim-host.js';

export type { Faults } from '../backends/sim/sim-faults.js';

/** Options of a {@link SimNetwork}. */
export interface SimOptions {
  /** The seed of every random choice; `NET_SELECT_SEED` overrides it. Default: a fresh one (see `seed`). */
  seed?: number | undefined;
  /** Faults of every link, in both directions (override one with `link`). Default: none, no delay. */
  faults?: Faults | undefined;
  /** How long a connect waits for its handshake before failing with `ETIMEDOUT`. Default 20 000 virtual ms. */
  connectTimeoutMs?: number | undefined;
  /** Keep a trace of every delivery in `trace`. Default true. */
  trace?: boolean | undefined;
}

/** A host name: a non-empty string, else `ERR_INVALID_ARG_TYPE` naming the argument. */
function checkName(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw invalidArgType(name, 'a non-empty string (a host name)', value);
  return value;
}

/**
 * A simulated network: hosts, links between them with seeded faults, and a virtual clock.
 *
 * - Every random choice (latency, fragment sizes, faults) comes from one seeded generator, and the scheduler
 *   runs events in a fixed order: the same seed and the same program give the same run — the same recv
 *   sizes, readiness answers and virtual timestamps (compare `trace`).
 * - Timeouts of select/poll/epoll over its sockets run on its clock, which jumps ahead whenever nothing else
 *   is runnable: a 30 s timeout with no traffic costs a few wall milliseconds.
 * - A call that watches sockets of two hosts (or simulated and real ones) fails with `ERR_INVALID_ARG_VALUE`.
 *   Pass the socket objects: a bare descriptor number is looked up in the host of the sockets already in the
 *   call (the process's table when there are none).
 *
 * @example
 * const sim = new SimNetwork({ seed: 42, faults: { fragment: true, latencyMs: [1, 20] } })
 * const l = await sim.host('server').listen({ port: 7000 })
 * const c = sim.host('client').connect({ host: 'server', port: 7000 })
 * sim.partition('client', 'server'); sim.repair('client', 'server')
 */
export class SimNetwork {
  /** The seed this network runs with (`NET_SELECT_SEED`, else the option, else a fresh one). */
  readonly seed: number;
  /** Every delivery so far, one line each, with its virtual time (when `trace` is on). */
  readonly trace: string[] = [];
  readonly #clock = new SimClock();
  readonly #rng: Rng;
  readonly #turn = new Turn();
  readonly #hosts = new Map<string, SimHost>();
  readonly #listeners = new Map<string, SimListenTransport>();
  readonly #datagramSockets = new Map<string, SimDatagramTransport>(); // UDP ports: apart from TCP's
  readonly #links = new Map<string, Faults>(); // per direction: 'from\0to'
  readonly #linkCache = new Map<string, FaultSet>();
  readonly #cut = new Map<string, { partition: boolean; hold: boolean }>(); // per host pair, sorted
  readonly #deaf = new Set<string>();
  readonly #stalled = new Set<Stalled>();
  readonly #conns = new Set<SimEndpoint>(); // client ends
  readonly #tracing: boolean;
  /** @internal */
  readonly _faults: FaultSet;
  /** @internal */
  readonly _fabric: Fabric;

  /**
   * @throws {TypeError|RangeError} `ERR_INVALID_ARG_TYPE`/`ERR_OUT_OF_RANGE` for malformed options or faults,
   * or a `NET_SELECT_SEED` that is not a non-negative integer.
   */
  constructor(options: SimOptions = {}) {
    const o = checkOptions(options, 'options');
    if (o.seed !== undefined) checkInt(o.seed, 'options.seed', 0);
    this.seed = pickSeed(o.seed as number | undefined);
    this.#rng = new Rng(this.seed);
    this._faults = mergeFaults(NO_FAULTS, o.faults, 'options.faults');
    const connectTimeoutMs = o.connectTimeoutMs === undefined ? 20_000 : checkInt(o.connectTimeoutMs, 'options.connectTimeoutMs', 1);
    this.#tracing = o.trace !== false;
    const clock = this.#clock;
    const cut = this.#cut;
    this._fabric = {
      clock,
      rng: this.#rng,
      connectTimeoutMs,
      generation: 0,
      tracing: this.#tracing,
      faults: (from, to) => this.#linkFaults(from, to),
      blocked: (from, to) => {
        if (cut.size === 0) return false;
        const c = cut.get(pairKey(from, to));
        return c !== undefined && (c.partition || c.hold);
      },
      cut: (from, to) => {
        if (cut.size === 0) return null;
        const c = cut.get(pairKey(from, to));
        return c === undefined ? null : c.partition ? 'partition' : c.hold ? 'hold' : null;
      },
      reading: (name) => !this.#deaf.has(name),
      stall: (p) => void this.#stalled.add(p),
      listener: (name, port) => this._listener(name, port),
      datagramSocket: (name, port) => this._datagramSocket(name, port),
      record: (line) => {
        if (this.#tracing) this.trace.push(`${fmt(clock.now())} ${line}`);
      },
    };
  }

  /**
   * The host named `name`, made on first use (with an empty descriptor table).
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `name` is a non-empty string.
   */
  host(name: string): SimHost {
    let h = this.#hosts.get(name);
    if (h === undefined) {
      checkName(name, 'name');
      h = new SimHost(this, new Host(name, new FdTable(1024), this.#turn, this.#clock));
      this.#hosts.set(name, h);
    }
    return h;
  }

  /**
   * A connected pair of sockets on this network, on its virtual time: what `socketpair()` gives in memory, on
   * the real clock. Both ends are on host `options.host` (default `'localhost'`) and connected when the
   * promise resolves; timeouts over them (select's, `expectReady`'s) run on virtual time, and the network's
   * faults shake what they carry.
   * @throws {TypeError|RangeError} for malformed options.
   * @throws {SocketError} `ETIMEDOUT` when the network's faults kept the two from connecting.
   * @example const [a, b] = await sim.socketpair()   // await select([b], [], [], 5000): 5 virtual seconds
   */
  async socketpair(options: BufferOptions & { host?: string | undefined } = {}): Promise<[Socket, Socket]> {
    const o = checkOptions(options, 'options');
    const name = o.host === undefined ? 'localhost' : checkName(o.host, 'options.host');
    const sizes = { sndbuf: o.sndbuf as number | undefined, rcvbuf: o.rcvbuf as number | undefined };
    checkBufferOptions(sizes);
    const host = this.host(name);
    const listener = await host.listen({ port: 0, backlog: 1, ...sizes });
    try {
      const client = host.connect({ host: name, port: listener.getsockname().port, ...sizes });
      const [ready] = await select([listener], [], [], this._fabric.connectTimeoutMs);
      const server = ready.length > 0 ? listener.accept() : null;
      if (server === null) {
        client.close();
        throw new SocketError('ETIMEDOUT', 'connect', `${name}: the pair did not connect`);
      }
      await select([], [client], [], this._fabric.connectTimeoutMs); // the client's end has heard the handshake
      return [client, server];
    } finally {
      listener.close();
    }
  }

  /** The virtual time in milliseconds since the network was made. */
  now(): number {
    return this.#clock.now();
  }

  /** Scheduler events run so far: the simulation's work, independent of wall time. */
  get steps(): number {
    return this.#clock.steps;
  }

  /**
   * Sets the faults of the link from `from` to `to` (one direction), over the network's own.
   * @throws {TypeError|RangeError} for malformed faults, or a host name that is not a non-empty string.
   * @example sim.link('server', 'client', { latencyMs: 200 })   // a slow downlink only
   */
  link(from: string, to: string, faults: Faults): this {
    checkName(from, 'from');
    checkName(to, 'to');
    mergeFaults(this._faults, faults, 'faults'); // checked before anything changes
    this.#links.set(`${from}\0${to}`, { ...this.#links.get(`${from}\0${to}`), ...faults });
    this.#linkCache.clear();
    this._fabric.generation++;
    return this;
  }

  /**
   * Cuts the link between hosts `a` and `b`: nothing crosses, and connects between them time out. Stream bytes
   * wait for the repair; a datagram that reaches the cut is lost.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a host name that is not a non-empty string.
   */
  partition(a: string, b: string): void {
    checkName(a, 'a');
    checkName(b, 'b');
    this.#setCut(a, b, 'partition', true);
    this.record(`partition ${a} ${b}`);
  }

  /**
   * Mends a partition: what was sent arrives in order, nothing lost, one link delay from now (retransmitted).
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a host name that is not a non-empty string.
   */
  repair(a: string, b: string): void {
    checkName(a, 'a');
    checkName(b, 'b');
    this.#setCut(a, b, 'partition', false);
    this.record(`repair ${a} ${b}`);
    this.#kick(true);
  }

  /**
   * Holds everything sent between `a` and `b` (both ways), datagrams too, until `release`.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a host name that is not a non-empty string.
   */
  hold(a: string, b: string): void {
    checkName(a, 'a');
    checkName(b, 'b');
    this.#setCut(a, b, 'hold', true);
    this.record(`hold ${a} ${b}`);
  }

  /**
   * Delivers what `hold` kept, in order, at once.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a host name that is not a non-empty string.
   */
  release(a: string, b: string): void {
    checkName(a, 'a');
    checkName(b, 'b');
    this.#setCut(a, b, 'hold', false);
    this.record(`release ${a} ${b}`);
    this.#kick(false);
  }

  /**
   * Host `name` stops reading from the network: its receive windows close and its peers' sends back up.
   * Streams only: UDP has no window, and a datagram socket nobody reads drops what overflows its `rcvbuf`.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a host name that is not a non-empty string.
   */
  stopReading(name: string): void {
    checkName(name, 'name');
    this.#deaf.add(name);
    this.record(`${name} stops reading`);
  }

  /**
   * Host `name` reads again: what waited is delivered.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a host name that is not a non-empty string.
   */
  resumeReading(name: string): void {
    checkName(name, 'name');
    this.#deaf.delete(name);
    this.record(`${name} reads again`);
    this.#kick(false);
  }

  /**
   * Resets every connection between hosts `a` and `b` now, as a middlebox would: both ends see
   * `ECONNRESET`.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a host name that is not a non-empty string.
   */
  reset(a: string, b: string): void {
    checkName(a, 'a');
    checkName(b, 'b');
    this.record(`reset ${a} ${b}`);
    for (const c of this.#conns) {
      const s = c.out.dst;
      if ((c.dead || c.gone) && (s.dead || s.gone)) {
        this.#conns.delete(c); // over: forget it
        continue;
      }
      const x = c.host.name;
      const y = s.host.name;
      if (!((x === a && y === b) || (x === b && y === a))) continue;
      c.out.clear();
      c.in.clear();
      c.abort('ECONNRESET', false);
      s.abort('ECONNRESET', false);
    }
  }

  /**
   * Adds `line` to the trace, stamped with the virtual time (a program's own events, for comparing runs).
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `line` is a string.
   */
  record(line: string): void {
    if (typeof line !== 'string') throw invalidArgType('line', 'of type string', line);
    this._fabric.record(line);
  }

  /**
   * Lets `ms` of virtual time pass, running everything that happens meanwhile; costs wall time only for the
   * work done. Use it to prove that nothing happens: after it, a select with timeout 0 shows the state.
   * @example await sim.runFor(30_000)   // 30 virtual seconds, a few wall milliseconds
   */
  runFor(ms: number): Promise<void> {
    checkInt(ms, 'ms', 0);
    return new Promise<void>((resolve) => this.#clock.setTimeout(resolve, ms));
  }

  /** `seed N at t=...ms`: what a failure report needs to replay the run (`NET_SELECT_SEED=N`). */
  describe(): string {
    return `seed ${this.seed} at t=${fmt(this.now())}ms (replay with NET_SELECT_SEED=${this.seed})`;
  }

  /** @internal */
  _listener(name: string, port: number): SimListenTransport | undefined {
    return this.#listeners.get(`${name}:${port}`);
  }

  /** @internal */
  _listen(t: SimListenTransport): void {
    this.#listeners.set(`${t.host.name}:${t.port}`, t);
  }

  /** @internal */
  _unlisten(t: SimListenTransport): void {
    const key = `${t.host.name}:${t.port}`;
    if (this.#listeners.get(key) === t) this.#listeners.delete(key);
  }

  /** @internal */
  _datagramSocket(name: string, port: number): SimDatagramTransport | undefined {
    return this.#datagramSockets.get(`${name}:${port}`);
  }

  /** @internal */
  _bindDatagram(t: SimDatagramTransport): void {
    this.#datagramSockets.set(`${t.host.name}:${t.port}`, t);
  }

  /** @internal */
  _unbindDatagram(t: SimDatagramTransport): void {
    const key = `${t.host.name}:${t.port}`;
    if (this.#datagramSockets.get(key) === t) this.#datagramSockets.delete(key);
  }

  /** @internal A connection was made: `reset` may need it. */
  _opened(client: SimEndpoint): void {
    this.#conns.add(client);
  }

  #linkFaults(from: string, to: string): FaultSet {
    const key = `${from}\0${to}`;
    let f = this.#linkCache.get(key);
    if (f === undefined) {
      const own = this.#links.get(key);
      f = own === undefined ? this._faults : mergeFaults(this._faults, own, 'faults');
      this.#linkCache.set(key, f);
    }
    return f;
  }

  #setCut(a: string, b: string, what: 'partition' | 'hold', on: boolean): void {
    if (typeof a !== 'string' || typeof b !== 'string' || a === b) {
      throw invalidArgValue('b', `must name a host other than a (got '${String(a)}' and '${String(b)}')`);
    }
    const key = pairKey(a, b);
    const c = this.#cut.get(key) ?? { partition: false, hold: false };
    c[what] = on;
    if (c.partition || c.hold) this.#cut.set(key, c);
    else this.#cut.delete(key); // no cut left: the check on every delivery stays one size test
  }

  #kick(retransmit: boolean): void {
    const pipes = [...this.#stalled];
    this.#stalled.clear();
    for (const p of pipes) p.kick(retransmit);
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\0${b}` : `${b}\0${a}`;
}

function fmt(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(3);
}
