/**
 * Exercise 6, answer: backpressure — a client whose queued echo reaches HIGH_WATER is not read until the queue
 * drains below LOW_WATER.
 * The start file is start.ts; `npm run exercise -- 6` checks it, `npm run exercise -- 6 --answer` this one.
 */
import { Listener, select, type Socket } from '../../../lib/index.js';

/** Queued echo, in bytes, at which a client stops being read. */
export const HIGH_WATER = 64 * 1024;
/** Queued echo, in bytes, below which a paused client is read again. */
export const LOW_WATER = 16 * 1024;

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
      const data = s.recv(65536);
      if (data === null) continue;
      if (data.length > 0) {
        const queued = Buffer.concat([unsent.get(s) ?? Buffer.alloc(0), data]);
        unsent.set(s, queued);
        if (queued.length >= HIGH_WATER) inList.delete(s); // stop reading: let its own buffers fill
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
        if (out.length - n < LOW_WATER && !done.has(s)) inList.add(s); // drained enough: read it again
        continue;
      }
      if (!done.has(s)) inList.add(s);
      unsent.delete(s);
      if (done.delete(s)) s.close();
    }
  }
  for (const s of [...inList, ...unsent.keys()]) s.close();
}
