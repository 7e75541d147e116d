/** `SimHost`: one host of a simulated network, where its sockets are made. */
import { Host } from '../core/host.js';
import { SocketError, invalidArgType } from '../core/errors.js';
import { Listener, type ListenOptions } from '../sockets/listener.js';
import { Socket, checkBufferOptions, type BufferOptions, type TcpAddr } from '../sockets/socket.js';
import { DatagramSocket } from '../sockets/dgram.js';
import { Epoll, epollOn } from '../models/epoll.js';
import { checkInt, checkOptions } from '../core/validate.js';
import type { FaultSet } from '../backends/sim/sim-faults.js';
import type { Fabric } from '../backends/sim/fabric.js';
import { SimListenTransport, simConnection, type SimEndpoint } from '../backends/sim/sim-transport.js';
import { SimDatagramTransport } from '../backends/sim/sim-dgram.js';

/** @internal What a host asks of its network (`SimNetwork`). */
export interface SimHostNet {
  readonly _faults: FaultSet;
  readonly _fabric: Fabric;
  host(name: string): { readonly _host: Host };
  _listener(name: string, port: number): SimListenTransport | undefined;
  _listen(t: SimListenTransport): void;
  _unlisten(t: SimListenTransport): void;
  _opened(client: SimEndpoint): void;
  _datagramSocket(name: string, port: number): SimDatagramTransport | undefined;
  _bindDatagram(t: SimDatagramTransport): void;
  _unbindDatagram(t: SimDatagramTransport): void;
}

const FIRST_EPHEMERAL = 49152;

/**
 * A host of a `SimNetwork`: its own descriptor table (numbers start at 3, as in a separate process) and
 * its name as its address. Get one with `sim.host(name)`.
 */
export class SimHost {
  /** @internal */
  readonly _host: Host;
  readonly #sim: SimHostNet;
  #nextPort = FIRST_EPHEMERAL;
  #nextDatagramPort = FIRST_EPHEMERAL;

  /** @internal Use `sim.host(name)`. */
  constructor(sim: SimHostNet, host: Host) {
    if (sim === null || typeof sim !== 'object' || typeof (sim as Partial<SimHostNet>)._listener !== 'function' || !(host instanceof Host)) {
      throw invalidArgType('sim', 'a SimNetwork (use sim.host(name))', sim);
    }
    this.#sim = sim;
    this._host = host;
  }

  /** The host's name, which is also its address. */
  get name(): string {
    return this._host.name;
  }

  /** Descriptors open on this host: its sockets, listeners and epoll instances. */
  get openFdCount(): number {
    return this._host.fds.size;
  }

  /**
   * This host's open-file limit (its `ulimit -n`; 1024 by default): a socket, accept or epoll instance
   * that would take a descriptor at or past it fails with `EMFILE`, on this host only. Descriptors already
   * open stay open.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` unless set to an integer >= 4.
   * @example sim.host('server').fdLimit = 8 // the 6th descriptor on 'server' fails with EMFILE
   */
  get fdLimit(): number {
    return this._host.fds.limit;
  }

  /** Sets this host's open-file limit (see the getter). */
  set fdLimit(n: number) {
    this._host.fds.limit = checkInt(n, 'fdLimit', 4);
  }

  /**
   * An epoll instance on this host: its descriptor is one of this host's, from the start. (`new Epoll()`
   * also moves to this host when the first socket it watches is one of its.)
   * @throws {SocketError} `EMFILE` past this host's open-file limit.
   * @example const ep = sim.host('server').epoll(); ep.register(listener, EPOLLIN)
   */
  epoll(): Epoll {
    return epollOn(this._host);
  }

  /**
   * A listening socket on this host, as `listen()` makes one on the real network. `port` 0 (the default)
   * picks a free one; `host` and `path` are not used.
   * @throws {SocketError} `EADDRINUSE` for a port taken on this host; `EMFILE` past the open-file limit.
   * @throws {TypeError|RangeError} for malformed options (the promise rejects).
   * @example const l = await sim.host('server').listen({ port: 7000, backlog: 8 })
   */
  async listen(options: ListenOptions = {}): Promise<Listener<TcpAddr>> {
    const o = checkOptions(options, 'options');
    let port = o.port === undefined ? 0 : checkInt(o.port, 'options.port', 0, 65535);
    if (port === 0) port = this._ephemeral();
    else if (this.#sim._listener(this.name, port)) throw new SocketError('EADDRINUSE', 'bind', `${this.name}:${port}`);
    const sndbuf = o.sndbuf ?? this.#sim._faults.sndbuf;
    const t = new SimListenTransport(this._host, port, (l) => this.#sim._unlisten(l));
    const listener = new Listener<TcpAddr>(t, { ...o, sndbuf } as ListenOptions);
    this.#sim._listen(t);
    return listener;
  }

  /**
   * Starts a non-blocking connect to `host:port` on the simulated network and returns the socket at once, as
   * `connect()` does. Nobody listening there: `ECONNREFUSED`; a partition that outlasts the connect timeout:
   * `ETIMEDOUT` (reported as `connect()` reports errors: readable, writable, and thrown by the next call).
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a missing host name.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a port outside 0..65535 or a bad buffer size.
   * @example const c = sim.host('client').connect({ host: 'server', port: 7000 })
   */
  connect(options: { host: string; port: number } & BufferOptions): Socket {
    const o = checkOptions(options, 'options');
    if (typeof o.host !== 'string' || o.host === '') throw invalidArgType('options.host', 'a host name', o.host);
    const port = checkInt(o.port, 'options.port', 0, 65535);
    const sizes = checkBufferOptions({ ...o, sndbuf: o.sndbuf ?? this.#sim._faults.sndbuf });
    const server = this.#sim.host(o.host);
    const [c] = simConnection(this.#sim._fabric, this._host, this._ephemeral(), server._host, port);
    const sock = new Socket(c, sizes, true);
    this.#sim._opened(c);
    c.open();
    return sock;
  }

  /**
   * A UDP socket bound to `port` on this host (0, the default, picks a free one), as `bindDatagram` makes one
   * on the real network: other hosts send to it by this host's name, `{ address: 'server', port }`, and it sends
   * to theirs. Datagrams feel the network's faults (`loss`, `duplicate`, `reorder`, `latencyMs`, partitions;
   * see `Faults`); each arrives whole or not at all. UDP ports are apart from TCP's.
   * @throws {SocketError} `EADDRINUSE` for a UDP port taken on this host; `EMFILE` past the open-file limit.
   * @throws {TypeError|RangeError} for malformed options (the promise rejects).
   * @example
   * const srv = await sim.host('server').bindDatagram({ port: 53 })
   * const cli = await sim.host('client').bindDatagram()
   * cli.sendto('query', { address: 'server', port: 53 })
   */
  async bindDatagram(options: { port?: number | undefined } & BufferOptions = {}): Promise<DatagramSocket> {
    const o = checkOptions(options, 'options');
    let port = o.port === undefined ? 0 : checkInt(o.port, 'options.port', 0, 65535);
    const sizes = checkBufferOptions({ ...o, sndbuf: o.sndbuf ?? this.#sim._faults.sndbuf });
    if (port === 0) port = this.#datagramPort();
    else if (this.#sim._datagramSocket(this.name, port)) throw new SocketError('EADDRINUSE', 'bind', `${this.name}:${port}/udp`);
    const t = new SimDatagramTransport(this.#sim._fabric, this._host, port, (d) => this.#sim._unbindDatagram(d));
    const sock = new DatagramSocket(t, sizes); // EMFILE before the port is taken
    this.#sim._bindDatagram(t);
    return sock;
  }

  #datagramPort(): number {
    for (;;) {
      const p = this.#nextDatagramPort;
      this.#nextDatagramPort = p === 65535 ? FIRST_EPHEMERAL : p + 1;
      if (!this.#sim._datagramSocket(this.name, p)) return p;
    }
  }

  /** @internal A free local port. */
  _ephemeral(): number {
    for (;;) {
      const p = this.#nextPort;
      this.#nextPort = p === 65535 ? FIRST_EPHEMERAL : p + 1;
      if (!this.#sim._listener(this.name, p)) return p;
    }
  }
}
