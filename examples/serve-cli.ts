/**
 * The command-line glue shared by the examples (not a lesson of its own): a strict parser of `[port]
 * [--flag] [--option VALUE]` — an unknown option, a missing value, a stray argument or a port that is not
 * 0..65535 in decimal digits is one line on stderr and exit 2, before anything starts — and, for the server
 * examples, the runner that starts the server, prints the line that scripts wait for, and on Ctrl-C or
 * SIGTERM prints the counters and exits at once (the kernel closes every socket with the process).
 */
import { resolveCaps, type ServerCaps } from './caps.js';

/** What a server example gives back to its command line. */
export interface Served {
  port: number;
}

/** The parsed command line. */
export interface CommandLine {
  port: number;
  /** `--host H` when the server takes it; default `'127.0.0.1'`. */
  host: string;
  /** The caps given with the {@link CAP_OPTIONS}, already checked. */
  caps: ServerCaps;
  /** Whether a bare `--flag` was given. */
  has(flag: string): boolean;
}

/** A bad command line: its message is the one line the program prints (after the usage) before exit 2. */
export class UsageError extends Error {}

/** A command line split by the options a program declares (see {@link splitArgs}). */
export interface SplitArgs {
  /** The arguments that are not options, in order. */
  positionals: string[];
  /** The value of each option given with one (`--host H` or `--host=H`); the last one given wins. */
  values: Map<string, string>;
  /** The bare flags given (`--verbose`). */
  flags: Set<string>;
}

/**
 * Splits `args` by `options`: bare flags (`--verbose`) and options that take a value, written with it
 * (`--host H`; the value may also follow `=`). Anything starting with `-` (but `-1`) is an option.
 * @throws UsageError on an unknown option, a value missing (or given to a bare flag), or more than
 *   `maxPositionals` other arguments.
 * @example splitArgs(['5002', '--workers=2'], ['--workers N'], 1) // positionals ['5002'], values {--workers: '2'}
 */
export function splitArgs(args: readonly string[], options: readonly string[], maxPositionals: number): SplitArgs {
  const valued = new Set(options.filter((o) => o.includes(' ')).map((o) => o.split(' ')[0]));
  const bare = new Set(options.filter((o) => !o.includes(' ')));
  const out: SplitArgs = { positionals: [], values: new Map(), flags: new Set() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('-') || /^-\d/.test(a)) {
      if (out.positionals.length === maxPositionals) {
        throw new UsageError(maxPositionals === 0 ? `unexpected argument: ${a}` : `too many arguments: ${a}`);
      }
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (bare.has(name)) {
      if (eq >= 0) throw new UsageError(`${name} takes no value: ${a}`);
      out.flags.add(name);
    } else if (valued.has(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new UsageError(`${name} needs a value`);
      out.values.set(name, v);
    } else {
      throw new UsageError(`unknown option: ${name}`);
    }
  }
  return out;
}

/**
 * `text` as an integer from `min` to `max`: decimal digits only (no sign, no `0x`, no exponent, not empty).
 * @throws UsageError naming `what` otherwise.
 */
export function parseInteger(what: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (n > Number.MAX_SAFE_INTEGER) throw new UsageError(`${what} is too large: ${text}`);
  if (!(n >= min && n <= max)) {
    const range = max < Number.MAX_SAFE_INTEGER ? `an integer from ${min} to ${max}`
      : min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    throw new UsageError(`${what} takes ${range}: ${text === '' ? "''" : text}`);
  }
  return n;
}

/** The port in `text` (decimal digits, 0..65535; 0 picks a free one), or `defaultPort` when it is absent. @throws UsageError. */
export function parsePort(text: string | undefined, defaultPort: number): number {
  if (text === undefined) return defaultPort;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new UsageError(`bad port: ${text === '' ? "''" : text} (0..65535, decimal)`);
  return Number(text);
}

/**
 * Runs `parse`; on a {@link UsageError} prints `usage: USAGE   (the problem)` on stderr, one line, and
 * exits 2. Other errors pass through.
 */
export function parseOrExit<T>(usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`usage: ${usage}   (${err.message})`);
    process.exit(2);
  }
}

const CAPS: Record<string, keyof ServerCaps> = {
  '--max-connections': 'maxConnections',
  '--idle-timeout': 'idleTimeoutMs',
  '--high-water': 'highWater',
  '--low-water': 'lowWater',
};
const CAP_FLAGS = Object.fromEntries(Object.entries(CAPS).map(([flag, cap]) => [cap, flag])) as Record<keyof ServerCaps, string>;

/** The options of a server that takes `--host` and the caps (examples/caps.ts); each takes a value. */
export const CAP_OPTIONS = ['--host H', '--max-connections N', '--idle-timeout MS', '--high-water BYTES', '--low-water BYTES'] as const;

/** `options`: see {@link splitArgs}; the caps are checked as the server will check them, up to `maxConnections`. */
function parse(args: readonly string[], defaultPort: number, options: readonly string[], maxConnections: number): CommandLine {
  const { positionals, values, flags } = splitArgs(args, options, 1);
  const caps: ServerCaps = {};
  for (const [flag, v] of values) {
    const cap = CAPS[flag];
    if (cap !== undefined) caps[cap] = parseInteger(flag, v, 0);
  }
  try {
    resolveCaps(caps, maxConnections, maxConnections, CAP_FLAGS);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const port = parsePort(positionals[0], defaultPort);
  return { port, host: values.get('--host') ?? '127.0.0.1', caps, has: (flag) => flags.has(flag) };
}

/**
 * Runs `start(port, has, cli)` as a program: exit 2 on a bad argument (a cap above `maxConnections`
 * included), 1 (with one line, not a stack) when it cannot listen; otherwise prints
 * `echo server listening on HOST:PORT`, and `summary()` on exit.
 */
export async function serveFromCommandLine<S extends Served>(
  name: string,
  defaultPort: number,
  options: readonly string[],
  start: (port: number, has: (flag: string) => boolean, cli: CommandLine) => Promise<S>,
  summary: (server: S) => string,
  maxConnections = Number.MAX_SAFE_INTEGER,
): Promise<void> {
  const usage = [name, '[port]', ...options.map((f) => `[${f}]`)].join(' ');
  const cli = parseOrExit(usage, () => parse(process.argv.slice(2), defaultPort, options, maxConnections));
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
