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
 * than `sndbuf` bytes; `POLLERR` while an error is pending (the next call throws it, once).
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
    if (this.#closed) throw sysError('EBADF', 'recvfrom');
    const head = this.#rq.dequeue();
    if (head === undefined) {
      if (this.#error) throw this.#consumeError('recvfrom');
      return null;
    }
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
   * (65507 bytes over IPv4, 65527 over IPv6 and on the simulated network); a pending error, once.
   * @example udp.sendto('ping', { address: '127.0.0.1', port: 5005 })
   */
  sendto(data: Uint8Array | string, address: DatagramAddress): number | null {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw invalidArgType('data', 'of type string or an instance of Buffer or Uint8Array', data);
    }
    if (address === null || typeof address !== 'object') throw invalidArgType('address', 'an object { address, port }', address);
    if (typeof address.address !== 'string') throw invalidArgType('address.address', 'of type string', address.address);
    const port = checkInt(address.port, 'address.port', 1, 65535);
    if (this.#closed) throw sysError('EBADF', 'sendto');
    if (this.#error) throw this.#consumeError('sendto');
    const len = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const max = this.#t.maxDatagram;
    if (len > max) throw new SocketError('EMSGSIZE', 'sendto', `${len} bytes is more than one datagram carries (${max})`);
    if (this.#pending >= this.#sndbuf) return null;
    // A copy, as POSIX takes one: the transport sends the buffer later, and the caller may reuse its own at once.
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
    this.#pending += len;
    this.#stats.sent++;
    this.#t.send(bytes, port, address.address, (err) => {
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
