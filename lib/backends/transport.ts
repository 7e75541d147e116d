/**
 * The seam between the POSIX layer and whatever carries the bytes (mio's split of `TcpStream` over its
 * `sys` backend). A {@link StreamTransport} is the network side of one connection: it pushes what arrives
 * at its {@link StreamSink} and takes what the program sends. A {@link ListenTransport} is the network side
 * of a listening socket.
 *
 * The POSIX layer (`Socket`, `Listener`) knows nothing of Node: every Node internal lives in one backend,
 * `node/node-transport.ts`. Other backends (`memory/memory-transport.ts`, the simulated network) implement the same
 * interfaces, and the sockets, the ready list and the select/poll/epoll models run unchanged over them.
 */
import type { Host } from '../core/host.js';

/** A TCP address, as Python gives it: `{ address, port, family }`. What a TCP listener's `getsockname()` returns. */
export interface TcpAddr {
  /** The IP address, as Node writes it (`'127.0.0.1'`, `'::1'`); a simulated host's name. */
  address: string;
  /** The TCP port. */
  port: number;
  /** `'IPv4'` or `'IPv6'` (`'sim'` on the simulated network). */
  family: string;
}

/**
 * A socket's address: TCP as Python gives it ({@link TcpAddr}), a Unix socket as its path (`''` for an unnamed
 * Unix socket, such as a client's own end).
 */
export type SockAddr = TcpAddr | string;

/** An error as a transport reports it: Node's shape, an `Error` with the errno name as `code`. */
export type NetError = Error & { code?: unknown };

/** @internal The error a transport reports for `code` in `syscall` (`write EPIPE`), shaped as Node's. */
export function netError(code: string, syscall: string): NetError {
  return Object.assign(new Error(`${syscall} ${code}`), { code, syscall });
}

/** What a stream transport tells the socket above it. Every call is "from the network". */
export interface StreamSink {
  /** Bytes arrived, in order. The transport may deliver more after `pause()` until it takes effect. */
  data(chunk: Buffer): void;
  /** The peer's FIN arrived: no more data after what was delivered. */
  end(): void;
  /** The connection failed or was reset (`code`: `ECONNRESET`, `ECONNREFUSED`, `EPIPE`, ...). */
  error(err: NetError): void;
  /** The transport is gone (destroyed under the socket, or after an error). */
  close(): void;
  /** A connect in progress completed. */
  connect(): void;
  /** Bytes the transport held were handed on: `queued` went down (send-buffer space). */
  written(): void;
}

/** The state a transport is in when a socket is put over it. */
export type TransportStart = 'connecting' | 'open' | 'unconnected' | 'ended' | 'dead';

/** The network side of one stream connection. */
export interface StreamTransport {
  /** @internal The host whose descriptor table, clock and turn the socket over this transport uses. */
  readonly host: Host;
  /** What the transport is doing when the socket is made. */
  readonly start: TransportStart;
  /** Still connecting (a `connect` call is in progress). */
  readonly connecting: boolean;
  /** Bytes taken by `write` and not yet handed on (the model's share of SIOCOUTQ). */
  readonly queued: number;
  /** Starts delivering to `sink`; called once. */
  bind(sink: StreamSink): void;
  /** Stops delivering data until `resume` (flow control: the receive queue is full). */
  pause(): void;
  /** Delivers data again. */
  resume(): void;
  /**
   * Hands bytes straight to the network, uncopied, when nothing is queued: returns how many were taken
   * (0 when it would block or the transport has no such path). Throws the OS error of a hard failure.
   */
  tryWrite(buf: Uint8Array, off: number, len: number): number;
  /** Queues `buf` (the transport owns it now); `sink.written()` follows when it has been handed on. */
  write(buf: Buffer): void;
  /** Sends a FIN after what is queued (shutdown(SHUT_WR)). */
  end(): void;
  /** Lets go of the connection: queued bytes still leave, then a FIN; nothing is delivered any more. */
  close(): void;
  /** Aborts the connection with a reset (RST); queued bytes are dropped. Nothing is delivered any more. */
  reset(): void;
  /** The local address, or `undefined` when the transport does not know it (yet). */
  localAddress(): SockAddr | undefined;
  /** The peer's address, or `undefined` when the transport does not know it. */
  remoteAddress(): SockAddr | undefined;
  /**
   * Only where the transport stops watching the connection after the peer's FIN or while paused: the Node
   * backend, whose `net.Socket` reads nothing then (a transport that delivers every reset has none). Asks
   * the kernel whether a reset has arrived since, and returns its error (or `null`). Cheap: called only on
   * sockets past EOF or paused, when the program looks at them.
   */
  probeReset?(): NetError | null;
  /** TCP_NODELAY / SO_KEEPALIVE where the transport has them (an in-memory pair has neither: no-op). */
  setOption?(option: 'nodelay', enable: boolean): void;
  setOption?(option: 'keepalive', enable: boolean, initialDelayMs: number): void;
}

/** What a listen transport tells the listener above it. */
export interface ListenSink {
  /** A connection arrived; `local` is the accepted socket's own address when the transport knows it. */
  connection(t: StreamTransport): void;
  /** The listening socket failed. */
  error(err: NetError): void;
}

/** The network side of a listening socket. */
export interface ListenTransport {
  /** @internal The host whose descriptor table the listener uses. */
  readonly host: Host;
  /** Starts delivering connections to `sink`; called once. */
  bind(sink: ListenSink): void;
  /** The bound address. */
  address(): SockAddr;
  /** Stops listening; connections arriving from now on are refused. */
  close(): void;
}
