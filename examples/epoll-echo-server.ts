/**
 * The echo server on the edge-triggered epoll model, with the caps a server needs.
 *
 * Teaches: with `EPOLLET` an event means "something new arrived", not "something is there". So every event
 * is handled by draining — `recv` until it returns `null` (would-block), `accept` until `null`, `send` until
 * it accepts less than asked — and a socket is never left half-read, or the next event may never come (the
 * lost wakeup). The one exception is backpressure: a client whose pending echo reaches `highWater` bytes
 * loses its `EPOLLIN` interest (`modify`) and is left unread until its echo drains below `lowWater`; giving
 * `EPOLLIN` back with `modify` re-checks the socket, so the data it holds is reported at once and no wakeup
 * is lost. `poll(timeout, maxevents)` takes at most 64 events a call; the rest come next call, so one busy
 * client cannot starve the others. The work per call is the ready list, not the 4,000 idle clients.
 *
 * Run:   npx tsx examples/epoll-echo-server.ts [port] [--verbose] [--host H] [--max-connections N]
 *            [--idle-timeout MS] [--high-water BYTES] [--low-water BYTES]      (default 127.0.0.1:5003)
 *        node dist/examples/epoll-echo-server.js 5003                           (after `npm run build`)
 * Try:   nc 127.0.0.1 5003
 */
import { pathToFileURL } from 'node:url';
import Queue from 'yocto-queue';
import { CAP_OPTIONS, serveFromCommandLine } from './serve-cli.js';
import { IdleList, capStats, resolveCaps, type CapStats, type ServerCaps } from './caps.js';
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
export interface EpollEchoOptions extends ServerCaps {
  /** Default `'127.0.0.1'`. */
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
export interface EpollEchoStats extends CapStats {
  waits: number;
  events: number;
  clients: number;
  bytesEchoed: number;
}

/** Default `maxConnections`: epoll has no FD_SETSIZE; the open-file limit is the real bound. */
export const EPOLL_MAX_CONNECTIONS = 10_000;

/** A client's interest: everything, edge-triggered; without `EPOLLIN` while its echo is backed up. */
const READING = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
const PAUSED = EPOLLOUT | EPOLLRDHUP | EPOLLET;

interface Client {
  sock: Socket;
  out: Queue<Buffer>; // echo not yet offered to send
  unsent: Buffer | null; // the rest of a partial send
  pending: number; // bytes in out and unsent: what backpressure measures
  paused: boolean; // EPOLLIN taken away because pending reached highWater
  eof: boolean;
}

/** Starts the server; resolves once it listens. */
export async function runEpollEchoServer(
  opts: EpollEchoOptions = {},
): Promise<{ port: number; stats: Readonly<EpollEchoStats>; stop(): Promise<EpollEchoStats> }> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const caps = resolveCaps(opts, EPOLL_MAX_CONNECTIONS);
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
  const idle = new IdleList<Client>(caps.idleTimeoutMs);
  const stats: EpollEchoStats = { waits: 0, events: 0, clients: 0, bytesEchoed: 0, ...capStats() };
  let stopping = false;
  let starved = false; // accept ran out of descriptors (EMFILE)
  let retryAccept = false; // ... and a client has left since: no new edge will say so, so retry
  let now = performance.now();

  const drop = (c: Client): void => {
    if (clients.get(c.sock.fileno()) !== c) return;
    clients.delete(c.sock.fileno());
    idle.delete(c);
    retryAccept = starved;
    c.sock.close(); // also leaves the epoll set
  };

  /** Sends queued echo until the socket takes less than offered; returns false if the client is gone. */
  const flush = (c: Client): boolean => {
    for (let head = c.unsent ?? c.out.dequeue(); head !== undefined; head = c.out.dequeue()) {
      let n: number;
      try {
        n = c.sock.send(head);
      } catch {
        drop(c);
        return false;
      }
      stats.bytesEchoed += n;
      c.pending -= n;
      if (n > 0) idle.touch(c, now);
      c.unsent = n < head.length ? head.subarray(n) : null;
      if (c.unsent !== null) break; // wait for the next EPOLLOUT edge
    }
    if (c.paused && c.pending < caps.lowWater) {
      c.paused = false;
      ep.modify(c.sock, READING); // re-checked at once: data it already holds is the next event
    }
    if (c.eof && c.pending === 0) {
      drop(c);
      return false;
    }
    return true;
  };

  const serve = (c: Client): void => {
    while (!c.paused) {
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
      c.out.enqueue(data);
      c.pending += data.length;
      if (c.pending > stats.maxPending) stats.maxPending = c.pending;
      idle.touch(c, now);
      if (c.pending >= caps.highWater) {
        // Backpressure: stop reading (not drained, on purpose) until the echo is sent.
        c.paused = true;
        ep.modify(c.sock, PAUSED);
        stats.paused++;
      }
    }
    flush(c);
  };

  const acceptAll = (): void => {
    starved = retryAccept = false;
    for (;;) {
      let sock: Socket | null;
      try {
        sock = server.accept();
      } catch {
        starved = true; // EMFILE: the connection stays queued, and no new edge will come for it
        return;
      }
      if (sock === null) return;
      if (clients.size >= caps.maxConnections) {
        sock.close(); // accepted and closed at once: the client reads EOF (a reset, if it had sent already)
        stats.refused++;
        continue;
      }
      ep.register(sock, READING);
      const c: Client = { sock, out: new Queue(), unsent: null, pending: 0, paused: false, eof: false };
      clients.set(sock.fileno(), c);
      idle.touch(c, now);
      stats.clients++;
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopping) {
      for (const c of idle.expired(now)) {
        stats.idleClosed++;
        drop(c);
      }
      const events = await ep.poll(Math.min(opts.timeoutMs ?? 1000, idle.nextExpiry(now)), opts.maxevents ?? 64);
      now = performance.now();
      stats.waits++;
      stats.events += events.length;
      for (const [fd, ev] of events) {
        if (fd === server.fileno()) {
          acceptAll();
          continue;
        }
        const c = clients.get(fd);
        if (c === undefined) continue;
        if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP) && !c.paused) serve(c);
        else flush(c); // writable, or a FIN or an error while paused: the send reports an error
      }
      if (retryAccept) acceptAll();
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
    ['--verbose', ...CAP_OPTIONS],
    (_port, _has, cli) => runEpollEchoServer({ ...cli.caps, host: cli.host, port: cli.port, verbose: cli.has('--verbose') }),
    (s) => `stopped: ${s.stats.clients} clients, ${s.stats.bytesEchoed} bytes echoed, ${s.stats.waits} epoll_wait calls, ` +
      `${s.stats.refused} refused, ${s.stats.idleClosed} idle closed, ${s.stats.paused} paused (largest queue ${s.stats.maxPending} B)`,
  );
}
