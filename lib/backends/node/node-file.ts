/**
 * The Node side of a regular file: the `fs` calls a `RegularFile` makes on its kernel descriptor. A regular
 * file is read and written at once (the page cache answers; a read past the end returns 0), so synchronous
 * `fs` calls are what read(2) and write(2) would be. Also what kind of file is under a pipe stream.
 */
import fs from 'node:fs';
import { SocketError, fromNodeError } from '../../core/errors.js';

/** A regular file's kernel descriptor, read and written through `fs` at once. */
export interface NodeFile {
  /** read(2) of up to `n` bytes at the file position: the bytes, empty at the end of the file. */
  read(n: number): Uint8Array;
  /** write(2) of all of `data` at the file position (the end, opened to append): the count. */
  write(data: Uint8Array): number;
  /** close(2), for a file this backend opened; nothing for stdio's, which Node's own streams keep. */
  close(): void;
}

const FLAGS = ['r', 'r+', 'w', 'w+', 'a', 'a+'] as const;

function flagBits(flags: (typeof FLAGS)[number]): number {
  const c = fs.constants;
  return {
    r: c.O_RDONLY,
    'r+': c.O_RDWR,
    w: c.O_WRONLY | c.O_CREAT | c.O_TRUNC,
    'w+': c.O_RDWR | c.O_CREAT | c.O_TRUNC,
    a: c.O_WRONLY | c.O_CREAT | c.O_APPEND,
    'a+': c.O_RDWR | c.O_CREAT | c.O_APPEND,
  }[flags];
}

function fileOver(fd: number, owned: boolean): NodeFile {
  return {
    read(n) {
      const buf = Buffer.allocUnsafe(n);
      try {
        const got = fs.readSync(fd, buf, 0, n, null);
        return got === n ? buf : buf.subarray(0, got);
      } catch (err) {
        throw fromNodeError(err as Error, 'recv');
      }
    },
    write(data) {
      try {
        return fs.writeSync(fd, data);
      } catch (err) {
        throw fromNodeError(err as Error, 'send');
      }
    },
    close() {
      if (!owned) return;
      try {
        fs.closeSync(fd);
      } catch {
        // Already closed under us: nothing left to give back.
      }
    },
  };
}

/**
 * Opens the regular file at `path` with `flags` (as `fs.open` spells them), without blocking on a
 * FIFO.
 * @throws {SocketError} from open(2) (`ENOENT`, `EACCES`, ...); `EPERM` for a path that is not a regular file.
 */
export function openRegularFile(path: string, flags: (typeof FLAGS)[number]): NodeFile {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_NONBLOCK | flagBits(flags));
  } catch (err) {
    throw fromNodeError(err as Error, 'open');
  }
  if (!isRegular(fd)) {
    fs.closeSync(fd);
    throw new SocketError('EPERM', 'open', `${path} is not a regular file: use adoptStream for a pipe`);
  }
  // A regular file never blocks: O_NONBLOCK (there for a FIFO's open) changes nothing for it.
  return fileOver(fd, true);
}

/** This process's descriptor 0, 1 or 2 as a regular file, or `null` when it is not one. */
export function stdioFile(fd: 0 | 1 | 2): NodeFile | null {
  return isRegular(fd) ? fileOver(fd, false) : null;
}

function isRegular(fd: number): boolean {
  try {
    return fs.fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/**
 * @internal Whether the kernel file under a Node pipe stream is a pipe or FIFO (`pipe_poll`'s rules), rather
 * than a socket pair (what Node makes for a child's stdio) or a terminal. Reads Node's handle descriptor.
 */
export function isFifoStream(ns: object): boolean {
  const fd = (ns as { _handle?: { fd?: unknown } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return false;
  try {
    return fs.fstatSync(fd).isFIFO();
  } catch {
    return false;
  }
}
