/**
 * The seam under a UDP socket, as `transport.ts` is under a stream socket: a {@link DatagramTransport} carries
 * whole datagrams for one `DatagramSocket`, which knows nothing of what is below. Three backends implement it:
 * Node's `dgram` (`node/node-dgram.ts`), an in-memory pair (`memory/memory-dgram.ts`) and the simulated
 * network (`sim/sim-dgram.ts`).
 *
 * The one rule every backend keeps: a datagram is never split and never merged with another. It arrives
 * whole, once or (on a faulty network) not at all or twice, in any order.
 */
import type { Host } from '../core/host.js';

/** Where a datagram came from, or where it goes: `{ address, port, family }`. */
export interface DatagramAddr {
  /** The address: an IP address on Node, a host name on the simulated network. */
  address: string;
  /** The UDP port. */
  port: number;
  /** `'IPv4'`, `'IPv6'`, `'sim'` or `'memory'`. */
  family: string;
}

/** What a datagram transport tells the socket above it. Every call is "from the network". */
export interface DatagramSink {
  /** A datagram arrived, whole. The socket owns `data` now. */
  message(data: Buffer, from: DatagramAddr): void;
  /**
   * The socket failed: an ICMP error for a datagram sent to the connected peer (`ECONNREFUSED` for "port
   * unreachable"), a send that failed, ...
   */
  error(err: Error & { code?: unknown }): void;
}

/** The network side of one UDP socket, bound to its address. */
export interface DatagramTransport {
  /** @internal The host whose descriptor table and clock the socket over this transport uses. */
  readonly host: Host;
  /** The largest datagram it carries: 65507 bytes for UDP over IPv4, 65527 over IPv6. */
  readonly maxDatagram: number;
  /** Starts delivering to `sink`; called once. */
  bind(sink: DatagramSink): void;
  /**
   * Sends `data` (the transport owns it now) as one datagram to `address:port`. `done` runs once it has
   * left, on a later turn, with the error of a send that failed (or `null`).
   */
  send(data: Buffer, port: number, address: string, done: (err: (Error & { code?: unknown }) | null) => void): void;
  /**
   * Connects to `address:port`, once: from now on `send` goes there whatever address it is given, only
   * datagrams from there are delivered (the others are dropped, as a connected socket's kernel drops them),
   * and a datagram sent there that finds no socket comes back as `sink.error` with `ECONNREFUSED` (the ICMP
   * "port unreachable" a kernel reports only to a connected socket). It takes effect at once for what
   * arrives; sends made before the backend has connected wait for it, in order.
   */
  connect(port: number, address: string): void;
  /** The bound address (getsockname). */
  address(): DatagramAddr;
  /** Lets go of the socket: nothing is delivered any more. */
  close(): void;
}
