/**
 * The select() echo server on more than one core: `node:cluster` forks workers, and each runs its own select
 * loop (`examples/echo-server.ts`, unchanged) on the same port — as nginx runs one epoll loop per worker.
 *
 * Teaches: a select loop is one thread's loop; it scales by running one loop per core, not by making the
 * loop itself parallel. The primary process only starts the workers and hands each new connection to one of
 * them (Node's round-robin); after that a connection lives in one worker, and that worker's select loop
 * sees only its own sockets (descriptor numbers are per process, as they are per process in POSIX). Past one
 * machine, the next step is a load balancer in front (nginx, HAProxy, a cloud balancer) — nothing home-made.
 *
 * Run:   npx tsx examples/cluster-echo.ts [port] [--workers=N]     (default port 5004, N = number of cores)
 *        node dist/examples/cluster-echo.js 5004 --workers=2         (after `npm run build`)
 *        N is 1 to 4 x the number of cores (os.availableParallelism()): more loops than that only compete
 *        for the same cores. `--workers N` works too. A port in use is one line and exit 1.
 * Try:   nc 127.0.0.1 5004
 */
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import { runEchoServer, type EchoStats } from './echo-server.js';
import { parseInteger, parseOrExit, parsePort, splitArgs } from './serve-cli.js';

/** What a worker tells the primary: its port, why it could not listen, or its counters once stopped. */
type WorkerMessage = { listening: number } | { failed: string } | { stopped: EchoStats };

/** The most workers the command line takes: more select loops than cores only take turns on them. */
export const MAX_WORKERS = 4 * os.availableParallelism();

/**
 * Runs the primary: forks `workers` select loops on `port`; resolves with the port they share. Rejects
 * (after stopping every worker) with `cannot listen on 127.0.0.1:PORT: CODE` when a worker cannot listen.
 */
export async function startCluster(port: number, workers: number): Promise<{
  port: number;
  /** Stops every worker; resolves with each one's counters. */
  stop(): Promise<EchoStats[]>;
}> {
  const forked: Worker[] = [];
  const ports: Promise<number>[] = [];
  for (let i = 0; i < workers; i++) {
    // Port 0 in every worker is the same free port: the primary listens once and shares it.
    const w = cluster.fork({ ECHO_PORT: String(port) });
    forked.push(w);
    ports.push(
      new Promise((resolve, reject) => {
        w.on('message', (m: WorkerMessage) => {
          if ('listening' in m) resolve(m.listening);
          if ('failed' in m) reject(new Error(`cannot listen on 127.0.0.1:${port}: ${m.failed}`));
        });
        w.once('exit', (code) => reject(new Error(`worker ${i} exited (${code}) before listening`)));
      }),
    );
  }
  let shared: number | undefined;
  try {
    [shared] = await Promise.all(ports);
  } catch (err) {
    for (const w of forked) w.kill();
    throw err;
  }
  return {
    port: shared as number,
    stop: () =>
      Promise.all(
        forked.map(
          (w) =>
            new Promise<EchoStats>((resolve) => {
              w.on('message', (m: WorkerMessage) => {
                if ('stopped' in m) resolve(m.stopped);
              });
              w.send('stop');
            }),
        ),
      ),
  };
}

/** Runs one worker: the select echo loop, quiet, until the primary says stop. */
async function runWorker(): Promise<void> {
  let srv: Awaited<ReturnType<typeof runEchoServer>>;
  try {
    srv = await runEchoServer({ port: Number(process.env.ECHO_PORT), log: () => {} });
  } catch (err) {
    // The primary says it, once: not a stack trace from every worker.
    process.send?.({ failed: (err as { code?: string }).code ?? String(err) } satisfies WorkerMessage, () => process.exit(1));
    return;
  }
  process.send?.({ listening: srv.port } satisfies WorkerMessage);
  process.on('message', (m) => {
    if (m !== 'stop') return;
    void srv.stop().then((stats) => {
      process.send?.({ stopped: stats } satisfies WorkerMessage, () => process.exit(0));
    });
  });
}

if (cluster.isWorker) {
  void runWorker();
} else if (process.argv[1] && /cluster-echo\.[jt]s$/.test(process.argv[1])) {
  const { port, workers } = parseOrExit('cluster-echo [port] [--workers=N]', () => {
    const { positionals, values } = splitArgs(process.argv.slice(2), ['--workers N'], 1);
    const n = values.get('--workers');
    return {
      port: parsePort(positionals[0], 5004),
      workers: n === undefined ? os.availableParallelism() : parseInteger('--workers', n, 1, MAX_WORKERS),
    };
  });
  let c: Awaited<ReturnType<typeof startCluster>>;
  try {
    c = await startCluster(port, workers);
  } catch (err) {
    console.error(`cluster-echo: ${(err as Error).message}`);
    process.exit(1);
  }
  console.log(`echo server listening on 127.0.0.1:${c.port} (${workers} select loops)`);
  let quitting = false;
  const quit = (): void => {
    if (quitting) return;
    quitting = true;
    void c.stop().then((all) => {
      const sum = (k: keyof EchoStats): number => all.reduce((n, s) => n + s[k], 0);
      console.log(`stopped: ${all.length} workers, ${sum('clients')} clients, ${sum('bytesEchoed')} bytes echoed ` +
        `(per worker: ${all.map((s) => s.clients).join(', ')} clients)`);
      process.exit(0);
    });
  };
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
}
