/**
 * net-select/testing: the protocol-prototyping kit — in-memory socket pairs (and, as it grows, a simulated
 * network). This file only re-exports.
 */
export { socketpair } from './socketpair.js';
