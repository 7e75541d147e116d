/**
 * A listening socket with a non-blocking `accept`, over a {@link ListenTransport} (Node's `net.Server`, or
 * a simulated one).
 *
 * Node takes connections from the kernel as soon as they arrive, so the accept queue lives here. A real
 * kernel holds at most `backlog` completed connections and lets the rest wait in the clients' SYN retries;
 * Node cannot make clients wait, so connections past `backlog` are held too (they are counted as
 * `overflowed`) up to a hard cap of `backlog + maxOverflow`. Past the cap a new connection is reset at once
 * and counted as `dropped`: its client sees `ECONNRESET` (or EOF). No queued connection has a descriptor
 * until `accept` gives it one.
 */
import Queue from 'yocto-queue';
import { fromNodeError, invalidArgType, sysError } from '../core/errors.js';
import { POLLERR, POLLIN, POLLNVAL } from '../core/flags.js';
import { Pollable } from '../core/pollable.js';
import { ioChannel, publishClose, publishIo } from '../trace/trace.js';
import { Socket, checkBufferOptions, type BufferOptions, type SockAddr, type TcpAddr } from './socket.js';
import { adoptServer, listenTransport, type NetServer } from '../backends/node/index.js';
import { FaultListenTransport, checkFaults, type SocketFaults } from '../backends/faults.js';
import type { ListenTransport, StreamTransport } from '../backends/transport.js';
import { checkInt, checkOptions, checkTransport } from '../core/validate.js';

/** Options of {@link listen} and {@link Listener.adopt}. */
export interface ListenOptions extends BufferOptions {
  /** Address to bind. Default `'127.0.0.1'`. */
  host?: string | undefined;
  /** Port to bind; 0 (the default) picks a free one. */
  port?: number | undefined;
  /** A Unix socket path, instead of host and port. */
  path?: string | undefined;
  /** The accept queue's length, as `listen(2)`'s backlog. Default 128. */
  backlog?: number | undefined;
  /** Connections held past `backlog` before new ones are reset. Default 4096. */
  maxOverflow?: number | undefined;
  /** For tests: faults on every accepted socket (`fragment`, a small `sndbuf`), as `connect` takes them. */
  faults?: SocketFaults | undefined;
}

/** Counters of a listener's accept queue. */
export interface ListenerStats {
  /** Connections handed out by `accept`. */
  accepted: number;
  /** Connections that arrived while `backlog` were already queued (a kernel would have made them retry). */
  overflowed: number;
  /** Connections reset because `backlog + maxOverflow` were queued. */
  dropped: number;
}

/**
 * A listening socket. It is readable while a connection waits to be accepted.
 * @typeParam A What `getsockname()` returns: {@link TcpAddr} for a listener `listen` bound to a host and port,
 * a path for a Unix socket; either when not known (an adopted `net.Server`).
 * @example
 * const srv = await listen({ port: 0, backlog: 5 })
 * const [r] = await select([srv], [], [])
 * const client = srv.accept()   // a Socket, or null when none is pending
 */
export class Listener<A extends SockAddr = SockAddr> extends Pollable {
  readonly #t: ListenTransport;
  #fd: number;
  #closed = false;
  #error: (Error & { code?: unknown }) | null = null;
  #queue = new Queue<Socket>();
  #backlog: number;
  #cap: number;
  #sizes: { sndbuf: number; rcvbuf: number };
  readonly #stats: ListenerStats = { accepted: 0, overflowed: 0, dropped: 0 };

  /** @internal Use {@link listen} or {@link Listener.adopt}. */
  constructor(t: ListenTransport, opts: ListenOptions) {
    super(checkTransport(t).host);
    const o = checkOptions(opts, 'options');
    this.#backlog = o.backlog === undefined ? 128 : checkInt(o.backlog, 'options.backlog', 1);
    const overflow = o.maxOverflow === undefined ? 4096 : checkInt(o.maxOverflow, 'options.maxOverflow', 0);
    this.#cap = this.#backlog + overflow;
    this.#sizes = checkBufferOptions(o);
    this.#t = t;
    this.#fd = t.host.fds.alloc(this, 'socket');
    t.bind({
      connection: (st) => this.#arrive(st),
      error: (err) => {
        if (this.#closed) return;
        this.#error ??= err;
        this._changed(0, true);
      },
    });
  }

  /**
   * Wraps a `net.Server` that another library created (listening or not). Its connections are queued here
   * from now on; make the server with `allowHalfOpen: true` to keep writing after a client's FIN.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `server` is a `net.Server`.
   * @throws {SocketError} `EMFILE` past the open-file limit.
   */
  static adopt(server: NetServer, options?: Omit<ListenOptions, 'host' | 'port' | 'path'>): Listener {
    return new Listener(adoptServer(server), checkOptions(options, 'options'));
  }

  /** The descriptor number, or -1 once closed. */
  fileno(): number {
    return this.#fd;
  }

  /** `POLLIN` while a connection waits; `POLLERR` with a pending error; `POLLNVAL` once closed. O(1). */
  events(): number {
    if (this.#closed) return POLLNVAL;
    return (this.#queue.size > 0 ? POLLIN : 0) | (this.#error ? POLLERR : 0);
  }

  /** The accept queue's counters. */
  get stats(): Readonly<ListenerStats> {
    return this.#stats;
  }

  /** Connections waiting to be accepted. */
  get pending(): number {
    return this.#queue.size;
  }

  /**
   * Takes the next pending connection and gives it the lowest free descriptor, or returns `null` at once
   * when none is pending. Data, EOF or a reset that arrived while it waited are already visible on it.
   * @throws {SocketError} `EBADF` once closed; `EMFILE` past the open-file limit (the connection stays queued);
   * a pending listener error, once.
   */
  accept(): Socket | null {
    const sock = this.#accept();
    if (ioChannel.hasSubscribers) publishIo('accept', this.fileno(), 0, sock === null ? -1 : sock.fileno());
    return sock;
  }

  #accept(): Socket | null {
    if (this.#closed) throw sysError('EBADF', 'accept');
    if (this.#error) {
      const err = this.#error;
      this.#error = null;
      throw fromNodeError(err, 'accept');
    }
    const sock = this.#queue.peek();
    if (sock === undefined) return null;
    sock._accepted();
    this.#queue.dequeue();
    this.#stats.accepted++;
    return sock;
  }

  /**
   * The bound address (getsockname): `{ address, port, family }`, or the path of a Unix socket; typed as
   * {@link TcpAddr} for a listener `listen` bound to a host and port, so `.port` needs no cast.
   * @throws {SocketError} `EBADF` once closed.
   */
  getsockname(): A {
    if (this.#closed) throw sysError('EBADF', 'getsockname');
    return this.#t.address() as A;
  }

  /** `close()`, for `using listener = await listen(...)`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Stops listening and resets every connection still waiting to be accepted, as closing a listening
   * socket does. The descriptor is free at once. Closing twice does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    publishClose(this.#fd);
    this._host.fds.free(this.#fd);
    this.#fd = -1;
    this.#t.close();
    for (let s = this.#queue.dequeue(); s !== undefined; s = this.#queue.dequeue()) s._abort();
    this._closed();
  }

  #arrive(t: StreamTransport): void {
    if (this.#closed) {
      t.close();
      return;
    }
    const size = this.#queue.size;
    if (size >= this.#cap) {
      this.#stats.dropped++;
      t.reset();
      return;
    }
    if (size >= this.#backlog) this.#stats.overflowed++;
    this.#queue.enqueue(new Socket(t, this.#sizes, false));
    this._changed(POLLIN, true); // every connection is new readiness: an edge for EPOLLET, as on Linux
  }
}

/**
 * Creates a listening TCP (or Unix) socket, bound and listening when the promise resolves.
 * @throws {TypeError|RangeError} for malformed options (the promise rejects).
 * @throws {SocketError} `EADDRINUSE`, `EACCES`, ... from the bind; `EMFILE` past the open-file limit.
 * @example const srv = await listen({ host: '127.0.0.1', port: 0, backlog: 5 })
 */
export function listen(options: ListenOptions & { path: string }): Promise<Listener<string>>;
/** A TCP listener: its `getsockname()` is a {@link TcpAddr}. */
export function listen(options?: ListenOptions & { path?: undefined }): Promise<Listener<TcpAddr>>;
/** Either, when it is not known which. */
export function listen(options?: ListenOptions): Promise<Listener>;
export async function listen(options: ListenOptions = {}): Promise<Listener> {
  const o = checkOptions(options, 'options');
  // The kernel's queue is made as long as ours with its overflow: the model of `backlog` lives here, and a
  // short kernel queue would reset a burst (with syncookies) instead of letting it wait.
  const backlog =
    (o.backlog === undefined ? 128 : checkInt(o.backlog, 'options.backlog', 1)) +
    (o.maxOverflow === undefined ? 4096 : checkInt(o.maxOverflow, 'options.maxOverflow', 0));
  let target: { path: string; backlog: number } | { host: string; port: number; backlog: number };
  if (o.path !== undefined) {
    if (typeof o.path !== 'string' || o.path === '') throw invalidArgType('options.path', 'a non-empty string', o.path);
    target = { path: o.path, backlog };
  } else {
    const host = o.host ?? '127.0.0.1';
    if (typeof host !== 'string') throw invalidArgType('options.host', 'of type string', host);
    target = { host, port: o.port === undefined ? 0 : checkInt(o.port, 'options.port', 0, 65535), backlog };
  }
  const faults = o.faults === undefined ? undefined : checkFaults(o.faults, 'options.faults');
  const t = listenTransport();
  const lt = faults === undefined ? t : new FaultListenTransport(t, faults);
  // validates the rest and takes the descriptor first
  const listener = new Listener(lt, faults?.sndbuf === undefined || o.sndbuf !== undefined ? o : { ...o, sndbuf: faults.sndbuf });
  try {
    await t.listen(target);
  } catch (err) {
    listener.close();
    throw fromNodeError(err as Error, 'bind');
  }
  return listener;
}
