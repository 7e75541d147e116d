/**
 * A regular file as select, poll and epoll see it. A regular file has no poll of its own in Linux
 * (`file_can_poll` is false): select and poll call it always readable and always writable, because a read or
 * a write never waits for anything another process does, and `epoll_ctl` refuses it with `EPERM`. Reads and
 * writes go through `fs` at once, at the file position.
 */
import { invalidArgType, invalidArgValue, sysError } from '../core/errors.js';
import { POLLIN, POLLNVAL, POLLOUT } from '../core/flags.js';
import { Pollable } from '../core/pollable.js';
import { openRegularFile, type NodeFile } from '../backends/node/index.js';
import { checkInt } from '../core/validate.js';
import { publishClose } from '../trace/trace.js';

/** @internal Open for reading. */
export const FILE_READ = 1;
/** @internal Open for writing. */
export const FILE_WRITE = 2;

/** The `flags` {@link openFile} takes, as `fs.open` spells them. */
export type OpenFlags = 'r' | 'r+' | 'w' | 'w+' | 'a' | 'a+';

const MODES: Record<OpenFlags, number> = {
  r: FILE_READ,
  'r+': FILE_READ | FILE_WRITE,
  w: FILE_WRITE,
  'w+': FILE_READ | FILE_WRITE,
  a: FILE_WRITE,
  'a+': FILE_READ | FILE_WRITE,
};

/**
 * An open regular file. Get one from {@link openFile}, or from `stdio(fd)` when that descriptor is a regular
 * file (`node app.js < input.txt`).
 *
 * Readiness (`events()`): `POLLIN | POLLOUT` for as long as it is open, whatever it was opened for, as Linux's
 * select and poll report a regular file (`DEFAULT_POLLMASK`); `POLLNVAL` once closed. `Epoll.register`
 * refuses it with `EPERM`, as `epoll_ctl` does.
 *
 * @example
 * const input = openFile('input.txt')
 * const [r] = await select([input, sock], [], [])   // input is always in r
 * const chunk = input.recv(65536)                    // empty at the end of the file
 */
export class RegularFile extends Pollable {
  readonly #file: NodeFile;
  #fd: number;
  readonly #mode: number;
  readonly #onClose: ((fd: number) => void) | undefined;
  /** Whether the file is a terminal: never, for a regular file. */
  readonly isTTY = false;

  /**
   * @internal Use {@link openFile} or `stdio`. `file`: the kernel's file; `fd`: 0, 1 or 2 for stdio, or -1
   * for the lowest free number.
   */
  constructor(file: NodeFile, fd: number, mode: number, onClose?: (fd: number) => void) {
    super();
    const fds = this._host.fds;
    if (fd < 0) fd = fds.alloc(this, 'open');
    else if (!fds.installStdio(fd as 0 | 1 | 2, this)) throw sysError('EBADF', 'open', `descriptor ${fd} is taken`);
    this.#fd = fd;
    this.#file = file;
    this.#mode = mode;
    this.#onClose = onClose;
  }

  /** The descriptor number, or -1 once closed. */
  fileno(): number {
    return this.#fd;
  }

  /** `POLLIN | POLLOUT` while open, `POLLNVAL` once closed; see the class comment. O(1). */
  events(): number {
    return this.#fd < 0 ? POLLNVAL : POLLIN | POLLOUT;
  }

  /** @internal A regular file has no poll of its own: epoll refuses it. */
  override get _canPoll(): boolean {
    return false;
  }

  /** Bytes received and not yet taken by `recv`: always 0, a file is read straight from the kernel. */
  get recvQueueSize(): number {
    return 0;
  }

  /** Bytes accepted by `send` and not yet handed to the kernel: always 0, a write goes to the kernel at once. */
  get sendQueueSize(): number {
    return 0;
  }

  /**
   * Reads up to `bufsize` bytes at the file position, at once: the bytes, or an empty Buffer at the end of
   * the file (a read never waits, so never `null`).
   * @throws {RangeError} `ERR_OUT_OF_RANGE` unless `bufsize` is an integer >= 1.
   * @throws {SocketError} `EBADF` once closed, or on a file opened only for writing; `EIO` and the like
   * from the kernel.
   * @example const input = openFile('input.txt'); const chunk = input.recv(65536); if (chunk.length === 0) input.close()
   */
  recv(bufsize: number): Buffer {
    checkInt(bufsize, 'bufsize', 1);
    if (this.#fd < 0) throw sysError('EBADF', 'recv');
    if (!(this.#mode & FILE_READ)) throw sysError('EBADF', 'recv', 'not open for reading');
    const data = this.#file.read(bufsize);
    return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
  }

  /**
   * Writes all of `data` at the file position (at the end for a file opened to append), at once, and returns
   * its length.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `data` is a string, Buffer or Uint8Array.
   * @throws {SocketError} `EBADF` once closed, or on a file opened only for reading; `ENOSPC`, `EFBIG` and
   * the like from the kernel.
   * @example const log = openFile('/tmp/app.log', 'a'); log.send('one line\n')
   */
  send(data: Uint8Array | string): number {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw invalidArgType('data', 'of type string or an instance of Buffer or Uint8Array', data);
    }
    if (this.#fd < 0) throw sysError('EBADF', 'send');
    if (!(this.#mode & FILE_WRITE)) throw sysError('EBADF', 'send', 'not open for writing');
    return this.#file.write(typeof data === 'string' ? Buffer.from(data) : data);
  }

  /**
   * Closes the file and frees its descriptor; select, poll and epoll watching it hear of it. Twice does
   * nothing. From `stdio(fd)`, the number is freed and Node's own `process.stdin`/`stdout` keeps the file.
   */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    this.#file.close();
    publishClose(fd);
    this._host.fds.free(fd);
    this.#onClose?.(fd);
    this._closed();
  }
}

/**
 * Opens the regular file at `path` (`flags` as `fs.open` spells them: `'r'`, `'r+'`, `'w'`, `'w+'`, `'a'`,
 * `'a+'`) as a file select and poll can watch (always ready), with the lowest free descriptor from 3 up.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `path` is a string; `ERR_INVALID_ARG_VALUE` for other
 * flags.
 * @throws {SocketError} `ENOENT`, `EACCES`, ... from open(2); `EPERM` for a path that is not a regular file
 * (a pipe or a device: use `adoptStream`); `EMFILE` past the open-file limit.
 * @example
 * const log = openFile('/tmp/app.log', 'a')
 * log.send('started\n')
 */
export function openFile(path: string, flags: OpenFlags = 'r'): RegularFile {
  if (typeof path !== 'string') throw invalidArgType('path', 'of type string', path);
  if (typeof flags !== 'string' || !Object.hasOwn(MODES, flags)) {
    throw invalidArgValue('flags', "must be one of 'r', 'r+', 'w', 'w+', 'a', 'a+'");
  }
  const file = openRegularFile(path, flags);
  try {
    return new RegularFile(file, -1, MODES[flags]);
  } catch (err) {
    file.close(); // EMFILE: the kernel descriptor must not leak
    throw err;
  }
}
