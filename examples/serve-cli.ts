/**
 * The command-line glue shared by the server examples (not a lesson of its own): parse `[port] [--flag]
 * [--option VALUE]`, start the server, print the line that scripts wait for, and on Ctrl-C or SIGTERM print
 * the counters and exit at once (the kernel closes every socket with the process).
 */
import type { ServerCaps } from './caps.js';

/** What a server example gives back to its command line. */
export interface Served {
  port: number;
}

/** The parsed command line. */
export interface CommandLine {
  port: number;
  /** `--host H` when the server takes it; default `'127.0.0.1'`. */
  host: string;
  /** The caps given with the {@link CAP_OPTIONS}. */
  caps: ServerCaps;
  /** Whether a bare `--flag` was given. */
  has(flag: string): boolean;
}

const CAPS: Record<string, keyof ServerCaps> = {
  '--max-connections': 'maxConnections',
  '--idle-timeout': 'idleTimeoutMs',
  '--high-water': 'highWater',
  '--low-water': 'lowWater',
};

/** The options of a server that takes `--host` and the caps (examples/caps.ts); each takes a value. */
export const CAP_OPTIONS = ['--host H', '--max-connections N', '--idle-timeout MS', '--high-water BYTES', '--low-water BYTES'] as const;

/** `options`: bare flags (`--verbose`) and options that take a value, written with it (`--host H`). */
function parse(args: readonly string[], defaultPort: number, options: readonly string[]): CommandLine | string {
  const valued = new Set(options.filter((o) => o.includes(' ')).map((o) => o.split(' ')[0]));
  const caps: ServerCaps = {};
  const flags = new Set<string>();
  let host = '127.0.0.1';
  let portArg: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (valued.has(a)) {
      const v = args[++i];
      if (v === undefined) return `${a} needs a value`;
      const cap = CAPS[a];
      if (cap === undefined) host = v;
      else if (!/^\d+$/.test(v)) return `${a} takes a non-negative integer: ${v}`;
      else caps[cap] = Number(v);
    } else if (a.startsWith('--')) flags.add(a);
    else portArg = a;
  }
  const port = portArg === undefined ? defaultPort : Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `bad port: ${portArg}`;
  return { port, host, caps, has: (flag) => flags.has(flag) };
}

/**
 * Runs `start(port, has, cli)` as a program: exit 2 on a bad argument, 1 (with one line, not a stack) when
 * it cannot listen; otherwise prints `echo server listening on HOST:PORT`, and `summary()` on exit.
 */
export async function serveFromCommandLine<S extends Served>(
  name: string,
  defaultPort: number,
  options: readonly string[],
  start: (port: number, has: (flag: string) => boolean, cli: CommandLine) => Promise<S>,
  summary: (server: S) => string,
): Promise<void> {
  const cli = parse(process.argv.slice(2), defaultPort, options);
  if (typeof cli === 'string') {
    console.error(`usage: ${name} [port] ${options.map((f) => `[${f}]`).join(' ')}   (${cli})`);
    process.exit(2);
  }
  let srv: S;
  try {
    srv = await start(cli.port, cli.has, cli);
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
