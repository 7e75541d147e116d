/**
 * The seed's select() echo server, ported to net-select line by line.
 *
 * Teaches: the select loop — one listening socket and many clients in `inList`, a message queue per client,
 * a client in `outList` only while it has something queued (a socket is nearly always writable, so leaving
 * it there makes select return at once, forever), EOF that stays readable until you stop watching it.
 *
 * Run:   npx tsx examples/echo-server.ts [port] [--verbose] [--trace]     (default port 5002)
 *        node dist/examples/echo-server.js 5002                             (after `npm run build`)
 * Try:   nc 127.0.0.1 5002
 *
 * The seed's bugs, fixed here: `msg_list.get_nowait()` read from the dict instead of the client's queue;
 * `"..." + len(in_list)` added a str and an int; a socket in both the read and the except list was closed
 * and deleted twice; a partial `send` lost the rest of the message; a client that half-closed (sent FIN
 * and waited for its echo) lost the echo still queued for it.
 */
import { pathToFileURL } from 'node:url';
import { serveFromCommandLine } from './serve-cli.js';
import Queue from 'yocto-queue';
import { listen, select, selectCost, type Listener, type Socket } from '../lib/index.js';

/** Options of {@link runEchoServer}. */
export interface EchoServerOptions {
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
export interface EchoStats {
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

interface Client {
  queue: Queue<Buffer>; // msg_list[client]
  unsent: Buffer | null; // the rest of a partial send
  eof: boolean;
}

/** Starts the echo server; resolves once it listens. */
export async function runEchoServer(opts: EchoServerOptions = {}): Promise<EchoServer> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const recvSize = opts.recvSize ?? 65536;
  const server: Listener = await listen({
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 5002,
    backlog: 5,
    ...(opts.sndbuf ? { sndbuf: opts.sndbuf } : {}),
    ...(opts.rcvbuf ? { rcvbuf: opts.rcvbuf } : {}),
  });
  const stats: EchoStats = { selectCalls: 0, timeouts: 0, clients: 0, bytesEchoed: 0, partialSends: 0 };
  const msgList = new Map<Socket, Client>();
  const inList: (Listener | Socket)[] = [server];
  const outList: Socket[] = [];
  let stopping = false;

  const remove = <T>(list: T[], item: T): void => {
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
  };
  const drop = (c: Socket, why: string): void => {
    if (!msgList.has(c)) return; // already gone: the seed deleted twice here
    remove(inList, c);
    remove(outList, c);
    msgList.delete(c);
    c.close();
    log(why);
  };
  const fds = (l: readonly (Listener | Socket)[]): string => `[${l.map((s) => s.fileno()).join(',')}]`;

  const loop = async (): Promise<void> => {
    while (!stopping) {
      const inFds = opts.trace ? `r=${fds(inList)} w=${fds(outList)} x=${fds(inList)}` : '';
      const [ilist, olist, elist] = await select(inList, outList, inList, opts.timeoutMs ?? 1000);
      stats.selectCalls++;
      if (opts.trace) {
        const c = selectCost.last;
        log(`select(${inFds}) -> r=${fds(ilist as Socket[])} w=${fds(olist as Socket[])} x=${fds(elist as Socket[])}` +
          `  [kernel: ${c.examined} fds scanned, ${c.bytesCopied} B copied; ${(c.nanoseconds / 1000).toFixed(0)} us]`);
      }
      if (!(ilist.length || olist.length || elist.length)) {
        stats.timeouts++;
        log(`Wait Timeout : in_list = ${inList.length}`);
        continue;
      }

      for (const c of ilist as (Listener | Socket)[]) {
        if (c === server) {
          const client = server.accept();
          if (client === null) continue;
          inList.push(client);
          msgList.set(client, { queue: new Queue(), unsent: null, eof: false });
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
          drop(sock, `a client failed: ${(err as { code?: string }).code ?? String(err)}`);
          continue;
        }
        if (data === null) continue;
        if (data.length > 0) {
          if (opts.verbose) log(`recv= ${data.toString()}`);
          state.queue.enqueue(data);
          if (!outList.includes(sock)) outList.push(sock);
        } else if (state.queue.size === 0 && state.unsent === null) {
          drop(sock, 'a client exit');
        } else {
          // EOF stays readable: stop watching for it, and close once the echo has left.
          state.eof = true;
          remove(inList, sock);
        }
      }

      for (const c of elist as Socket[]) drop(c, 'a client failed');

      for (const c of olist as Socket[]) {
        const state = msgList.get(c);
        if (state === undefined) continue;
        const msg = state.unsent ?? state.queue.dequeue();
        if (msg === undefined) {
          remove(outList, c); // nothing queued: stop asking whether it is writable
          if (state.eof) drop(c, 'a client exit');
          continue;
        }
        if (opts.verbose) log(`send msg= ${msg.toString()}`);
        let n: number;
        try {
          n = c.send(msg);
        } catch (err) {
          drop(c, `a client failed: ${(err as { code?: string }).code ?? String(err)}`);
          continue;
        }
        stats.bytesEchoed += n;
        if (n < msg.length) stats.partialSends++;
        state.unsent = n < msg.length ? msg.subarray(n) : null;
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
    ['--verbose', '--trace'],
    (port, has) => runEchoServer({ port, verbose: has('--verbose'), trace: has('--trace') }),
    (s) => `stopped: ${s.stats.clients} clients, ${s.stats.bytesEchoed} bytes echoed, ${s.stats.selectCalls} select calls`,
  );
}
