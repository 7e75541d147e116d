/** Turns what a program passes to select/poll/epoll — a socket, a number, an object with `fileno()` — into the open file behind it. */
import { invalidArgType, outOfRange, sysError } from './errors.js';
import { FD_SETSIZE } from './fd-table.js';
import { processHost, type Host } from './host.js';
import { platform } from './platform.js';
import { Pollable } from './pollable.js';

/** What select, poll and epoll accept: a socket or listener, a descriptor number, or any object with `fileno()`. */
export type Selectable =
  | Pollable
  | number
  | {
      /** The descriptor number of an open net-select socket (Python's file-object protocol). */
      fileno(): number;
    };

/** @internal The descriptor number of `item`, checked for type (and for select, the FD_SETSIZE cap). */
export function fdOf(item: unknown, name: string, forSelect: boolean): number {
  let fd: unknown;
  if (typeof item === 'number') fd = item;
  else if (item instanceof Pollable) {
    fd = item.fileno();
    if (fd === -1) return -1; // closed: EBADF when it is looked up
  }  else if (item !== null && typeof item === 'object' && typeof (item as { fileno?: unknown }).fileno === 'function') {
    fd = (item as { fileno(): unknown }).fileno();
  } else {
    throw invalidArgType(name, 'a net-select socket, an integer descriptor or an object with a fileno() method', item,
      platform.foreignHint(item));
  }
  if (typeof fd !== 'number' || !Number.isInteger(fd)) throw invalidArgType(name, 'an integer descriptor', fd);
  if (fd < 0) throw outOfRange(name, 'a non-negative descriptor', fd);
  if (forSelect && fd >= FD_SETSIZE) {
    throw outOfRange(name, `below FD_SETSIZE (${FD_SETSIZE}): filedescriptor out of range in select()`, fd);
  }
  return fd;
}

/**
 * @internal The open socket behind `fd` in `host`'s descriptor table (the process's by default).
 * @throws {SocketError} `EBADF` when no socket has that number.
 */
export function fileOf(fd: number, syscall: string, host: Host = processHost): Pollable {
  const file = fd < 0 ? undefined : host.fds.lookup(fd);
  if (!(file instanceof Pollable)) throw sysError('EBADF', syscall, `descriptor ${fd} is not an open socket`);
  return file;
}

/**
 * @internal The open file behind `item`, whose number is `fd`: a socket is its own file (whatever host it
 * belongs to); a number or `fileno()` object is looked up in `host`'s table.
 * @throws {SocketError} `EBADF` when no socket has that number.
 */
export function fileFor(item: unknown, fd: number, syscall: string, host: Host): Pollable {
  return item instanceof Pollable && fd >= 0 ? item : fileOf(fd, syscall, host);
}
