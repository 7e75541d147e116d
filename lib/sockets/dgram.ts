/**
 * A UDP socket with the non-blocking POSIX calls — `recvfrom`, `sendto` — over a datagram transport: Node's
 * `dgram` (from {@link bindDatagram}), an in-memory pair (`datagramPair()` in net-select/testing) or a host of
 * the simulated network (`SimHost.bindDatagram`).
 *
 * Datagrams keep their boundaries: the transport delivers each one whole, this class queues it whole, and one
 * `recvfrom` takes exactly one (cut to the size asked for, the rest dropped, as POSIX does without
 * `MSG_TRUNC`). The receive queue has a size (`rcvbuf`): a datagram that arrives while it is full is dropped
 * and counted, as a kernel drops it — UDP has no flow control. Sends queue until the transport has handed them
 * on; while that queue holds `sndbuf` bytes or more, `sendto` would block and returns `null` (not 0: an empty
 * datagram is a datagram, and `sendto` returns 0 for it once sent).
 *
 * A connected socket (`connect`, then `send`/`recv`) keeps Linux's rules for one: only its peer's datagrams
 * are delivered, and an ICMP "port unreachable" for a datagram sent to the peer is a pending `ECONNREFUSED`
 * (`POLLERR`) that the next call throws once.
 */
import Queue from 'yocto-queue';
import { fromNodeError, invalidArgType, invalidArgValue, sysError, SocketError } from '../core/errors.js';
import { POLLERR, POLLIN, POLLNVAL, POLLOUT } from '../core/flags.js';
import { Pollable } from '../core/pollable.js';
import { checkBufferOptions, type BufferOptions } from './socket.js';
import { checkInt, checkOptions, checkTransport } from '../core/validate.js';
import type { DatagramAddr, DatagramTransport } from '../backends/datagram-transport.js';
import { datagramTransport } from '../backends/node/index.js';
import { publishClose } from '../trace/trace.js';

/** A UDP address: where a datagram came from, or where to send one. */
export interface DatagramAddress {
  /** The IP address of the sender or destination. */
  address: string;
  /** Its UDP port. */
  port: number;
  /** `'IPv4'` or `'IPv6'` in what `recvfrom` returns; not needed for `sendto`. */
  family?: string | undefined;
}

/** Options of {@link bindDatagram}. */
export interface DatagramOptions extends BufferOptions {
  /** Address to bind. Default `'127.0.0.1'`. */
  host?: string | undefined;
  /** Port to bind; 0 (the default) picks a free one. */
  port?: number | undefined;
  /** `'udp4'` or `'udp6'`. Default: `'udp6'` when `host` has a colon, else `'udp4'`. */
  type?: 'udp4' | 'udp6' | undefined;
}

/** Counters of a datagram socket. */
export interface DatagramStats {
  /** Datagrams queued for `recvfrom`. */
  received: number;
  /** Datagrams dropped because the receive queue was full. */
  dropped: number;
  /** Datagrams taken by `sendto`. */
  sent: number;
}

/**
 * A bound UDP socket. Get one from {@link bindDatagram} (or, in tests, from `datagramPair()` or
 * `SimHost.bindDatagram` of net-select/testing: the same class over another transport).
 *
 * Readiness (`events()`): `POLLIN` while a datagram is queued; `POLLOUT` while the send queue holds less
 * than `sndbuf` bytes; `POLLERR` while an error is pending (the next call throws it, once, before any queued
 * datagram, as Linux's `sock_error` comes first). An unconnected socket hears of no ICMP error, as on Linux;
 * a connected one (see {@link DatagramSocket.connect}) hears of its peer's closed port as `ECONNREFUSED`.
 *
 * @example
 * const udp = await bindDatagram({ port: 0 })
 * const [r] = await select([udp], [], [])
 * const got = udp.recvfrom(2048)       // [data, { address, port, family }], or null
 * if (got) udp.sendto(got[0], got[1])  // the echo, one datagram
 */
export class DatagramSocket extends Pollable {
  readonly #t: DatagramTransport;
  #fd: number;
  #closed = false;
  #error: (Error & { code?: unknown }) | null = null;
  readonly #rq = new Queue<[Buffer, DatagramAddress]>();
  #rqBytes = 0;
  #pending = 0; // bytes given to the transport and not yet sent
  #peer: DatagramAddress | null = null;
  readonly #sndbuf: number;
  readonly #rcvbuf: number;
  readonly #stats: DatagramStats = { received: 0, dropped: 0, sent: 0 };

  /** @internal Use {@link bindDatagram} (or net-select/testing's `datagramPair`, `SimHost.bindDatagram`). */
  constructor(t: DatagramTransport, sizes: { sndbuf: number; rcvbuf: number }) {
    // Before the descriptor is taken: a wrong argument must not leak one.
    super(checkTransport(t).host);
    if (typeof t.send !== 'function') throw invalidArgType('transport', 'a datagram transport (use bindDatagram)', t);
    this.#fd = t.host.fds.alloc(this, 'socket');
    this.#t = t;
    this.#sndbuf = sizes.sndbuf;
    this.#rcvbuf = sizes.rcvbuf;
    t.bind({
      message: (msg: Buffer, from: DatagramAddr) => {
        if (this.#closed) return;
        if (this.#rqBytes >= this.#rcvbuf) {
          this.#stats.dropped++;
          return;
        }
        this.#rq.enqueue([msg, from]);
        this.#rqBytes += msg.length;
        this.#stats.received++;
        this._changed(POLLIN, true); // sk_data_ready
      },
      error: (err: Error) => {
        if (this.#closed) return;
        this.#error ??= err;
        this._changed(POLLERR, true); // sk_error_report
      },
    });
  }

  /** The descriptor number, or -1 once closed. */
  fileno(): number {
    return this.#fd;
  }

  /** The `POLL*` bits the kernel would report now; see the class comment. O(1). */
  events(): number {
    if (this.#closed) return POLLNVAL;
    let ev = this.#error ? POLLERR : 0;
    if (this.#rq.size > 0) ev |= POLLIN;
    if (this.#pending < this.#sndbuf) ev |= POLLOUT;
    return ev;
  }

  /** The counters: datagrams received, dropped on a full receive queue, sent. */
  get stats(): Readonly<DatagramStats> {
    return this.#stats;
  }

  /** The send queue's size in bytes (SO_SNDBUF). */
  get sndbuf(): number {
    return this.#sndbuf;
  }

  /** The receive queue's size in bytes (SO_RCVBUF). */
  get rcvbuf(): number {
    return this.#rcvbuf;
  }

  /**
   * Takes the oldest queued datagram, at once: `[data, sender]`, with `data` cut to `bufsize` bytes (the
   * rest of that datagram is lost, as in POSIX); `null` when none is queued. One call, one datagram. O(1).
   * @throws {RangeError} `ERR_OUT_OF_RANGE` unless `bufsize` is an integer >= 1.
   * @throws {SocketError} `EBADF` once closed; a pending error, once.
   * @example const got = udp.recvfrom(2048); if (got) console.log(got[0].length, got[1].port)
   */
  recvfrom(bufsize: number): [data: Buffer, address: DatagramAddress] | null {
    checkInt(bufsize, 'bufsize', 1);
    return this.#recv(bufsize, 'recvfrom');
  }

  /**
   * Takes the oldest queued datagram's data, as {@link DatagramSocket.recvfrom} does without the sender (on a
   * connected socket, the peer is the only sender): cut to `bufsize` bytes; `null` when none is queued.
   * O(1).
   * @throws {RangeError} `ERR_OUT_OF_RANGE` unless `bufsize` is an integer >= 1.
   * @throws {SocketError} `EBADF` once closed; a pending error (`ECONNREFUSED` on a connected socket whose
   * peer's port is closed), once.
   * @example
   * udp.connect({ address: '127.0.0.1', port: 5005 })
   * udp.send('ping')
   * const [r] = await select([udp], [], [])
   * const data = udp.recv(2048)   // a Buffer, or null
   */
  recv(bufsize: number): Buffer | null {
    checkInt(bufsize, 'bufsize', 1);
    const got = this.#recv(bufsize, 'recv');
    return got === null ? null : got[0];
  }

  #recv(bufsize: number, syscall: string): [data: Buffer, address: DatagramAddress] | null {
    if (this.#closed) throw sysError('EBADF', syscall);
    if (this.#error) throw this.#consumeError(syscall);
    const head = this.#rq.dequeue();
    if (head === undefined) return null;
    const data = head[0];
    this.#rqBytes -= data.length; // readiness only falls here: no one to wake, as in Linux
    return [data.length > bufsize ? data.subarray(0, bufsize) : data, head[1]];
  }

  /**
   * Sends `data` as one datagram to `address` and returns its length (0 for an empty datagram, sent as one);
   * `null` when the send queue is full (would-block: nothing was sent, try again when writable), as
   * `recvfrom` returns `null` when there is nothing to read. The caller may reuse `data` at once.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `data` is a string, Buffer or Uint8Array and `address`
   * an object `{ address, port }`.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` unless `address.port` is an integer from 1 to 65535.
   * @throws {SocketError} `EBADF` once closed; `EMSGSIZE` for a datagram bigger than UDP carries
   * (65507 bytes over IPv4, 65527 over IPv6 and on the simulated network); `EISCONN` on a connected socket
   * for an address other than its peer's (Linux would send there; Node's `dgram` cannot); a pending error,
   * once.
   * @example udp.sendto('ping', { address: '127.0.0.1', port: 5005 })
   */
  sendto(data: Uint8Array | string, address: DatagramAddress): number | null {
    checkData(data);
    const port = checkAddress(address).port;
    const peer = this.#peer;
    if (!this.#closed && peer && (peer.address !== address.address || peer.port !== port)) {
      throw new SocketError('EISCONN', 'sendto', `connected to ${peer.address}:${peer.port}`);
    }
    return this.#send(data, port, address.address, 'sendto');
  }

  /**
   * Sends `data` as one datagram to the connected peer, as {@link DatagramSocket.sendto} sends to an address:
   * its length, or `null` when the send queue is full (would-block).
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `data` is a string, Buffer or Uint8Array.
   * @throws {SocketError} `EBADF` once closed; `EDESTADDRREQ` unless connected; `EMSGSIZE` for a datagram
   * bigger than UDP carries; a pending error (`ECONNREFUSED` once the peer's port was found closed), once.
   * @example
   * udp.connect({ address: '127.0.0.1', port: 5005 })
   * udp.send('ping')              // 4, or null when the send queue is full
   */
  send(data: Uint8Array | string): number | null {
    checkData(data);
    if (this.#closed) throw sysError('EBADF', 'send');
    const peer = this.#peer;
    if (peer === null) throw new SocketError('EDESTADDRREQ', 'send', 'not connected: use sendto, or connect first');
    return this.#send(data, peer.port, peer.address, 'send');
  }

  /**
   * Connects the socket to `address` (UDP's connect: no handshake, nothing is sent, it returns at once).
   * From then on `send` goes there, only datagrams from there are delivered (the others are dropped, as the
   * kernel drops them), and a datagram sent there that finds the port closed comes back as the ICMP error
   * Linux reports only to a connected socket: `POLLERR` (select: readable, writable and in `xlist`), then
   * `ECONNREFUSED` from the next call, once. Datagrams already queued stay. A socket connects once.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `address` is an object `{ address, port }` with a string
   * `address`.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` unless `address.port` is an integer from 1 to 65535.
   * @throws {SocketError} `EBADF` once closed; `EISCONN` when already connected (Linux would connect again;
   * Node's `dgram` cannot).
   * @example
   * const udp = await bindDatagram({ port: 0 })
   * udp.connect({ address: '127.0.0.1', port: 5005 })
   * udp.send('ping')
   * const [r] = await select([udp], [], [])
   * try { console.log(udp.recv(2048)) } catch (err) { console.log((err as SocketError).code) } // ECONNREFUSED: nobody at 5005
   */
  connect(address: DatagramAddress): void {
    const port = checkAddress(address).port;
    if (this.#closed) throw sysError('EBADF', 'connect');
    if (this.#peer) throw new SocketError('EISCONN', 'connect', `already connected to ${this.#peer.address}:${this.#peer.port}`);
    this.#peer = { address: address.address, port, family: this.#t.address().family };
    this.#t.connect(port, address.address);
  }

  /**
   * The connected peer's address (getpeername), as given to `connect`.
   * @throws {SocketError} `EBADF` once closed; `ENOTCONN` unless connected.
   * @example udp.connect({ address: '127.0.0.1', port: 5005 }); udp.getpeername().port // 5005
   */
  getpeername(): DatagramAddress {
    if (this.#closed) throw sysError('EBADF', 'getpeername');
    if (this.#peer === null) throw sysError('ENOTCONN', 'getpeername');
    return { ...this.#peer };
  }

  #send(data: Uint8Array | string, port: number, address: string, syscall: string): number | null {
    if (this.#closed) throw sysError('EBADF', syscall);
    if (this.#error) throw this.#consumeError(syscall);
    const len = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const max = this.#t.maxDatagram;
    if (len > max) throw new SocketError('EMSGSIZE', syscall, `${len} bytes is more than one datagram carries (${max})`);
    if (this.#pending >= this.#sndbuf) return null;
    // A copy, as POSIX takes one: the transport sends the buffer later, and the caller may reuse its own at once.
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
    this.#pending += len;
    this.#stats.sent++;
    this.#t.send(bytes, port, address, (err) => {
      this.#pending -= len;
      if (this.#closed) return;
      if (err) {
        this.#error ??= err;
        this._changed(POLLERR, true); // sk_error_report
      } else if (this.#pending < this.#sndbuf) {
        // sock_wfree -> sk_write_space: the sent datagram's buffer is freed and wakes the writers, an EPOLLOUT
        // edge after every datagram (not only after a full queue, as a TCP socket's), as Linux's UDP does.
        this._changed(POLLOUT, true);
      }
    });
    return len;
  }

  /**
   * The local address (getsockname).
   * @throws {SocketError} `EBADF` once closed.
   */
  getsockname(): DatagramAddress {
    if (this.#closed) throw sysError('EBADF', 'getsockname');
    const a = this.#t.address();
    return { address: a.address, port: a.port, family: a.family };
  }

  /**
   * Closes the socket: queued datagrams are dropped, the descriptor is free at once. Every select/poll/epoll
   * watching it hears of it. Closing twice does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    publishClose(this.#fd);
    this._host.fds.free(this.#fd);
    this.#fd = -1;
    while (this.#rq.dequeue() !== undefined);
    this.#rqBytes = 0;
    this.#t.close();
    this._closed();
  }

  #consumeError(syscall: string): SocketError {
    const err = this.#error as Error & { code?: unknown };
    this.#error = null;
    return fromNodeError(err, syscall);
  }
}

function checkData(data: unknown): void {
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw invalidArgType('data', 'of type string or an instance of Buffer or Uint8Array', data);
  }
}

function checkAddress(address: DatagramAddress): { port: number } {
  if (address === null || typeof address !== 'object') throw invalidArgType('address', 'an object { address, port }', address);
  if (typeof address.address !== 'string') throw invalidArgType('address.address', 'of type string', address.address);
  return { port: checkInt(address.port, 'address.port', 1, 65535) };
}

/**
 * Creates a UDP socket bound to `host:port`, ready when the promise resolves.
 * @throws {TypeError|RangeError} for malformed options (the promise rejects).
 * @throws {SocketError} `EADDRINUSE`, `EADDRNOTAVAIL`, ... from the bind; `EMFILE` past the open-file limit.
 * @example const udp = await bindDatagram({ host: '127.0.0.1', port: 5005 })
 */
export async function bindDatagram(options: DatagramOptions = {}): Promise<DatagramSocket> {
  const o = checkOptions(options, 'options');
  const host = o.host ?? '127.0.0.1';
  if (typeof host !== 'string') throw invalidArgType('options.host', 'of type string', host);
  const port = o.port === undefined ? 0 : checkInt(o.port, 'options.port', 0, 65535);
  const type = o.type ?? (host.includes(':') ? 'udp6' : 'udp4');
  if (type !== 'udp4' && type !== 'udp6') throw invalidArgValue('options.type', "must be 'udp4' or 'udp6'");
  const sizes = checkBufferOptions(o);
  const t = datagramTransport(type);
  let udp: DatagramSocket;
  try {
    udp = new DatagramSocket(t, sizes); // takes the descriptor first: EMFILE before the bind
  } catch (err) {
    t.close();
    throw err;
  }
  try {
    await t.listen(port, host);
  } catch (err) {
    udp.close();
    throw fromNodeError(err as Error, 'bind');
  }
  return udp;
}
