// The seed's select() echo server. Every client is in `inputs`; a client is in `outputs` only while it has
// something queued (a socket is nearly always writable: left there, select would return at once, forever).
// Press Step to see one select() call at a time: the lists that went in, and what came back.
import { listen, select, Listener, type Socket } from 'net-select';

const server = await listen({ port: 5002 });
const inputs: (Listener | Socket)[] = [server];
const outputs: Socket[] = [];
const queues = new Map<Socket, Buffer[]>();
const finished = new Set<Socket>(); // sent FIN: closed once its echo is out

function drop(s: Socket): void {
  for (const list of [inputs, outputs]) {
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
  }
  queues.delete(s);
  finished.delete(s);
  s.close();
}

for (;;) {
  const [readable, writable, exceptional] = await select(inputs, outputs, inputs, 1000);
  for (const s of readable) {
    if (s instanceof Listener) {
      const conn = s.accept();
      if (conn === null) continue; // the client went away before we got to it
      inputs.push(conn);
      queues.set(conn, []);
      console.log(`connection on fd ${conn.fileno()}`);
      continue;
    }
    try {
      const data = s.recv(1024);
      if (data === null) continue; // nothing after all: recv would block (EAGAIN)
      if (data.length > 0) {
        queues.get(s)?.push(data);
        if (!outputs.includes(s)) outputs.push(s);
      } else {
        // EOF: the client sent FIN. Stop reading, but send what is still queued for it first.
        inputs.splice(inputs.indexOf(s), 1);
        finished.add(s);
        if (!outputs.includes(s)) drop(s);
      }
    } catch (err) {
      console.log(`fd ${s.fileno()}: ${(err as { code?: string }).code}`); // ECONNRESET
      drop(s);
    }
  }
  for (const s of writable) {
    const queue = queues.get(s);
    if (queue === undefined) continue; // dropped above
    const next = queue[0];
    if (next === undefined) {
      outputs.splice(outputs.indexOf(s), 1);
      if (finished.has(s)) drop(s);
      continue;
    }
    try {
      const n = s.send(next); // may take only part of it: keep the rest at the head of the queue
      if (n < next.length) queue[0] = next.subarray(n);
      else queue.shift();
    } catch (err) {
      console.log(`fd ${s.fileno()}: ${(err as { code?: string }).code}`);
      drop(s);
    }
  }
  for (const s of exceptional) if (s !== server) drop(s as Socket);
}
