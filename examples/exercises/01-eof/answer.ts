/**
 * Exercise 1, answer: at EOF, stop watching the client and close it (once its echo is out).
 * The start file is start.ts; `npm run exercise -- 1` checks it, `npm run exercise -- 1 --answer` this one.
 */
import { Listener, select, type Socket } from '../../../lib/index.js';

/** The server loop: serves every client that connects to `listener`, until `signal` aborts. */
export async function serve(listener: Listener, signal: AbortSignal): Promise<void> {
  const inList = new Set<Listener | Socket>([listener]); // watched for reading
  const unsent = new Map<Socket, Buffer>(); // echo not taken by send yet: watched for writing
  const done = new Set<Socket>(); // sent EOF: close once the echo is out
  while (!signal.aborted) {
    const [readable, writable] = await select([...inList], [...unsent.keys()], [], 1000);
    for (const s of readable) {
      if (s instanceof Listener) {
        const c = s.accept();
        if (c) inList.add(c);
        continue;
      }
      const data = s.recv(4096);
      if (data === null) continue;
      if (data.length > 0) {
        unsent.set(s, Buffer.concat([unsent.get(s) ?? Buffer.alloc(0), data]));
        continue;
      }
      // EOF: it stays readable for ever, so stop watching it; close it now, or once its echo is out.
      inList.delete(s);
      if (unsent.has(s)) done.add(s);
      else s.close();
    }
    for (const s of writable) {
      const out = unsent.get(s) as Buffer;
      const n = s.send(out);
      if (n < out.length) {
        unsent.set(s, out.subarray(n));
        continue;
      }
      unsent.delete(s);
      if (done.delete(s)) s.close();
    }
  }
  for (const s of [...inList, ...unsent.keys()]) s.close();
}
