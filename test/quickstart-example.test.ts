/** The README's quickstart: the README shows exactly examples/quickstart.ts, and that program echoes. */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { ROOT, netClient, receivedAtLeast, runTs, within } from './fixtures/helpers.js';

t.test('the README quickstart is examples/quickstart.ts, with the package name in the import', async (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quickstart'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  t.ok(block, 'the README has a ts block under "Quickstart"');
  const file = readFileSync(join(ROOT, 'examples/quickstart.ts'), 'utf8');
  const code = file.slice(file.indexOf('import {')).replace("from '../lib/index.js';", "from 'net-select';");
  t.equal(block, code);
});

t.test('the quickstart echoes to concurrent clients and survives a client that resets', async (t) => {
  const child = runTs(t, 'examples/quickstart.ts', ['0']);
  const [, port] = await child.line(/listening on .*"port":(\d+)/);
  const rude = net.connect({ host: '127.0.0.1', port: Number(port) });
  await new Promise((r) => rude.once('connect', r));
  rude.resetAndDestroy();
  const msgs = ['hello', 'select', 'world'].map((m) => Buffer.from(m.repeat(1000)));
  const echoes = msgs.map((m) =>
    netClient(Number(port), async (sock, received) => {
      sock.write(m);
      await receivedAtLeast(sock, received, m.length);
      sock.end();
    }),
  );
  const got = await within(Promise.all(echoes), 'three echoes', 10_000);
  got.forEach((g, i) => t.ok(g.equals(msgs[i] as Buffer), `client ${i} got its bytes back`));
  t.equal(child.proc.exitCode, null, 'still serving');
});

t.test('the quickstart loses no byte to a slow reader: partial sends wait in the write list, even past EOF', async (t) => {
  const child = runTs(t, 'examples/quickstart.ts', ['0']);
  const [, port] = await child.line(/listening on .*"port":(\d+)/);
  // 16 MiB sent before reading a byte: more than the kernel's buffers (about 10 MiB on loopback here) and
  // the server's send queue hold, so the server's send() takes only part of an echo and must keep the rest.
  // (The quickstart that dropped what send() did not take lost bytes here.)
  const message = Buffer.alloc(16 << 20, 'slow reader ');
  const sock = net.connect({ host: '127.0.0.1', port: Number(port), allowHalfOpen: true });
  t.teardown(() => sock.destroy());
  sock.pause();
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.end(message, resolve); // all of it handed to the kernel, and our FIN after it
  });
  const parts: Buffer[] = [];
  sock.on('data', (d: Buffer) => parts.push(d)).resume();
  await within(new Promise((resolve) => sock.once('end', resolve)), 'the whole echo, then EOF', 30_000);
  const echoed = Buffer.concat(parts);
  t.equal(echoed.length, message.length, 'every byte came back');
  t.ok(echoed.equals(message), 'in order');
});
