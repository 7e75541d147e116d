/**
 * A small framed protocol in the select style: each message is a 4-byte big-endian length and that many
 * bytes; the server answers each request with the same payload in upper case. It teaches the one rule every
 * stream protocol must keep — one `recv` is not one message: bytes arrive cut and glued anyhow, so the
 * reader buffers until a whole frame is there (`FrameReader`).
 *
 * `serve()` takes any listener: a real one (examples/framed-client.ts runs both ends over loopback) or one on
 * a simulated network (test/testing-example.test.ts runs the same code there, under fragmentation). Its
 * `assumeWholeFrames` option plants the classic bug — it takes each recv as one whole message — which passes
 * every loopback test and is caught by the simulated network at once.
 *
 * And the caps a server open to a network needs (examples/caps.ts): a frame longer than `maxFrame` (default
 * 1 MiB) is a protocol error that drops its client as soon as the length is read, before any of the body is
 * buffered; a client whose unsent replies reach `highWater` stops being read until they drain below
 * `lowWater` (a client that sends and never reads blocks on its own full buffers, not the server); replies
 * wait in a queue, each byte copied once; a client that fails (a reset, even one `send` reports late) is
 * dropped and the others go on; past `maxConnections` a connection is accepted and closed at once.
 *
 * Run: npx tsx examples/framed-client.ts      (starts this server and a client on 127.0.0.1, then exits)
 */
import Queue from 'yocto-queue';
import { Listener, select, type Socket } from '../lib/index.js';
import { SELECT_MAX_CONNECTIONS, resolveCaps, type ServerCaps } from './caps.js';
import { SelectList } from './select-list.js';

/** The longest frame payload taken by default: 1 MiB. */
export const DEFAULT_MAX_FRAME = 1024 * 1024;

/** Frames `payload`: its length as 4 bytes big-endian, then the bytes. */
export function frame(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/**
 * Collects received bytes and hands out whole frames only. The bytes are kept as received and joined once,
 * when a frame is complete: O(bytes) in all, however small the pieces.
 */
export class FrameReader {
  #chunks: Buffer[] = [];
  #size = 0;
  readonly #maxFrame: number;

  /** `maxFrame`: the longest payload taken (default {@link DEFAULT_MAX_FRAME}). */
  constructor(maxFrame = DEFAULT_MAX_FRAME) {
    this.#maxFrame = maxFrame;
  }

  /** Adds received bytes. */
  push(data: Buffer): void {
    if (data.length === 0) return;
    this.#chunks.push(data);
    this.#size += data.length;
  }

  /**
   * The next whole frame's payload, or `null` until all of it has arrived.
   * @throws {RangeError} `ERR_FRAME_TOO_LARGE` as soon as a frame announces more than `maxFrame` bytes.
   */
  next(): Buffer | null {
    if (this.#size < 4) return null;
    let head = this.#chunks[0] as Buffer;
    if (head.length < 4) head = this.#join(); // a length cut across two recvs
    const len = head.readUInt32BE(0);
    if (len > this.#maxFrame) {
      throw Object.assign(new RangeError(`frame of ${len} bytes announced; the limit is ${this.#maxFrame}`), { code: 'ERR_FRAME_TOO_LARGE' });
    }
    if (this.#size < 4 + len) return null;
    if (head.length < 4 + len) head = this.#join();
    const payload = head.subarray(4, 4 + len);
    const rest = head.subarray(4 + len);
    if (rest.length > 0) this.#chunks[0] = rest;
    else this.#chunks.shift();
    this.#size -= 4 + len;
    return payload;
  }

  /** Joins every chunk into one, once a frame needs bytes from more than one. */
  #join(): Buffer {
    const all = Buffer.concat(this.#chunks, this.#size);
    this.#chunks = [all];
    return all;
  }
}

/** Options of {@link serve}. */
export interface ServeOptions extends Pick<ServerCaps, 'maxConnections' | 'highWater' | 'lowWater'> {
  /** Return once this many connections have come and gone (refused and dropped ones count). Default: never. */
  clients?: number;
  /** The longest request payload; a client announcing a longer one is dropped. Default {@link DEFAULT_MAX_FRAME}. */
  maxFrame?: number;
  /** The planted bug: each recv is taken as one whole frame. */
  assumeWholeFrames?: boolean;
}

interface Conn {
  reader: FrameReader;
  replies: Queue<Buffer>; // replies not yet taken by send, oldest first
  unsent: Buffer | null; // the rest of a partial send
  pending: number; // bytes in replies and unsent: what backpressure measures
  eof: boolean; // the client half-closed: close once its replies have left
}

/**
 * Serves the upper-case protocol on `listener` until `clients` connections have come and gone; returns the
 * number of requests answered. A client that fails or breaks the protocol is dropped; the others go on.
 * With `assumeWholeFrames` it has the planted bug: each recv is taken as one whole frame.
 * @throws {RangeError} for a bad cap (see examples/caps.ts; `maxConnections` at most 1000, select's bound) or
 *   `maxFrame`, before anything is served.
 */
export async function serve(listener: Listener, options: ServeOptions = {}): Promise<number> {
  const caps = resolveCaps(options, SELECT_MAX_CONNECTIONS, SELECT_MAX_CONNECTIONS);
  const maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
  if (!Number.isSafeInteger(maxFrame) || maxFrame < 0 || maxFrame > 0xffffffff) {
    throw new RangeError(`maxFrame must be an integer from 0 to 2^32-1, got ${String(maxFrame)}`);
  }
  const conns = new Map<Socket, Conn>();
  const readers = new SelectList<Listener | Socket>([listener]);
  const writers = new SelectList<Socket>();
  let finished = 0;
  let answered = 0;

  const drop = (s: Socket): void => {
    if (!conns.delete(s)) return;
    readers.delete(s);
    writers.delete(s);
    s.close();
    readers.add(listener); // a descriptor is free again, if accept had run out of them
    finished++;
  };

  const onData = (s: Socket, c: Conn, data: Buffer): void => {
    const requests: Buffer[] = [];
    if (options.assumeWholeFrames) {
      requests.push(data.subarray(4, 4 + data.readUInt32BE(0))); // the bug: one recv = one message
    } else {
      c.reader.push(data);
      try {
        for (let p = c.reader.next(); p !== null; p = c.reader.next()) requests.push(p);
      } catch {
        drop(s); // a frame over maxFrame: a protocol error, and no reason to buffer its body
        return;
      }
    }
    if (requests.length === 0) return;
    // One buffer for the replies to one recv: a queue entry per recv, not per (maybe empty) frame.
    const out = Buffer.concat(requests.map((p) => frame(p.toString().toUpperCase())));
    answered += requests.length;
    c.replies.enqueue(out);
    c.pending += out.length;
    writers.add(s);
    if (c.pending >= caps.highWater) readers.delete(s); // backpressure: read again below lowWater
  };

  /** Sends what the socket takes now; drops the client if send reports it failed. */
  const flush = (s: Socket, c: Conn): void => {
    for (let msg = c.unsent ?? c.replies.dequeue(); msg !== undefined; msg = c.replies.dequeue()) {
      let n: number;
      try {
        n = s.send(msg);
      } catch {
        drop(s); // a reset reported by send (ECONNRESET, EPIPE): gone
        return;
      }
      c.pending -= n;
      c.unsent = n < msg.length ? msg.subarray(n) : null;
      if (c.unsent !== null) break;
    }
    if (c.pending < caps.lowWater && !c.eof) readers.add(s);
    if (c.pending > 0) return;
    writers.delete(s); // nothing left: stop asking whether it is writable (a socket nearly always is)
    if (c.eof) drop(s);
  };

  try {
    while (finished < (options.clients ?? Infinity)) {
      const [readable, writable] = await select<Listener | Socket, Socket>(readers.items, writers.items, []);
      for (const s of readable) {
        if (s instanceof Listener) {
          let client: Socket | null;
          try {
            client = s.accept();
          } catch {
            readers.delete(listener); // EMFILE: the connection stays queued; watch again once a client leaves
            continue;
          }
          if (client === null) continue;
          if (conns.size >= caps.maxConnections) {
            client.close(); // refused: the client reads EOF
            finished++;
            continue;
          }
          conns.set(client, { reader: new FrameReader(maxFrame), replies: new Queue(), unsent: null, pending: 0, eof: false });
          readers.add(client);
          continue;
        }
        const c = conns.get(s);
        if (c === undefined) continue; // dropped earlier in this turn
        let data: Buffer | null;
        try {
          data = s.recv(65536);
        } catch {
          drop(s); // a reset peer: gone
          continue;
        }
        if (data === null) continue;
        if (data.length > 0) onData(s, c, data);
        else if (c.pending === 0) drop(s);
        else {
          c.eof = true; // half-closed: its replies still go out; EOF stays readable, so stop watching it
          readers.delete(s);
        }
        if (conns.has(s) && c.pending > 0) writable.push(s); // send at once; select reports it again while the queue stays full
      }
      for (const s of new Set(writable)) {
        const c = conns.get(s);
        if (c !== undefined) flush(s, c);
      }
    }
  } finally {
    for (const s of conns.keys()) s.close();
  }
  return answered;
}
