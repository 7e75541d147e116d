/**
 * Exercise 6: an unbounded queue.
 *
 * A select echo server that does everything of exercises 1, 2 and 4 right: EOF, partial sends, the write list.
 * But it reads whatever a client sends and queues the echo until the client takes it. A client that sends and
 * never reads makes that queue — and the server's memory — grow as long as it keeps sending: here 1 MiB, in
 * the wild until the process dies.
 *
 * Break it, see it:   npm run exercise -- 6
 *   (the check: a client whose host has stopped reading pushes 1 MiB; then it reads again)
 * Fix it: backpressure. Once a client's queued echo reaches HIGH_WATER bytes, stop reading from it (take it
 * out of `inList`); put it back once the queue is below LOW_WATER. Its bytes then wait in its own buffers,
 * the network's windows close, and its sends block — the server keeps no more than HIGH_WATER plus a read.
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
