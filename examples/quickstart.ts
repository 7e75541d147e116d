/**
 * The README's quickstart, as a file: the smallest select() echo server that loses no byte. `send` may take
 * fewer bytes than it was given (a partial send, when the client reads slowly): the rest waits in `unsent`,
 * and the socket sits in the write list until it is all out. The test suite checks that the README shows
 * exactly this code (with the package name in the import) and runs it.
 *
 * Run: npx tsx examples/quickstart.ts [port]      (default 5002; Ctrl-C to stop; a bad port exits 2, one in use 1)
 */
import { Listener, listen, select, type Socket } from '../lib/index.js';

const args = process.argv.slice(2);
const arg = args[0] ?? '5002';
if (args.length > 1 || !/^\d+$/.test(arg) || Number(arg) > 65535) {
  console.error(`usage: quickstart [port]   (a port is 0..65535 in decimal digits; got ${JSON.stringify(args)})`);
  process.exit(2);
}
const server = await listen({ host: '127.0.0.1', port: Number(arg), backlog: 5 }).catch((err: { code?: string }) => {
  console.error(`quickstart: cannot listen on 127.0.0.1:${arg}: ${err.code ?? String(err)}`);
  process.exit(1);
});
console.log(`listening on ${JSON.stringify(server.getsockname())}`);
const inputs: (Listener | Socket)[] = [server]; // watched for reading
const unsent = new Map<Socket, Buffer[]>(); // what send() has not taken yet, per client: watched for writing

function flush(s: Socket, queue: Buffer[]): void {
  for (let chunk = queue.shift(); chunk !== undefined; chunk = queue.shift()) {
    const n = s.send(chunk); // how many bytes were taken: fewer than asked when the send buffer is full
    if (n < chunk.length) {
      queue.unshift(chunk.subarray(n)); // a partial send: the rest goes first next time
      return;
    }
  }
  unsent.delete(s);
  if (!inputs.includes(s)) s.close(); // the client had sent EOF: its echo is out, so close
}

function drop(s: Socket): void {
  if (inputs.includes(s)) inputs.splice(inputs.indexOf(s), 1);
  unsent.delete(s);
  s.close();
}

for (;;) {
  const [readable, writable] = await select(inputs, [...unsent.keys()], []);
  for (const s of readable) {
    if (s instanceof Listener) {
      const client = s.accept(); // a Socket, or null when none is pending
      if (client) inputs.push(client);
      continue;
    }
    try {
      const data = s.recv(65536); // the bytes; empty at EOF; null when nothing has arrived yet
      if (data === null) continue;
      if (data.length > 0) {
        const queue = unsent.get(s) ?? [];
        unsent.set(s, queue);
        queue.push(data);
        flush(s, queue);
        continue;
      }
      inputs.splice(inputs.indexOf(s), 1); // EOF stays readable forever: stop watching it
      if (!unsent.has(s)) s.close(); // and close it, or let flush() close it once its echo is out
    } catch {
      drop(s); // a reset peer (ECONNRESET): gone
    }
  }
  for (const s of writable) {
    const queue = unsent.get(s);
    if (queue === undefined) continue; // dropped while reading
    try {
      flush(s, queue);
    } catch {
      drop(s); // EPIPE or ECONNRESET: the peer is gone
    }
  }
}
