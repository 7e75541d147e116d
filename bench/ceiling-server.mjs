// The pure-JS ceiling: how fast an echo can be in JavaScript on Node, with no streams and no allocation per
// read. Each accepted socket reads with net.Socket's `onread` option into one buffer shared by every
// connection, and the echo goes straight to the kernel's descriptor with write(2) from inside the read
// callback; only what the kernel does not take is queued on the stream. Not a library: a yardstick.
//   node bench/ceiling-server.mjs PORT      (prints "echo server listening on 127.0.0.1:PORT")
import { writeSync } from 'node:fs';
import net from 'node:net';

const buf = Buffer.allocUnsafe(65536);
const sockets = new Set();

const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
  // Re-wrap the accepted handle in a socket that reads into `buf` (the onread option takes no handle otherwise).
  const s = new net.Socket({ handle: accepted._handle, onread: { buffer: buf, callback: echo } });
  const fd = s._handle.fd;
  function echo(n) {
    let off = 0;
    if (s.writableLength === 0) {
      try {
        off = writeSync(fd, buf, 0, n);
      } catch (err) {
        if (err.code !== 'EAGAIN') return void s.destroy();
      }
    }
    if (off < n) s.write(Buffer.from(buf.subarray(off, n))); // the kernel's buffer is full: queue a copy
  }
  sockets.add(s);
  s.on('error', () => s.destroy());
  s.on('end', () => s.end());
  s.on('close', () => sockets.delete(s));
});

server.on('error', (err) => {
  console.error(`ceiling-server: ${err.message}`);
  process.exit(1);
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`echo server listening on 127.0.0.1:${server.address().port}\n`);
});
const shutdown = () => {
  for (const s of sockets) s.destroy();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
