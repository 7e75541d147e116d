/**
 * Exercise 4: the writable busy loop.
 *
 * A select echo server on a `Selector`, which keeps the three sets between calls. It puts every client in the
 * write list when it connects, and leaves it there: "writable" means "the send buffer has room", which a
 * connected socket nearly always has, so every select returns at once with the idle clients writable, the
 * loop finds nothing to send and goes round again — the seed's point 5.1, 100% CPU doing nothing.
 *
 * Break it, see it:   npm run exercise -- 4
 *   (the check: a client sends a line, gets its echo, and then stays connected and quiet)
 * See it in the timeline:
 *   npx net-select trace --html ex4.html -- npm run exercise -- 4   (every call answered at once, w=[4])
 * Fix it: add a client to `sel.wlist` when something is queued for it, and delete it when all is sent.
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
          sel.wlist.add(c); // writable: the echo can go out as soon as there is one
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
    }
    for (const s of writable) {
      const c = s as Socket;
      const out = unsent.get(c);
      if (out === undefined) continue;
      if (out.length === 0) continue; // nothing to send yet
      unsent.set(c, out.subarray(c.send(out)));
    }
  }
  for (const c of unsent.keys()) c.close();
  sel.close();
}
