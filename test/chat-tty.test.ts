/**
 * examples/chat-client.ts in a real terminal (a tmux pane), as a person uses it: the keys typed reach the
 * room, what the room says appears on the screen, Ctrl-D leaves. stdin and stdout are TTYs here, not pipes.
 *
 * Needs tmux; when it is missing the test runs .ci/install-tmux.sh once, and skips (saying so) only if
 * tmux still cannot be found.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { ROOT, nodeArgs, runTs, until } from './fixtures/helpers.js';

function haveTmux(): boolean {
  return spawnSync('tmux', ['-V']).status === 0;
}
const tmuxReady = haveTmux() || (spawnSync('bash', [path.join(ROOT, '.ci/install-tmux.sh')], { stdio: 'ignore' }).status === 0 && haveTmux());
const skip = tmuxReady ? false : 'tmux is not installed and .ci/install-tmux.sh could not install it';

/** tmux on a server of this test's own (-L), so nothing else in the machine's tmux is touched. */
const SERVER = `net-select-test-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SERVER, ...args], { encoding: 'utf8' });

/** Waits (bounded) until the pane shows `text`; fails with the screen as it is. */
async function screenShows(text: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const screen = tmux('capture-pane', '-p', '-t', 'chat');
    if (screen.includes(text)) return;
    if (performance.now() > deadline) throw new Error(`the terminal did not show ${JSON.stringify(text)}; it shows:\n${screen}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('in a terminal: typed lines reach the room (stdout\'s TTY handle does not steal the keys), the room appears on screen, Ctrl-D leaves', { skip }, async (t) => {
  const server = runTs(t, 'examples/chat-server.ts', ['0']);
  const [, port] = (await server.line(/^chat server listening on 127\.0\.0\.1:(\d+)$/)) as [string, string];

  // A shell in the pane runs the client, then says how it exited, and stays so the screen can be read.
  const cmd = `${[process.execPath, ...nodeArgs('examples/chat-client.ts')].map((a) => `'${a}'`).join(' ')} 127.0.0.1 ${port}; echo "[exited $?]"; sleep 600`;
  tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'chat', '-x', '100', '-y', '30', '-c', ROOT, cmd);
  t.teardown(() => spawnSync('tmux', ['-L', SERVER, 'kill-server']));
  await screenShows('* welcome, ');
  const name = (/\* welcome, (\S+):/.exec(tmux('capture-pane', '-p', '-t', 'chat')) as RegExpExecArray)[1] as string;

  let heard = '';
  const other = net.connect({ host: '127.0.0.1', port: Number(port) });
  t.teardown(() => other.destroy());
  other.setEncoding('utf8').on('data', (d: string) => (heard += d));
  await until(() => heard.includes('* welcome, '), 'the other member joined', 10_000);
  const otherName = (/\* welcome, (\S+):/.exec(heard) as RegExpExecArray)[1] as string;
  await screenShows(`* ${otherName} joined`);

  other.write('hi from the net\n');
  await screenShows(`[${otherName}] hi from the net`);
  t.pass('what the room says appears on the screen');

  tmux('send-keys', '-t', 'chat', 'hello from the terminal', 'Enter');
  await until(() => heard.includes(`[${name}] hello from the terminal\n`), 'the typed line in the room', 10_000);
  t.pass('a typed line reaches the room');

  tmux('send-keys', '-t', 'chat', 'C-d');
  await screenShows('* disconnected');
  await screenShows('[exited 0]');
  await until(() => heard.includes(`* ${name} left\n`), 'the leave announced', 10_000);
  t.pass('Ctrl-D leaves the room and the client exits 0');
});
