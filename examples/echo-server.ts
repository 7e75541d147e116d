/**
 * The seed's select() echo server, rewritten for net-select with its bugs fixed and the caps a server needs
 * (the line-by-line port, bugs and all, is exercise 5's start file and docs/from-python.md's).
 *
 * Teaches: the select loop — one listening socket and many clients in `inList`, a message queue per client,
 * a client in `outList` only while it has something queued (a socket is nearly always writable, so leaving
 * it there makes select return at once, forever), EOF that stays readable until you stop watching it. And
 * the seed's missing rule, backpressure: a client whose queued echo reaches `highWater` bytes leaves
 * `inList` until the queue drains below `lowWater`. Without it a client that sends and never reads makes
 * the server queue without bound; with it, that client's own buffers fill and its sends block.
 *
 * Run:   npx tsx examples/echo-server.ts [port] [--verbose] [--trace] [--host H] [--max-connections N]
 *            [--idle-timeout MS] [--high-water BYTES] [--low-water BYTES]      (default 127.0.0.1:5002)
 *        node dist/examples/echo-server.js 5002                                 (after `npm run build`)
 *        --max-connections is at most 1000 (SELECT_MAX_CONNECTIONS); a bad argument exits 2, before listening.
 * Try:   nc 127.0.0.1 5002
 *
 * The seed's bugs, fixed here: `msg_list.get_nowait()` read from the dict instead of the client's queue;
 * `"..." + len(in_list)` added a str and an int; a socket in both the read and the except list was closed
 * and deleted twice; a partial `send` lost the rest of the message; a client that half-closed (sent FIN
 * and waited for its echo) lost the echo still queued for it; a client that never read grew the server
 * without bound; the 1022nd client crashed it (select cannot watch descriptor 1024).
 */
import { pathToFileURL } from 'node:url';
import { CAP_OPTIONS, serveFromCommandLine } from './serve-cli.js';
import Queue from 'yocto-queue';
import { SelectList } from './select-list.js';
import { IdleList, SELECT_MAX_CONNECTIONS, capStats, resolveCaps, type CapStats, type ServerCaps } from './caps.js';
import { listen, select, selectCost, type Listener, type Socket } from '../lib/index.js';

/** Options of {@link runEchoServer}. */
export interface EchoServerOptions extends ServerCaps {
  /** Default `'127.0.0.1'`. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The seed's select timeout: 1000 ms. */
  timeoutMs?: number;
  /** The seed reads 1024 bytes a call; the same bytes come back with a bigger read, in fewer calls. */
  recvSize?: number;
  /** Buffer sizes of the accepted sockets (small ones force partial sends). */
  sndbuf?: number;
  rcvbuf?: number;
  /** Print each message, as the seed does. */
  verbose?: boolean;
  /** Print one line per select() call: the descriptors that went in and those that came back. */
  trace?: boolean;
  log?: (line: string) => void;
}

/** What the server did, returned when it stops. */
export interface EchoStats extends CapStats {
  selectCalls: number;
  timeouts: number;
  clients: number;
  bytesEchoed: number;
  partialSends: number;
}

/** A running echo server. */
export interface EchoServer {
  port: number;
  /** Counters so far (live). */
  stats: Readonly<EchoStats>;
  /** Stops after the current select() call and closes every socket. */
  stop(): Promise<EchoStats>;
}

export { SELECT_MAX_CONNECTIONS } from './caps.js';

interface Client {
  queue: Queue<Buffer>; // msg_list[client]
  unsent: Buffer | null; // the rest of a partial send
  pending: number; // bytes in queue and unsent: what backpressure measures
  paused: boolean; // out of inList because pending reached highWater
  eof: boolean;
}

/** Starts the echo server; resolves once it listens. */
export async function runEchoServer(opts: EchoServerOptions = {}): Promise<EchoServer> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const recvSize = opts.recvSize ?? 65536;
  const caps = resolveCaps(opts, SELECT_MAX_CONNECTIONS, SELECT_MAX_CONNECTIONS);
  const server: Listener = await listen({
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 5002,
    backlog: 5,
    ...(opts.sndbuf ? { sndbuf: opts.sndbuf } : {}),
    ...(opts.rcvbuf ? { rcvbuf: opts.rcvbuf } : {}),
  });
  const stats: EchoStats = { selectCalls: 0, timeouts: 0, clients: 0, bytesEchoed: 0, partialSends: 0, ...capStats() };
  const msgList = new Map<Socket, Client>();
  // Sets, not arrays: membership and removal in O(1); select() is given them as arrays (built after a change).
  const inList = new SelectList<Listener | Socket>([server]);
  const outList = new SelectList<Socket>();
  const idle = new IdleList<Socket>(caps.idleTimeoutMs);
  let stopping = false;

  const drop = (c: Socket, why: string): void => {
    if (!msgList.has(c)) return; // already gone: the seed deleted twice here
    inList.delete(c);
    outList.delete(c);
    msgList.delete(c);
    idle.delete(c);
    c.close();
    inList.add(server); // a descriptor is free again, if accept had run out of them
    log(why);
  };
  const failed = (c: Socket, err: unknown): void =>
    drop(c, `a client failed: ${(err as { code?: string }).code ?? String(err)}`);
  const fds = (l: readonly (Listener | Socket)[]): string => `[${l.map((s) => s.fileno()).join(',')}]`;

  const loop = async (): Promise<void> => {
    let now = performance.now();
    while (!stopping) {
      for (const c of idle.expired(now)) {
        stats.idleClosed++;
        drop(c, 'a client idle: closed');
      }
      const rx = inList.items;
      const w = outList.items;
      const inFds = opts.trace ? `r=${fds(rx)} w=${fds(w)} x=${fds(rx)}` : '';
      const [ilist, olist, elist] = await select(rx, w, rx, Math.min(opts.timeoutMs ?? 1000, idle.nextExpiry(now)));
      now = performance.now();
      stats.selectCalls++;
      if (opts.trace) {
        const c = selectCost.last;
        log(`select(${inFds}) -> r=${fds(ilist)} w=${fds(olist)} x=${fds(elist)}` +
          `  [kernel: ${c.examined} fds scanned, ${c.bytesCopied} B copied; ${(c.nanoseconds / 1000).toFixed(0)} us]`);
      }
      if (!(ilist.length || olist.length || elist.length)) {
        stats.timeouts++;
        log(`Wait Timeout : in_list = ${inList.size}`);
        continue;
      }

      for (const c of ilist) {
        if (c === server) {
          let client: Socket | null;
          try {
            client = server.accept();
          } catch (err) {
            // EMFILE: no descriptor left. The connection stays queued, so the listener stays readable:
            // stop watching it until a client leaves, or select returns at once, for ever.
            inList.delete(server);
            log(`accept failed: ${(err as { code?: string }).code ?? String(err)}`);
            continue;
          }
          if (client === null) continue;
          if (msgList.size >= caps.maxConnections) {
            client.close(); // accepted and closed at once: the client reads EOF (a reset, if it had sent already)
            stats.refused++;
            log(`a client refused: ${caps.maxConnections} connections served`);
            continue;
          }
          inList.add(client);
          msgList.set(client, { queue: new Queue(), unsent: null, pending: 0, paused: false, eof: false });
          idle.touch(client, now);
          stats.clients++;
          continue;
        }
        const sock = c as Socket;
        const state = msgList.get(sock);
        if (state === undefined) continue;
        let data: Buffer | null;
        try {
          data = sock.recv(recvSize);
        } catch (err) {
          failed(sock, err);
          continue;
        }
        if (data === null) continue;
        if (data.length > 0) {
          if (opts.verbose) log(`recv= ${data.toString()}`);
          state.queue.enqueue(data);
          state.pending += data.length;
          if (state.pending > stats.maxPending) stats.maxPending = state.pending;
          idle.touch(sock, now);
          outList.add(sock);
          if (state.pending >= caps.highWater) {
            // Backpressure: stop reading until the echo drains; the client's own buffers fill meanwhile.
            inList.delete(sock);
            state.paused = true;
            stats.paused++;
          }
        } else if (state.pending === 0) {
          drop(sock, 'a client exit');
        } else {
          // EOF stays readable: stop watching for it, and close once the echo has left.
          state.eof = true;
          inList.delete(sock);
        }
      }

      for (const c of elist) if (c !== server) drop(c as Socket, 'a client failed');

      for (const c of olist) {
        const state = msgList.get(c);
        if (state === undefined) continue;
        const msg = state.unsent ?? state.queue.dequeue();
        if (msg === undefined) {
          outList.delete(c); // cannot happen: a client is in outList only while something is queued for it
          continue;
        }
        if (opts.verbose) log(`send msg= ${msg.toString()}`);
        let n: number;
        try {
          n = c.send(msg);
        } catch (err) {
          failed(c, err);
          continue;
        }
        stats.bytesEchoed += n;
        state.pending -= n;
        if (n > 0) idle.touch(c, now);
        if (n < msg.length) stats.partialSends++;
        state.unsent = n < msg.length ? msg.subarray(n) : null;
        if (state.unsent === null && state.queue.size === 0) {
          // Nothing left to send: stop asking whether it is writable (a socket nearly always is). The seed
          // learns this one select() later, from an empty queue; here it costs no call.
          outList.delete(c);
          if (state.eof) {
            drop(c, 'a client exit');
            continue;
          }
        }
        if (state.paused && state.pending < caps.lowWater) {
          state.paused = false; // drained below the low-water mark: read it again
          inList.add(c);
        }
      }
    }
  };

  const done = loop().finally(() => {
    for (const c of [...msgList.keys()]) c.close();
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
    'echo-server',
    5002,
    ['--verbose', '--trace', ...CAP_OPTIONS],
    (_port, _has, cli) => runEchoServer({ ...cli.caps, host: cli.host, port: cli.port, verbose: cli.has('--verbose'), trace: cli.has('--trace') }),
    (s) => `stopped: ${s.stats.clients} clients, ${s.stats.bytesEchoed} bytes echoed, ${s.stats.selectCalls} select calls, ` +
      `${s.stats.refused} refused, ${s.stats.idleClosed} idle closed, ${s.stats.paused} paused (largest queue ${s.stats.maxPending} B)`,
    SELECT_MAX_CONNECTIONS,
  );
}
