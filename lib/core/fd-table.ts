/**
 * Descriptor tables. Every open socket (and every epoll instance) holds one small integer from its host's
 * table: the process's own, or a simulated host's (each starts at 3, as separate processes do). Numbers are handed out lowest-free-first, as POSIX requires of `open`/`socket`/`accept`, so a
 * closed number is the next one reused. 0, 1 and 2 are taken by stdio, as in any process.
 *
 * These are net-select's numbers, not the kernel's: Node keeps the real descriptors to itself.
 */
import { invalidArgType, outOfRange, sysError } from './errors.js';
import { heapPop, heapPush } from './min-heap.js';
import { platform } from './platform.js';

/** Anything that holds a descriptor: a socket, a listener, an epoll instance. */
export interface FileLike {
  /** The descriptor number, or -1 once closed. */
  fileno(): number;
}

/** The number of descriptors select() can watch: a descriptor >= FD_SETSIZE does not fit an `fd_set`. */
export const FD_SETSIZE = 1024;

const FIRST_FD = 3;

/**
 * @internal One descriptor table: a process's, or a simulated host's. Numbers are handed out
 * lowest-free-first from 3.
 */
export class FdTable {
  readonly #table = new Map<number, FileLike>();
  // 0, 1 and 2 (stdin, stdout, stderr) once the program opened them as files (`stdio(fd)` in stdio.ts).
  readonly #stdio: (FileLike | undefined)[] = [undefined, undefined, undefined];
  // A binary min-heap of numbers below `#next` that were freed: lowest-free-first in O(log n).
  readonly #freed: number[] = [];
  #next = FIRST_FD;
  #limit: number | undefined;

  /** `limit`: the open-file limit; the platform's (RLIMIT_NOFILE), asked on first use, when not given. */
  constructor(limit?: number) {
    this.#limit = limit;
  }

  /** The open-file limit (RLIMIT_NOFILE). */
  get limit(): number {
    return (this.#limit ??= platform.fdLimit());
  }

  set limit(n: number) {
    this.#limit = n;
  }

  /** Takes the lowest free number for `file`. Throws `EMFILE` past the limit. O(log n). */
  alloc(file: FileLike, syscall: string): number {
    if (this.#table.size + FIRST_FD >= this.limit) {
      throw sysError('EMFILE', syscall, `open-file limit ${this.limit} reached`);
    }
    // Every free number below `#next` is in the heap, so its minimum is the lowest free number.
    const fd = this.#freed.length > 0 ? heapPop(this.#freed, lessNum) : this.#next++;
    this.#table.set(fd, file);
    return fd;
  }

  /** Gives `fd` back. O(log n). */
  free(fd: number): void {
    if (fd < FIRST_FD) {
      if (fd >= 0) this.#stdio[fd] = undefined;
      return;
    }
    if (this.#table.delete(fd)) heapPush(this.#freed, fd, lessNum);
  }

  /**
   * Puts `file` at stdio descriptor `fd` (0, 1 or 2), which `alloc` never hands out. Returns false when that
   * descriptor is taken already. O(1).
   */
  installStdio(fd: 0 | 1 | 2, file: FileLike): boolean {
    if (this.#stdio[fd] !== undefined) return false;
    this.#stdio[fd] = file;
    return true;
  }

  /** The open object behind `fd`, or `undefined`. O(1). */
  lookup(fd: number): FileLike | undefined {
    return fd < FIRST_FD ? this.#stdio[fd] : this.#table.get(fd);
  }

  /** Descriptors open now. */
  get size(): number {
    return this.#table.size;
  }
}

/** @internal The process's own table. */
export const processFds = new FdTable();

/** The open object behind `fd` in this process, or `undefined` when no such descriptor is open. O(1). */
export function lookupFd(fd: number): FileLike | undefined {
  return processFds.lookup(fd);
}

/**
 * The number of descriptors net-select has open now in this process (stdio not counted).
 * @example console.log(`${openFdCount()} of ${getFdLimit()} descriptors in use`)
 */
export function openFdCount(): number {
  return processFds.size;
}

/**
 * The open-file limit (like `ulimit -n`, RLIMIT_NOFILE): opening a descriptor numbered at or past it fails
 * with `EMFILE`. Defaults to this process's own soft limit.
 * @example if (getFdLimit() < 4096) console.log('raise ulimit -n for a c10k test')
 */
export function getFdLimit(): number {
  return processFds.limit;
}

/**
 * Sets the open-file limit. Descriptors already open stay open.
 * @throws {RangeError} `ERR_OUT_OF_RANGE` unless `n` is an integer >= 4.
 * @example setFdLimit(64) // then the 62nd socket fails with EMFILE
 */
export function setFdLimit(n: number): void {
  if (typeof n !== 'number') throw invalidArgType('n', 'of type number', n);
  if (!Number.isInteger(n) || n < FIRST_FD + 1) throw outOfRange('n', `an integer >= ${FIRST_FD + 1}`, n);
  processFds.limit = n;
}

function lessNum(a: number, b: number): boolean {
  return a < b;
}
