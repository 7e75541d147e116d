/** examples/cluster-echo.ts: the select echo loop in two cluster workers on one port, run as a user runs it. */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { netClient, runTs, within } from './fixtures/helpers.js';

t.test('as a program: two select loops share one port, every client gets its bytes back, SIGTERM stops all', async (t) => {
  const child = runTs(t, 'examples/cluster-echo.ts', ['0', '--workers=2']);
  // Three Node processes start (the primary and two workers): give a loaded machine time.
  const [, port] = await child.line(/^echo server listening on 127\.0\.0\.1:(\d+) \(2 select loops\)$/, 60_000);
  const msgs = Array.from({ length: 6 }, (_, i) => randomBytes(50_000 + i));
  const got = await within(
    Promise.all(msgs.map((m) => netClient(Number(port), (s) => void s.end(m)))),
    'the echo of six clients',
    20_000,
  );
  for (let i = 0; i < msgs.length; i++) t.ok((got[i] as Buffer).equals(msgs[i] as Buffer), `client ${i}: every byte, in order`);
  child.proc.kill('SIGTERM');
  t.equal(await within(child.exited, 'exit after SIGTERM', 15_000), 0, 'exits 0 on SIGTERM');
  const [, total, perWorker] = child.out().match(/stopped: 2 workers, (\d+) clients, \d+ bytes echoed \(per worker: (.*) clients\)/) ?? [];
  t.equal(Number(total), 6, 'the workers served the six clients between them');
  t.equal(perWorker?.split(', ').length, 2, 'each worker reports its own count');
  t.equal(child.err(), '', 'nothing on stderr');
});

t.test('as a program: a bad worker count prints the usage and exits 2', async (t) => {
  const child = runTs(t, 'examples/cluster-echo.ts', ['0', '--workers=0']);
  t.equal(await within(child.exited, 'exit on a bad worker count', 30_000), 2);
  t.match(child.err(), /usage: cluster-echo/);
});
