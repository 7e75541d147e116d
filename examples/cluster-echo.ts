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
 * Try:   nc 127.0.0.1 5004
 */
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import { runEchoServer, type EchoStats } from './echo-server.js';

/** What a worker tells the primary. */
type WorkerMessage = { listening: number } | { stopped: EchoStats };

/** Runs the primary: forks `workers` select loops on `port`; resolves with the port they share. */
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
        });
        w.once('exit', (code) => reject(new Error(`worker ${i} exited (${code}) before listening`)));
      }),
    );
  }
  const [shared] = await Promise.all(ports);
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
  const srv = await runEchoServer({ port: Number(process.env.ECHO_PORT), log: () => {} });
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
  const args = process.argv.slice(2);
  const portArg = args.find((a) => !a.startsWith('--'));
  const port = portArg === undefined ? 5004 : Number(portArg);
  const workersArg = args.find((a) => a.startsWith('--workers='))?.slice('--workers='.length);
  const workers = workersArg === undefined ? os.availableParallelism() : Number(workersArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(workers) || workers < 1) {
    console.error(`usage: cluster-echo [port] [--workers=N]   (got port ${portArg}, workers ${workersArg})`);
    process.exit(2);
  }
  const c = await startCluster(port, workers);
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
