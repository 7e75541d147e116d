/**
 * The Node backend's entry: everything the rest of `lib/` takes from Node, in one place. Loading it installs
 * Node's platform (`platform.ts`); the entry points load it first. The sockets get their transports from the
 * functions below, in one shape for every kind: a function that checks a Node object and returns the
 * transport over it, untouched until the socket binds to it (`adoptSocket`, `adoptServer`, `pipeOf`), or
 * makes a new one (`connectTransport`, `listenTransport`, `datagramTransport`). `stdioStream` and `pipeStream` find or check the
 * stream a pipe is made over.
 *
 * A browser bundle gets `browser.ts` in this file's place (package.json's `browser` field): the same names,
 * and a coded error from each function that needs a real socket.
 */
import './platform.js';
import { closeSync, fstatSync, openSync, ReadStream, writeSync, WriteStream } from 'node:fs';
import * as net from 'node:net';
import { SocketError, invalidArgType } from '../../core/errors.js';
import type { StreamTransport } from '../transport.js';
import { NodeListenTransport, NodeTransport, nodeConnect } from './node-transport.js';
import { NodeDatagramTransport } from './node-dgram.js';
import { isFifoStream } from './node-file.js';

export { openRegularFile, stdioFile, type NodeFile } from './node-file.js';

import type { NetSocket } from './node-transport.js';

export type { NetServer, NetSocket } from './node-transport.js';

/** @internal Starts a non-blocking connect over Node to `target`. */
export function connectTransport(target: { host: string; port: number } | { path: string }): StreamTransport {
  return nodeConnect(target);
}

/** @internal A new, unbound `node:dgram` socket of `type` as a datagram transport (`listen` binds it). */
export function datagramTransport(type: 'udp4' | 'udp6'): NodeDatagramTransport {
  return new NodeDatagramTransport(type);
}

/** @internal A new `net.Server`, not listening yet, as a listen transport. */
export function listenTransport(): NodeListenTransport {
  return new NodeListenTransport();
}

/**
 * @internal The transport over a `net.Socket` made elsewhere.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for anything else.
 */
export function adoptSocket(socket: unknown): StreamTransport {
  if (!(socket instanceof net.Socket)) throw invalidArgType('socket', 'an instance of net.Socket', socket);
  return new NodeTransport(socket);
}

/**
 * @internal The listen transport over a `net.Server` made elsewhere (listening or not).
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for anything else.
 */
export function adoptServer(server: unknown): NodeListenTransport {
  if (!(server instanceof net.Server)) throw invalidArgType('server', 'an instance of net.Server', server);
  return new NodeListenTransport(server);
}

/** @internal A pipe or terminal stream, checked but not touched yet: `open` takes it over. */
export interface NodePipe {
  /** Whether it is a terminal (`isatty`). */
  readonly isTTY: boolean;
  /** Whether it is a pipe or FIFO (not a socket pair, as Node makes a child's stdio, nor a terminal). */
  readonly isFifo: boolean;
  /** Takes the stream over, for reading or for writing only, and returns its transport. */
  open(mode: 'read' | 'write'): StreamTransport;
}

/** A pipe or a terminal over Node: a socket's transport, except that a pipe has no reset to ask the kernel about. */
class PipeTransport extends NodeTransport {
  override probeReset(): null {
    // A zero-length write(2) on a pipe's read end fails with EBADF, which is no reset.
    return null;
  }
}

/**
 * @internal The pipe `ns` is (a `net.Socket` on a pipe or a terminal), checked and not touched.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for anything else.
 */
export function pipeOf(ns: unknown): NodePipe {
  if (!(ns instanceof net.Socket)) throw invalidArgType('stream', 'a pipe or TTY stream (a net.Socket)', ns);
  return {
    isTTY: (ns as { isTTY?: boolean }).isTTY === true,
    isFifo: isFifoStream(ns),
    open(mode) {
      // A tty.WriteStream is a duplex on its own handle to the terminal: reading it would steal the keys
      // typed for stdin. A write end must never start reading.
      if (mode === 'write') ns._read = () => {};
      return new PipeTransport(ns);
    },
  };
}

/**
 * @internal This process's stdin (0), stdout (1) or stderr (2) as a pipe (a regular file is `stdioFile`'s).
 * @throws {SocketError} `EPERM` when it is a device or a regular file, which Node cannot watch.
 */
export function stdioStream(fd: 0 | 1 | 2, syscall: string): NetSocket {
  const stream = fd === 0 ? process.stdin : fd === 1 ? process.stdout : process.stderr;
  if (!(stream instanceof net.Socket)) throw notWatchable(fd, syscall);
  return stream;
}

/**
 * @internal `stream`, checked to be a pipe or terminal stream (a child process's stdio, a `net.Socket` on a
 * pipe) made elsewhere.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless it is one.
 * @throws {SocketError} `EPERM` for an `fs` stream (a regular file is opened with `openFile`).
 */
export function pipeStream(stream: unknown, syscall: string): NetSocket {
  if (!(stream instanceof net.Socket)) {
    if (stream instanceof ReadStream || stream instanceof WriteStream) throw notWatchable(null, syscall);
    throw invalidArgType('stream', 'a pipe or TTY stream (a net.Socket)', stream);
  }
  return stream;
}

function notWatchable(fd: number | null, syscall: string): SocketError {
  if (fd === null) {
    return new SocketError('EPERM', syscall, 'the stream is an fs stream: open a regular file with openFile() instead');
  }
  let what = 'a regular file';
  try {
    const st = fstatSync(fd);
    if (st.isCharacterDevice()) what = 'a device';
    else if (!st.isFile()) what = 'a file Node reads without a watcher';
  } catch {
    what = 'not open';
  }
  return new SocketError('EPERM', syscall, `descriptor ${fd} is ${what}: Node cannot watch it (read it with node:fs instead)`);
}

/** @internal A file that lines are appended to, each with one synchronous write(2). */
export interface LineFile {
  /** Appends `line` and a newline. */
  write(line: string): void;
  /** Closes the file. */
  close(): void;
}

/**
 * @internal Opens `path` for appending lines.
 * @throws {Error} with the `fs` code (`ENOENT`, `EACCES`) when the file cannot be opened.
 */
export function appendLines(path: string): LineFile {
  const fd = openSync(path, 'a');
  return {
    write: (line) => void writeSync(fd, `${line}\n`),
    close: () => closeSync(fd),
  };
}

/** @internal This process: its id, its command line, and the wall-clock start of its clock. */
export function processIdentity(): { pid: number; argv: string[]; timeOrigin: number } {
  return { pid: process.pid, argv: process.argv, timeOrigin: performance.timeOrigin };
}

/** @internal Emits a process warning (`NetSelectWarning`). */
export function warn(message: string): void {
  process.emitWarning(message, 'NetSelectWarning');
}
