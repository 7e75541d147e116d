/**
 * An in-memory datagram backend: two datagram transports joined to each other, like the two ends of
 * `socketpair(AF_UNIX, SOCK_DGRAM)`. Each has an address (`{ address: 'memory', port: 1 }` and port 2); a
 * datagram sent to the other's address arrives there whole on a later turn of the event loop, in order; one
 * sent anywhere else is lost, as UDP loses a datagram nobody is bound to receive. Nothing else is lost:
 * the only drops are the receiving socket's own, when its receive queue is full.
 *
 * A connected end (`connect`) keeps UDP's rules on loopback: it takes datagrams only from the address it is
 * connected to, and a datagram it sends that finds nobody there (the peer closed, or another address) is
 * refused: `ECONNREFUSED` on the turn it would have arrived, as the kernel's ICMP "port unreachable" comes
 * back to a connected UDP socket on 127.0.0.1 (and as `socketpair(AF_UNIX, SOCK_DGRAM)` refuses a send to a
 * closed peer). An unconnected end's datagram to nobody is still lost silently.
 */
import { processHost, type Host } from '../../core/host.js';
import { sysError } from '../../core/errors.js';
import type { DatagramAddr, DatagramSink, DatagramTransport } from '../datagram-transport.js';

type Done = (err: (Error & { code?: unknown }) | null) => void;

/** The largest datagram of the pair: UDP's over IPv6, as the simulated network's. */
const MAX_MEMORY_DATAGRAM = 65527;

/** @internal One end of an in-memory datagram pair. */
export class MemoryDatagramTransport implements DatagramTransport {
  readonly host: Host;
  readonly maxDatagram = MAX_MEMORY_DATAGRAM;
  peer!: MemoryDatagramTransport;
  #sink: DatagramSink | undefined;
  #closed = false;
  #inflight: [Buffer, Done][] = []; // sent to the peer, not delivered yet
  #scheduled = false;
  readonly #address: DatagramAddr;
  #connected: { port: number; address: string } | null = null;

  constructor(host: Host, port: number) {
    this.host = host;
    this.#address = { address: 'memory', port, family: 'memory' };
  }

  bind(sink: DatagramSink): void {
    this.#sink = sink;
  }

  send(data: Buffer, port: number, address: string, done: Done): void {
    const to = this.peer.#address;
    if (this.#connected) ({ port, address } = this.#connected);
    // Not the peer's address: nobody there. The datagram leaves, and is lost.
    this.#inflight.push([port === to.port && address === to.address ? data : LOST, done]);
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.host.clock.setImmediate(this.#deliver);
  }

  connect(port: number, address: string): void {
    this.#connected = { port, address };
  }

  address(): DatagramAddr {
    return this.#address;
  }

  close(): void {
    this.#closed = true;
  }

  /** Whether a datagram from `from` is delivered: from anywhere, or only from the connected address. */
  #accepts(from: DatagramAddr): boolean {
    const c = this.#connected;
    return c === null || (c.port === from.port && c.address === from.address);
  }

  /** Hands what we sent to the peer, each datagram whole, on the turn after the sends. */
  readonly #deliver = (): void => {
    this.#scheduled = false;
    const q = this.#inflight;
    this.#inflight = [];
    const peer = this.peer;
    for (const [data, done] of q) {
      if (data !== LOST && !peer.#closed) {
        if (peer.#accepts(this.#address)) peer.#sink?.message(data, this.#address);
      } else if (this.#connected && !this.#closed) {
        this.#sink?.error(sysError('ECONNREFUSED', 'recvmsg', 'nobody at the connected address'));
      }
      if (!this.#closed) done(null);
    }
  };
}

/** The mark of a datagram sent to an address with nobody there. */
const LOST = Buffer.alloc(0);

/** @internal A pair of in-memory datagram transports on `host` (default: this process), ports 1 and 2. */
export function memoryDatagramPair(host: Host = processHost): [MemoryDatagramTransport, MemoryDatagramTransport] {
  const a = new MemoryDatagramTransport(host, 1);
  const b = new MemoryDatagramTransport(host, 2);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
