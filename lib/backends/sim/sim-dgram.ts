/**
 * The simulated network's datagram backend: a UDP socket bound to a port of a simulated host, sending to other
 * hosts by name.
 *
 * Each datagram is one event: it leaves when the link's bandwidth lets it (its send completes then), and
 * arrives one latency later, drawn for it alone — so jitter reorders datagrams, as UDP allows. The link's
 * faults may lose it, send it twice or hold it back (`loss`, `duplicate`, `reorder`). On arrival, a partition
 * between the two hosts loses it (nothing is retransmitted), a hold keeps it until release, and a port nobody
 * is bound to loses it. It arrives whole or not at all: never split, never merged with another.
 *
 * A connected socket (`connect`) takes datagrams only from its peer's host and port (the others are lost on
 * arrival, as its kernel drops them), and a datagram it sent there that finds no socket bound comes back as
 * the kernel's ICMP "port unreachable" would: `ECONNREFUSED`, one latency of the way back later (drawn as a
 * datagram's), unless the two hosts are cut apart then. An unconnected socket's datagram to nobody is lost
 * silently, as Linux ignores ICMP errors for an unconnected UDP socket.
 */
import { sysError } from '../../core/errors.js';
import type { Host } from '../../core/host.js';
import type { DatagramAddr, DatagramSink, DatagramTransport } from '../datagram-transport.js';
import { toMicros } from './sim-clock.js';
import type { Fabric } from './fabric.js';

type Done = (err: (Error & { code?: unknown }) | null) => void;

/** The largest datagram on the simulated network: UDP's over IPv6. */
const MAX_SIM_DATAGRAM = 65527;

/** A datagram held back by `reorder` arrives this much later than its latency, at most (and 1 ms at least). */
const REORDER_MAX_MS = 10;

/** @internal A UDP socket's side of the simulated network. */
export class SimDatagramTransport implements DatagramTransport {
  readonly host: Host;
  readonly port: number;
  readonly maxDatagram = MAX_SIM_DATAGRAM;
  sink: DatagramSink | undefined;
  closed = false;
  readonly #net: Fabric;
  readonly #address: DatagramAddr;
  readonly #unbind: (t: SimDatagramTransport) => void;
  #busyUntil = 0; // when the host's link is free again (bandwidth)
  /** The address it is connected to, or null. */
  peer: { address: string; port: number } | null = null;

  constructor(net: Fabric, host: Host, port: number, unbind: (t: SimDatagramTransport) => void) {
    this.#net = net;
    this.host = host;
    this.port = port;
    this.#address = { address: host.name, port, family: 'sim' };
    this.#unbind = unbind;
  }

  bind(sink: DatagramSink): void {
    this.sink = sink;
  }

  send(data: Buffer, port: number, address: string, done: Done): void {
    if (this.peer) ({ port, address } = this.peer);
    const net = this.#net;
    const clock = net.clock;
    const f = net.faults(this.host.name, address);
    let leaves = clock.now();
    if (f.bandwidth !== Infinity) {
      leaves = Math.max(leaves, this.#busyUntil) + (data.length * 1000) / f.bandwidth;
      this.#busyUntil = leaves;
    }
    clock.at(leaves, () => done(null));
    const label = net.tracing ? `${this.host.name}:${this.port}>${address}:${port} udp ${data.length}` : '';
    const rng = net.rng;
    if (rng.chance(f.loss)) {
      net.record(`${label} (lost)`);
      return;
    }
    const copies = rng.chance(f.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let at = leaves;
      if (f.latencyMax > 0) at += f.latencyMin === f.latencyMax ? f.latencyMin : f.latencyMin + rng.next() * (f.latencyMax - f.latencyMin);
      if (rng.chance(f.reorder)) at += 1 + rng.next() * (REORDER_MAX_MS - 1);
      const copy = i === 0 ? data : Buffer.from(data);
      const d = new InFlight(net, this, address, port, copy, i === 0 || !net.tracing ? label : `${label} (duplicate)`);
      clock.at(toMicros(at), d.arrive);
    }
  }

  connect(port: number, address: string): void {
    this.peer = { address, port };
  }

  /** Whether a datagram from `from` is delivered: from anywhere, or only from the connected peer. */
  accepts(from: DatagramAddr): boolean {
    const p = this.peer;
    return p === null || (p.port === from.port && p.address === from.address);
  }

  address(): DatagramAddr {
    return this.#address;
  }

  close(): void {
    this.closed = true;
    this.#unbind(this);
  }
}

/** One datagram on its way. */
class InFlight {
  readonly #net: Fabric;
  readonly #sender: SimDatagramTransport;
  readonly #from: DatagramAddr;
  readonly #to: string;
  readonly #port: number;
  readonly #data: Buffer;
  readonly #label: string;

  constructor(net: Fabric, sender: SimDatagramTransport, to: string, port: number, data: Buffer, label: string) {
    this.#net = net;
    this.#sender = sender;
    this.#from = sender.address();
    this.#to = to;
    this.#port = port;
    this.#data = data;
    this.#label = label;
  }

  /** It reaches the other host: lost to a partition or to a port nobody is bound to, held, or delivered. */
  readonly arrive = (): void => {
    const net = this.#net;
    const cut = net.cut(this.#from.address, this.#to);
    if (cut === 'partition') {
      net.record(`${this.#label} (lost: partition)`);
      return;
    }
    if (cut === 'hold') {
      net.stall(this); // kept until release
      return;
    }
    const t = net.datagramSocket(this.#to, this.#port);
    if (t === undefined || t.sink === undefined) {
      net.record(`${this.#label} (lost: no socket)`);
      this.#refuse();
      return;
    }
    if (!t.accepts(this.#from)) {
      net.record(`${this.#label} (lost: connected elsewhere)`);
      return;
    }
    net.record(this.#label);
    t.sink.message(this.#data, this.#from);
  };

  /**
   * The ICMP "port unreachable" for a datagram that found no socket: to a sender still connected to where it
   * went, `ECONNREFUSED` one latency later, drawn for the way back; lost if the hosts are cut apart then.
   */
  #refuse(): void {
    const s = this.#sender;
    const p = s.peer;
    if (s.closed || p === null || p.address !== this.#to || p.port !== this.#port) return;
    const net = this.#net;
    const f = net.faults(this.#to, this.#from.address);
    let at = net.clock.now();
    if (f.latencyMax > 0) at += f.latencyMin === f.latencyMax ? f.latencyMin : f.latencyMin + net.rng.next() * (f.latencyMax - f.latencyMin);
    const label = net.tracing ? `${this.#to}>${this.#from.address}:${this.#from.port} icmp port unreachable` : '';
    net.clock.at(toMicros(at), () => {
      if (net.cut(this.#to, this.#from.address) !== null) {
        net.record(`${label} (lost: ${net.cut(this.#to, this.#from.address)})`);
        return;
      }
      // Still connected to the same peer: an error for an old peer would reach no connected socket.
      if (s.closed || s.peer !== p || s.sink === undefined) return;
      net.record(label);
      s.sink.error(sysError('ECONNREFUSED', 'recvmsg', `nothing bound to ${this.#to}:${this.#port}`));
    });
  }

  /** After a release (or a repair of another pair): on its way again, at once. */
  kick(): void {
    this.#net.clock.at(this.#net.clock.now(), this.arrive);
  }
}
