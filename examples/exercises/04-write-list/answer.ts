/**
 * Exercise 4, answer: a client is in the write list only while something waits to be sent to it.
 * The start file is start.ts; `npm run exercise -- 4` checks it, `npm run exercise -- 4 --answer` this one.
 */
import { Listener, Selector, type Socket } from '../../../lib/index.js';

/** The server loop: serves every client that connects to `listener`, until `signal` aborts. */
export async function serve(listener: Listener, signal: AbortSignal): Promise<void> {
  const sel = new Selector(); // keeps the three sets between calls, like fd_sets you do not rebuild
  const unsent = new Map<Socket, Buffer>();
  sel.rlist.add(listener);
  while (!signal.aborted) {
    const [readable, writable] = await sel.select(1000);
    for (const s of readable) {
      if (s instanceof Listener) {
        const c = s.accept();
        if (c) {
          sel.rlist.add(c);
          unsent.set(c, Buffer.alloc(0));
        }
        continue;
      }
      const c = s as Socket;
      const data = c.recv(4096);
      if (data === null) continue;
      if (data.length === 0) {
        sel.rlist.delete(c);
        sel.wlist.delete(c);
        unsent.delete(c);
        c.close();
        continue;
      }
      unsent.set(c, Buffer.concat([unsent.get(c) ?? Buffer.alloc(0), data]));
      sel.wlist.add(c); // something to send: ask when it can be sent
    }
    for (const s of writable) {
      const c = s as Socket;
      const out = unsent.get(c);
      if (out === undefined) continue;
      const rest = out.subarray(c.send(out));
      unsent.set(c, rest);
      if (rest.length === 0) sel.wlist.delete(c); // all out: stop asking, or select returns at once, for ever
    }
  }
  for (const c of unsent.keys()) c.close();
  sel.close();
}
