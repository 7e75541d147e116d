/**
 * The Node backend of a UDP socket: a {@link DatagramTransport} over a `node:dgram` socket. Node delivers each
 * datagram whole (`'message'`) and calls back once a send has been handed to the kernel. A connected socket is
 * connected in the kernel too (`dgram.Socket#connect`): the kernel drops datagrams from other sources, and an
 * ICMP "port unreachable" comes up as Node's `'error'` (`ECONNREFUSED`, from `recvmsg`).
 */
import dgram from 'node:dgram';
import { processHost, type Host } from '../../core/host.js';
import type { DatagramAddr, DatagramSink, DatagramTransport } from '../datagram-transport.js';

type Done = (err: (Error & { code?: unknown }) | null) => void;

/** The largest UDP payload over IPv4 (65535 - 8 - 20); IPv6 allows 20 bytes more. */
const MAX_UDP4 = 65507;

/** @internal A `node:dgram` socket as a datagram transport. */
export class NodeDatagramTransport implements DatagramTransport {
  readonly host: Host = processHost;
  readonly maxDatagram: number;
  readonly #sock: dgram.Socket;
  /** Sends made while Node connects (a lookup first, even of an IP address): sent once connected. */
  #waiting: [Buffer, Done][] | null = null;
  #connected = false;
  #sink: DatagramSink | undefined;

  /** An unbound `type` socket: {@link NodeDatagramTransport.listen} binds it. */
  constructor(type: 'udp4' | 'udp6') {
    this.#sock = dgram.createSocket({ type });
    this.maxDatagram = type === 'udp4' ? MAX_UDP4 : MAX_UDP4 + 20;
  }

  /** Binds the socket to `host:port` (0: a free port); rejects with Node's error. */
  listen(port: number, host: string): Promise<void> {
    const sock = this.#sock;
    return new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, host, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  }

  bind(sink: DatagramSink): void {
    this.#sink = sink;
    this.#sock.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      sink.message(msg, { address: rinfo.address, port: rinfo.port, family: rinfo.family });
    });
    this.#sock.on('error', (err: Error) => sink.error(err));
  }

  send(data: Buffer, port: number, address: string, done: Done): void {
    if (this.#waiting) this.#waiting.push([data, done]);
    else if (this.#connected) this.#sock.send(data, (err) => done(err ?? null));
    else this.#sock.send(data, port, address, (err) => done(err ?? null));
  }

  connect(port: number, address: string): void {
    const sock = this.#sock;
    const waiting: [Buffer, Done][] = [];
    this.#waiting = waiting;
    // Node calls back with the error of a connect that failed (a lookup error, ...), not with 'error'; and
    // never once the socket is closed.
    sock.connect(port, address, (err?: Error) => {
      this.#waiting = null;
      if (err) {
        this.#sink?.error(err);
        for (const [, done] of waiting) done(err);
        return;
      }
      this.#connected = true;
      for (const [data, done] of waiting) sock.send(data, (e) => done(e ?? null));
    });
  }

  address(): DatagramAddr {
    const a = this.#sock.address();
    return { address: a.address, port: a.port, family: a.family };
  }

  close(): void {
    this.#sock.close();
  }
}
