/**
 * The Node backend: stream and listen transports over `net.Socket` and `net.Server`.
 *
 * This file holds every Node internal net-select uses, feature-detected with a fallback to the public API:
 * - the kernel descriptor behind a socket (`_handle.fd`), which lets `tryWrite` call write(2) at once with no
 *   copy, and lets `probeReset` see a reset that Node no longer watches for after EOF. Without a descriptor
 *   (a TLS socket, another Node), writes go through the stream and a reset after EOF goes unseen until a write
 *   fails.
 * - the read path of `net.Socket`'s `onread` option, set on a socket Node already made (an accepted or
 *   adopted one) through the fields that option fills: every socket reads into one buffer this file owns, and
 *   what arrived is copied out at once into a slab shared by all sockets — no Buffer allocated per read, no
 *   stream machinery ('data' events, the readable state). The copy is what the shared buffer costs: the next
 *   read, of any socket, overwrites it before the program's `recv`. Without those fields (another Node), or
 *   on a TLS socket, or on a socket whose stream already holds data, the socket is read through 'data'.
 */
import { writeSync } from 'node:fs';
import * as net from 'node:net';
import { TLSSocket } from 'node:tls';
import { processHost } from '../../core/host.js';
import type { ListenSink, ListenTransport, SockAddr, StreamSink, StreamTransport, TransportStart } from '../transport.js';

/** A `net.Socket`, the type `Socket.adopt` takes. */
export type NetSocket = net.Socket;
/** A `net.Server`, the type `Listener.adopt` takes. */
export type NetServer = net.Server;

const EMPTY = Buffer.alloc(0);
const ignore = (): void => {};

/**
 * The kernel descriptor behind a Node socket now (looked up on every write: once the handle is gone the
 * number may belong to another file), or -1 when Node does not expose it. `tls`: a TLS socket, whose
 * descriptor carries ciphertext: its bytes must go through Node's TLS layer.
 */
function kernelFd(ns: net.Socket, tls: boolean): number {
  if (tls) return -1;
  const fd = handleOf(ns)?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/** Node's handle under a socket (null once Node closed it). */
function handleOf(ns: net.Socket): { fd?: unknown } | null | undefined {
  return (ns as unknown as { _handle?: { fd?: unknown } | null })._handle;
}

/** The buffer every socket on the `onread` path reads into; what arrives is copied out before the next read. */
const READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

// The slab small reads are copied into, as Buffer's own pool does. What a program keeps of a read (a recv'd
// Buffer is a view of it) keeps its slab alive. A read bigger than LARGE_READ gets a buffer of its own: a
// slab is fresh memory (the pages fault in as they are first written), while a buffer of one read's size is
// memory that malloc hands back again and again.
const SLAB_SIZE = 64 * 1024;
const LARGE_READ = 4096;
let slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabUsed = 0;

/** A copy of the first `n` bytes of {@link READ_BUFFER} that no one else writes to. */
function copyRead(n: number): Buffer {
  const read = new Uint8Array(READ_BUFFER.buffer, READ_BUFFER.byteOffset, n); // Buffer#copy's checks cost more
  if (n > LARGE_READ) {
    const own = Buffer.allocUnsafeSlow(n);
    own.set(read);
    return own;
  }
  if (n > SLAB_SIZE - slabUsed) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabUsed = 0;
  }
  const start = slabUsed;
  slab.set(read, start);
  slabUsed = (start + n + 7) & ~7; // 8-byte aligned, as Buffer's pool keeps its slices
  return slab.subarray(start, start + n);
}

/** The fields `net.Socket`'s `onread` option fills (Node 12+): the buffer, the callback, a buffer factory. */
interface OnreadFields {
  buffer: symbol;
  callback: symbol;
  factory: symbol;
}
let onreadFields: OnreadFields | null | undefined; // undefined: not looked for yet; null: this Node has none

function findOnreadFields(ns: net.Socket): OnreadFields | null {
  if (onreadFields !== undefined) return onreadFields;
  const syms = Object.getOwnPropertySymbols(ns);
  const find = (name: string): symbol | undefined => syms.find((s) => s.description === name);
  const [buffer, callback, factory] = [find('kBuffer'), find('kBufferCb'), find('kBufferGen')];
  onreadFields = buffer && callback && factory ? { buffer, callback, factory } : null;
  return onreadFields;
}

/**
 * Makes `ns` read into {@link READ_BUFFER} and hand each read to `onRead`, as the `onread` option would have
 * from the start. Returns false (and changes nothing) where that cannot be done safely.
 */
function readIntoSharedBuffer(ns: net.Socket, onRead: (n: number) => void): boolean {
  if (ns instanceof TLSSocket || ns.readableLength > 0 || ns.readableEnded || ns.destroyed) return false;
  const f = findOnreadFields(ns);
  const fields = ns as unknown as Record<symbol, unknown>;
  if (f === null || fields[f.buffer] !== null || fields[f.callback] !== null || fields[f.factory] !== null) return false;
  // A handle made already (accepted, connecting) is told now; one made later takes the buffer from the fields.
  const handle = (ns as unknown as { _handle?: { useUserBuffer?: unknown } | null })._handle;
  if (handle && typeof handle.useUserBuffer !== 'function') return false;
  // TCP only: a pipe's handle (stdin, a child's stdio, a Unix socket) keeps Node's own read path.
  if (handle && (handle as { constructor?: { name?: string } }).constructor?.name !== 'TCP') return false;
  fields[f.buffer] = READ_BUFFER;
  fields[f.callback] = onRead;
  if (handle) (handle.useUserBuffer as (buf: Uint8Array) => void).call(handle, READ_BUFFER);
  return true;
}

function wouldBlock(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

/** @internal A stream transport over a `net.Socket`. */
export class NodeTransport implements StreamTransport {
  readonly host = processHost;
  readonly start: TransportStart;
  readonly #ns: net.Socket;
  readonly #tls: boolean;
  #fdHandle: object | null | undefined = undefined; // the handle whose descriptor #fd is
  #fd = -1;
  #local: SockAddr; // the last local address Node reported (or what we know of a Unix socket)
  readonly #unixPeer: string | undefined; // the path a Unix client connected to: Node does not report it
  #sink: StreamSink | undefined;
  readonly #onWritten = (): void => this.#sink?.written();

  /**
   * @param known what Node cannot tell: a Unix socket's addresses (a client's peer is the path it connected
   * to, an accepted socket's own address is the listener's path), and a TCP socket's before it is bound.
   */
  constructor(ns: net.Socket, known: { local?: SockAddr; unixPeer?: string } = {}) {
    this.#ns = ns;
    this.#tls = ns instanceof TLSSocket;
    this.#local = known.local ?? '';
    this.#unixPeer = known.unixPeer;
    this.start = ns.connecting
      ? 'connecting'
      : ns.destroyed
        ? 'dead'
        : ns.pending
          ? 'unconnected'
          : ns.readableEnded
            ? 'ended'
            : 'open';
  }

  get connecting(): boolean {
    return this.#ns.connecting;
  }

  get queued(): number {
    return this.#ns.writableLength;
  }

  bind(sink: StreamSink): void {
    this.#sink = sink;
    const ns = this.#ns;
    if (!readIntoSharedBuffer(ns, (n) => sink.data(copyRead(n)))) ns.on('data', (chunk: Buffer) => sink.data(chunk));
    // A stream paused by its creator (or by a server's pauseOnConnect) would never deliver: reading is ours now.
    if (ns.isPaused()) ns.resume();
    // libuv reports a reset that follows data as EOF (POLLHUP after a short read): ask the kernel. Its
    // errno says which came first: EPIPE, a FIN then the reset (CLOSE_WAIT); ECONNRESET, no FIN at all.
    ns.on('end', () => {
      const err = this.probeReset();
      if (err === null || err.code === 'EPIPE') sink.end();
      if (err) sink.error(err);
    });
    ns.on('error', (err: Error) => sink.error(err));
    ns.on('close', () => sink.close());
    if (this.start === 'connecting' || this.start === 'unconnected') {
      ns.once('connect', () => {
        this.localAddress();
        sink.connect();
      });
    } else this.localAddress();
  }

  pause(): void {
    this.#ns.pause();
  }

  resume(): void {
    this.#ns.resume();
  }

  setOption(option: 'nodelay' | 'keepalive', enable: boolean, initialDelayMs = 0): void {
    if (option === 'nodelay') this.#ns.setNoDelay(enable);
    else this.#ns.setKeepAlive(enable, initialDelayMs);
  }

  tryWrite(buf: Uint8Array, off: number, len: number): number {
    const ns = this.#ns;
    // Only while Node's own queue is empty, so that the bytes stay in order.
    if (ns.writableLength > 0 || ns.connecting) return 0;
    const fd = this.#kernelFd();
    if (fd < 0) return 0;
    try {
      return writeSync(fd, buf, off, len);
    } catch (err) {
      if (wouldBlock(err)) return 0;
      throw err;
    }
  }

  write(buf: Buffer): void {
    this.#ns.write(buf, this.#onWritten);
  }

  end(): void {
    this.#ns.end();
  }

  close(): void {
    const ns = this.#ns;
    ns.on('error', ignore);
    ns.pause();
    // An orphan still sending must not keep the process alive, as the kernel's orphans do not.
    ns.unref();
    if (ns.writableLength > 0 && !ns.destroyed) ns.destroySoon();
    else ns.destroy();
  }

  reset(): void {
    const ns = this.#ns;
    ns.on('error', ignore);
    if (ns.destroyed || ns.connecting) ns.destroy();
    // libuv refuses SO_LINGER 0 while a shutdown (our FIN) is in progress: reset once it is done.
    else if (ns.writableEnded && !ns.writableFinished) ns.once('finish', () => resetOrDestroy(ns));
    else resetOrDestroy(ns);
  }

  // Node forgets the address once its handle is gone (after a reset); the kernel's socket keeps it bound.
  localAddress(): SockAddr {
    const a = this.#ns.address();
    if (typeof a === 'string') return a;
    if ('port' in a) this.#local = { address: a.address, port: a.port, family: a.family };
    return this.#local;
  }

  /**
   * The kernel descriptor, as {@link kernelFd} finds it. `fd` is a native getter, and a handle's descriptor
   * does not change while Node holds the handle (Node drops `_handle` when it closes it): asked once per handle.
   */
  #kernelFd(): number {
    const handle = handleOf(this.#ns);
    if (handle !== this.#fdHandle) {
      this.#fdHandle = handle;
      this.#fd = kernelFd(this.#ns, this.#tls);
    }
    return this.#fd;
  }

  remoteAddress(): SockAddr {
    const ns = this.#ns;
    if (ns.remotePort === undefined) return this.#unixPeer ?? ns.remoteAddress ?? '';
    return { address: ns.remoteAddress ?? '', port: ns.remotePort, family: ns.remoteFamily ?? '' };
  }

  probeReset(): (Error & { code?: unknown }) | null {
    // Node stops reading at EOF, so a reset that comes after it raises no event. A zero-length write(2)
    // asks the kernel: it fails once the reset has arrived, and costs one syscall otherwise.
    const ns = this.#ns;
    const fd = this.#kernelFd();
    // After our own FIN every write fails with EPIPE: the answer would say nothing.
    if (fd < 0 || ns.writableLength > 0 || ns.writableEnded) return null;
    try {
      writeSync(fd, EMPTY, 0, 0);
      return null;
    } catch (err) {
      return wouldBlock(err) ? null : (err as Error);
    }
  }
}

/** @internal Starts a non-blocking connect over Node. */
export function nodeConnect(target: { host: string; port: number } | { path: string }): NodeTransport {
  const ns = new net.Socket({ allowHalfOpen: true });
  ns.connect({ ...target, allowHalfOpen: true } as net.NetConnectOpts);
  // Until connected, Node reports no local address: an unbound socket's is 0.0.0.0:0 (a Unix one's is '').
  if ('path' in target) return new NodeTransport(ns, { local: '', unixPeer: target.path });
  const v6 = net.isIPv6(target.host);
  return new NodeTransport(ns, { local: { address: v6 ? '::' : '0.0.0.0', port: 0, family: v6 ? 'IPv6' : 'IPv4' } });
}

/** @internal A listen transport over a `net.Server`. */
export class NodeListenTransport implements ListenTransport {
  readonly host = processHost;
  readonly #server: net.Server;
  #sink: ListenSink | undefined;
  readonly #onConnection = (ns: net.Socket): void => {
    const own = this.#server.address();
    // A Unix socket: an accepted socket's address is the listener's path.
    this.#sink?.connection(new NodeTransport(ns, typeof own === 'string' ? { local: own } : {}));
  };
  readonly #onError = (err: Error): void => this.#sink?.error(err);

  constructor(server: net.Server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false })) {
    this.#server = server;
  }

  /** Binds and listens; rejects with Node's error (`EADDRINUSE`, ...). */
  listen(target: { host: string; port: number; backlog: number } | { path: string; backlog: number }): Promise<void> {
    const server = this.#server;
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(target, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  bind(sink: ListenSink): void {
    this.#sink = sink;
    this.#server.on('connection', this.#onConnection);
    this.#server.on('error', this.#onError);
  }

  address(): SockAddr {
    const a = this.#server.address();
    if (a === null) return '';
    return typeof a === 'string' ? a : { address: a.address, port: a.port, family: a.family };
  }

  close(): void {
    const server = this.#server;
    server.off('connection', this.#onConnection);
    // Connections that still arrive before the close completes are refused by destroying them.
    server.on('connection', (ns: net.Socket) => ns.destroy());
    server.close();
    server.on('error', ignore);
    server.off('error', this.#onError);
  }
}

/**
 * @internal Closes with a reset (SO_LINGER 0) where Node can — TCP only; a Unix socket has no reset and is
 * simply closed.
 */
function resetOrDestroy(ns: net.Socket): void {
  try {
    ns.resetAndDestroy();
  } catch {
    ns.destroy();
  }
}
