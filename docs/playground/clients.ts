/**
 * The simulated clients of the echo presets, on host 'client' of the run's network: each connects to the
 * learner's server, sends its messages one at a time (the next once the last one's answer is back), checks
 * every byte that comes back against what it sent, and tells what happened. They wait with one `Poll` of their
 * own, whose calls the playground leaves out of the learner's trace.
 *
 * Two protocols: `echo` (the bytes come back as sent) and `framed` (each message is a 4-byte big-endian length
 * and a payload of lower-case letters; the answer is the same frame in upper case).
 */
import { POLLERR, POLLHUP, POLLIN, POLLOUT, SHUT_WR, type Poll, type Socket } from 'net-select';
import type { SimNetwork } from 'net-select/testing';

/** What the page sets for the clients. */
export interface ClientSettings {
  /** How many clients (0: none). */
  count: number;
  /** Bytes per message (the payload, for `framed`). */
  size: number;
  /** Messages per client. */
  messages: number;
  /** Shut down the sending side (FIN) right after the last message, then read its answer and the EOF. */
  halfClose: boolean;
  protocol: 'echo' | 'framed';
}

/** How one client ended. */
export interface ClientReport {
  client: number;
  /** Bytes its `send` took. */
  sent: number;
  /** Bytes that came back as expected (up to a mismatch, if any). */
  echoed: number;
  /**
   * `ok`; `mismatch`; `eof` (closed early); `stalled` (nothing came for the idle time); an errno (`ECONNRESET`);
   * `running` when the run stopped before it ended.
   */
  end: string;
}

/** The first byte that came back wrong. */
export interface Mismatch {
  client: number;
  /** Offset in the client's stream of answers. */
  offset: number;
  expected: number;
  got: number;
}

/** All clients together: the verdict. */
export interface Verdict {
  sent: number;
  echoed: number;
  lost: number;
  mismatch: Mismatch | null;
  clients: ClientReport[];
}

/** How long (virtual ms) the clients wait with nothing arriving before they call it stalled. */
const IDLE_MS = 5000;

interface Client {
  n: number;
  sock: Socket;
  /** Requests, each a Buffer, and the answer expected for each. */
  requests: Buffer[];
  answers: Buffer[];
  /** Index of the message being sent/answered. */
  msg: number;
  /** Bytes of the current request sent so far. */
  out: number;
  /** Bytes of the current answer received so far. */
  in: number;
  sent: number;
  echoed: number;
  shut: boolean;
  end: string | null;
}

/** The bytes of message `m` of client `c`: letters, different for every client and message. */
function payload(c: number, m: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = 97 + ((c * 7 + m * 13 + i) % 26);
  return b;
}

function framed(body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/**
 * Runs the clients against `port` on host 'server' until each has ended. `quiet(fn)` runs `fn` with the
 * playground's trace muted (the clients' recv and send are not the learner's).
 */
export async function runClients(
  sim: SimNetwork,
  port: number,
  s: ClientSettings,
  poll: Poll,
  quiet: <T>(fn: () => T) => T,
): Promise<Verdict> {
  const host = sim.host('client');
  const clients: Client[] = [];
  for (let n = 0; n < s.count; n++) {
    const sock = quiet(() => host.connect({ host: 'server', port }));
    const bodies = Array.from({ length: s.messages }, (_, m) => payload(n, m, s.size));
    const requests = s.protocol === 'framed' ? bodies.map(framed) : bodies;
    const answers = s.protocol === 'framed' ? bodies.map((b) => framed(Buffer.from(b.toString('latin1').toUpperCase(), 'latin1'))) : bodies;
    clients.push({ n, sock, requests, answers, msg: 0, out: 0, in: 0, sent: 0, echoed: 0, shut: false, end: null });
    poll.register(sock, POLLIN | POLLOUT);
  }
  let mismatch: Mismatch | null = null;
  const finish = (c: Client, end: string): void => {
    c.end = end;
    poll.unregister(c.sock);
    c.sock.close();
  };
  const step = (c: Client, ev: number): void => {
    try {
      if (ev & POLLOUT && c.msg < c.requests.length && c.out < (c.requests[c.msg] as Buffer).length) {
        const req = c.requests[c.msg] as Buffer;
        const n = c.sock.send(req.subarray(c.out));
        c.out += n;
        c.sent += n;
        if (c.out === req.length && c.msg === c.requests.length - 1 && s.halfClose && !c.shut) {
          c.shut = true;
          c.sock.shutdown(SHUT_WR);
        }
      }
      if (ev & (POLLIN | POLLERR | POLLHUP)) {
        for (;;) {
          const data = c.sock.recv(65536);
          if (data === null) break;
          if (data.length === 0) {
            const done = c.msg === c.requests.length;
            finish(c, done ? 'ok' : 'eof');
            return;
          }
          let i = 0;
          while (i < data.length) {
            const want = c.answers[c.msg];
            if (want === undefined) {
              mismatch ??= { client: c.n, offset: c.echoed, expected: -1, got: data[i] as number };
              finish(c, 'mismatch');
              return;
            }
            const got = data[i] as number;
            if (got !== want[c.in]) {
              mismatch ??= { client: c.n, offset: c.echoed, expected: want[c.in] as number, got };
              finish(c, 'mismatch');
              return;
            }
            i++;
            c.in++;
            c.echoed++;
            if (c.in === want.length) {
              c.msg++;
              c.in = 0;
              c.out = 0;
            }
          }
        }
      }
      if (c.msg === c.requests.length && !s.halfClose) finish(c, 'ok');
      else if (c.msg < c.requests.length && c.out < (c.requests[c.msg] as Buffer).length) poll.modify(c.sock, POLLIN | POLLOUT);
      else poll.modify(c.sock, POLLIN);
    } catch (err) {
      finish(c, (err as { code?: string }).code ?? String(err));
    }
  };
  verdict = () => {
    const sent = clients.reduce((a, c) => a + c.sent, 0);
    const echoed = clients.reduce((a, c) => a + c.echoed, 0);
    const ends = clients.map((c) => ({ client: c.n, sent: c.sent, echoed: c.echoed, end: c.end ?? 'running' }));
    return { sent, echoed, lost: sent - echoed, mismatch, clients: ends };
  };
  const byFd = new Map(clients.map((c) => [c.sock.fileno(), c]));
  while (clients.some((c) => c.end === null)) {
    const events = await poll.poll(IDLE_MS);
    if (events.length === 0) {
      for (const c of clients) if (c.end === null) quiet(() => finish(c, 'stalled'));
      break;
    }
    quiet(() => {
      for (const [fd, ev] of events) {
        const c = byFd.get(fd);
        if (c !== undefined && c.end === null) step(c, ev);
      }
    });
  }
  return verdict();
}

/** Where the clients of a run stand: set by {@link runClients} as soon as they exist. */
let verdict: () => Verdict = () => ({ sent: 0, echoed: 0, lost: 0, mismatch: null, clients: [] });

/** The clients' verdict so far (a client still going ends `running`): for a run stopped before they finished. */
export function verdictSoFar(): Verdict {
  return verdict();
}
