// A framed protocol: each message is a 4-byte big-endian length, then that many bytes; the server answers
// each with the same frame, its payload in upper case. The bug planted here: it takes each recv as one whole
// frame. On a quiet network every send arrives in one piece and it passes; switch on `fragment` and a frame
// comes in pieces (or two glued together) and the answers go wrong: see the first mismatch in the verdict.
// The fix: buffer what arrives, and cut frames out only once they are whole. Set WHOLE_FRAMES to false.
import { listen, select, Listener, type Socket } from 'net-select';

const WHOLE_FRAMES = true; // the planted bug: "one recv is one frame"
const server = await listen({ port: 5003 });
const inputs: (Listener | Socket)[] = [server];
const pending = new Map<Socket, Buffer>(); // bytes received, not yet a whole frame

function answer(s: Socket, body: Buffer): void {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  s.send(Buffer.concat([head, Buffer.from(body.toString('latin1').toUpperCase(), 'latin1')]));
}

for (;;) {
  const [readable] = await select(inputs, [], [], 1000);
  for (const s of readable) {
    if (s instanceof Listener) {
      const c = s.accept();
      if (c !== null) inputs.push(c), pending.set(c, Buffer.alloc(0));
      continue;
    }
    let data: Buffer | null;
    try {
      data = s.recv(65536);
    } catch {
      data = Buffer.alloc(0);
    }
    if (data === null) continue;
    if (data.length === 0) {
      inputs.splice(inputs.indexOf(s), 1);
      pending.delete(s);
      s.close();
      continue;
    }
    if (WHOLE_FRAMES) {
      answer(s, data.subarray(4)); // the header skipped, the rest taken as the payload: wrong unless data is one whole frame
      continue;
    }
    let buf = Buffer.concat([pending.get(s) as Buffer, data]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      const len = buf.readUInt32BE(0);
      answer(s, buf.subarray(4, 4 + len));
      buf = buf.subarray(4 + len);
    }
    pending.set(s, buf);
  }
}
