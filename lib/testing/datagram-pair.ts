/** `datagramPair()`: two datagram sockets joined in memory, at once. */
import { processHost } from '../core/host.js';
import { DatagramSocket } from '../sockets/dgram.js';
import { checkBufferOptions, type BufferOptions } from '../sockets/socket.js';
import { memoryDatagramPair } from '../backends/memory/memory-dgram.js';
import { checkOptions } from '../core/validate.js';

/**
 * Two {@link DatagramSocket}s joined in memory, as `socketpair(AF_UNIX, SOCK_DGRAM)` gives: bound at once,
 * each with a descriptor, with the same contract as UDP sockets — one `sendto` is one datagram, which the
 * other receives whole on a later turn of the event loop, and one `recvfrom` takes exactly one (cut to the
 * size asked for). Their addresses are `{ address: 'memory', port: 1 }` and port 2 (`getsockname()`); a
 * datagram sent to any other address is lost, as UDP loses one nobody is bound to receive. A receive queue
 * that is full drops what arrives (`stats.dropped`).
 * @throws {SocketError} `EMFILE` past the open-file limit.
 * @throws {TypeError|RangeError} for malformed options.
 * @example
 * const [a, b] = datagramPair()
 * a.sendto('ping', b.getsockname())
 * await select([b], [], [])   // b.recvfrom(100) -> [<Buffer 'ping'>, { address: 'memory', port: 1, ... }]
 */
export function datagramPair(options?: BufferOptions): [DatagramSocket, DatagramSocket] {
  const sizes = checkBufferOptions(checkOptions(options, 'options'));
  const [ta, tb] = memoryDatagramPair(processHost);
  const a = new DatagramSocket(ta, sizes);
  try {
    return [a, new DatagramSocket(tb, sizes)];
  } catch (err) {
    a.close();
    throw err;
  }
}
