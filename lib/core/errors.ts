/**
 * The two error families of net-select, as in Node's own `lib/internal/errors.js`:
 *
 * - **API misuse** (a wrong type, a value out of range) throws a `TypeError` or `RangeError` whose `code`
 *   starts with `ERR_` and whose message names the argument. Nothing has changed when it is thrown.
 * - **OS conditions** (a reset peer, a closed descriptor) throw a {@link SocketError} whose `code` is the errno
 *   name (`ECONNRESET`, `EBADF`, ...) and whose `syscall` names the call that failed, as Node does.
 *
 * Would-block is never an error: `recv` returns `null` and `send` returns `0`.
 */
import { platform } from './platform.js';

/**
 * The errno names a net-select call can raise: its own, and those it passes up from Node (the bind and lookup
 * failures of `listen`/`connect`). Node may pass up a rarer one; `code` is then that errno's name.
 */
export type Errno =
  | 'EBADF'
  | 'ECONNRESET'
  | 'ECONNREFUSED'
  | 'EPIPE'
  | 'ENOTCONN'
  | 'EISCONN'
  | 'EDESTADDRREQ'
  | 'EEXIST'
  | 'ENOENT'
  | 'EMFILE'
  | 'EINVAL'
  | 'ELOOP'
  | 'EPERM'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'EACCES'
  | 'ENOTFOUND';

/**
 * An OS-level failure, shaped like Node's system errors: `code` is the errno name, `errno` its number on this
 * platform, `syscall` the call that failed.
 *
 * @example
 * try { sock.recv(1024) } catch (err) { if (err instanceof SocketError && err.code === 'ECONNRESET') sock.close() }
 */
export class SocketError extends Error {
  /** The errno name, for example `'ECONNRESET'`. */
  readonly code: string;
  /** The errno number on this platform (positive), or 0 when unknown. */
  readonly errno: number;
  /** The call that failed: `'recv'`, `'send'`, `'select'`, `'epoll_ctl'`, ... */
  readonly syscall: string;

  constructor(code: string, syscall: string, detail?: string) {
    super(`${syscall} ${code}${detail ? `: ${detail}` : ''}`);
    this.name = 'SocketError';
    this.code = code;
    this.syscall = syscall;
    this.errno = platform.errno(code);
  }
}

/** Makes a {@link SocketError}; `syscall` is the call a C program would have made. */
export function sysError(code: Errno, syscall: string, detail?: string): SocketError {
  return new SocketError(code, syscall, detail);
}

/**
 * Turns an error that Node reported on a socket (it has `code` and `syscall`) into a {@link SocketError}
 * for the call that will see it, keeping the errno name. Node's own "syscall CODE:" prefix is dropped from the
 * message so the call is named once ("bind EADDRINUSE: address already in use 127.0.0.1:80"). A failed name
 * lookup keeps `getaddrinfo` as its syscall (`ENOTFOUND`, `EAI_AGAIN`): that is the call a C program would
 * have seen fail, before any socket call.
 */
export function fromNodeError(err: Error & { code?: unknown; syscall?: unknown }, syscall: string): SocketError {
  const code = typeof err.code === 'string' ? err.code : 'EIO';
  const nodeSyscall = typeof err.syscall === 'string' ? err.syscall : undefined;
  let detail = err.message;
  for (const prefix of [`${nodeSyscall} ${code}`, code]) {
    if (detail.startsWith(prefix)) {
      detail = detail.slice(prefix.length).replace(/^:?\s*/, '');
      break;
    }
  }
  return new SocketError(code, nodeSyscall === 'getaddrinfo' ? nodeSyscall : syscall, detail || undefined);
}

/**
 * The error a call cancelled by an `AbortSignal` rejects with, shaped like Node's own: `name` `'AbortError'`,
 * `code` `'ABORT_ERR'`, and the signal's reason as `cause`.
 */
export function abortError(signal: AbortSignal): Error & { code: 'ABORT_ERR' } {
  const err = new Error('The operation was aborted', { cause: signal.reason }) as Error & { code: 'ABORT_ERR' };
  err.name = 'AbortError';
  return coded(err, 'ABORT_ERR') as Error & { code: 'ABORT_ERR' };
}

type Coded<E extends Error> = E & { code: string };

function coded<E extends Error>(err: E, code: string): Coded<E> {
  Object.defineProperty(err, 'code', { value: code, enumerable: true });
  return err as Coded<E>;
}

/** `TypeError` with code `ERR_INVALID_ARG_TYPE`: argument `name` is not a `expected`; `hint` says what to do. */
export function invalidArgType(name: string, expected: string, actual: unknown, hint?: string): Coded<TypeError> {
  return coded(new TypeError(`The "${name}" argument must be ${expected}. Received ${describe(actual)}${hint ? `: ${hint}` : ''}`),
    'ERR_INVALID_ARG_TYPE');
}

/** `TypeError` with code `ERR_INVALID_ARG_VALUE`: argument `name` has the right type but cannot be used. */
export function invalidArgValue(name: string, reason: string): Coded<TypeError> {
  return coded(new TypeError(`The "${name}" argument ${reason}`), 'ERR_INVALID_ARG_VALUE');
}

/** `RangeError` with code `ERR_OUT_OF_RANGE`: argument `name` is outside `range`. */
export function outOfRange(name: string, range: string, actual: unknown): Coded<RangeError> {
  return coded(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${describe(actual)}`),
    'ERR_OUT_OF_RANGE');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${String(value)}`;
  if (typeof value === 'string') return `'${value.length > 28 ? `${value.slice(0, 25)}...` : value}'`;
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return `type ${typeof value}`;
}
