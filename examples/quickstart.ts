/**
 * The README's quickstart, as a file: the smallest select() echo server. The test suite checks that the
 * README shows exactly this code (with the package name in the import) and runs it.
 *
 * Run: npx tsx examples/quickstart.ts [port]      (default 5002; Ctrl-C to stop)
 */
import { Listener, listen, select, type Socket } from '../lib/index.js';

const server = await listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 5002), backlog: 5 });
console.log(`listening on ${JSON.stringify(server.getsockname())}`);
const inputs: (Listener | Socket)[] = [server];
for (;;) {
  const [readable] = await select(inputs, [], inputs, 1000);
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
        s.send(data); // returns how many bytes were taken (examples/echo-server.ts queues the rest)
        continue;
      }
    } catch {
      // a reset peer (ECONNRESET): gone, like EOF
    }
    inputs.splice(inputs.indexOf(s), 1); // EOF stays readable forever: stop watching it, and close
    s.close();
  }
}
