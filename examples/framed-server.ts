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
 * Run: npx tsx examples/framed-client.ts      (starts this server and a client on 127.0.0.1, then exits)
 */
import { Listener, select, type Socket } from '../lib/index.js';

/** Frames `payload`: its length as 4 bytes big-endian, then the bytes. */
export function frame(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** Collects received bytes and hands out whole frames only. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  /** Adds received bytes. */
  push(data: Buffer): void {
    this.#buf = this.#buf.length === 0 ? data : Buffer.concat([this.#buf, data]);
  }

  /** The next whole frame's payload, or `null` until all of it has arrived. */
  next(): Buffer | null {
    if (this.#buf.length < 4) return null;
    const len = this.#buf.readUInt32BE(0);
    if (this.#buf.length < 4 + len) return null;
    const payload = this.#buf.subarray(4, 4 + len);
    this.#buf = this.#buf.subarray(4 + len);
    return payload;
  }
}

interface Conn {
  reader: FrameReader;
  out: Buffer; // replies not yet taken by send (partial sends)
}

/**
 * Serves the upper-case protocol on `listener` until `clients` connections have come and gone; returns the
 * number of requests answered. With `assumeWholeFrames` it has the planted bug: each recv is taken as one
 * whole frame.
 */
export async function serve(listener: Listener, options: { clients?: number; assumeWholeFrames?: boolean } = {}): Promise<number> {
  const conns = new Map<Socket, Conn>();
  let finished = 0;
  let answered = 0;
  try {
    while (finished < (options.clients ?? Infinity)) {
      const writers = [...conns].filter(([, c]) => c.out.length > 0).map(([s]) => s);
      const [readable, writable] = await select<Listener | Socket, Socket>([listener, ...conns.keys()], writers, []);
      for (const s of readable) {
        if (s instanceof Listener) {
          const client = s.accept();
          if (client) conns.set(client, { reader: new FrameReader(), out: Buffer.alloc(0) });
          continue;
        }
        const c = conns.get(s) as Conn;
        let data: Buffer | null;
        try {
          data = s.recv(65536);
        } catch {
          data = Buffer.alloc(0); // a reset peer: gone, like EOF
        }
        if (data === null) continue;
        if (data.length === 0) {
          conns.delete(s);
          s.close();
          finished++;
          continue;
        }
        const requests: Buffer[] = [];
        if (options.assumeWholeFrames) {
          requests.push(data.subarray(4, 4 + data.readUInt32BE(0))); // the bug: one recv = one message
        } else {
          c.reader.push(data);
          for (let p = c.reader.next(); p !== null; p = c.reader.next()) requests.push(p);
        }
        for (const p of requests) {
          c.out = Buffer.concat([c.out, frame(p.toString().toUpperCase())]);
          answered++;
        }
        writable.push(s); // try to send at once; select reports it again while the queue stays full
      }
      for (const s of new Set(writable)) {
        const c = conns.get(s);
        if (c && c.out.length > 0) c.out = c.out.subarray(s.send(c.out));
      }
    }
  } finally {
    for (const s of conns.keys()) s.close();
  }
  return answered;
}
