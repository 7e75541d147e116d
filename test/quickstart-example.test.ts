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
