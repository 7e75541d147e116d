/**
 * Small helpers for tests of a protocol written in the select style, on real sockets or on a SimNetwork.
 * Each waits a bounded time (virtual time on the sim) and fails loudly, saying what was missing; none sleeps.
 */
import { select } from '../models/select.js';
import { connect } from '../sockets/connect.js';
import { Listener, listen } from '../sockets/listener.js';
import { processHost } from '../core/host.js';
import { invalidArgType } from '../core/errors.js';
import { checkInt, checkOptions, checkTimeout } from '../core/validate.js';
import { Socket } from '../sockets/socket.js';
import { Pollable } from '../core/pollable.js';
import { SimNetwork } from './sim-network.js';

/** The wait of the helpers when none is given: 5 s (of virtual time on a simulated network). */
const DEFAULT_WAIT_MS = 5000;

/**
 * Readiness to expect: the sockets (or listeners) that must be readable, writable, exceptional.
 * @typeParam S What the lists hold: `Socket`, `Listener`, both, or any net-select file (a `DatagramSocket`, a
 * `StreamFile`...); `expectReady` answers with the same.
 */
export interface Expected<S extends Pollable = Socket | Listener> {
  /** Must be reported readable. */
  readable?: readonly S[] | undefined;
  /** Must be reported writable. */
  writable?: readonly S[] | undefined;
  /** Must be reported exceptional. */
  exceptional?: readonly S[] | undefined;
}

/** The options every helper takes: the simulated network the sockets are on, and how long to wait. */
interface Checked {
  sim: SimNetwork | undefined;
  ms: number | undefined;
}

/** `expected`, checked: an object whose lists are arrays of net-select files (sockets, listeners...). */
function checkExpected<S extends Pollable>(expected: Expected<S>): [readonly S[], readonly S[], readonly S[]] {
  const e = expected as unknown;
  if (e === null || typeof e !== 'object' || Array.isArray(e)) {
    throw invalidArgType('expected', 'an object such as { readable: [sock] }', e);
  }
  return (['readable', 'writable', 'exceptional'] as const).map((k) => {
    const list = (e as Record<string, unknown>)[k];
    if (list === undefined) return [];
    if (!Array.isArray(list)) throw invalidArgType(`expected.${k}`, 'an array of sockets, listeners or other net-select files', list);
    list.forEach((x: unknown, i) => {
      if (!(x instanceof Pollable)) throw invalidArgType(`expected.${k}[${i}]`, 'a net-select socket, listener or file', x);
    });
    return list as S[];
  }) as unknown as [readonly S[], readonly S[], readonly S[]];
}

/** The helpers' options, checked: `sim` a SimNetwork, `timeoutMs` (or `ms`) a number of milliseconds >= 0. */
function checkHelperOptions(options: unknown, wait: 'timeoutMs' | 'ms'): Checked {
  const o = checkOptions(options, 'options');
  if (o.sim !== undefined && !(o.sim instanceof SimNetwork)) throw invalidArgType('options.sim', 'an instance of SimNetwork', o.sim);
  const v = o[wait];
  let ms: number | undefined;
  if (wait === 'ms') ms = v === undefined ? undefined : checkInt(v, 'options.ms', 0);
  else if (v !== undefined && v !== null) ms = checkTimeout(v, 'options.timeoutMs');
  return { sim: o.sim, ms };
}

function checkSocket(sock: unknown): Socket {
  if (!(sock instanceof Socket)) throw invalidArgType('sock', 'an instance of Socket', sock);
  return sock;
}

function fail(message: string, sim?: SimNetwork): Error {
  const err = new Error(sim ? `${message} [${sim.describe()}]` : message);
  return Object.assign(err, { code: 'ERR_ASSERTION' });
}

function name(s: Pollable): string {
  return `fd ${s.fileno()}`;
}

/**
 * A connected pair of real TCP sockets over loopback (127.0.0.1): `[client, server]`. The listener it used
 * is closed.
 * @example const [a, b] = await loopbackPair(); t.teardown(() => { a.close(); b.close() })
 */
export async function loopbackPair(): Promise<[Socket, Socket]> {
  const l = await listen({ host: '127.0.0.1', port: 0, backlog: 1 });
  try {
    const c = connect({ host: '127.0.0.1', port: l.getsockname().port });
    await expectReady({ readable: [l] });
    return [c, l.accept() as Socket];
  } finally {
    l.close();
  }
}

/**
 * Waits (at most `timeoutMs`, default 5 s) until every socket in `expected` is ready as said, and returns the
 * answer of the last `select`: lists of what `expected` holds (sockets, listeners or both).
 * @throws {Error} `ERR_ASSERTION` naming the sockets that were not ready in time (and the sim's seed).
 * @throws {TypeError|RangeError} `ERR_INVALID_ARG_TYPE`/`ERR_OUT_OF_RANGE` for malformed arguments.
 * @example await expectReady({ readable: [server] }, { sim })
 */
export async function expectReady<S extends Pollable>(
  expected: Expected<S>,
  options: { timeoutMs?: number | undefined; sim?: SimNetwork | undefined } = {},
): Promise<[S[], S[], S[]]> {
  const [r, w, x] = checkExpected(expected);
  const o = checkHelperOptions(options, 'timeoutMs');
  const ms = o.ms ?? DEFAULT_WAIT_MS;
  // The sockets' own clock: virtual time on a simulated network.
  const clock = ([...r, ...w, ...x][0]?._host ?? processHost).clock;
  const deadline = clock.now() + ms;
  for (;;) {
    const left = Math.max(0, deadline - clock.now());
    const got = (await select(r, w, x, left)) as unknown as [S[], S[], S[]];
    const missing = [
      ...r.filter((s) => !got[0].includes(s)).map((s) => `${name(s)} readable`),
      ...w.filter((s) => !got[1].includes(s)).map((s) => `${name(s)} writable`),
      ...x.filter((s) => !got[2].includes(s)).map((s) => `${name(s)} exceptional`),
    ];
    if (missing.length === 0) return got;
    if (left === 0) throw fail(`not ready within ${ms} ms: ${missing.join(', ')}`, o.sim);
  }
}

/**
 * Asserts that `recv` on `sock` would block now (returns `null`): no data, no EOF, no error. `options.sim`,
 * as every helper takes it, puts the sim's seed in the failure (a bare `SimNetwork` is still taken).
 * @throws {Error} `ERR_ASSERTION` with what `recv` returned instead.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `sock` is a Socket; a `SocketError` from `recv` as is.
 * @example expectWouldBlock(client, { sim }) // after reading everything the peer sent
 */
export function expectWouldBlock(sock: Socket, options: { sim?: SimNetwork | undefined } | SimNetwork = {}): void {
  checkSocket(sock);
  const { sim } = options instanceof SimNetwork ? { sim: options } : checkHelperOptions(options, 'ms');
  const got = sock.recv(65536);
  if (got !== null) throw fail(`expected recv to block on ${name(sock)}, got ${got.length === 0 ? 'EOF' : `${got.length} bytes`}`, sim);
}

/**
 * Proves that nothing happens to `sockets` by the model, not by a wait: on a simulated network, lets
 * `ms` virtual milliseconds pass (a few wall ms) first; then a select with timeout 0 must find none of them
 * ready in the ways listed.
 * @throws {Error} `ERR_ASSERTION` naming what became ready.
 * @throws {TypeError|RangeError} `ERR_INVALID_ARG_TYPE`/`ERR_OUT_OF_RANGE` for malformed arguments.
 * @example await expectNoEvent({ readable: [client] }, { sim, ms: 30_000 })
 */
export async function expectNoEvent(expected: Expected, options: { sim?: SimNetwork | undefined; ms?: number | undefined } = {}): Promise<void> {
  const [r, w, x] = checkExpected(expected);
  const o = checkHelperOptions(options, 'ms');
  if (o.sim && o.ms) await o.sim.runFor(o.ms);
  const got = await select(r, w, x, 0);
  const seen = [
    ...got[0].map((s) => `${name(s)} readable`),
    ...got[1].map((s) => `${name(s)} writable`),
    ...got[2].map((s) => `${name(s)} exceptional`),
  ];
  if (seen.length > 0) throw fail(`expected no event, got: ${seen.join(', ')}`, o.sim);
}

/**
 * Receives exactly `n` bytes, waiting with select between partial reads (at most `timeoutMs` in all).
 * @throws {Error} `ERR_ASSERTION` on EOF before `n` bytes, or in time; a `SocketError` from `recv` as is.
 * @throws {TypeError|RangeError} `ERR_INVALID_ARG_TYPE`/`ERR_OUT_OF_RANGE` for malformed arguments.
 * @example const header = await recvExactly(sock, 4)
 */
export async function recvExactly(sock: Socket, n: number, options: { timeoutMs?: number | undefined; sim?: SimNetwork | undefined } = {}): Promise<Buffer> {
  checkSocket(sock);
  checkInt(n, 'n', 0);
  checkHelperOptions(options, 'timeoutMs');
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const d = sock.recv(n - got);
    if (d === null) {
      await expectReady({ readable: [sock] }, options);
      continue;
    }
    if (d.length === 0) throw fail(`EOF on ${name(sock)} after ${got} of ${n} bytes`, options.sim);
    parts.push(d);
    got += d.length;
  }
  return Buffer.concat(parts, n);
}

/**
 * Sends all of `data`, waiting with select while the send queue is full (partial sends).
 * @throws {Error} `ERR_ASSERTION` when the socket stays full past `timeoutMs`; a `SocketError` from `send`.
 * @throws {TypeError|RangeError} `ERR_INVALID_ARG_TYPE`/`ERR_OUT_OF_RANGE` for malformed arguments.
 * @example await sendAll(sock, frame)
 */
export async function sendAll(sock: Socket, data: Uint8Array | string, options: { timeoutMs?: number | undefined; sim?: SimNetwork | undefined } = {}): Promise<void> {
  checkSocket(sock);
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw invalidArgType('data', 'a string or a Uint8Array', data);
  checkHelperOptions(options, 'timeoutMs');
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let off = 0;
  while (off < buf.length) {
    const n = sock.send(buf.subarray(off));
    off += n;
    if (off < buf.length) await expectReady({ writable: [sock] }, options);
  }
}
