/**
 * The examples' command lines, given garbage: each bad command line is one line on stderr naming the
 * problem, exit 2 (1 for a port in use), no stack trace, nothing on stdout (nothing started), and a prompt
 * exit. Every case runs at once, each in its own process; the parser itself is checked in process.
 */
import net from 'node:net';
import t from 'tap';
import { resolveCaps } from '../examples/caps.js';
import { listen } from '../lib/index.js';
import { runChatServer } from '../examples/chat-server.js';
import { SELECT_MAX_CONNECTIONS, runEchoServer } from '../examples/echo-server.js';
import { serve } from '../examples/framed-server.js';
import { UsageError, parseInteger, parsePort, splitArgs } from '../examples/serve-cli.js';
import { runTs, within, type Child } from './fixtures/helpers.js';

/** Generous: the cases start together on a shared machine. A hang fails here; no timing is asserted. */
const KILL_AFTER_MS = 60_000;

/** A bad command line: the example, its arguments, what stderr must name, and the exit code. */
interface Case {
  file: string;
  args: string[];
  names: RegExp;
  code?: number;
}

/** Runs every case of a bug in its own process at once (started at load, so all bugs run together). */
function bug(name: string, cases: Case[]): void {
  const children: [Case, Child][] = cases.map((c) => [c, runTs(t, `examples/${c.file}.ts`, c.args)]);
  t.test(`bug: ${name}`, async (t) => {
    for (const [c, child] of children) {
      const what = `${c.file} ${c.args.map((a) => JSON.stringify(a)).join(' ')}`;
      const code = await within(child.exited, `${what} to exit`, KILL_AFTER_MS);
      const err = child.err();
      t.equal(code, c.code ?? 2, `${what}: exit code ${c.code ?? 2} (stderr: ${err})`);
      t.equal(err.trimEnd().split('\n').length, 1, `${what}: one line on stderr`);
      t.match(err, c.names, `${what}: stderr names the problem`);
      t.notMatch(err, /^\s+at /m, `${what}: no stack trace`);
      t.equal(child.out(), '', `${what}: nothing started (stdout empty)`);
    }
  });
}

// A port in use, held by this process for the whole file.
const busy = net.createServer();
await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
t.teardown(() => busy.close());
const busyPort = String((busy.address() as net.AddressInfo).port);

bug('an empty port listened on a random port', [
  { file: 'echo-server', args: [''], names: /bad port: ''/ },
  { file: 'cluster-echo', args: [''], names: /bad port: ''/ },
  { file: 'quickstart', args: [''], names: /a port is 0\.\.65535.*\[""\]/ },
]);

bug("'1e3' was port 1000 (of several ports the last won: see the parser's test)", [
  { file: 'epoll-echo-server', args: ['1e3'], names: /bad port: 1e3/ },
]);

bug('unknown flags were ignored (threads-vs-select --quik started the full run)', [
  { file: 'cluster-echo', args: ['0', '--wrkers=2'], names: /unknown option: --wrkers/ },
  { file: 'threads-vs-select', args: ['--quik'], names: /unknown option: --quik/ },
  { file: 'demo', args: ['--foo'], names: /unknown option: --foo/ },
]);

bug('udp-echo-server --high-water 0 bound a random port (a flag it does not take made its value the port)', [
  { file: 'udp-echo-server', args: ['--high-water', '0'], names: /unknown option: --high-water/ },
]);

bug('echo-server --max-connections 2000 crashed at the 1022nd client (FD_SETSIZE)', [
  { file: 'echo-server', args: ['0', '--max-connections', '2000'], names: /--max-connections .*1 to 1000, got 2000/ },
]);

bug('cluster-echo --workers=1e9 forked until killed', [
  { file: 'cluster-echo', args: ['0', '--workers=1e9'], names: /--workers takes .*: 1e9/ },
]);

bug('a port in use printed stack traces (three for cluster-echo)', [
  { file: 'cluster-echo', args: [busyPort, '--workers=1'], names: /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/, code: 1 },
  { file: 'quickstart', args: [busyPort], names: /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/, code: 1 },
]);

bug("c10k threw from parseArgs on --foo, and ran --sizes '' as a size of 0", [
  { file: 'c10k', args: ['--foo'], names: /unknown option: --foo/ },
  { file: 'c10k', args: ['--sizes', ''], names: /--sizes takes a positive integer: ''/ },
]);

bug('bad cap values were reported as listen failures', [
  { file: 'echo-server', args: ['0', '--high-water', '0'], names: /^(?!.*cannot listen).*--high-water must be an integer >= 1, got 0/ },
  { file: 'epoll-echo-server', args: ['0', '--idle-timeout', '99999999999999999999'], names: /^(?!.*cannot listen).*--idle-timeout is too large/ },
]);

bug('threads-vs-select --serve bogus hung', [
  { file: 'threads-vs-select', args: ['--serve', 'bogus'], names: /--serve takes threads or select: bogus/ },
]);

t.test('the shared parser: strict ports, integers and options', async (t) => {
  const usage = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      if (err instanceof UsageError) return err.message;
      throw err;
    }
    return 'no error';
  };
  for (const bad of ['', '0x10', '1e3', ' 1', '1.0', '-1', '+1', '65536']) t.match(usage(() => parsePort(bad, 1)), /^bad port/, `port ${JSON.stringify(bad)}`);
  t.equal(parsePort('65535', 1), 65535);
  t.equal(parsePort(undefined, 5002), 5002);
  t.equal(parseInteger('--n', '007', 1, 10), 7);
  t.match(usage(() => parseInteger('--n', '11', 1, 10)), '--n takes an integer from 1 to 10: 11');
  t.match(usage(() => parseInteger('--rounds', '-1', 1)), '--rounds takes a positive integer: -1');
  // cluster-echo --workers 2 listened on port 2: a value is the option's, in either spelling.
  for (const args of [['--workers', '2'], ['--workers=2']]) {
    const got = splitArgs(args, ['--workers N'], 1);
    t.same([got.positionals, got.values.get('--workers')], [[], '2'], args.join(' '));
  }
  t.match(usage(() => splitArgs(['--workers', '--verbose'], ['--workers N', '--verbose'], 1)), '--workers needs a value');
  t.match(usage(() => splitArgs(['-v'], [], 1)), 'unknown option: -v');
  t.match(usage(() => splitArgs(['--sizes'], ['--sizes LIST'], 0)), '--sizes needs a value');
  t.match(usage(() => splitArgs(['--verbose=1'], ['--verbose'], 1)), '--verbose takes no value');
  t.match(usage(() => splitArgs(['5002', '5003'], [], 1)), 'too many arguments: 5003', 'of several ports the last won');
  t.match(usage(() => splitArgs(['extra'], [], 0)), 'unexpected argument: extra');
});

t.test('the caps name the flag that is out of range', async (t) => {
  const flags = { maxConnections: '--max-connections', idleTimeoutMs: '--idle-timeout', highWater: '--high-water', lowWater: '--low-water' };
  t.throws(() => resolveCaps({ lowWater: 9, highWater: 5 }, 10, 10, flags), /--low-water \(9\) must not exceed --high-water \(5\)/);
  t.throws(() => resolveCaps({ maxConnections: 0 }, 10, 10, flags), /--max-connections must be an integer from 1 to 10, got 0/);
  t.throws(() => resolveCaps({ maxConnections: 1001 }, SELECT_MAX_CONNECTIONS, SELECT_MAX_CONNECTIONS), /maxConnections must be an integer from 1 to 1000/);
});

t.test('every server on select refuses a maxConnections past FD_SETSIZE, before it listens (chat and framed took any)', async (t) => {
  const over = /maxConnections must be an integer from 1 to 1000, got 2000/;
  await t.rejects(runEchoServer({ port: 0, maxConnections: 2000 }), over, 'echo');
  await t.rejects(runChatServer({ port: 0, maxConnections: 2000 }), over, 'chat');
  const l = await listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => l.close());
  await t.rejects(serve(l, { maxConnections: 2000 }), over, 'framed');
});
