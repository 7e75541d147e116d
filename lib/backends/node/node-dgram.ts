/**
 * The Node backend of a UDP socket: a {@link DatagramTransport} over a `node:dgram` socket. Node delivers each
 * datagram whole (`'message'`) and calls back once a send has been handed to the kernel.
 */
import dgram from 'node:dgram';
import { processHost, type Host } from '../../core/host.js';
import type { DatagramAddr, DatagramSink, DatagramTransport } from '../datagram-transport.js';

/** The largest UDP payload over IPv4 (65535 - 8 - 20); IPv6 allows 20 bytes more. */
const MAX_UDP4 = 65507;

/** @internal A `node:dgram` socket as a datagram transport. */
export class NodeDatagramTransport implements DatagramTransport {
  readonly host: Host = processHost;
  readonly maxDatagram: number;
  readonly #sock: dgram.Socket;

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
    this.#sock.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      sink.message(msg, { address: rinfo.address, port: rinfo.port, family: rinfo.family });
    });
    this.#sock.on('error', (err: Error) => sink.error(err));
  }

  send(data: Buffer, port: number, address: string, done: (err: (Error & { code?: unknown }) | null) => void): void {
    this.#sock.send(data, port, address, (err) => done(err ?? null));
  }

  address(): DatagramAddr {
    const a = this.#sock.address();
    return { address: a.address, port: a.port, family: a.family };
  }

  close(): void {
    this.#sock.close();
  }
}
