// The writable busy loop: this server puts every client in the write list as soon as it connects, and
// leaves it there. A connected socket is nearly always writable (its send buffer has room), so select()
// returns at once, every time, mostly with nothing to do: a loop that never waits. On the simulated network
// time moves only while the program waits, so here it never moves, and the clients' bytes, still in flight,
// never arrive: the run stops at its limit of calls with nothing echoed. (On a real machine they would arrive,
// with a core burnt at 100%.) The fix, in the echo preset: a client is in the write list only while it has
// something queued. Or set latency to 0: everything arrives at once, and you see the wasted calls.
import { listen, select, Listener, type Socket } from 'net-select';

const server = await listen({ port: 5002 });
const inputs: (Listener | Socket)[] = [server];
const outputs: Socket[] = []; // THE BUG: every client, always
const queues = new Map<Socket, Buffer[]>();
let idle = 0; // calls that came back with only "writable, nothing to write"

function drop(s: Socket): void {
  inputs.splice(inputs.indexOf(s), 1);
  outputs.splice(outputs.indexOf(s), 1);
  queues.delete(s);
  s.close();
}

for (;;) {
  const [readable, writable] = await select(inputs, outputs, [], 1000);
  if (readable.length === 0 && writable.every((s) => queues.get(s)?.length === 0)) idle++;
  for (const s of readable) {
    if (s instanceof Listener) {
      const conn = s.accept();
      if (conn === null) continue;
      inputs.push(conn);
      outputs.push(conn);
      queues.set(conn, []);
      continue;
    }
    const data = s.recv(1024);
    if (data === null) continue;
    if (data.length === 0) drop(s);
    else queues.get(s)?.push(data);
  }
  for (const s of writable) {
    const next = queues.get(s)?.[0];
    if (next === undefined) continue; // writable, and nothing to write: this call was wasted
    const n = s.send(next);
    if (n < next.length) (queues.get(s) as Buffer[])[0] = next.subarray(n);
    else queues.get(s)?.shift();
  }
  if (idle > 0 && idle % 100 === 0) console.log(`${idle} calls so far came back with nothing to do`);
}
