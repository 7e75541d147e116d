/**
 * Exercise 2: a partial send loses the rest.
 *
 * A select echo server that answers at once: `s.send(data)` as soon as the data is read. `send` returns how
 * many bytes it took — all of them while the send buffer has room, fewer (or 0) once it is full — and this
 * server throws that number away. On loopback, with megabytes of kernel buffer, it seems to work. The check
 * runs it on a simulated network whose sockets have 1 KiB send buffers, as a slow peer leaves them.
 *
 * Break it, see it:   npm run exercise -- 2
 *   (the check: a client sends 64 KiB and reads the echo back)
 * See it in the trace:
 *   NET_SELECT_TRACE=1 npm run exercise -- 2     (send(4, 1024) = -1 EAGAIN, again and again: each one an echo
 *                                                 thrown away; the C call would say EAGAIN, net-select's returns 0)
 * Fix it: keep what `send` did not take, put the client in the write list while something is kept, and send
 * the rest when select says writable (remove the client from the write list once it is all out).
 */
import { Listener, select, type Socket } from '../../../lib/index.js';

/** The server loop: serves every client that connects to `listener`, until `signal` aborts. */
export async function serve(listener: Listener, signal: AbortSignal): Promise<void> {
  const inList = new Set<Listener | Socket>([listener]);
  while (!signal.aborted) {
    const [readable] = await select([...inList], [], [], 1000);
    for (const s of readable) {
      if (s instanceof Listener) {
        const c = s.accept();
        if (c) inList.add(c);
        continue;
      }
      const data = s.recv(4096);
      if (data === null) continue;
      if (data.length === 0) {
        inList.delete(s); // EOF: stop watching, and close
        s.close();
        continue;
      }
      s.send(data); // the echo, at once
    }
  }
  for (const s of inList) s.close();
}
