/**
 * Exercise 3: read once per edge, and a client stalls.
 *
 * An echo server on edge-triggered epoll (`EPOLLET`). An edge means "something new arrived", once — not
 * "something is there". This server reads one `recv(1024)` per edge and waits for the next one. A client that
 * sends 4 KiB at once gets 1 KiB back, and then nothing: the other 3 KiB sit in the server's receive buffer,
 * and no new edge will come, because nothing new arrives — the client is waiting for its echo.
 *
 * Break it, see it:   npm run exercise -- 3
 *   (the check: a client sends 4 KiB in one write and waits for all of it back)
 * See it in the timeline:
 *   npx net-select trace --html ex3.html -- npm run exercise -- 3   (one epoll_wait event, one recv, silence)
 * Fix it: on each EPOLLIN event, call `recv` until it returns `null` (would block): drain to would-block.
 * (`ep.modify` re-checks the socket, as Linux's EPOLL_CTL_MOD does, and data still there becomes an event:
 * a server that called it after every send would hide this bug. This one calls it only when its interest
 * changes.)
 */
import { EPOLLET, EPOLLIN, EPOLLOUT, Epoll, type Listener, type Socket } from '../../../lib/index.js';

interface Client {
  sock: Socket;
  unsent: Buffer; // echo not taken by send yet
  wantOut: boolean; // registered for EPOLLOUT
}

/** The server loop: serves every client that connects to `listener`, until `signal` aborts. */
export async function serve(listener: Listener, signal: AbortSignal): Promise<void> {
  const ep = new Epoll();
  const clients = new Map<number, Client>();
  ep.register(listener, EPOLLIN | EPOLLET);
  const flush = (c: Client): void => {
    const n = c.sock.send(c.unsent);
    c.unsent = c.unsent.subarray(n);
    // After a partial send, ask for the edge that says there is room again; once all is out, stop asking.
    if (c.wantOut !== c.unsent.length > 0) {
      c.wantOut = !c.wantOut;
      ep.modify(c.sock, EPOLLIN | EPOLLET | (c.wantOut ? EPOLLOUT : 0));
    }
  };
  while (!signal.aborted) {
    for (const [fd, events] of await ep.poll(1000, 64)) {
      if (fd === listener.fileno()) {
        for (let sock = listener.accept(); sock !== null; sock = listener.accept()) {
          ep.register(sock, EPOLLIN | EPOLLET);
          clients.set(sock.fileno(), { sock, unsent: Buffer.alloc(0), wantOut: false });
        }
        continue;
      }
      const c = clients.get(fd);
      if (c === undefined) continue;
      if (events & EPOLLIN) {
        const data = c.sock.recv(1024); // one read per edge
        if (data !== null && data.length === 0) {
          clients.delete(fd);
          c.sock.close(); // EOF
          continue;
        }
        if (data !== null) c.unsent = Buffer.concat([c.unsent, data]);
      }
      if (c.unsent.length > 0) flush(c);
    }
  }
  for (const c of clients.values()) c.sock.close();
  ep.close();
}
