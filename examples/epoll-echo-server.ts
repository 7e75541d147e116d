/**
 * The echo server on the edge-triggered epoll model.
 *
 * Teaches: with `EPOLLET` an event means "something new arrived", not "something is there". So every event
 * is handled by draining — `recv` until it returns `null` (would-block), `accept` until `null`, `send` until
 * it accepts less than asked — and a socket is never left half-read, or the next event may never come (the
 * lost wakeup). `poll(timeout, maxevents)` takes at most 64 events a call; the rest come next call, so one
 * busy client cannot starve the others. The work per call is the ready list, not the 4,000 idle clients.
 *
 * Run:   npx tsx examples/epoll-echo-server.ts [port] [--verbose]      (default port 5003)
 *        node dist/examples/epoll-echo-server.js 5003                    (after `npm run build`)
 * Try:   nc 127.0.0.1 5003
 */
import { pathToFileURL } from 'node:url';
import { serveFromCommandLine } from './serve-cli.js';
import {
  EPOLLERR,
  EPOLLET,
  EPOLLHUP,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  Epoll,
  listen,
  type Socket,
} from '../lib/index.js';

/** Options of {@link runEpollEchoServer}. */
export interface EpollEchoOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Events taken per `epoll_wait`. */
  maxevents?: number;
  /** How long one wait may take; the loop checks for `stop()` between waits. */
  timeoutMs?: number;
  sndbuf?: number;
  rcvbuf?: number;
  verbose?: boolean;
  log?: (line: string) => void;
}

/** What the server did, returned when it stops. */
export interface EpollEchoStats {
  waits: number;
  events: number;
  clients: number;
  bytesEchoed: number;
}

interface Client {
  sock: Socket;
  out: Buffer[]; // echo not yet accepted by send
  eof: boolean;
}

/** Starts the server; resolves once it listens. */
export async function runEpollEchoServer(
  opts: EpollEchoOptions = {},
): Promise<{ port: number; stats: Readonly<EpollEchoStats>; stop(): Promise<EpollEchoStats> }> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const server = await listen({
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 5003,
    backlog: 128,
    ...(opts.sndbuf ? { sndbuf: opts.sndbuf } : {}),
    ...(opts.rcvbuf ? { rcvbuf: opts.rcvbuf } : {}),
  });
  const ep = new Epoll();
  ep.register(server, EPOLLIN | EPOLLET);
  const clients = new Map<number, Client>();
  const stats: EpollEchoStats = { waits: 0, events: 0, clients: 0, bytesEchoed: 0 };
  let stopping = false;

  const drop = (c: Client): void => {
    clients.delete(c.sock.fileno());
    c.sock.close(); // also leaves the epoll set
  };

  /** Sends queued echo until the socket takes less than offered; returns false if the client is gone. */
  const flush = (c: Client): boolean => {
    while (c.out.length > 0) {
      const head = c.out[0] as Buffer;
      let n: number;
      try {
        n = c.sock.send(head);
      } catch {
        drop(c);
        return false;
      }
      stats.bytesEchoed += n;
      if (n < head.length) {
        c.out[0] = head.subarray(n); // wait for the next EPOLLOUT edge
        return true;
      }
      c.out.shift();
    }
    if (c.eof) {
      drop(c);
      return false;
    }
    return true;
  };

  const serve = (c: Client): void => {
    for (;;) {
      let data: Buffer | null;
      try {
        data = c.sock.recv(65536);
      } catch {
        drop(c);
        return;
      }
      if (data === null) break; // drained: the next edge will tell us
      if (data.length === 0) {
        c.eof = true;
        break;
      }
      if (opts.verbose) log(`recv= ${data.toString()}`);
      c.out.push(data);
    }
    flush(c);
  };

  const loop = async (): Promise<void> => {
    while (!stopping) {
      const events = await ep.poll(opts.timeoutMs ?? 1000, opts.maxevents ?? 64);
      stats.waits++;
      stats.events += events.length;
      for (const [fd, ev] of events) {
        if (fd === server.fileno()) {
          for (let sock = server.accept(); sock !== null; sock = server.accept()) {
            ep.register(sock, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
            clients.set(sock.fileno(), { sock, out: [], eof: false });
            stats.clients++;
          }
          continue;
        }
        const c = clients.get(fd);
        if (c === undefined) continue;
        if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) serve(c);
        else if (ev & EPOLLOUT) flush(c);
      }
    }
  };

  const done = loop().finally(() => {
    for (const c of clients.values()) c.sock.close();
    ep.close();
    server.close();
  });
  const addr = server.getsockname();
  return {
    port: typeof addr === 'string' ? 0 : addr.port,
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
    'epoll-echo-server',
    5003,
    ['--verbose'],
    (port, has) => runEpollEchoServer({ port, verbose: has('--verbose') }),
    (s) => `stopped: ${s.stats.clients} clients, ${s.stats.bytesEchoed} bytes echoed, ${s.stats.waits} epoll_wait calls`,
  );
}
