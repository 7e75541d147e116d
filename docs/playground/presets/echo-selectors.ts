// The echo server with the selectors API (CPython's `selectors` module): register each socket with the
// events it waits for and some data of your own; `select()` returns [key, events] pairs.
// DefaultSelector is epoll here (level-triggered). Try SelectSelector or PollSelector: the same program.
import { listen, DefaultSelector, EVENT_READ, EVENT_WRITE, Listener, type Socket } from 'net-select';

interface Conn {
  out: Buffer[];
  eof: boolean;
}

const sel = new DefaultSelector<Conn | null>();
const server = await listen({ port: 5002 });
sel.register(server, EVENT_READ, null);

function close(s: Socket): void {
  sel.unregister(s);
  s.close();
}

for (;;) {
  for (const [key, events] of await sel.select(1000)) {
    if (key.fileobj instanceof Listener) {
      const c = key.fileobj.accept();
      if (c !== null) sel.register(c, EVENT_READ, { out: [], eof: false });
      continue;
    }
    const s = key.fileobj as Socket;
    const conn = key.data as Conn;
    try {
      if (events & EVENT_READ) {
        const data = s.recv(4096);
        if (data !== null && data.length === 0) conn.eof = true;
        else if (data !== null) conn.out.push(data);
      }
      if (events & EVENT_WRITE && conn.out.length > 0) {
        const next = conn.out[0] as Buffer;
        const n = s.send(next);
        if (n < next.length) conn.out[0] = next.subarray(n);
        else conn.out.shift();
      }
      if (conn.eof && conn.out.length === 0) close(s);
      else sel.modify(s, conn.eof ? EVENT_WRITE : conn.out.length > 0 ? EVENT_READ | EVENT_WRITE : EVENT_READ, conn);
    } catch (err) {
      console.log(`fd ${key.fd}: ${(err as { code?: string }).code}`);
      close(s);
    }
  }
}
