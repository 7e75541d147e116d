/**
 * A connected stream socket with the non-blocking POSIX calls — `recv`, `send`, `shutdown`, `close` — over a
 * {@link StreamTransport}, after Linux's TCP socket: a receive queue (`chunk-queue.ts`), a send queue
 * (`send-queue.ts`) and the connection's state (`tcp-state.ts`), each in its own module. `recv` and `send`
 * decide in the order `tcp_recvmsg` and `tcp_sendmsg` do; every change goes through `Pollable._changed`.
 */
import { fromNodeError, invalidArgType, sysError } from '../core/errors.js';
import { POLLIN, POLLOUT, SHUT_RD, SHUT_RDWR } from '../core/flags.js';
import { RecvQueue } from './chunk-queue.js';
import { SendQueue } from './send-queue.js';
import { RCV_SHUTDOWN, SEND_SHUTDOWN, TcpState, type State } from './tcp-state.js';
import { Pollable } from '../core/pollable.js';
import { ioChannel, publishClose, publishIo } from '../trace/trace.js';
import { checkInt, checkOptions, checkTransport } from '../core/validate.js';
import { platform } from '../core/platform.js';
import { adoptSocket, type NetSocket } from '../backends/node/index.js';
import { netError, type NetError, type SockAddr, type StreamTransport } from '../backends/transport.js';
import { checkBufferOptions, type BufferOptions } from './socket-options.js';
export type { SockAddr, TcpAddr } from '../backends/transport.js';
export { checkBufferOptions, type BufferOptions, type ConnectOptions } from './socket-options.js';

const EMPTY = Buffer.alloc(0);

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
  readonly #c: TcpState;
  readonly #rq: RecvQueue; // the model of the kernel's receive buffer
  readonly #sq: SendQueue; // the model of its send buffer
  #probing = false; // a check for a reset after EOF is scheduled

  /** @internal Use {@link connect}, `Listener.accept()` or {@link Socket.adopt}. */
  constructor(t: StreamTransport, sizes: { sndbuf: number; rcvbuf: number }, withFd: boolean) {
    super(checkTransport(t).host);
    this.#t = t;
    this.#c = new TcpState(t.start);
    this.#rq = new RecvQueue(t, sizes.rcvbuf);
    this.#sq = new SendQueue(t, this, sizes.sndbuf);
    if (withFd) this.#fd = t.host.fds.alloc(this, t.start === 'connecting' ? 'connect' : 'socket');
    t.bind({
      data: (chunk) => this.#onData(chunk),
      end: () => {
        if (this.#c.peerFin()) this._changed(0, true);
      },
      error: (err) => this.#onReset(err),
      close: () => this.#onReset(null),
      connect: () => {
        if (this.#c.connected()) this._changed(0, true);
      },
      written: () => this.#sq.written(),
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
    if (this.#c.fin || this.#rq.paused) this.#probe(true);
    this.#sync();
    return this.#c.poll(this.#rq.bytes, this.#sq.size < this.#sq.sndbuf);
  }

  /** The send queue's size in bytes (SO_SNDBUF). Setting it takes effect for the next `send`. */
  get sndbuf(): number {
    return this.#sq.sndbuf;
  }

  /** Resizes the send queue; takes effect for the next `send`. */
  set sndbuf(n: number) {
    this.#sq.sndbuf = checkInt(n, 'sndbuf', 1);
    // Linux's setsockopt(SO_SNDBUF) calls sk_write_space: waiters for room hear of it.
    if (this.#c.state !== 'closed') this._changed(POLLOUT, true);
  }

  /** The receive queue's size in bytes (SO_RCVBUF). */
  get rcvbuf(): number {
    return this.#rq.rcvbuf;
  }

  /** Resizes the receive queue. */
  set rcvbuf(n: number) {
    this.#rq.rcvbuf = checkInt(n, 'rcvbuf', 1);
    if (this.#c.state !== 'closed') this.#rq.flowControl();
  }

  /** Bytes accepted by `send` that the transport has not yet taken (SIOCOUTQ, in this model). */
  get sendQueueSize(): number {
    return this.#sq.size;
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
    const rq = this.#rq;
    if (rq.bytes > 0) {
      if (rq.paused) this.#probe();
      const data = rq.take(bufsize);
      if (rq.paused) rq.flowControl();
      return data;
    }
    this.#probe();
    const c = this.#c; // tcp_recvmsg's order: the peer's FIN, then a pending error, then our shut read side
    if (c.fin) return EMPTY;
    if (c.error) throw c.consumeError('recv');
    if (c.shut & RCV_SHUTDOWN) return EMPTY;
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
    const c = this.#c; // tcp_sendmsg: not connected waits for the connect (would-block), or fails (error, EPIPE)
    if (c.error) throw c.consumeError('send');
    if (st !== 'connected' || c.shut & SEND_SHUTDOWN) {
      if (st === 'connecting') return 0;
      throw sysError('EPIPE', 'send');
    }
    return this.#sq.send(data, c.fin);
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
    const fresh = bits & ~this.#c.shut;
    this.#c.shut |= bits;
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
    if (this.#c.state === 'closed') return;
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
    if (this.#c.state === 'closed') throw sysError('EBADF', 'setsockopt');
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
    if (this.#c.state === 'closed') throw sysError('EBADF', 'setsockopt');
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
    if (this.#c.state === 'closed') return;
    if (this.#c.state === 'connected' && this.#sq.holding) this._flush();
    this.#release();
    this.#sq.clear();
    this.#t.reset();
  }

  /** The local address (getsockname). @throws {SocketError} `EBADF` once closed. */
  getsockname(): SockAddr {
    if (this.#c.state === 'closed') throw sysError('EBADF', 'getsockname');
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
    this.#c.state = 'closed';
    this.#t.reset();
  }

  /** @internal Writes this job's sends as one chunk (see `SendQueue.flush`). */
  _flush(): void {
    this.#sq.endJob();
    const st = this.#c.state;
    if (st === 'closed') return;
    if (this.#c.fin) this.#scheduleProbe();
    this.#sq.flush(st === 'aborted');
  }

  /** @internal The send queue has room again after a send found it full. */
  _sendSpace(): void {
    this._changed(POLLOUT, true);
  }

  /** @internal A write to the transport failed (see `SendOwner` in send-queue.ts). */
  _writeFailed(err: NetError, inSend: boolean): number {
    this.#c.writeFailed(err, !inSend);
    if (inSend) throw fromNodeError(err, 'send'); // send(2) reports it itself
    this._changed(0, true);
    return -1;
  }

  /** A connect that Node started under an adopted, never-connected socket. */
  #sync(): State {
    return this.#c.sync(this.#t.connecting);
  }

  #onData(chunk: Buffer): void {
    if (this.#c.state === 'closed') return;
    if (this.#c.abortsOnData()) {
      this.#t.reset(); // the data is dropped
      this.#onReset(netError('ECONNRESET', 'read'));
      return;
    }
    this.#rq.push(chunk);
    this.#rq.flowControl();
    this._changed(POLLIN, true);
  }

  /** The connection failed (`err`), or the transport went away (`null`). `wakeLater`: as `#probe`'s `quiet`. */
  #onReset(err: NetError | null, wakeLater = false): void {
    if (!this.#c.reset(err)) return;
    if (wakeLater) platform.tick(() => this._changed(0, true));
    else this._changed(0, true);
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
    if (!this.#c.mayMissReset(this.#rq.paused)) return;
    const err = this.#t.probeReset?.() ?? null;
    if (err !== null) this.#onReset(err, quiet);
  }

  #release(): void {
    this.#c.state = 'closed';
    publishClose(this.#fd);
    if (this.#fd >= 0) this._host.fds.free(this.#fd);
    this.#fd = -1;
    this.#rq.clear();
    this._closed();
  }
}
