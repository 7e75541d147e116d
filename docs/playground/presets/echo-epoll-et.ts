// The echo server on epoll, edge-triggered (EPOLLET), with its classic bug: one recv per event.
// Edge-triggered epoll reports a socket once when new bytes arrive, not while bytes are waiting. A message
// bigger than one recv leaves bytes in the buffer, and no new event comes for them: they stall, and the
// client waits for ever. See the verdict (bytes lost) and the descriptor states (bytes still buffered).
// The fix: on each event, call recv until it returns null (EAGAIN). Change FIXED to true and run again.
import { listen, Epoll, EPOLLIN, EPOLLET, type Socket } from 'net-select';

const FIXED = false;
const server = await listen({ port: 5002 });
const ep = new Epoll();
ep.register(server, EPOLLIN);
const conns = new Map<number, Socket>();

for (;;) {
  const events = await ep.poll(1000);
  for (const [fd] of events) {
    if (fd === server.fileno()) {
      for (let c = server.accept(); c !== null; c = server.accept()) {
        ep.register(c, EPOLLIN | EPOLLET);
        conns.set(c.fileno(), c);
      }
      continue;
    }
    const c = conns.get(fd);
    if (c === undefined) continue;
    try {
      do {
        const data = c.recv(1024);
        if (data === null) break; // EAGAIN: drained
        if (data.length === 0) {
          ep.unregister(c);
          conns.delete(fd);
          c.close();
          break;
        }
        c.send(data); // small messages: the send buffer has room
      } while (FIXED);
    } catch (err) {
      console.log(`fd ${fd}: ${(err as { code?: string }).code}`);
      conns.delete(fd);
      c.close();
    }
  }
}
