/**
 * A connected stream socket with the non-blocking POSIX calls — `recv`, `send`, `shutdown`, `close` — as a
 * small state machine over a {@link StreamTransport}, after Linux's TCP socket.
 *
 * The transport pushes what arrives; this class keeps it in a receive queue (the model of the kernel's
 * receive buffer) until the program asks for it, and keeps what the program sent in a send queue (the model
 * of the send buffer) until the transport takes it. Both queues have a size (`rcvbuf`, `sndbuf`), so a send
 * bigger than the free space is partial, exactly as on a non-blocking POSIX socket.
 *
 * The state is Linux's: a connection state, the `sk_shutdown` bits (`RCV_SHUTDOWN` after the peer's FIN or
 * our `shutdown(SHUT_RD)`, `SEND_SHUTDOWN` after ours), whether the peer's FIN arrived (`SOCK_DONE`), and a
 * pending error (`sk_err`). `events()` is `tcp_poll` over it; `recv` and `send` take their decisions in the
 * order `tcp_recvmsg` and `tcp_sendmsg` do. Every change goes through `Pollable._changed`, with the wake
 * Linux makes for it.
 */
import { fromNodeError, invalidArgType, sysError, type SocketError } from '../core/errors.js';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLRDHUP, SHUT_RD, SHUT_RDWR } from '../core/flags.js';
import { ChunkQueue } from './chunk-queue.js';
import { Pollable } from '../core/pollable.js';
import { ioChannel, publishIo } from '../trace/trace.js';
import { checkInt, checkOptions, checkTransport } from '../core/validate.js';
import { platform } from '../core/platform.js';
import { adoptSocket, type NetSocket } from '../backends/node/index.js';
import type { SockAddr, StreamTransport } from '../backends/transport.js';

export type { SockAddr } from '../backends/transport.js';

/** Buffer sizes of a socket, in bytes (the models of SO_SNDBUF and SO_RCVBUF). */
export interface BufferOptions {
  /** How many bytes `send` accepts before the transport has taken them. Default 256 KiB. */
  sndbuf?: number;
  /** How many received bytes are held before reading from the network stops. Default 256 KiB. */
  rcvbuf?: number;
}

/** Where to connect: a TCP host and port, or a Unix socket path. */
export type ConnectOptions = (
  | {
      /** Host name or address to connect to. Default `'127.0.0.1'`. */
      host?: string;
      /** TCP port to connect to. */
      port: number;
    }
  | {
      /** Path of a Unix socket to connect to. */
      path: string;
    }
) &
  BufferOptions;

/** @internal The default `sndbuf` and `rcvbuf`: 256 KiB. */
const DEFAULT_BUFSIZE = 256 * 1024;
/**
 * Sends at least this big are written at once, uncopied, whenever nothing is queued before them; smaller ones
 * too when they are the socket's first write in the job. The rest are copied and coalesced into one write at
 * the end of the job.
 */
const DIRECT_MIN = 4096;
const EMPTY = Buffer.alloc(0);

/**
 * The connection states. `unconnected`: never connected (an adopted socket; Linux's TCP_CLOSE before any
 * connect). `aborted`: the connection was reset, refused or destroyed (TCP_CLOSE after it; both directions
 * are shut). `closed`: the descriptor is closed.
 */
type State = 'unconnected' | 'connecting' | 'connected' | 'aborted' | 'closed';

// sk_shutdown bits.
const RCV_SHUTDOWN = 1;
const SEND_SHUTDOWN = 2;
const SHUTDOWN_MASK = 3;

type NetError = Error & { code?: unknown };

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
 * - `POLLIN`: received bytes are queued, or the read side is shut (the peer's FIN, our `SHUT_RD`, a reset).
 * - `POLLOUT`: connected and the send queue has room; also once writing can only fail (after our
 *   `shutdown(SHUT_WR)` or a reset), since `send` then does not block.
 * - `POLLERR`: an error is pending; the next `recv` or `send` throws it, once.
 * - `POLLRDHUP`: the read side is shut. `POLLHUP`: both directions are shut, or the socket is not connected.
 *
 * @example
 * const sock = connect({ host: '127.0.0.1', port })
 * const [, w] = await select([], [sock], [])   // writable once connected
 * sock.send('ping')
 */
export class Socket extends Pollable {
  readonly #t: StreamTransport;
  #fd = -1;
  #state: State;
  #shut = 0; // sk_shutdown
  #fin = false; // the peer's FIN arrived (SOCK_DONE)
  #error: NetError | null = null; // sk_err
  readonly #rq = new ChunkQueue(); // the model of the kernel's receive buffer
  #paused = false;
  #out: Buffer[] = [];
  #outBytes = 0;
  #queuedForFlush = false;
  #jobBytes = 0; // written at once in this job by a small send: they count as queued until the job ends
  #nospace = false; // a send found the queue full: the next space freed is a wake (EPOLLOUT edge)
  #probing = false; // a check for a reset after EOF is scheduled
  #sndbuf: number;
  #rcvbuf: number;

  /** @internal Use {@link connect}, `Listener.accept()` or {@link Socket.adopt}. */
  constructor(t: StreamTransport, sizes: { sndbuf: number; rcvbuf: number }, withFd: boolean) {
    super(checkTransport(t).host);
    this.#t = t;
    this.#sndbuf = sizes.sndbuf;
    this.#rcvbuf = sizes.rcvbuf;
    const start = t.start;
    this.#state = start === 'connecting' || start === 'unconnected' ? start : start === 'dead' ? 'aborted' : 'connected';
    if (start === 'dead') this.#shut = SHUTDOWN_MASK;
    if (start === 'ended') this.#receiveFin();
    if (withFd) this.#fd = t.host.fds.alloc(this, start === 'connecting' ? 'connect' : 'socket');
    t.bind({
      data: (chunk) => this.#onData(chunk),
      end: () => {
        if (this.#state === 'closed' || this.#state === 'aborted') return;
        this.#receiveFin();
        this._changed(0, true);
      },
      error: (err) => this.#onReset(err),
      close: () => this.#onReset(null),
      connect: () => {
        if (this.#state !== 'connecting' && this.#state !== 'unconnected') return;
        this.#state = 'connected';
        this._changed(0, true);
      },
      written: () => this.#onWritten(),
    });
  }

  /**
   * Wraps a `net.Socket` that another library created. From now on read it only through this object: its
   * data is read into net-select's own buffer (through the fields of `net.Socket`'s `onread` option; on a
   * TLS socket, or one whose stream already holds data, with a `'data'` listener). Create it with
   * `allowHalfOpen: true` if you want to keep writing after the peer's FIN (Node otherwise ends our side at
   * once). Sends of 4 KiB or more go to the kernel's descriptor directly, so the `net.Socket`'s
   * `bytesWritten` does not count them. For stdin, stdout or a child process's pipe (one direction only) use
   * `stdio()` or `adoptStream()` instead.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `socket` is a `net.Socket`.
   * @example const sock = Socket.adopt(net.connect(port, '127.0.0.1'))
   */
  static adopt(socket: NetSocket, options?: BufferOptions): Socket {
    const sizes = checkBufferOptions(checkOptions(options, 'options'));
    return new Socket(adoptSocket(socket), sizes, true);
  }

  /** The descriptor number; -1 once closed (and before `accept` hands the socket out). */
  fileno(): number {
    return this.#fd;
  }

  /** The `POLL*` bits the kernel would report now; see the class comment. O(1). */
  events(): number {
    if (this.#fin || this.#paused) this.#probe(true);
    const st = this.#sync();
    if (st === 'closed') return POLLNVAL;
    const shut = this.#shut;
    let ev = this.#error ? POLLERR : 0;
    if (shut === SHUTDOWN_MASK || st === 'unconnected' || st === 'aborted') ev |= POLLHUP;
    if (shut & RCV_SHUTDOWN) ev |= POLLIN | POLLRDHUP;
    if (st !== 'connecting') {
      if (this.#rq.bytes > 0) ev |= POLLIN;
      if (shut & SEND_SHUTDOWN || this.#pending() < this.#sndbuf) ev |= POLLOUT;
    }
    return ev;
  }

  /** The send queue's size in bytes (SO_SNDBUF). Setting it takes effect for the next `send`. */
  get sndbuf(): number {
    return this.#sndbuf;
  }

  /** Resizes the send queue; takes effect for the next `send`. */
  set sndbuf(n: number) {
    this.#sndbuf = checkInt(n, 'sndbuf', 1);
    // Linux's setsockopt(SO_SNDBUF) calls sk_write_space: waiters for room hear of it.
    if (this.#state !== 'closed') this._changed(POLLOUT, true);
  }

  /** The receive queue's size in bytes (SO_RCVBUF). */
  get rcvbuf(): number {
    return this.#rcvbuf;
  }

  /** Resizes the receive queue. */
  set rcvbuf(n: number) {
    this.#rcvbuf = checkInt(n, 'rcvbuf', 1);
    this.#flowControl();
  }

  /** Bytes accepted by `send` that the transport has not yet taken (SIOCOUTQ, in this model). */
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
   * Returns the bytes (queued data comes first, even after a FIN, a reset or `shutdown(SHUT_RD)`); an empty
   * Buffer at EOF (the peer's FIN, or our read side shut), and every time after; `null` when nothing has
   * arrived yet (would-block is a value, not an error).
   * @throws {RangeError} `ERR_OUT_OF_RANGE` unless `bufsize` is an integer >= 1.
   * @throws {SocketError} `EBADF` once closed; `ENOTCONN` if never connected; a pending error
   * (`ECONNRESET`, `ECONNREFUSED`, `EPIPE`, ...) once.
   * @example const data = sock.recv(65536); if (data === null) return; if (data.length === 0) sock.close()
   */
  recv(bufsize: number): Buffer | null {
    const data = this.#recv(bufsize);
    if (ioChannel.hasSubscribers) publishIo('recv', this.fileno(), bufsize, data === null ? -1 : data.length);
    return data;
  }

  #recv(bufsize: number): Buffer | null {
    checkInt(bufsize, 'bufsize', 1);
    const st = this.#sync();
    if (st === 'closed') throw sysError('EBADF', 'recv');
    if (this.#rq.bytes > 0) {
      if (this.#paused) this.#probe();
      const data = this.#rq.take(bufsize);
      if (this.#paused) this.#flowControl();
      return data;
    }
    this.#probe();
    // tcp_recvmsg's order: the peer's FIN, then a pending error, then our shut read side.
    if (this.#fin) return EMPTY;
    if (this.#error) throw this.#consumeError('recv');
    if (this.#shut & RCV_SHUTDOWN) return EMPTY;
    if (st === 'unconnected') throw sysError('ENOTCONN', 'recv');
    return null;
  }

  /**
   * Takes as much of `data` as the send queue has room for and returns that count: 0 when it is full (or
   * still connecting), fewer than `data`'s length for a partial send (then an `EPOLLOUT` edge follows once
   * there is room). The caller may reuse `data` at once, as POSIX copies it: with nothing queued before it,
   * a send of 4 KiB or more, or the socket's first send of the job (the synchronous code and microtasks
   * before Node's next tick), is handed to the network at once (the kernel copies what it takes, only the
   * rest is copied here); other small sends are copied and those of one job leave together in one write.
   * O(bytes not taken at once).
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `data` is a string, Buffer or Uint8Array.
   * @throws {SocketError} `EBADF` once closed; a pending error once; `EPIPE` after `shutdown(SHUT_WR)`, a
   * reset, or on a socket that was never connected.
   * @example let off = 0; off += sock.send(buf.subarray(off))
   */
  send(data: Uint8Array | string): number {
    const n = this.#send(data);
    if (ioChannel.hasSubscribers) publishIo('send', this.fileno(), Buffer.byteLength(data), n === 0 && data.length > 0 ? -1 : n);
    return n;
  }

  #send(data: Uint8Array | string): number {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw invalidArgType('data', 'of type string or an instance of Buffer or Uint8Array', data);
    }
    const st = this.#sync();
    if (st === 'closed') throw sysError('EBADF', 'send');
    this.#probe();
    // tcp_sendmsg: not connected waits for the connect (would-block), or fails with the error or EPIPE.
    if (this.#error) throw this.#consumeError('send');
    if (st !== 'connected' || this.#shut & SEND_SHUTDOWN) {
      if (st === 'connecting') return 0;
      throw sysError('EPIPE', 'send');
    }
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
    const small = n < DIRECT_MIN;
    if (this.#out.length === 0 && !(small && this.#jobBytes > 0)) {
      // Nothing queued before it: hand it over now. The kernel copies what it takes, so only the rest is copied.
      // A small one only as the first of its job: the others of the job are coalesced, one write for them all;
      // and its bytes count as queued until the job ends, as if they had been coalesced too.
      off = this.#writeNow(bytes, 0, n, true);
      if (small && off > 0) {
        this.#jobBytes += off;
        if (this.#pending() >= this.#sndbuf) this.#nospace = true; // the job's end frees it: an EPOLLOUT edge
        this.#queueFlush();
      }
      if (off === n) {
        if (n < len || this.#fin) this.#queueFlush(); // the promised edge, or a check for a reset, next tick
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
    this._host.queueFlush(this);
  }

  /**
   * Shuts one or both directions: `SHUT_RD` (0: `recv` returns EOF once the queue is empty, though data
   * that still arrives is returned, as on Linux), `SHUT_WR` (1: the peer reads EOF after what was sent),
   * `SHUT_RDWR` (2). The descriptor stays open until `close`. Every watcher of the socket is woken, as Linux's
   * `sk_state_change` does. Data that arrives after both directions are shut resets the connection.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` unless `how` is 0, 1 or 2.
   * @throws {SocketError} `EBADF` once closed; `ENOTCONN` while connecting, if never connected, or after a
   * reset (the bits are still set, as on Linux).
   */
  shutdown(how: number): void {
    checkInt(how, 'how', SHUT_RD, SHUT_RDWR);
    const st = this.#sync();
    if (st === 'closed') throw sysError('EBADF', 'shutdown');
    if (st === 'connecting') throw sysError('ENOTCONN', 'shutdown');
    const bits = how + 1; // SHUT_RD -> RCV_SHUTDOWN, SHUT_WR -> SEND_SHUTDOWN, SHUT_RDWR -> both
    const fresh = bits & ~this.#shut;
    this.#shut |= bits;
    if (st !== 'connected') {
      this._changed(0, true);
      throw sysError('ENOTCONN', 'shutdown');
    }
    if (fresh & SEND_SHUTDOWN) {
      this._flush();
      this.#t.end();
    }
    this._changed(0, true);
  }

  /**
   * Closes the socket: queued sends still leave, then a FIN — or a reset (RST) when received data was left
   * unread, as Linux's `tcp_close` does. The descriptor number is free at once and `fileno()` is -1. Every
   * select/poll/epoll watching it hears of it. Closing twice does nothing.
   */
  close(): void {
    if (this.#state === 'closed') return;
    const unread = this.#rq.bytes > 0;
    if (unread) {
      this.reset();
      return;
    }
    this._flush();
    this.#release();
    this.#t.close();
  }

  /**
   * TCP_NODELAY: with `true` (the default) small sends leave at once instead of waiting to be coalesced
   * (Nagle's algorithm off); Node already turns it on for its sockets. No effect on a Unix or in-memory socket.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a non-boolean. @throws {SocketError} `EBADF` once closed.
   * @example sock.setNoDelay(true)
   */
  setNoDelay(noDelay = true): void {
    if (typeof noDelay !== 'boolean') throw invalidArgType('noDelay', 'of type boolean', noDelay);
    if (this.#state === 'closed') throw sysError('EBADF', 'setsockopt');
    this.#t.setOption?.('nodelay', noDelay);
  }

  /**
   * SO_KEEPALIVE: with `enable`, the kernel probes an idle connection (the first probe after
   * `initialDelayMs`, or the system default for 0) and a dead peer ends as `ETIMEDOUT`. No effect on a Unix or
   * in-memory socket.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a non-boolean; {RangeError} `ERR_OUT_OF_RANGE` for a
   * negative delay. @throws {SocketError} `EBADF` once closed.
   * @example sock.setKeepAlive(true, 60_000)
   */
  setKeepAlive(enable = false, initialDelayMs = 0): void {
    if (typeof enable !== 'boolean') throw invalidArgType('enable', 'of type boolean', enable);
    checkInt(initialDelayMs, 'initialDelayMs', 0);
    if (this.#state === 'closed') throw sysError('EBADF', 'setsockopt');
    this.#t.setOption?.('keepalive', enable, initialDelayMs);
  }

  /** `close()`, for `using sock = connect(...)`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Closes with a reset (SO_LINGER of 0, then close): what `send` accepted is handed to the network first
   * (over loopback the peer receives it), the rest is dropped, and the peer's next call fails with
   * `ECONNRESET`. For tests that need a reset on demand.
   */
  reset(): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'connected' && this.#out.length > 0) this._flush();
    this.#release();
    this.#out = [];
    this.#outBytes = 0;
    this.#jobBytes = 0;
    this.#t.reset();
  }

  /**
   * The local address (getsockname).
   * @throws {SocketError} `EBADF` once closed.
   */
  getsockname(): SockAddr {
    if (this.#state === 'closed') throw sysError('EBADF', 'getsockname');
    return this.#t.localAddress() ?? '';
  }

  /**
   * The peer's address (getpeername).
   * @throws {SocketError} `EBADF` once closed; `ENOTCONN` while connecting or after a reset.
   */
  getpeername(): SockAddr {
    const st = this.#sync();
    if (st === 'closed') throw sysError('EBADF', 'getpeername');
    if (st !== 'connected') throw sysError('ENOTCONN', 'getpeername');
    return this.#t.remoteAddress() ?? '';
  }

  /** @internal Gives a connection from the accept queue its descriptor. */
  _accepted(): void {
    this.#fd = this._host.fds.alloc(this, 'accept');
  }

  /** @internal Drops a connection that was never accepted (the listener closed, or overflowed). */
  _abort(): void {
    this.#state = 'closed';
    this.#t.reset();
  }

  /** @internal Writes this job's sends as one chunk. */
  _flush(): void {
    this.#queuedForFlush = false;
    this.#jobBytes = 0;
    if (this.#state === 'closed') return;
    if (this.#fin) this.#scheduleProbe();
    const out = this.#out;
    if (out.length === 0) {
      this.#onWritten();
      return;
    }
    const chunk = out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out, this.#outBytes);
    this.#out = [];
    this.#outBytes = 0;
    if (this.#state === 'aborted') return;
    const off = this.#writeNow(chunk, 0, chunk.length, false);
    if (off < 0) return; // failed: the error is pending, the next recv or send reports it
    if (off < chunk.length) this.#t.write(off === 0 ? chunk : chunk.subarray(off));
    else this.#onWritten(); // all taken: the queue has room again
  }

  /**
   * Hands bytes to the transport at once. Returns how many it took (0 when it would block). A hard failure
   * aborts the connection: thrown at once from `send` (send(2) reports it itself), pending otherwise.
   */
  #writeNow(buf: Uint8Array, off: number, len: number, inSend: boolean): number {
    try {
      return this.#t.tryWrite(buf, off, len);
    } catch (err) {
      // EPIPE from the kernel's write (our side still open for sending) is tcp_reset in CLOSE_WAIT: the peer's
      // FIN came before its reset, so recv returns EOF (SOCK_DONE), whether Node has read the FIN yet or not.
      if ((err as NetError).code === 'EPIPE') this.#receiveFin();
      this.#abort();
      if (inSend) throw fromNodeError(err as NetError, 'send');
      // A coalesced write, after send() returned: the error is pending, as SO_ERROR would be — except EPIPE,
      // which the failed write consumed (sk_err), leaving a socket shut both ways.
      if ((err as NetError).code !== 'EPIPE') this.#error ??= err as NetError;
      this._changed(0, true);
      return -1;
    }
  }

  /** A connect that Node started under an adopted, never-connected socket. */
  #sync(): State {
    if (this.#state === 'unconnected' && this.#t.connecting) this.#state = 'connecting';
    return this.#state;
  }

  #pending(): number {
    return this.#outBytes + this.#jobBytes + this.#t.queued;
  }

  #receiveFin(): void {
    this.#fin = true;
    this.#shut |= RCV_SHUTDOWN;
  }

  #onData(chunk: Buffer): void {
    const st = this.#state;
    if (st === 'closed') return;
    // (After a reset, what the kernel had received before it is still read, as Linux returns it.)
    if (st === 'connected' && this.#shut === SHUTDOWN_MASK && !this.#fin) {
      // Data for a socket whose both directions we shut (Linux's FIN_WAIT with RCV_SHUTDOWN): RFC 1122 says
      // reset, and Linux does (TCPABORTONDATA). The data is dropped.
      this.#t.reset();
      this.#onReset(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      return;
    }
    this.#rq.push(chunk);
    this.#flowControl();
    this._changed(POLLIN, true);
  }

  /**
   * The connection failed (`err`), or the transport went away under us (`null`). `wakeLater`: the state
   * changes now, the wake follows in the next tick (for a ready list that may be walking `events()`).
   */
  #onReset(err: NetError | null, wakeLater = false): void {
    const st = this.#state;
    if (st === 'closed' || st === 'aborted') return; // tcp_reset on a closed connection does nothing
    if (err) {
      // tcp_reset's errno: refused while connecting, EPIPE after the peer's FIN (CLOSE_WAIT), else a reset.
      const code = st === 'connecting' ? err.code : this.#fin && !(this.#shut & SEND_SHUTDOWN) ? 'EPIPE' : err.code;
      this.#error ??= code === err.code ? err : Object.assign(new Error(String(code)), { code });
    }
    this.#abort();
    if (wakeLater) platform.tick(() => this._changed(0, true));
    else this._changed(0, true);
  }

  #abort(): void {
    this.#state = 'aborted';
    this.#shut = SHUTDOWN_MASK;
  }

  #onWritten(): void {
    if (this.#nospace && this.#pending() < this.#sndbuf) {
      this.#nospace = false;
      this._changed(POLLOUT, true);
    }
  }

  // After the peer's FIN a transport may no longer watch for a reset (Node does not): the data we send the
  // closed peer comes back as an RST. Ask the transport after each write, once the network had a turn.
  #scheduleProbe(): void {
    if (this.#probing) return;
    this.#probing = true;
    this._host.clock.setImmediate(() => {
      this.#probing = false;
      this.#probe(false);
    });
  }

  /**
   * Asks the transport whether a reset came that it does not report: after the peer's FIN, or while reading
   * is paused (a full receive queue), the transport may not be watching. `quiet`: from `events()`, which a
   * ready list may be walking: the state changes now, the wake follows in the next tick.
   */
  #probe(quiet = false): void {
    if (!(this.#fin || this.#paused) || this.#state !== 'connected' || this.#error || this.#shut & SEND_SHUTDOWN) return;
    const err = this.#t.probeReset?.() ?? null;
    if (err !== null) this.#onReset(err, quiet);
  }

  #flowControl(): void {
    if (this.#state === 'closed') return;
    if (!this.#paused && this.#rq.bytes >= this.#rcvbuf) {
      this.#paused = true;
      this.#t.pause();
    } else if (this.#paused && this.#rq.bytes < this.#rcvbuf) {
      this.#paused = false;
      this.#t.resume();
    }
  }

  #consumeError(syscall: string): SocketError {
    const err = this.#error as NetError;
    this.#error = null;
    return fromNodeError(err, syscall);
  }

  #release(): void {
    this.#state = 'closed';
    if (this.#fd >= 0) this._host.fds.free(this.#fd);
    this.#fd = -1;
    this.#rq.clear();
    this._closed();
  }
}
