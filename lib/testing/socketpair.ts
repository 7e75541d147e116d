/** `socketpair()`: two connected sockets in memory, at once. */
import { processHost } from '../core/host.js';
import { Socket, checkBufferOptions, type BufferOptions } from '../sockets/socket.js';
import { memoryPair } from '../backends/memory/memory-transport.js';
import { FaultTransport, checkFaults, type SocketFaults } from '../backends/faults.js';
import type { StreamTransport } from '../backends/transport.js';
import { checkOptions } from '../core/validate.js';

/**
 * A connected pair of {@link Socket}s in memory, as `socketpair(AF_UNIX, SOCK_STREAM)` gives: connected at
 * once, each with a descriptor, with the same contract as sockets over the network — what one sends the other
 * receives on a later turn of the event loop, a peer that does not read fills the sender's queue, a closed
 * end answers data with a reset. Their addresses are unnamed (`''`). `faults` shakes both ends as `connect`'s
 * option does: `fragment` (what arrives comes in random pieces, one per turn), `sndbuf` (partial sends).
 *
 * The pair runs on the real clock, as real sockets do: a 5 s timeout over it (select's, `expectReady`'s) waits
 * 5 real seconds. For virtual time, where such a wait costs a few wall milliseconds, take a pair from a
 * simulated network: `await sim.socketpair()` ({@link SimNetwork.socketpair}).
 * @throws {SocketError} `EMFILE` past the open-file limit.
 * @throws {TypeError|RangeError} for malformed options or faults.
 * @example
 * const [a, b] = socketpair()
 * a.send('ping')
 * await select([b], [], [])   // b.recv(4) -> 'ping'
 */
export function socketpair(options?: BufferOptions & { faults?: SocketFaults | undefined }): [Socket, Socket] {
  const o = checkOptions(options, 'options');
  const faults = o.faults === undefined ? undefined : checkFaults(o.faults, 'options.faults');
  const sizes = checkBufferOptions({ ...o, sndbuf: o.sndbuf ?? faults?.sndbuf });
  const [ta, tb] = memoryPair(processHost);
  const wrap = (t: StreamTransport): StreamTransport => (faults === undefined ? t : new FaultTransport(t, faults));
  const a = new Socket(wrap(ta), sizes, true);
  try {
    return [a, new Socket(wrap(tb), sizes, true)];
  } catch (err) {
    a.close();
    throw err;
  }
}
