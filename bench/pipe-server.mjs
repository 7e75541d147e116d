// Idiomatic Node.js echo server: the baseline every other server is compared to.
//   node bench/pipe-server.mjs PORT      (PORT 0 = pick an ephemeral port)
// Prints exactly one stdout line once ready:
//   echo server listening on 127.0.0.1:PORT
// and serves until SIGTERM/SIGINT, then exits 0.
import net from 'node:net';

const port = Number(process.argv[2] ?? 0);
const sockets = new Set();

const server = net.createServer((s) => {
  sockets.add(s);
  s.on('error', () => s.destroy());
  s.on('close', () => sockets.delete(s));
  s.pipe(s);
});

server.on('error', (err) => {
  console.error(`pipe-server: ${err.message}`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  // stdout is synchronous for pipes and files on Linux, so this is flushed
  process.stdout.write(`echo server listening on 127.0.0.1:${server.address().port}\n`);
});

function shutdown() {
  server.close();
  for (const s of sockets) s.destroy();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
