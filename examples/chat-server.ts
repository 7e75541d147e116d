/**
 * The classic select() chat room: every line one client sends goes to every other client.
 *
 * Teaches: one select loop serving many clients that talk to each other — line framing (a recv may hold
 * half a line, or three), an output queue per client and the write list holding only clients with queued
 * output, joins and leaves announced, and the two things that kill naive chat servers: a client that leaves
 * (EOF, or a reset) must never stop the room, and a client that stops reading must not make the server
 * hold its output without limit.
 *
 * Per-client output is capped (`--cap BYTES`, default 256 KiB): a message that would push a client's queued
 * output past the cap drops that client, with a notice to the room. Dropping is the choice here because the
 * other way — no longer reading from whoever sends — would let one slow reader silence everybody; and not
 * reading *from the slow client* would not help, since its queue grows with what the others say. Keep the
 * cap well above what one turn can queue for a client (a 64 KiB recv per talker): a cap that a single burst
 * passes drops readers that are merely a turn behind.
 *
 * A line longer than `maxLine` bytes is relayed in pieces, cut at a UTF-8 character boundary: no byte is lost.
 * The room holds at most `maxConnections` clients (default 1000, below select's FD_SETSIZE of 1024); past it a
 * connection is accepted and closed at once. Out of descriptors (EMFILE), the server stops accepting until a
 * client leaves, and goes on serving the room.
 *
 * Run:   npx tsx examples/chat-server.ts [port] [--cap BYTES]     (default port 5005)
 * Try:   npx tsx examples/chat-client.ts 127.0.0.1 5005            (in two terminals; or: nc 127.0.0.1 5005)
 */
import { pathToFileURL } from 'node:url';
import { listen, select, type Listener, type Socket } from '../lib/index.js';
import { SELECT_MAX_CONNECTIONS, resolveCaps } from './caps.js';
import { UsageError, parseInteger, parsePort, splitArgs } from './serve-cli.js';

/** Options of {@link runChatServer}. */
export interface ChatServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The most output bytes queued for one client before it is dropped. Default 256 KiB. */
  cap?: number;
  /** The longest line, in bytes; a longer one is cut (at a character boundary) and sent in pieces. Default 4096. */
  maxLine?: number;
  /** Clients in the room at once; the next connection is accepted and closed at once. Default 1000. */
  maxConnections?: number;
  /** Buffer size of the accepted sockets (small ones make a non-reading client's queue fill sooner). */
  sndbuf?: number;
  /** The select timeout, after which a stop request is noticed. Default 1000 ms. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** What the room did so far. */
export interface ChatStats {
  joined: number;
  left: number;
  /** Clients dropped because their output passed the cap. */
  dropped: number;
  /** Lines relayed (each counted once, whatever the number of listeners); each piece of a cut line counts. */
  lines: number;
  /** Connections accepted and closed at once because the room was full. */
  refused: number;
}

/** A running chat server. */
export interface ChatServer {
  port: number;
  stats: Readonly<ChatStats>;
  /** The clients in the room now. */
  online(): number;
  /** Stops after the current select() call and closes every socket. */
  stop(): Promise<ChatStats>;
}

interface Client {
  name: string;
  partial: Buffer; // the start of a line whose newline has not come yet
  out: Buffer[]; // queued output, oldest first
  outBytes: number;
}

/** Where to cut `buf` to send at most `max` bytes without splitting a UTF-8 character (its bytes 10xxxxxx). */
function charBoundary(buf: Buffer, max: number): number {
  let cut = max;
  while (cut > max - 4 && cut > 0 && ((buf[cut] as number) & 0xc0) === 0x80) cut--;
  return cut > max - 4 && cut > 0 ? cut : max; // not UTF-8 after all: cut anywhere
}

/**
 * Starts the chat server; resolves once it listens.
 * @throws {RangeError} for a `cap`, `maxLine` or `maxConnections` that is not a positive integer, or a
 *   `maxConnections` above 1000 (`SELECT_MAX_CONNECTIONS`: select cannot watch descriptor 1024).
 */
export async function runChatServer(opts: ChatServerOptions = {}): Promise<ChatServer> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const cap = opts.cap ?? 256 * 1024;
  const maxLine = opts.maxLine ?? 4096;
  for (const [name, v] of [['cap', cap], ['maxLine', maxLine]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${String(v)}`);
  }
  const { maxConnections } = resolveCaps({ maxConnections: opts.maxConnections }, SELECT_MAX_CONNECTIONS, SELECT_MAX_CONNECTIONS);
  const server: Listener = await listen({
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 5005,
    ...(opts.sndbuf ? { sndbuf: opts.sndbuf } : {}),
  });
  const stats: ChatStats = { joined: 0, left: 0, dropped: 0, lines: 0, refused: 0 };
  const clients = new Map<Socket, Client>();
  let stopping = false;
  let accepting = true; // false while accept has run out of descriptors (EMFILE)

  const leave = (sock: Socket, why: 'left' | 'dropped'): void => {
    const c = clients.get(sock);
    if (c === undefined) return; // already gone (a drop in the middle of a broadcast)
    clients.delete(sock);
    sock.close();
    accepting = true; // a descriptor is free again
    if (why === 'left') stats.left++;
    else stats.dropped++;
    log(`${c.name} ${why}`);
    broadcast(null, `* ${c.name} ${why === 'left' ? 'left' : 'was dropped: too slow to read'}\n`);
  };

  /** Queues `text` for every client but `from`; a client whose queue would pass the cap is dropped. */
  const broadcast = (from: Socket | null, text: string): void => {
    const bytes = Buffer.from(text);
    for (const [sock, c] of [...clients]) {
      if (sock === from || !clients.has(sock)) continue;
      if (c.outBytes + bytes.length > cap) leave(sock, 'dropped');
      else {
        c.out.push(bytes);
        c.outBytes += bytes.length;
      }
    }
  };

  const onData = (sock: Socket, c: Client, data: Buffer): void => {
    let buf = c.partial.length > 0 ? Buffer.concat([c.partial, data]) : data;
    for (;;) {
      const nl = buf.indexOf(10);
      let line: string;
      if (nl >= 0 && nl <= maxLine) {
        line = buf.subarray(0, nl).toString().replace(/\r$/, '');
        buf = buf.subarray(nl + 1);
      } else if (buf.length > maxLine) {
        const cut = charBoundary(buf, maxLine); // too long: send a piece, keep every byte of the rest
        line = buf.subarray(0, cut).toString();
        buf = buf.subarray(cut);
      } else break;
      stats.lines++;
      broadcast(sock, `[${c.name}] ${line}\n`);
    }
    c.partial = Buffer.from(buf); // a copy: the rest of a big chunk is not kept alive
  };

  /** Sends as much queued output as the socket takes now. */
  const flush = (sock: Socket, c: Client): void => {
    while (c.out.length > 0) {
      const head = c.out[0] as Buffer;
      const n = sock.send(head);
      c.outBytes -= n;
      if (n < head.length) {
        c.out[0] = head.subarray(n);
        return;
      }
      c.out.shift();
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopping) {
      const socks = [...clients.keys()];
      const writers = socks.filter((s) => (clients.get(s) as Client).outBytes > 0);
      const [readable, writable] = await select(accepting ? [server, ...socks] : socks, writers, [], opts.timeoutMs ?? 1000);
      for (const s of readable) {
        if (s === server) {
          let sock: Socket | null;
          try {
            sock = server.accept();
          } catch (err) {
            // EMFILE: the connection stays queued, so the listener stays readable: stop watching it until a
            // client leaves, or select returns at once, for ever.
            accepting = false;
            log(`accept failed: ${(err as { code?: string }).code ?? String(err)}`);
            continue;
          }
          if (sock === null) continue;
          if (clients.size >= maxConnections) {
            sock.close(); // the room is full: the client reads EOF
            stats.refused++;
            continue;
          }
          const peer = sock.getpeername();
          const name = typeof peer === 'string' ? `fd${sock.fileno()}` : `${peer.address}:${peer.port}`;
          const c: Client = { name, partial: Buffer.alloc(0), out: [], outBytes: 0 };
          broadcast(null, `* ${name} joined\n`);
          clients.set(sock, c);
          stats.joined++;
          log(`${name} joined`);
          const hello = Buffer.from(`* welcome, ${name}: ${clients.size} in the room\n`);
          c.out.push(hello);
          c.outBytes += hello.length;
          continue;
        }
        const sock = s as Socket;
        const c = clients.get(sock);
        if (c === undefined) continue; // dropped earlier in this batch
        try {
          const data = sock.recv(65536);
          if (data === null) continue;
          if (data.length === 0) leave(sock, 'left'); // EOF: readable forever, so stop watching it now
          else onData(sock, c, data);
        } catch {
          leave(sock, 'left'); // a reset: gone, like EOF
        }
      }
      for (const s of writable) {
        const c = clients.get(s as Socket);
        if (c === undefined) continue;
        try {
          flush(s as Socket, c);
        } catch {
          leave(s as Socket, 'left');
        }
      }
    }
  };

  const done = loop().finally(() => {
    for (const sock of clients.keys()) sock.close();
    server.close();
  });
  const addr = server.getsockname();
  return {
    port: typeof addr === 'string' ? 0 : addr.port,
    stats,
    online: () => clients.size,
    async stop() {
      stopping = true;
      await done;
      return stats;
    },
  };
}

/**
 * Parses the command line `[port] [--cap BYTES]`: the options, or the one-line reason it is wrong (the echo
 * servers' strict parser, examples/serve-cli.ts: decimal digits only, no '', '0x10', '0.5' or '1e400').
 */
export function parseChatArgs(args: readonly string[]): { port: number; cap?: number } | string {
  try {
    const { positionals, values } = splitArgs(args, ['--cap BYTES'], 1);
    const cap = values.get('--cap');
    return { port: parsePort(positionals[0], 5005), ...(cap === undefined ? {} : { cap: parseInteger('--cap', cap, 1) }) };
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const cli = parseChatArgs(process.argv.slice(2));
  if (typeof cli === 'string') {
    console.error(`chat-server: ${cli}; usage: chat-server [port] [--cap BYTES]`);
    process.exit(2);
  }
  const { port } = cli;
  runChatServer(cli).then(
    (srv) => {
      console.log(`chat server listening on 127.0.0.1:${srv.port}`);
      const quit = (): void => {
        const s = srv.stats;
        console.log(`stopped: ${s.joined} joined, ${s.left} left, ${s.dropped} dropped, ${s.lines} lines relayed, ${s.refused} refused`);
        process.exit(0);
      };
      process.once('SIGINT', quit);
      process.once('SIGTERM', quit);
    },
    (err: { code?: string }) => {
      console.error(`chat-server: cannot listen on 127.0.0.1:${port}: ${err.code ?? String(err)}`);
      process.exit(1);
    },
  );
}
