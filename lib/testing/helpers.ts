/**
 * Small helpers for tests of a protocol written in the select style, on real sockets or on a SimNetwork.
 * Each waits a bounded time (virtual time on the sim) and fails loudly, saying what was missing; none sleeps.
 */
import { select } from '../models/select.js';
import { connect } from '../sockets/connect.js';
import { listen } from '../sockets/listener.js';
import { processHost } from '../core/host.js';
import type { Listener } from '../sockets/listener.js';
import type { Socket } from '../sockets/socket.js';
import type { SimNetwork } from './sim-network.js';

/** The wait of the helpers when none is given: 5 s (of virtual time on a simulated network). */
const DEFAULT_WAIT_MS = 5000;

/** Readiness to expect: the sockets that must be readable, writable, exceptional. */
export interface Expected {
  /** Must be reported readable. */
  readable?: readonly (Socket | Listener)[] | undefined;
  /** Must be reported writable. */
  writable?: readonly (Socket | Listener)[] | undefined;
  /** Must be reported exceptional. */
  exceptional?: readonly (Socket | Listener)[] | undefined;
}

function fail(message: string, sim?: SimNetwork): Error {
  const err = new Error(sim ? `${message} [${sim.describe()}]` : message);
  return Object.assign(err, { code: 'ERR_ASSERTION' });
}

function name(s: Socket | Listener): string {
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
    const addr = l.getsockname() as { port: number };
    const c = connect({ host: '127.0.0.1', port: addr.port });
    await expectReady({ readable: [l] });
    return [c, l.accept() as Socket];
  } finally {
    l.close();
  }
}

/**
 * Waits (at most `timeoutMs`) until every socket in `expected` is ready as said, and returns the answer of
 * the last `select`.
 * @throws {Error} `ERR_ASSERTION` naming the sockets that were not ready in time (and the sim's seed).
 * @example await expectReady({ readable: [server] }, { sim })
 */
export async function expectReady(
  expected: Expected,
  options: { timeoutMs?: number | undefined; sim?: SimNetwork | undefined } = {},
): Promise<[Socket[], Socket[], Socket[]]> {
  const r = expected.readable ?? [];
  const w = expected.writable ?? [];
  const x = expected.exceptional ?? [];
  const ms = options.timeoutMs ?? DEFAULT_WAIT_MS;
  // The sockets' own clock: virtual time on a simulated network.
  const clock = ([...r, ...w, ...x][0]?._host ?? processHost).clock;
  const deadline = clock.now() + ms;
  for (;;) {
    const left = Math.max(0, deadline - clock.now());
    const got = (await select(r, w, x, left)) as [Socket[], Socket[], Socket[]];
    const missing = [
      ...r.filter((s) => !got[0].includes(s as Socket)).map((s) => `${name(s)} readable`),
      ...w.filter((s) => !got[1].includes(s as Socket)).map((s) => `${name(s)} writable`),
      ...x.filter((s) => !got[2].includes(s as Socket)).map((s) => `${name(s)} exceptional`),
    ];
    if (missing.length === 0) return got;
    if (left === 0) throw fail(`not ready within ${ms} ms: ${missing.join(', ')}`, options.sim);
  }
}

/**
 * Asserts that `recv` on `sock` would block now (returns `null`): no data, no EOF, no error.
 * @throws {Error} `ERR_ASSERTION` with what `recv` returned instead.
 * @example expectWouldBlock(client) // after reading everything the peer sent
 */
export function expectWouldBlock(sock: Socket, sim?: SimNetwork): void {
  const got = sock.recv(65536);
  if (got !== null) throw fail(`expected recv to block on ${name(sock)}, got ${got.length === 0 ? 'EOF' : `${got.length} bytes`}`, sim);
}

/**
 * Proves that nothing happens to `sockets` by the model, not by a wait: on a simulated network, lets
 * `ms` virtual milliseconds pass (a few wall ms) first; then a select with timeout 0 must find none of them
 * ready in the ways listed.
 * @throws {Error} `ERR_ASSERTION` naming what became ready.
 * @example await expectNoEvent({ readable: [client] }, { sim, ms: 30_000 })
 */
export async function expectNoEvent(expected: Expected, options: { sim?: SimNetwork | undefined; ms?: number | undefined } = {}): Promise<void> {
  if (options.sim && options.ms) await options.sim.runFor(options.ms);
  const got = await select(expected.readable ?? [], expected.writable ?? [], expected.exceptional ?? [], 0);
  const seen = [
    ...got[0].map((s) => `${name(s)} readable`),
    ...got[1].map((s) => `${name(s)} writable`),
    ...got[2].map((s) => `${name(s)} exceptional`),
  ];
  if (seen.length > 0) throw fail(`expected no event, got: ${seen.join(', ')}`, options.sim);
}

/**
 * Receives exactly `n` bytes, waiting with select between partial reads (at most `timeoutMs` in all).
 * @throws {Error} `ERR_ASSERTION` on EOF before `n` bytes, or in time; a `SocketError` from `recv` as is.
 * @example const header = await recvExactly(sock, 4)
 */
export async function recvExactly(sock: Socket, n: number, options: { timeoutMs?: number | undefined; sim?: SimNetwork | undefined } = {}): Promise<Buffer> {
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
 * @example await sendAll(sock, frame)
 */
export async function sendAll(sock: Socket, data: Uint8Array | string, options: { timeoutMs?: number | undefined; sim?: SimNetwork | undefined } = {}): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let off = 0;
  while (off < buf.length) {
    const n = sock.send(buf.subarray(off));
    off += n;
    if (off < buf.length) await expectReady({ writable: [sock] }, options);
  }
}
