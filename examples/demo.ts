/**
 * `npm start`: the seed's echo server with a few concurrent clients, every select() call traced.
 *
 * Teaches: what a select loop does turn by turn — which descriptors go in, which come back ready, and what
 * the kernel would have paid for the call. The server's send buffers are small (8 KiB) and the messages
 * bigger, so partial sends happen and the write list fills and empties as the echo drains. The trace lines
 * come from net-select's tracing (`printTrace`, here on stdout): any program prints the same on stderr when
 * run with `NET_SELECT_TRACE=1`, and `net-select trace --html out.html -- <command>` draws them.
 *
 * Run: npx tsx examples/demo.ts       Ends by itself; exits 1 if any echoed byte differs. It takes no
 *      arguments: given any, it says so and exits 2.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { printTrace } from '../lib/index.js';
import { runEchoServer } from './echo-server.js';
import { parseOrExit, splitArgs } from './serve-cli.js';

const CLIENTS = 4;
const MESSAGES = 2;
const SIZE = 20_000;

/** One client: sends its messages, half-closes, and reads the echo to EOF. */
function client(port: number, id: number): Promise<{ id: number; sent: Buffer; got: Buffer }> {
  return new Promise((resolve, reject) => {
    const sent = Buffer.concat(Array.from({ length: MESSAGES }, () => randomBytes(SIZE)));
    const parts: Buffer[] = [];
    const sock = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => {
      for (let m = 0; m < MESSAGES; m++) sock.write(sent.subarray(m * SIZE, (m + 1) * SIZE));
      sock.end();
    });
    sock.on('data', (d: Buffer) => parts.push(d));
    sock.on('end', () => resolve({ id, sent, got: Buffer.concat(parts) }));
    sock.on('error', reject);
  });
}

parseOrExit('demo', () => splitArgs(process.argv.slice(2), [], 0));
const server = await runEchoServer({ port: 0, sndbuf: 8192, rcvbuf: 8192, timeoutMs: 1000 });
console.log(`echo server listening on 127.0.0.1:${server.port} (backlog 5, 8 KiB buffers)`);
console.log(`${CLIENTS} clients each send ${MESSAGES} x ${SIZE} bytes, half-close, and read the echo back\n`);
const stopTrace = printTrace((line) => console.log(line));
const results = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(server.port, i)));
const stats = await server.stop();
stopTrace();

let ok = true;
for (const r of results) {
  const same = r.sent.equals(r.got);
  ok &&= same;
  console.log(`client ${r.id}: sent ${r.sent.length} B, got back ${r.got.length} B, ${same ? 'identical' : 'DIFFERENT'}`);
}
console.log(
  `\nsummary: ${stats.clients} clients served, ${stats.bytesEchoed} bytes echoed in ${stats.selectCalls} select() calls ` +
    `(${count(stats.partialSends, 'partial send')}, ${count(stats.timeouts, 'timeout')}): ${ok ? 'every byte matches' : 'MISMATCH'}`,
);
process.exitCode = ok ? 0 : 1;

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
