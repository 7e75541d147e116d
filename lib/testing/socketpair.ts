/** `socketpair()`: two connected sockets in memory, at once. */
import { processHost } from '../host.js';
import { Socket, checkBufferOptions, type BufferOptions } from '../socket.js';
import { memoryPair } from '../transport/memory.js';
import { checkOptions } from '../validate.js';

/**
 * A connected pair of {@link Socket}s in memory, as `socketpair(AF_UNIX, SOCK_STREAM)` gives: connected at
 * once, each with a descriptor, with the same contract as sockets over the network — what one sends the other
 * receives on a later turn of the event loop, a peer that does not read fills the sender's queue, a closed
 * end answers data with a reset. Their addresses are unnamed (`''`).
 * @throws {SocketError} `EMFILE` past the open-file limit.
 * @example
 * const [a, b] = socketpair()
 * a.send('ping')
 * await select([b], [], [])   // b.recv(4) -> 'ping'
 */
export function socketpair(options?: BufferOptions): [Socket, Socket] {
  const sizes = checkBufferOptions(checkOptions(options, 'options'));
  const [ta, tb] = memoryPair(processHost);
  const a = new Socket(ta, sizes, true);
  try {
    return [a, new Socket(tb, sizes, true)];
  } catch (err) {
    a.close();
    throw err;
  }
}
