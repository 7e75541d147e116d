/**
 * The command-line glue shared by the echo-server examples (not a lesson of its own): parse `[port]
 * [--flags] [--host H] [--max-connections N] [--idle-timeout MS] [--high-water BYTES] [--low-water BYTES]`,
 * start the server, print the line that scripts wait for, and on Ctrl-C or SIGTERM print the counters and
 * exit at once (the kernel closes every socket with the process).
 */
import type { ServerCaps } from './caps.js';

/** What a server example gives back to its command line. */
export interface Served {
  port: number;
}

/** The parsed command line. */
export interface CommandLine {
  port: number;
  /** `--host H`; default `'127.0.0.1'`. */
  host: string;
  /** The caps given with `--max-connections`, `--idle-timeout`, `--high-water`, `--low-water`. */
  caps: ServerCaps;
  /** Whether a bare `--flag` was given. */
  has(flag: string): boolean;
}

/** The options that take an integer, and the cap each sets. */
const CAP_OPTIONS: Record<string, keyof ServerCaps> = {
  '--max-connections': 'maxConnections',
  '--idle-timeout': 'idleTimeoutMs',
  '--high-water': 'highWater',
  '--low-water': 'lowWater',
};

function parse(args: readonly string[], defaultPort: number): CommandLine | string {
  const caps: ServerCaps = {};
  const flags = new Set<string>();
  let host = '127.0.0.1';
  let portArg: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const cap = CAP_OPTIONS[a];
    if (cap !== undefined || a === '--host') {
      const v = args[++i];
      if (v === undefined) return `${a} needs a value`;
      if (a === '--host') host = v;
      else if (!/^\d+$/.test(v)) return `${a} takes a non-negative integer: ${v}`;
      else caps[cap as keyof ServerCaps] = Number(v);
    } else if (a.startsWith('--')) flags.add(a);
    else portArg = a;
  }
  const port = portArg === undefined ? defaultPort : Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `bad port: ${portArg}`;
  return { port, host, caps, has: (flag) => flags.has(flag) };
}

/**
 * Runs `start(cli)` as a program: exit 2 on a bad argument, 1 (with one line, not a stack) when it cannot
 * listen; otherwise prints `echo server listening on HOST:PORT`, and `summary()` on exit.
 */
export async function serveFromCommandLine<S extends Served>(
  name: string,
  defaultPort: number,
  flags: readonly string[],
  start: (cli: CommandLine) => Promise<S>,
  summary: (server: S) => string,
): Promise<void> {
  const cli = parse(process.argv.slice(2), defaultPort);
  if (typeof cli === 'string') {
    const opts = ['--host H', ...Object.keys(CAP_OPTIONS).map((o) => `${o} N`), ...flags];
    console.error(`usage: ${name} [port] ${opts.map((f) => `[${f}]`).join(' ')}   (${cli})`);
    process.exit(2);
  }
  let srv: S;
  try {
    srv = await start(cli);
  } catch (err) {
    console.error(`${name}: cannot listen on ${cli.host}:${cli.port}: ${(err as { code?: string }).code ?? String(err)}`);
    process.exit(1);
  }
  console.log(`echo server listening on ${cli.host}:${srv.port}`);
  const quit = (): void => {
    console.log(summary(srv));
    process.exit(0);
  };
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
}
