/**
 * What a browser bundle gets in place of the Node backend's entry (`index.ts`; package.json's `browser`
 * field makes the swap): the same names, with no Node in them. A browser has no real sockets, so each function
 * that would make or adopt one throws a `TypeError` with code `ERR_NO_REAL_NETWORK`; the simulated network
 * and the in-memory pairs of `net-select/testing` work unchanged. The platform stays the portable one
 * (`core/platform.ts`), and `Buffer` comes from the `buffer` package, set on `globalThis` when the runtime has
 * none, before any other module of the library runs.
 */
import { Buffer } from 'buffer';
import type * as NodeBackend from './index.js';

if (typeof (globalThis as { Buffer?: unknown }).Buffer === 'undefined') {
  (globalThis as { Buffer?: unknown }).Buffer = Buffer;
}

/** The error of every call that needs a real socket or a Node object. */
function noRealNetwork(what: string): TypeError & { code: 'ERR_NO_REAL_NETWORK' } {
  const err = new TypeError(
    `${what} needs Node's network: in a browser, use the simulated network or socketpair() of net-select/testing`,
  ) as TypeError & { code: 'ERR_NO_REAL_NETWORK' };
  Object.defineProperty(err, 'code', { value: 'ERR_NO_REAL_NETWORK', enumerable: true });
  return err;
}

const unavailable = (what: string) => (): never => {
  throw noRealNetwork(what);
};

/** @internal See the Node backend's `connectTransport`. */
export const connectTransport: typeof NodeBackend.connectTransport = unavailable('connect()');
/** @internal See the Node backend's `datagramTransport`. */
export const datagramTransport: typeof NodeBackend.datagramTransport = unavailable('bindDatagram()');
/** @internal See the Node backend's `listenTransport`. */
export const listenTransport: typeof NodeBackend.listenTransport = unavailable('listen()');
/** @internal See the Node backend's `adoptSocket`. */
export const adoptSocket: typeof NodeBackend.adoptSocket = unavailable('Socket.adopt()');
/** @internal See the Node backend's `adoptServer`. */
export const adoptServer: typeof NodeBackend.adoptServer = unavailable('Listener.adopt()');
/** @internal See the Node backend's `stdioStream`. */
export const stdioStream: typeof NodeBackend.stdioStream = unavailable('stdio()');
/** @internal See the Node backend's `pipeStream`. */
export const pipeStream: typeof NodeBackend.pipeStream = unavailable('adoptStream()');
/** @internal See the Node backend's `pipeOf`. */
export const pipeOf: typeof NodeBackend.pipeOf = unavailable('a pipe');
/** @internal See the Node backend's `openRegularFile`. */
export const openRegularFile: typeof NodeBackend.openRegularFile = unavailable('openFile()');
/** @internal See the Node backend's `stdioFile`. */
export const stdioFile: typeof NodeBackend.stdioFile = unavailable('stdio()');
/** @internal See the Node backend's `appendLines`. */
export const appendLines: typeof NodeBackend.appendLines = unavailable('recordTrace()');
/** @internal See the Node backend's `processIdentity`. */
export const processIdentity: typeof NodeBackend.processIdentity = unavailable('recordTrace()');
/** @internal See the Node backend's `warn`: the console's warning. */
export const warn: typeof NodeBackend.warn = (message) => console.warn(`NetSelectWarning: ${message}`);
