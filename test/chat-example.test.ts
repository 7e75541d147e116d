/**
 * examples/chat-server.ts and examples/chat-client.ts: the room run as users run it (clients typing into
 * pipes), a leaving or resetting client never stops the room, and a client that stops reading is dropped
 * once its queued output passes the cap.
 */
import net from 'node:net';
import t from 'tap';
import { parseChatArgs, runChatServer, type ChatServer, type ChatServerOptions } from '../examples/chat-server.js';
import { LONG_TEST, runTs, until, within, type Child } from './fixtures/helpers.js';

type Cleanup = { teardown(fn: () => unknown): void };

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A chat client as a program, its stdin a pipe; resolves with the name the room gave it. */
async function clientT(t: Cleanup, port: string, online: number): Promise<{ child: Child; name: string }> {
  const child = runTs(t, 'examples/chat-client.ts', ['127.0.0.1', port], 'pipe');
  const [, name] = await child.line(new RegExp(`^\\* welcome, (\\S+): ${online} in the room$`));
  return { child, name: name as string };
}

/** Types `text` into a client, as a person at the keyboard would (a line at a time). */
function type(c: { child: Child }, text: string): void {
  c.child.proc.stdin?.write(text);
}

t.test('as programs through pipes: lines reach everyone else, joins and leaves are announced, EOF leaves', async (t) => {
  const server = runTs(t, 'examples/chat-server.ts', ['0']);
  const [, port] = (await server.line(/^chat server listening on 127\.0\.0\.1:(\d+)$/)) as [string, string];
  const a = await clientT(t, port, 1);
  const b = await clientT(t, port, 2);
  await a.child.line(new RegExp(`^\\* ${esc(b.name)} joined$`));

  type(a, 'hello from A\n');
  await b.child.line(new RegExp(`^\\[${esc(a.name)}\\] hello from A$`));
  type(b, 'hi from ');
  type(b, 'B\n'); // half a line, then the rest: the server frames lines, not recv calls
  await a.child.line(new RegExp(`^\\[${esc(b.name)}\\] hi from B$`));
  // A's own line was queued to A before B's (one server loop, in order), had the server sent it back.
  t.notMatch(a.child.out(), /hello from A/, 'a line does not come back to its sender');

  a.child.proc.stdin?.end(); // Ctrl-D
  t.equal(await within(a.child.exited, 'client A exits after EOF on stdin', 15_000), 0);
  t.match(a.child.out(), /\* disconnected\n$/);
  t.equal(a.child.err(), '');
  await b.child.line(new RegExp(`^\\* ${esc(a.name)} left$`));

  const c = await clientT(t, port, 2);
  type(b, 'still here\n');
  await c.child.line(new RegExp(`^\\[${esc(b.name)}\\] still here$`));
  t.pass('the room goes on after a client left');

  server.proc.kill('SIGTERM');
  t.equal(await within(server.exited, 'server exits on SIGTERM', 5000), 0);
  t.match(server.out(), /stopped: 3 joined, 1 left, 0 dropped, 3 lines relayed/);
});

t.test('the client reports a refused connection in one line and exits 1', async (t) => {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  const child = runTs(t, 'examples/chat-client.ts', ['127.0.0.1', String(port)], 'pipe');
  t.equal(await within(child.exited, 'exit', 15_000), 1);
  t.equal(child.err(), `chat-client: 127.0.0.1:${port}: ECONNREFUSED\n`);
});

/** A chat server in this process, stopped at teardown. */
async function chatT(t: Cleanup, opts: ChatServerOptions = {}): Promise<ChatServer> {
  const srv = await runChatServer({ port: 0, timeoutMs: 50, log: () => {}, ...opts });
  t.teardown(() => srv.stop());
  return srv;
}

/** A plain TCP client of the room that collects what it receives; destroyed at teardown. */
async function member(t: Cleanup, port: number): Promise<{ sock: net.Socket; text: () => string; name: string }> {
  const sock = net.connect({ host: '127.0.0.1', port });
  t.teardown(() => sock.destroy());
  let text = '';
  sock.setEncoding('utf8').on('data', (d: string) => (text += d));
  sock.on('error', () => {});
  await until(() => /\* welcome, (\S+):/.test(text), 'the welcome line', 10_000);
  const name = (/\* welcome, (\S+):/.exec(text) as RegExpExecArray)[1] as string;
  return { sock, text: () => text, name };
}

t.test('a client that resets never stops the room', async (t) => {
  const srv = await chatT(t);
  const x = await member(t, srv.port);
  const y = await member(t, srv.port);
  const z = await member(t, srv.port);
  await until(() => srv.online() === 3, 'three in the room');
  x.sock.write('half a line, then gone');
  x.sock.resetAndDestroy();
  await until(() => z.text().includes(`* ${x.name} left`), 'the leave announced');
  y.sock.write('anyone?\n');
  await until(() => z.text().includes(`[${y.name}] anyone?\n`), 'the next line relayed', 10_000);
  t.equal(srv.stats.left, 1);
});

t.test('a client that stops reading is dropped once its queued output passes the cap; the room goes on', async (t) => {
  const srv = await chatT(t, { cap: 256 * 1024 });
  const slow = await member(t, srv.port);
  slow.sock.pause(); // it never reads again: the kernel's buffers fill, then the server's queue for it
  const talker = await member(t, srv.port);
  const listener = await member(t, srv.port);
  await until(() => srv.online() === 3, 'three in the room');
  const block = Buffer.from(`${'x'.repeat(1023)}\n`.repeat(64)); // 64 lines of 1 KiB
  let sent = 0;
  // Bounded: loopback buffers hold a few MB; past 256 MB the cap is not working.
  while (srv.stats.dropped === 0 && sent < 256 * 1024 * 1024) {
    if (!talker.sock.write(block)) await new Promise((r) => talker.sock.once('drain', r));
    sent += block.length;
  }
  t.equal(srv.stats.dropped, 1, `dropped after ${(sent / 1e6).toFixed(1)} MB`);
  await until(() => listener.text().includes(`* ${slow.name} was dropped: too slow to read\n`), 'the drop announced', 10_000);
  talker.sock.write('after the drop\n');
  await until(() => listener.text().endsWith(`[${talker.name}] after the drop\n`), 'the room goes on', 10_000);
  t.equal(srv.online(), 2);
});

t.test('bug: the 1022nd client crashed the chat server (no connection cap below FD_SETSIZE)', LONG_TEST, async (t) => {
  const server = runTs(t, 'examples/chat-server.ts', ['0']);
  const [, port] = (await server.line(/^chat server listening on 127\.0\.0\.1:(\d+)$/)) as [string, string];
  /** Connects; resolves 'welcome' or 'refused' (EOF first), and keeps the socket open. */
  const join = (): Promise<{ sock: net.Socket; got: 'welcome' | 'refused' }> =>
    new Promise((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port: Number(port) });
      t.teardown(() => sock.destroy());
      sock.on('error', () => resolve({ sock, got: 'refused' }));
      sock.once('data', (d: Buffer) => {
        resolve({ sock, got: d.toString().startsWith('* welcome') ? 'welcome' : 'refused' });
        sock.resume(); // the joins of the others: read and forgotten
      });
      sock.once('end', () => resolve({ sock, got: 'refused' }));
    });
  const members: net.Socket[] = [];
  let refused = 0;
  for (let i = 0; i < 1030; i += 250) {
    // In batches: each join is announced to the whole room, and one server turn queues a batch at once.
    for (const r of await Promise.all(Array.from({ length: Math.min(250, 1030 - i) }, join))) {
      if (r.got === 'welcome') members.push(r.sock);
      else refused++;
    }
  }
  t.equal(members.length, 1000, 'the room holds 1000');
  t.equal(refused, 30, 'the rest are accepted and closed at once');
  (members.pop() as net.Socket).destroy();
  let again = await join(); // refused until the server has seen the leave
  for (let tries = 1; again.got !== 'welcome' && tries < 100; tries++) again = await join();
  t.equal(again.got, 'welcome', 'a place again once a member leaves');
  server.proc.kill('SIGTERM');
  t.equal(await within(server.exited, 'the server still runs, and exits on SIGTERM', 10_000), 0);
  t.match(server.out(), /stopped: 1001 joined, 1 left, 0 dropped, 0 lines relayed, \d+ refused/);
  t.equal(server.err(), '');
});

t.test('bug: a long line lost a byte at each cut, and a UTF-8 character on the cut became U+FFFD', async (t) => {
  const srv = await chatT(t, { maxLine: 4096 });
  const a = await member(t, srv.port);
  const b = await member(t, srv.port);
  await until(() => srv.online() === 2, 'two in the room');
  const body = (): string => b.text().split('\n').filter((l) => l.startsWith(`[${a.name}] `)).map((l) => l.slice(a.name.length + 3)).join('');
  const numbered = Array.from({ length: 500 }, (_, i) => `${String(i).padStart(9, '0')}|`).join(''); // 5000 bytes
  a.sock.write(numbered);
  await until(() => srv.stats.lines === 1, 'the first piece relayed');
  a.sock.write('\n');
  await until(() => srv.stats.lines === 2, 'the rest relayed at the newline');
  await until(() => body().length >= numbered.length, 'both pieces received', 10_000);
  t.equal(body(), numbered, 'every byte, in order');

  const straddle = `${'x'.repeat(4094)}\u00e9yyyy`; // é is bytes 4094-4095: it ends where the cut falls
  const across = `${'x'.repeat(4095)}\u00e9yyyy`; // é is bytes 4095-4096: across the cut
  for (const text of [straddle, across]) {
    const before = body().length;
    a.sock.write(`${text}\n`);
    await until(() => body().length >= before + text.length, 'the pieces received', 10_000);
    t.equal(body().slice(before), text, `no byte lost, no U+FFFD (${Buffer.byteLength(text)} bytes)`);
  }
});

t.test('bug: the chat server took bad command lines (--cap 0.5, --cap 1e400, unknown flags, odd ports)', async (t) => {
  for (const args of [['--cap', '0.5'], ['--cap', '1e400'], ['--cap', '0'], ['--cap'], ['--verbose'], [''], ['0x10'], ['65536'], ['1', '2']]) {
    const why = parseChatArgs(args);
    t.type(why, 'string', `${JSON.stringify(args)} refused: ${String(why)}`);
  }
  t.same(parseChatArgs([]), { port: 5005 });
  t.same(parseChatArgs(['0', '--cap', '4096']), { port: 0, cap: 4096 });
  // As a program: one line on stderr, exit 2, nothing printed as listening.
  const children = [['--cap', '1e400'], ['0x10']].map((args) => ({ args, child: runTs(t, 'examples/chat-server.ts', args) }));
  for (const { args, child } of children) {
    t.equal(await within(child.exited, `chat-server ${args.join(' ')} exits`, 30_000), 2);
    t.match(child.err(), /^chat-server: [^\n]+; usage: chat-server \[port\] \[--cap BYTES\]\n$/, 'one line');
    t.equal(child.out(), '');
  }
});
