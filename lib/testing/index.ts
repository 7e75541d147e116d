/**
 * net-select/testing: the protocol-prototyping kit — in-memory socket pairs, a deterministic simulated
 * network with seeded faults and virtual time, and small helpers for tests. This file only re-exports.
 *
 * @module net-select/testing
 */
// First: the platform, as in the main entry (see lib/index.ts).
import '../backends/node/index.js';
export { socketpair } from './socketpair.js';
export { SimNetwork, type SimOptions, type Faults } from './sim-network.js';
export { SimHost } from './sim-host.js';
export { datagramPair } from './datagram-pair.js';
export { loopbackPair, expectReady, expectWouldBlock, expectNoEvent, recvExactly, sendAll, type Expected } from './helpers.js';
export { simTest, type TestLike, type TapTestLike, type NodeTestLike } from './sim-test.js';
export type { SocketFaults } from '../backends/faults.js';
