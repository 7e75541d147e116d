/**
 * The command-line glue shared by the echo-server examples (not a lesson of its own): parse `[port]
 * [--flags]`, start the server, print the line that scripts wait for, and on Ctrl-C or SIGTERM print the
 * counters and exit at once (the kernel closes every socket with the process).
 */

/** What a server example gives back to its command line. */
export interface Served {
  port: number;
}

/**
 * Runs `start(port, flags)` as a program: exit 2 on a bad port, 1 (with one line, not a stack) when it
 * cannot listen; otherwise prints `echo server listening on 127.0.0.1:PORT`, and `summary()` on exit.
 */
export async function serveFromCommandLine<S extends Served>(
  name: string,
  defaultPort: number,
  flags: readonly string[],
  start: (port: number, has: (flag: string) => boolean) => Promise<S>,
  summary: (server: S) => string,
): Promise<void> {
  const args = process.argv.slice(2);
  const portArg = args.find((a) => !a.startsWith('--'));
  const port = portArg === undefined ? defaultPort : Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`usage: ${name} [port] ${flags.map((f) => `[${f}]`).join(' ')}   (bad port: ${portArg})`);
    process.exit(2);
  }
  let srv: S;
  try {
    srv = await start(port, (flag) => args.includes(flag));
  } catch (err) {
    console.error(`${name}: cannot listen on 127.0.0.1:${port}: ${(err as { code?: string }).code ?? String(err)}`);
    process.exit(1);
  }
  console.log(`echo server listening on 127.0.0.1:${srv.port}`);
  const quit = (): void => {
    console.log(summary(srv));
    process.exit(0);
  };
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
}
