/**
 * Pipes and terminals as files that select, poll and epoll can watch: this process's stdin, stdout and stderr
 * (`stdio(0)`, `stdio(1)`, `stdio(2)`) and a child process's pipes (`adoptStream(child.stdout)`).
 *
 * Node exposes a pipe or a TTY as a `net.Socket` (a `tty.ReadStream`/`tty.WriteStream` for a terminal), so
 * the same receive and send queues as a socket's do the work, and the same readiness rules hold, with the
 * direction of a pipe end on top: a read end is never writable, a write end never readable, as Linux's
 * `pipe_poll` reports them. A regular file (`< input.txt`) is a {@link RegularFile}: always ready in select
 * and poll, refused by epoll, as in Linux. A device Node reads through a plain `fs` stream (`/dev/null`) has
 * nothing to watch and is refused with `EPERM`.
 *
 * Numbering: `stdio(fd)` holds descriptor 0, 1 or 2 itself, as in any process, so `select([0], [], [])`
 * works once `stdio(0)` was called; every other file gets the lowest free number from 3 up.
 */
import { outOfRange, sysError } from '../core/errors.js';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLRDHUP } from '../core/flags.js';
import { Pollable } from '../core/pollable.js';
import { Socket, checkBufferOptions, type BufferOptions } from './socket.js';
import { pipeOf, pipeStream, stdioFile, stdioStream, type NetSocket } from '../backends/node/index.js';
import { checkOptions } from '../core/validate.js';
import { FILE_READ, FILE_WRITE, RegularFile } from './regular-file.js';
import { publishClose } from '../trace/trace.js';

const READ = 1;
const WRITE = 2;

/**
 * One end of a pipe, or a terminal, open for reading or for writing. Get one from {@link stdio} or
 * {@link adoptStream}.
 *
 * Readiness (`events()`): a read end reports `POLLIN` while received bytes are queued; a write end `POLLOUT`
 * while its send queue has room. Past that, each kernel object as Linux reports it:
 * - a pipe or FIFO (`pipe_poll`): once the writer has gone, the read end reports `POLLHUP` for ever, so an
 *   emptied pipe at end of file is `POLLHUP` without `POLLIN` (`recv` returns an empty Buffer). Once a write
 *   found the reader gone, the write end reports `POLLOUT | POLLERR` for ever (`send` throws `EPIPE`, every
 *   time). Node does not watch an idle write end, so until a write fails the reader's leaving is not seen,
 *   where Linux reports `POLLERR` at once (see docs/linux-departures.md).
 * - a socket pair (what Node makes for a child's `stdio: 'pipe'`) or a terminal: end of file is
 *   `POLLIN | POLLHUP` for ever (Ctrl-D on a terminal ends Node's stream for good, where a C program could
 *   read on); a write end stays `POLLOUT` once the reader has gone (`send` throws `EPIPE`, every time; a
 *   failure found by a queued write is a pending error first, `POLLERR`).
 *
 * @example
 * const stdin = stdio(0)
 * const [r] = await select([stdin], [], [])
 * const line = stdin.recv(4096)   // null: nothing yet; empty: EOF (Ctrl-D)
 */
export class StreamFile extends Pollable {
  readonly #sock: Socket;
  readonly #mode: number;
  readonly #fifo: boolean; // a pipe or FIFO, not a socket pair or a terminal: pipe_poll's rules
  #fd: number;
  /** Whether the file is a terminal (what `isatty(fd)` says). */
  readonly isTTY: boolean;

  /** @internal Use {@link stdio} or {@link adoptStream}; `fd` is 0, 1 or 2, or -1 for the lowest free. */
  constructor(ns: NetSocket, fd: number, mode: number, options: BufferOptions | undefined) {
    super();
    // Before the descriptor is taken: a wrong argument must not leak one.
    const pipe = pipeOf(ns);
    const sizes = checkBufferOptions(checkOptions(options, 'options'));
    // The descriptor before the stream is touched: a failed open (EMFILE) leaves the stream as it was.
    const fds = this._host.fds;
    if (fd < 0) fd = fds.alloc(this, 'open');
    else if (!fds.installStdio(fd as 0 | 1 | 2, this)) throw sysError('EBADF', 'open', `descriptor ${fd} is taken`);
    this.#fd = fd;
    this.#mode = mode;
    this.isTTY = pipe.isTTY;
    this.#fifo = pipe.isFifo;
    this.#sock = new Socket(pipe.open(mode === WRITE ? 'write' : 'read'), sizes, false);
    // The inner socket has no descriptor of its own: its changes are this file's, with the same key.
    this.#sock._watch({
      wake: (key, edge) => this._changed(key, edge),
      closed: () => this.#onClosed(),
    });
  }

  /** The descriptor number (0, 1 or 2 for stdio), or -1 once closed. */
  fileno(): number {
    return this.#fd;
  }

  /** The `POLL*` bits the kernel would report for this pipe end now; see the class comment. O(1). */
  events(): number {
    const ev = this.#sock.events();
    if (ev & POLLNVAL) return ev;
    if (this.#mode === READ) {
      if (this.#fifo) {
        // pipe_poll: POLLIN for queued bytes only; the writer gone is a hang-up (no POLLRDHUP, a socket's bit).
        let r = ev & POLLERR;
        if (this.#sock.recvQueueSize > 0) r |= POLLIN;
        if (ev & (POLLRDHUP | POLLHUP)) r |= POLLHUP;
        return r;
      }
      // A socket pair or a terminal: end of file stays readable, with a hang-up.
      return (ev & ~(POLLOUT | POLLRDHUP)) | (ev & POLLRDHUP ? POLLHUP : 0);
    }
    // The stream aborted under a pipe's write end: a write found the reader gone (EPIPE). pipe_poll: POLLERR
    // while no reader is left, and POLLOUT, since a write fails at once rather than block.
    if (this.#fifo && ev & POLLHUP) return POLLOUT | POLLERR;
    return ev & ~(POLLIN | POLLRDHUP | POLLHUP);
  }

  /** Bytes received and not yet taken by `recv` (SIOCINQ); 0 on a write end. */
  get recvQueueSize(): number {
    return this.#sock.recvQueueSize;
  }

  /**
   * Takes up to `bufsize` bytes that arrived, at once: the bytes; an empty Buffer at EOF (the writer
   * closed, or Ctrl-D on a terminal), every time after; `null` when nothing has arrived yet.
   * @throws {RangeError} `ERR_OUT_OF_RANGE` unless `bufsize` is an integer >= 1.
   * @throws {SocketError} `EBADF` once closed, or on an end opened only for writing.
   * @example const data = stdin.recv(4096)
   */
  recv(bufsize: number): Buffer | null {
    if (this.#mode !== READ && this.#fd >= 0) throw sysError('EBADF', 'recv', 'not open for reading');
    return this.#sock.recv(bufsize);
  }

  /**
   * Takes as much of `data` as the send queue has room for and returns that count (0 when it is full), as
   * a socket's `send` does.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `data` is a string, Buffer or Uint8Array.
   * @throws {SocketError} `EBADF` once closed, or on an end opened only for reading; `EPIPE` once the
   * reader has gone.
   * @example let off = 0; off += stdout.send(line.subarray(off))
   */
  send(data: Uint8Array | string): number {
    if (this.#mode !== WRITE && this.#fd >= 0) throw sysError('EBADF', 'send', 'not open for writing');
    return this.#sock.send(data);
  }

  /** Bytes accepted by `send` and not yet handed to the kernel. */
  get sendQueueSize(): number {
    return this.#sock.sendQueueSize;
  }

  /**
   * Closes this end: queued output still leaves, then the reader sees EOF. The descriptor is free at once.
   * Closing stdio(1) or stdio(2) ends this process's stdout or stderr, as close(2) would. Twice does nothing.
   */
  close(): void {
    this.#sock.close();
  }

  #onClosed(): void {
    if (this.#fd < 0) return;
    publishClose(this.#fd);
    this._host.fds.free(this.#fd);
    if (opened[this.#fd] === this) opened[this.#fd] = null;
    this.#fd = -1;
    this._closed();
  }
}

const opened: (StreamFile | RegularFile | null | undefined)[] = [undefined, undefined, undefined];

/**
 * This process's stdin (0), stdout (1) or stderr (2) as a file with descriptor number `fd`: stdin for
 * reading, the other two for writing. The first call opens it; later calls give the same object. From then
 * on read stdin only through it (it takes the stream's data). A pipe or a terminal is a {@link StreamFile};
 * a regular file (`< input.txt`, `> out.txt`) a {@link RegularFile}, always ready.
 * @throws {RangeError} `ERR_OUT_OF_RANGE` unless `fd` is 0, 1 or 2.
 * @throws {SocketError} `EPERM` when the descriptor is a device (`< /dev/null`), which Node cannot watch;
 * `EBADF` once it was closed.
 * @example
 * const stdin = stdio(0)
 * const [readable] = await select([stdin, sock], [], [])   // or select([0, sock], ...)
 */
export function stdio(fd: 0 | 1 | 2, options?: BufferOptions): StreamFile | RegularFile {
  if (fd !== 0 && fd !== 1 && fd !== 2) throw outOfRange('fd', '0, 1 or 2', fd);
  const known = opened[fd];
  if (known) return known;
  if (known === null) throw sysError('EBADF', 'stdio', `descriptor ${fd} was closed`);
  const regular = stdioFile(fd);
  if (regular !== null) {
    checkBufferOptions(checkOptions(options, 'options'));
    const file = new RegularFile(regular, fd, fd === 0 ? FILE_READ : FILE_WRITE, () => (opened[fd] = null));
    opened[fd] = file;
    return file;
  }
  const file = new StreamFile(stdioStream(fd, 'stdio'), fd, fd === 0 ? READ : WRITE, options);
  opened[fd] = file;
  return file;
}

/**
 * A pipe or terminal stream (a child process's `stdin`, `stdout` or `stderr`, a `net.Socket` made on a pipe)
 * as a file with the lowest free descriptor from 3 up: a read end if the stream is readable now, else a write
 * end if it is writable (for a socket, both ways, use `Socket.adopt`). From then on use the stream only
 * through it.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `stream` is a stream.
 * @throws {SocketError} `EPERM` for a stream over a file (an `fs` stream: open a regular file with
 * `openFile` instead, always ready); `EBADF` for a stream that is neither readable nor writable; `EMFILE` past
 * the open-file limit.
 * @example
 * const child = spawn('sort', [], { stdio: ['pipe', 'pipe', 'inherit'] })
 * const [toSort, sorted] = [adoptStream(child.stdin), adoptStream(child.stdout)]
 */
export function adoptStream(stream: NodeJS.ReadableStream | NodeJS.WritableStream, options?: BufferOptions): StreamFile {
  const ns = pipeStream(stream, 'adoptStream');
  // A pipe has one direction. Node marks a child's stdout writable as well (it never writes to it), so a
  // readable stream is a read end; a stream that is only writable is a write end.
  const mode = ns.readable ? READ : ns.writable ? WRITE : 0;
  if (mode === 0) throw sysError('EBADF', 'adoptStream', 'the stream is neither readable nor writable');
  return new StreamFile(ns, -1, mode, options);
}
