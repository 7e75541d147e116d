/**
 * The seed's section 8, measured: a thread per connection versus one select loop, for the same echo.
 *
 * Teaches: what each connection costs in each model. A thread per connection needs a stack, and in Node a
 * whole JavaScript engine (a `worker_threads` Worker is an isolate with its own heap and event loop), made
 * when the client connects; one select loop needs a socket object and a place in a list. The table shows
 * memory per connection and round trips per second at 10, 100 and 1,000 connections, each server in a
 * process of its own, driven from this one.
 *
 * Node cannot hand a socket to a thread, so in the thread model the main thread does the socket I/O and each
 * connection's Worker does that connection's work (here: hands every message back), over a MessagePort —
 * the closest Node comes to "a thread serves a connection". A C server's thread would read its socket
 * itself, and cost less memory (a pthread stack is mostly untouched virtual memory); the shape of the
 * comparison is the seed's point: per-connection threads cost memory and switches, a select loop does not.
 *
 * Run:   npx tsx examples/threads-vs-select.ts            (10, 100 and 1,000 connections; minutes, and ~5 GB
 *                                                          of memory for the 1,000 threads)
 *        npx tsx examples/threads-vs-select.ts --quick    (5 and 20 connections, for a quick look)
 * Any other argument is an error (exit 2), so a misspelled --quick cannot start the full run.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { Listener, listen, select, type Socket } from '../lib/index.js';
import { UsageError, parseOrExit, splitArgs } from './serve-cli.js';

const MODELS = { threads: 'thread per connection', select: 'one select loop' } as const;
type Model = keyof typeof MODELS;
const MESSAGE = Buffer.alloc(64, 'x');

/** What a server process reports when asked. */
interface ServerReport {
  port: number;
  rss: number;
  connections: number;
}

// ---- the two servers, each run in a child process: `--serve threads` or `--serve select` ----

/** A thread per connection: each accepted socket gets a Worker, which does the echo's work. */
async function serveThreads(report: (connections: number) => void): Promise<number> {
  let connections = 0;
  const server = net.createServer((sock) => {
    const worker = new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m))", {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2, stackSizeMb: 1 },
    });
    sock.pause(); // until the thread runs
    worker.once('online', () => {
      report(++connections);
      sock.resume();
    });
    sock.on('data', (d: Buffer) => worker.postMessage(d));
    worker.on('message', (d: Uint8Array) => sock.write(d));
    sock.on('close', () => void worker.terminate());
    sock.on('error', () => sock.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', 4096, r));
  return (server.address() as net.AddressInfo).port;
}

/** One select loop for every connection (examples/quickstart.ts, counting its clients). */
async function serveSelect(report: (connections: number) => void): Promise<number> {
  const server = await listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
  const inputs: (Listener | Socket)[] = [server];
  void (async () => {
    for (;;) {
      const [readable] = await select(inputs, [], []);
      for (const s of readable) {
        if (s instanceof Listener) {
          for (let c = s.accept(); c !== null; c = s.accept()) inputs.push(c);
          report(inputs.length - 1);
          continue;
        }
        let data: Buffer | null = null;
        try {
          data = s.recv(65536);
        } catch {
          // a reset: gone, like EOF
        }
        if (data === null) continue;
        if (data.length > 0) s.send(data); // 64 B into an empty 256 KiB send queue: always taken whole
        else {
          inputs.splice(inputs.indexOf(s), 1);
          s.close();
        }
      }
    }
  })();
  const addr = server.getsockname();
  return typeof addr === 'string' ? 0 : addr.port;
}

async function serve(model: Model): Promise<void> {
  let connections = 0;
  const send = (): void => void process.send?.({ port, rss: process.memoryUsage().rss, connections } satisfies ServerReport);
  const port = await (model === 'threads' ? serveThreads : serveSelect)((n) => (connections = n));
  process.on('message', send); // any message asks for a report
  send();
}

// ---- the driver: this process, with N clients doing ping-pong ----

/** A server in a child process, asked for reports over IPC. */
class ServerProcess {
  readonly #child;
  #waiting: ((r: ServerReport) => void)[] = [];
  constructor(model: Model) {
    this.#child = fork(process.argv[1] as string, ['--serve', model], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (r) => this.#waiting.shift()?.(r as ServerReport));
  }
  /** The first report (sent once the server listens), or a fresh one. */
  report(ask = true): Promise<ServerReport> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      if (ask) this.#child.send('report');
    });
  }
  kill(): void {
    this.#child.kill();
  }
}

/** Opens `n` connections to `port` (a few at a time, as a burst would overflow the kernel's backlog). */
async function connectAll(port: number, n: number): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, () => net.connect({ host: '127.0.0.1', port, noDelay: true }));
    await Promise.all(batch.map((s) => new Promise((r, j) => s.once('connect', r).once('error', j))));
    socks.push(...batch);
  }
  return socks;
}

/** Every client sends 64 bytes and waits for them to come back, over and over, for `ms`; round trips/s. */
async function pingPong(socks: net.Socket[], ms: number): Promise<number> {
  for (const s of socks) s.removeAllListeners('data');
  let trips = 0;
  let running = true;
  const finished = socks.map(
    (s) =>
      new Promise<void>((resolve) => {
        let got = 0;
        s.on('data', (d: Buffer) => {
          got += d.length;
          if (got < MESSAGE.length) return;
          got -= MESSAGE.length;
          trips++;
          if (running) s.write(MESSAGE);
          else resolve();
        });
        s.write(MESSAGE);
      }),
  );
  const start = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  running = false;
  const elapsed = (performance.now() - start) / 1000;
  await Promise.all(finished);
  return trips / elapsed;
}

interface Row {
  connections: number;
  model: Model;
  bytesPerConnection: number;
  tripsPerSecond: number;
}

async function measure(model: Model, n: number, ms: number): Promise<Row> {
  const server = new ServerProcess(model);
  try {
    const { port } = await server.report(false);
    const before = await server.report();
    const socks = await connectAll(port, n);
    let now = await server.report();
    while (now.connections < n) now = await server.report(); // every thread started, every socket accepted
    await pingPong(socks, ms / 2); // warm-up: the first turns of a fresh process run unoptimised code
    const tripsPerSecond = await pingPong(socks, ms);
    for (const s of socks) s.destroy();
    return { connections: n, model, bytesPerConnection: (now.rss - before.rss) / n, tripsPerSecond };
  } finally {
    server.kill();
  }
}

const kb = (bytes: number): string => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(0, bytes / 1024).toFixed(1)} KB`);

async function main(quick: boolean): Promise<void> {
  const counts = quick ? [5, 20] : [10, 100, 1000];
  const ms = quick ? 500 : 2000;
  console.log('connections | model                 | memory per connection | round trips/s');
  console.log('----------- | --------------------- | --------------------- | -------------');
  for (const n of counts) {
    for (const model of Object.keys(MODELS) as Model[]) {
      const r = await measure(model, n, ms);
      console.log(
        `${String(n).padStart(11)} | ${MODELS[model].padEnd(21)} | ${kb(r.bytesPerConnection).padStart(21)} | ${Math.round(r.tripsPerSecond).toString().padStart(13)}`,
      );
    }
  }
  console.log('(memory: the server process\'s RSS growth from 0 to N connections, divided by N)');
}

// `--serve MODEL` is internal: how the driver starts each server process.
const { quick, model } = parseOrExit('threads-vs-select [--quick]', () => {
  const { values, flags } = splitArgs(process.argv.slice(2), ['--quick', '--serve MODEL'], 0);
  const m = values.get('--serve');
  if (m !== undefined && !Object.hasOwn(MODELS, m)) throw new UsageError(`--serve takes ${Object.keys(MODELS).join(' or ')}: ${m}`);
  return { quick: flags.has('--quick'), model: m as Model | undefined };
});
if (model !== undefined) void serve(model);
else await main(quick);
