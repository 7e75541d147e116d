/**
 * Exercise 3, answer: on every edge, read until `recv` returns `null` (and accept until `accept` does).
 * The start file is start.ts; `npm run exercise -- 3` checks it, `npm run exercise -- 3 --answer` this one.
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
        // Drain: an edge says "something new came", once. What is left now gets no other event.
        for (let data = c.sock.recv(1024); data !== null; data = c.sock.recv(1024)) {
          if (data.length === 0) {
            clients.delete(fd);
            c.sock.close(); // EOF
            break;
          }
          c.unsent = Buffer.concat([c.unsent, data]);
        }
        if (!clients.has(fd)) continue;
      }
      if (c.unsent.length > 0) flush(c);
    }
  }
  for (const c of clients.values()) c.sock.close();
  ep.close();
}
