/**
 * A connected stream socket with the non-blocking POSIX calls — `recv`, `send`, `shutdown`, `close` — over a
 * `net.Socket`.
 *
 * Node pushes data at us; this class keeps it in a receive queue (the model of the kernel's receive buffer)
 * until the program asks for it, and keeps what the program sent in a send queue (the model of the send
 * buffer) until Node has handed it to the kernel. Both queues have a size (`rcvbuf`, `sndbuf`), so a send
 * bigger than the free space is partial, exactly as on a non-blocking POSIX socket. Node cannot size the
 * kernel's own buffers, which absorb several MB on loopback before our queues fill: what a test can force is
 * the user-space part.
 */
import { writeSync } from 'node:fs';
import net from 'node:net';
import { TLSSocket } from 'node:tls';
import { allocFd, freeFd } from './fd-table.js';
import { fromNodeError, invalidArgType, sysError, type SocketError } from './errors.js';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLRDHUP, SHUT_RD, SHUT_RDWR, SHUT_WR } from './flags.js';
import { ChunkQueue } from './chunk-queue.js';
import { Pollable } from './pollable.js';
import { checkInt, checkOptions } from './validate.js';

/** Buffer sizes of a socket, in bytes (the models of SO_SNDBUF and SO_RCVBUF). */
export interface BufferOptions {
  /** How many bytes `send` accepts before Node has passed them to the kernel. Default 256 KiB. */
  sndbuf?: number;
  /** How many received bytes are held before Node stops reading from the kernel. Default 256 KiB. */
  rcvbuf?: number;
}

/** Where to connect: a TCP host and port, or a Unix socket path. */
export type ConnectOptions = ({ host?: string; port: number } | { path: string }) & BufferOptions;

/**
 * A socket's address: TCP as Python gives it (`{ address, port, family }`), a Unix socket as its path
 * (`''` for an unnamed Unix socket, such as a client's own end).
 */
export type SockAddr = { address: string; port: number; family: string } | string;

/** @internal The default `sndbuf` and `rcvbuf`: 256 KiB. */
export const DEFAULT_BUFSIZE = 256 * 1024;
/** Sends at least this big are written at once, uncopied; smaller ones are copied and coalesced per turn. */
const DIRECT_MIN = 4096;
const EMPTY = Buffer.alloc(0);

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
const UNCONNECTED = 3; // an adopted net.Socket that was never connected

// Sends of one event-loop turn are coalesced: each socket's queue is written once, after the current job.
const toFlush: Socket[] = [];
let flushScheduled = false;
function flushAll(): void {
  flushScheduled = false;
  for (let i = 0; i < toFlush.length; i++) (toFlush[i] as Socket)._flush();
  toFlush.length = 0;
}

/** @internal */
export function checkBufferOptions(opts: Record<string, unknown>): { sndbuf: number; rcvbuf: number } {
  return {
    sndbuf: opts.sndbuf === undefined ? DEFAULT_BUFSIZE : checkInt(opts.sndbuf, 'options.sndbuf', 1),
    rcvbuf: opts.rcvbuf === undefined ? DEFAULT_BUFSIZE : checkInt(opts.rcvbuf, 'options.rcvbuf', 1),
  };
}

/**
 * A connected (or connecting) TCP or Unix stream socket. Get one from {@link connect}, `Listener.accept()` or
 * {@link Socket.adopt}.
 *
 * Readiness (`events()`), as Linux's `tcp_poll` computes it:
 * - `POLLIN`: received bytes are queued, or the read side is shut (EOF), or an error is pending.
 * - `POLLOUT`: connected and the send queue has room; also once writing can only fail (after a shutdown or
 *   an error), since `send` then does not block.
 * - `POLLERR`: an error is pending; the next `recv` or `send` throws it, once.
 * - `POLLRDHUP`: the peer's FIN arrived (or we shut our read side). `POLLHUP`: both directions are shut.
 *
 * @example
 * const sock = connect({ host: '127.0.0.1', port })
 * const [, w] = await select([], [sock], [])   // writable once connected
 * sock.send('ping')
 */
export class Socket extends Pollable {
  #ns: net.Socket;
  #fd = -1;
  #state: number;
  #eof = false; // the peer's FIN arrived
  #rdShut = false; // shutdown(SHUT_RD)
  #wrShut = false; // shutdown(SHUT_WR)
  #dead = false; // reset, refused or destroyed: both directions are gone
  #error: (Error & { code?: unknown }) | null = null;
  #reported = false; // the connection's error was thrown once already: later ones are the same failure
  readonly #rq = new ChunkQueue(); // the model of the kernel's receive buffer
  #paused = false;
  #out: Buffer[] = [];
  #outBytes = 0;
  #queuedForFlush = false;
  #nospace = false; // a send found the queue full: the next space freed is a wake (EPOLLOUT edge)
  #sndbuf: number;
  #rcvbuf: number;
  #local: SockAddr = ''; // the last local address Node reported (or what we know of a Unix socket)
  #unixPeer: string | undefined; // the path a Unix client connected to: Node does not report it
  readonly #onWritten: (err?: Error | null) => void;

  /** @internal Use {@link connect}, `Listener.accept()` or {@link Socket.adopt}. */
  constructor(ns: net.Socket, sizes: { sndbuf: number; rcvbuf: number }, withFd: boolean) {
    super();
    this.#ns = ns;
    this.#sndbuf = sizes.sndbuf;
    this.#rcvbuf = sizes.rcvbuf;
    this.#state = ns.connecting ? CONNECTING : ns.pending && !ns.destroyed ? UNCONNECTED : OPEN;
    if (withFd) this.#fd = allocFd(this, ns.connecting ? 'connect' : 'socket');
    this.#onWritten = () => {
      if (this.#nospace && this.#pending() < this.#sndbuf) {
        this.#nospace = false;
        this._wake();
      }
    };
    ns.on('data', (chunk: Buffer) => this.#onData(chunk));
    // A stream paused by its creator (or by a server's pauseOnConnect) would never deliver: reading is ours now.
    if (ns.isPaused()) ns.resume();
    ns.on('end', () => {
      if (this.#state === CLOSED) return;
      this.#eof = true;
      this._wake();
    });
    ns.on('error', (err: Error) => {
      if (this.#state === CLOSED || this.#reported) return;
      this.#error ??= err;
      this.#dead = true;
      this._wake();
    });
    ns.on('close', () => {
      if (this.#state === CLOSED) return;
      // Destroyed under us (by an adopting library, or after an error): both directions are gone.
      this.#dead = true;
      this._wake();
    });
    if (this.#state !== OPEN) {
      ns.once('connect', () => {
        if (this.#state !== CONNECTING && this.#state !== UNCONNECTED) return;
        this.#state = OPEN;
        this.#localAddress();
        this._wake();
      });
    } else this.#localAddress();
    if (ns.readableEnded) this.#eof = true;
    if (ns.destroyed) this.#dead = true;
  }

  /**
   * Wraps a `net.Socket` that another library created. From now on read it only through this object: its
   * data is taken with a `'data'` listener. Create it with `allowHalfOpen: true` if you want to keep writing
   * after the peer's FIN (Node otherwise ends our side at once).
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `socket` is a `net.Socket`.
   * @example const sock = Socket.adopt(net.connect(port, '127.0.0.1'))
   */
  static adopt(socket: net.Socket, options?: BufferOptions): Socket {
    if (!(socket instanceof net.Socket)) throw invalidArgType('socket', 'an instance of net.Socket', socket);
    return new Socket(socket, checkBufferOptions(checkOptions(options, 'options')), true);
  }

  /** The descriptor number; -1 once closed (and before `accept` hands the socket out). */
  fileno(): number {
    return this.#fd;
  }

  /** The `POLL*` bits the kernel would report now; see the class comment. O(1). */
  events(): number {
    if (this.#state === CLOSED) return POLLNVAL;
    let ev = this.#error ? POLLERR : 0;
    const rdDown = this.#eof || this.#rdShut || this.#dead;
    const wrDown = this.#wrShut || this.#dead;
    if (this.#rq.bytes > 0 || rdDown) ev |= POLLIN;
    if (rdDown) ev |= POLLRDHUP;
    if (rdDown && wrDown) ev |= POLLHUP;
    if (wrDown || (this.#state === OPEN && this.#pending() < this.#sndbuf)) ev |= POLLOUT;
    // Never connected (Linux's TCP_CLOSE): a hang-up, and "writable" since send fails at once.
    if (this.#state === UNCONNECTED && !this.#ns.connecting) ev |= POLLOUT | POLLHUP;
    return ev;
  }

  /** The send queue's size in bytes (SO_SNDBUF). Setting it takes effect for the next `send`. */
  get sndbuf(): number {
    return this.#sndbuf;
  }

  set sndbuf(n: number) {
    this.#sndbuf = checkInt(n, 'sndbuf', 1);
  }

  /** The receive queue's size in bytes (SO_RCVBUF). */
  get rcvbuf(): number {
    return this.#rcvbuf;
  }

  set rcvbuf(n: number) {
    this.#rcvbuf = checkInt(n, 'rcvbuf', 1);
    this.#flowControl();
  }

  /** Bytes accepted by `send` that Node has not yet handed to the kernel (SIOCOUTQ, in this model). */
  get sendQueueSize(): number {
    return this.#pending();
  }

  /** Bytes received and not yet taken by `recv` (SIOCINQ). */
  get recvQueueSize(): number {
    return this.#rq.bytes;
  }

  /**
   * Takes up to `bufsize` received bytes, at once.
   *
   * Returns the bytes (queued data comes first, even after a FIN or a reset); an empty Buffer at EOF, and
   * every time after; `null` when nothing has arrived yet (would-block is a value, not an error).
   * @throws {RangeError} `ERR_OUT_OF_RANGE` unless `bufsize` is an integer >= 1.
   * @throws {SocketError} `EBADF` once closed; a pending error (`ECONNRESET`, `ECONNREFUSED`, ...) once.
   * @example const data = sock.recv(65536); if (data === null) return; if (data.length === 0) sock.close()
   */
  recv(bufsize: number): Buffer | null {
    checkInt(bufsize, 'bufsize', 1);
    if (this.#state === CLOSED) throw sysError('EBADF', 'recv');
    if (this.#rq.bytes > 0) {
      const data = this.#rq.take(bufsize);
      if (this.#paused) this.#flowControl();
      return data;
    }
    if (this.#error) throw this.#consumeError('recv');
    if (this.#eof || this.#rdShut || this.#dead) return EMPTY;
    if (this.#state === UNCONNECTED && !this.#ns.connecting) throw sysError('ENOTCONN', 'recv');
    return null;
  }

  /**
   * Takes as much of `data` as the send queue has room for and returns that count: 0 when it is full (or
   * still connecting), fewer than `data`'s length for a partial send (then an `EPOLLOUT` edge follows once
   * there is room). The caller may reuse `data` at once, as POSIX copies it: a send of 4 KiB or more with
   * nothing queued before it is written to the kernel's descriptor at once (write(2), the kernel copies what
   * it takes, only the rest is copied here); smaller sends are copied and those of one job leave together in
   * one write. O(bytes not taken by the kernel).
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `data` is a string, Buffer or Uint8Array.
   * @throws {SocketError} `EBADF` once closed; a pending error once; `EPIPE` after `shutdown(SHUT_WR)` or a reset.
   * @example let off = 0; off += sock.send(buf.subarray(off))
   */
  send(data: Uint8Array | string): number {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw invalidArgType('data', 'of type string or an instance of Buffer or Uint8Array', data);
    }
    if (this.#state === CLOSED) throw sysError('EBADF', 'send');
    if (this.#error) throw this.#consumeError('send');
    if (this.#wrShut || this.#dead) throw sysError('EPIPE', 'send');
    if (this.#state === UNCONNECTED && !this.#ns.connecting) throw sysError('ENOTCONN', 'send');
    if (this.#state !== OPEN) return 0;
    const free = this.#sndbuf - this.#pending();
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const len = bytes.length;
    if (len === 0) return 0;
    if (free <= 0) {
      this.#nospace = true;
      return 0;
    }
    const n = len <= free ? len : free;
    // A partial send promises an EPOLLOUT edge once there is room again (#onWritten, or the next tick).
    if (n < len) this.#nospace = true;
    let off = 0;
    if (n >= DIRECT_MIN && this.#out.length === 0) {
      // Nothing queued before it: write(2) it now. The kernel copies what it takes, so only the rest is copied.
      off = this.#writeNow(bytes, 0, n, true);
      if (off === n) {
        if (n < len) this.#queueFlush(); // room already: the promised edge comes next tick
        return n;
      }
    }
    let copy: Buffer;
    if (typeof data === 'string') {
      copy = (bytes as Buffer).subarray(off, n);
    } else {
      copy = Buffer.allocUnsafe(n - off);
      copy.set(off > 0 || n < len ? bytes.subarray(off, n) : bytes);
    }
    this.#out.push(copy);
    this.#outBytes += copy.length;
    // The queue is full now: the space that frees up later must wake a waiting select (the EPOLLOUT edge).
    if (this.#pending() >= this.#sndbuf) this.#nospace = true;
    this.#queueFlush();
    return n;
  }

  #queueFlush(): void {
    if (this.#queuedForFlush) return;
    this.#queuedForFlush = true;
    toFlush.push(this);
    if (!flushScheduled) {
      flushScheduled = true;
      process.nextTick(flushAll);
    }
  }

  /**
   * Shuts one or both directions: `SHUT_RD` (0), `SHUT_WR` (1, the peer reads EOF after what was sent),
   * `SHUT_RDWR` (2). The descriptor stays open until `close`.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` unless `how` is 0, 1 or 2.
   * @throws {SocketError} `EBADF` once closed; `ENOTCONN` while connecting or after a reset.
   */
  shutdown(how: number): void {
    checkInt(how, 'how', SHUT_RD, SHUT_RDWR);
    if (this.#state === CLOSED) throw sysError('EBADF', 'shutdown');
    if (this.#state !== OPEN || this.#dead) throw sysError('ENOTCONN', 'shutdown');
    if (how !== SHUT_WR && !this.#rdShut) {
      this.#rdShut = true;
      this.#ns.pause();
    }
    if (how !== SHUT_RD && !this.#wrShut) {
      this.#wrShut = true;
      this._flush();
      this.#ns.end();
    }
    this._update();
  }

  /**
   * Closes the socket: queued sends still leave, then a FIN; the descriptor number is free at once and
   * `fileno()` is -1. Every select/poll/epoll watching it hears of it. Closing twice does nothing.
   */
  close(): void {
    if (this.#state === CLOSED) return;
    this._flush();
    this.#release();
    const ns = this.#ns;
    ns.pause();
    // An orphan still sending must not keep the process alive, as the kernel's orphans do not.
    ns.unref();
    if (ns.writableLength > 0 && !ns.destroyed) ns.destroySoon();
    else ns.destroy();
  }

  /**
   * Closes with a reset (SO_LINGER of 0, then close): queued data is dropped and the peer's next call fails
   * with `ECONNRESET`. For tests that need a reset on demand.
   */
  reset(): void {
    if (this.#state === CLOSED) return;
    this.#release();
    this.#out = [];
    this.#outBytes = 0;
    const ns = this.#ns;
    if (ns.destroyed || ns.connecting) ns.destroy();
    else resetOrDestroy(ns);
  }

  /**
   * The local address (getsockname).
   * @throws {SocketError} `EBADF` once closed.
   */
  getsockname(): SockAddr {
    if (this.#state === CLOSED) throw sysError('EBADF', 'getsockname');
    return this.#localAddress();
  }

  /**
   * The peer's address (getpeername).
   * @throws {SocketError} `EBADF` once closed; `ENOTCONN` while connecting or after a reset.
   */
  getpeername(): SockAddr {
    if (this.#state === CLOSED) throw sysError('EBADF', 'getpeername');
    const ns = this.#ns;
    if (this.#state !== OPEN || this.#dead) throw sysError('ENOTCONN', 'getpeername');
    if (ns.remotePort === undefined) return this.#unixPeer ?? ns.remoteAddress ?? '';
    return { address: ns.remoteAddress ?? '', port: ns.remotePort, family: ns.remoteFamily ?? '' };
  }

  /**
   * @internal What Node cannot tell: the addresses of a Unix socket (a client's peer is the path it connected
   * to, an accepted socket's own address is the listener's path), and a TCP socket's before it is bound.
   */
  _knownAddresses(local: SockAddr, unixPeer?: string): void {
    if (typeof this.#local === 'string' && this.#local === '') this.#local = local;
    this.#unixPeer = unixPeer;
  }

  /** @internal Gives a connection from the accept queue its descriptor. */
  _accepted(): void {
    this.#fd = allocFd(this, 'accept');
  }

  /** @internal Drops a connection that was never accepted (the listener closed, or overflowed). */
  _abort(): void {
    this.#state = CLOSED;
    if (!this.#ns.destroyed) resetOrDestroy(this.#ns);
  }

  /** @internal Writes this turn's sends as one chunk. */
  _flush(): void {
    this.#queuedForFlush = false;
    const out = this.#out;
    if (this.#state === CLOSED) return;
    if (out.length === 0) {
      this.#onWritten();
      return;
    }
    const chunk = out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out, this.#outBytes);
    this.#out = [];
    this.#outBytes = 0;
    if (this.#dead || this.#ns.destroyed) return;
    let off = 0;
    off = this.#writeNow(chunk, 0, chunk.length, false);
    if (off < 0) return; // failed: the error is pending, the next recv or send reports it
    if (off < chunk.length) this.#ns.write(off === 0 ? chunk : chunk.subarray(off), this.#onWritten);
    else this.#onWritten(); // all in the kernel: the queue has room again
  }

  /**
   * write(2) straight to the kernel's descriptor, when Node exposes it and its own write queue is empty (so
   * the bytes stay in order). Returns the bytes the kernel took: 0 when it would block, or when the
   * descriptor is not available. A hard failure becomes the pending error, and is thrown.
   */
  #writeNow(buf: Uint8Array, off: number, len: number, inSend: boolean): number {
    const ns = this.#ns;
    if (ns.writableLength > 0 || ns.connecting) return 0;
    // A TLS socket's descriptor carries ciphertext: its bytes must go through Node's TLS layer.
    if (ns instanceof TLSSocket) return 0;
    const fd = (ns as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) return 0;
    try {
      return writeSync(fd, buf, off, len);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return 0;
      this.#dead = true;
      if (inSend) {
        // send(2) reports it itself, once; a reset that Node sees later is the same error.
        this.#error = null;
        this.#reported = true;
        throw fromNodeError(err as Error, 'send');
      }
      // A coalesced write, after send() returned: the error is pending, as SO_ERROR would be.
      this.#error ??= err as Error;
      this._wake();
      return -1;
    }
  }

  // Node forgets the address once its handle is gone (after a reset); the kernel's socket keeps it bound.
  #localAddress(): SockAddr {
    const a = this.#ns.address();
    if (typeof a === 'string') return a;
    if ('port' in a) this.#local = { address: a.address, port: a.port, family: a.family };
    return this.#local;
  }

  #pending(): number {
    return this.#outBytes + this.#ns.writableLength;
  }

  #onData(chunk: Buffer): void {
    if (this.#state === CLOSED || this.#rdShut) return;
    this.#rq.push(chunk);
    this.#flowControl();
    this._wake();
  }

  #flowControl(): void {
    if (this.#rdShut || this.#state === CLOSED) return;
    if (!this.#paused && this.#rq.bytes >= this.#rcvbuf) {
      this.#paused = true;
      this.#ns.pause();
    } else if (this.#paused && this.#rq.bytes < this.#rcvbuf) {
      this.#paused = false;
      this.#ns.resume();
    }
  }

  #consumeError(syscall: string): SocketError {
    const err = this.#error as Error & { code?: unknown };
    this.#error = null;
    this.#reported = true;
    return fromNodeError(err, syscall);
  }

  #release(): void {
    this.#state = CLOSED;
    if (this.#fd >= 0) freeFd(this.#fd);
    this.#fd = -1;
    this.#rq.clear();
    this._closed();
  }
}

/**
 * @internal Closes with a reset (SO_LINGER 0) where Node can — TCP only; a Unix socket has no reset and is
 * simply closed.
 */
export function resetOrDestroy(ns: net.Socket): void {
  try {
    ns.resetAndDestroy();
  } catch {
    ns.destroy();
  }
}
