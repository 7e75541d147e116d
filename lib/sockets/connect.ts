/** `connect()`: a non-blocking connect, as `connect(2)` on an `O_NONBLOCK` socket. */
import { invalidArgType } from '../core/errors.js';
import { Socket, checkBufferOptions, type ConnectOptions } from './socket.js';
import { connectTransport } from '../backends/node/index.js';
import { FaultTransport, checkFaults, type SocketFaults } from '../backends/faults.js';
import { checkInt, checkOptions } from '../core/validate.js';

/**
 * Starts a non-blocking connect and returns the socket at once. It becomes writable when the connection is
 * up. A failed connect (`ECONNREFUSED`) makes it readable, writable and exceptional, and the next `recv` or
 * `send` throws the error, as `connect(2)` on a non-blocking socket reports it through `SO_ERROR`.
 * `faults` (for tests) shakes the socket as POSIX allows: `fragment` delivers what arrives in random
 * pieces, one per turn; `sndbuf` sets a small send buffer for partial sends (see net-select/testing).
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a malformed `options`.
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for a port outside 0..65535 or a bad buffer size.
 * @throws {SocketError} `EMFILE` past the open-file limit.
 * @example
 * const sock = connect({ host: '127.0.0.1', port: 8080 })
 * await select([], [sock], [])
 */
export function connect(options: ConnectOptions & { faults?: SocketFaults | undefined }): Socket {
  const opts = checkOptions(options, 'options');
  if (options === undefined) throw invalidArgType('options', 'of type object', options);
  const faults = opts.faults === undefined ? undefined : checkFaults(opts.faults, 'options.faults');
  const sizes = checkBufferOptions({ ...opts, sndbuf: opts.sndbuf ?? faults?.sndbuf });
  let target: { host: string; port: number } | { path: string };
  if (opts.path !== undefined) {
    if (typeof opts.path !== 'string' || opts.path === '') throw invalidArgType('options.path', 'a non-empty string', opts.path);
    target = { path: opts.path };
  } else {
    const port = checkInt(opts.port, 'options.port', 0, 65535);
    const host = opts.host ?? '127.0.0.1';
    if (typeof host !== 'string') throw invalidArgType('options.host', 'of type string', host);
    target = { host, port };
  }
  const t = faults === undefined ? connectTransport(target) : new FaultTransport(connectTransport(target), faults);
  try {
    return new Socket(t, sizes, true);
  } catch (err) {
    t.reset();
    throw err;
  }
}
