/**
 * A UDP echo server on one select loop: every datagram goes back whole, to the address it came from.
 *
 * Teaches: datagram sockets keep message boundaries — one `recvfrom` is one datagram (and a buffer smaller
 * than the datagram loses the rest, so this server asks for the largest one UDP carries) — and there is
 * no connection: one socket serves every client, and the reply needs the sender's address. The seed's
 * point 5.2: with UDP, writability matters too — when the send queue is full, `sendto` would block (it
 * returns `null` here; 0 is an empty datagram, sent), so replies wait in a queue and the socket is in the write list only while they do.
 *
 * Run:   npx tsx examples/udp-echo-server.ts [port]        (default port 5004)
 * Try:   nc -u 127.0.0.1 5004      (each line you type is one datagram, and comes back)
 */
import { pathToFileURL } from 'node:url';
import Queue from 'yocto-queue';
import { bindDatagram, select, type DatagramAddress, type DatagramSocket } from '../lib/index.js';
import { serveFromCommandLine } from './serve-cli.js';

/** The largest UDP payload over IPv4: a smaller buffer would cut big datagrams. */
const MAX_DATAGRAM = 65507;

/** Options of {@link runUdpEchoServer}. */
export interface UdpEchoOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Size of the send queue (small ones make sendto would-block sooner). */
  sndbuf?: number;
  /** The select timeout, after which a stop request is noticed. Default 1000 ms. */
  timeoutMs?: number;
  /**
   * Serve on this socket instead of binding one (`host`, `port` and `sndbuf` are then not used): a socket of
   * a simulated host, say, to watch the server on a lossy network (see test/udp-echo-example.test.ts).
   */
  socket?: DatagramSocket;
}

/** What the server did. */
export interface UdpEchoStats {
  datagrams: number;
  bytes: number;
  /** sendto calls that found the send queue full (the reply waited for the next writable turn). */
  wouldBlock: number;
}

/** A running UDP echo server. */
export interface UdpEchoServer {
  port: number;
  stats: Readonly<UdpEchoStats>;
  stop(): Promise<UdpEchoStats>;
}

/** Starts the server; resolves once it is bound. */
export async function runUdpEchoServer(opts: UdpEchoOptions = {}): Promise<UdpEchoServer> {
  const sock: DatagramSocket =
    opts.socket ??
    (await bindDatagram({
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 5004,
      ...(opts.sndbuf ? { sndbuf: opts.sndbuf } : {}),
    }));
  const stats: UdpEchoStats = { datagrams: 0, bytes: 0, wouldBlock: 0 };
  const replies = new Queue<[Buffer, DatagramAddress]>();
  let stopping = false;

  const loop = async (): Promise<void> => {
    while (!stopping) {
      const [readable, writable] = await select([sock], replies.size > 0 ? [sock] : [], [], opts.timeoutMs ?? 1000);
      if (readable.length > 0) {
        // Everything queued now: each recvfrom is one datagram, whole.
        for (let got = sock.recvfrom(MAX_DATAGRAM); got !== null; got = sock.recvfrom(MAX_DATAGRAM)) {
          replies.enqueue(got);
        }
      }
      if (writable.length > 0) {
        for (let next = replies.peek(); next !== undefined; next = replies.peek()) {
          if (sock.sendto(next[0], next[1]) === null) {
            stats.wouldBlock++;
            break; // the send queue is full: wait until select says writable again
          }
          replies.dequeue();
          stats.datagrams++;
          stats.bytes += next[0].length;
        }
      }
    }
  };

  const done = loop().finally(() => sock.close());
  return {
    port: sock.getsockname().port,
    stats,
    async stop() {
      stopping = true;
      await done;
      return stats;
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void serveFromCommandLine(
    'udp-echo-server',
    5004,
    [],
    (port) => runUdpEchoServer({ port }),
    (s) => `stopped: ${s.stats.datagrams} datagrams, ${s.stats.bytes} bytes echoed`,
  );
}
