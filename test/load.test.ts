/**
 * Load with faults, against both echo examples running in processes of their own: many connections echo
 * seeded random streams in messages of random sizes while one in 20 is reset mid-transfer. No byte may come
 * back corrupted or out of order, every connection that was not reset gets its whole echo, the server's
 * memory stays bounded; then thousands of short connections churn through it, and its descriptors and
 * Node's TCP handles come back to where they started.
 *
 * `npm test` runs a small version; `npm run test:load` the full one (200 connections, >= 50 MB each server,
 * 4,000 connections churned 10 times). The seed is printed; `NET_SELECT_SEED=N` replays a run.
 */
import t from 'tap';
import { ECHO_SERVERS } from './fixtures/echo-servers.js';
import { churn, echoLoad, startLoadServer, type LoadServer } from './fixtures/load.js';
import type { ServerSnapshot } from './fixtures/load-server.js';
import { within } from './fixtures/helpers.js';

const MiB = 1024 * 1024;
const FULL = process.env.NET_SELECT_LOAD === 'full';
const SIZE = FULL
  ? { connections: 200, bytesPerConnection: 320 * 1024, churnConnections: 4000, churnRounds: 10, concurrency: 500 }
  : { connections: 30, bytesPerConnection: 64 * 1024, churnConnections: 150, churnRounds: 2, concurrency: 75 };
/** The server may grow by this much while the load runs: its queues hold at most a window per connection. */
const RSS_BOUND = 96 * MiB;
/** What the heap may keep after everything closed and a full GC: nothing per connection. */
const HEAP_BOUND = 4 * MiB;
const seed = Number(process.env.NET_SELECT_SEED ?? Math.floor(Math.random() * 2 ** 31));
t.comment(`load-with-faults seed ${seed} (NET_SELECT_SEED=${seed} replays it)${FULL ? ', full size' : ''}`);

/**
 * The server's starting point: snapshots 100 ms apart until its kernel descriptor count holds still (at most
 * 2 s). A process just started may still hold a descriptor of its start-up (a file being read) in the first.
 */
async function baseline(srv: LoadServer): Promise<ServerSnapshot> {
  let s = await srv.snapshot(true);
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const next = await srv.snapshot(true);
    if (next.osFds === s.osFds) return next;
    s = next;
  }
  return s;
}

/** Asks for snapshots (bounded) until the server's net-select descriptors are back to `fds`; returns the last. */
async function settled(srv: LoadServer, fds: number): Promise<ServerSnapshot> {
  const deadline = performance.now() + 15_000;
  for (;;) {
    const s = await srv.snapshot(true);
    if (s.fds === fds || performance.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const ex of ECHO_SERVERS) {
  t.test(`${ex.name}: ${SIZE.connections} connections, random message sizes, 5% reset mid-transfer: no corrupted or reordered byte, every survivor gets its whole echo, memory bounded; then ${SIZE.churnConnections} connections churned ${SIZE.churnRounds} times leave descriptors and handles at baseline`, async (t) => {
    const srv = await startLoadServer(t, ex.name);
    const base = await baseline(srv);
    let peak = base.rss;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await srv.snapshot()).rss);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const started = performance.now();
    const res = await within(echoLoad(srv.port, {
      connections: SIZE.connections,
      bytesPerConnection: SIZE.bytesPerConnection,
      maxMessage: 64 * 1024,
      resetRate: 0.05,
      window: 64 * 1024,
      seed,
    }), 'the load run', FULL ? 600_000 : 60_000);
    const seconds = (performance.now() - started) / 1000;
    sampling = false;
    await sampler;
    t.equal(res.corrupted, 0, 'no connection received a corrupted or reordered byte');
    t.same(res.incomplete, [], 'every connection that was not reset got its whole echo, then EOF');
    t.equal(res.survivors + res.resets, SIZE.connections);
    t.ok(res.bytesChecked >= res.survivors * SIZE.bytesPerConnection, `${(res.bytesChecked / 1e6).toFixed(1)} MB echoed and checked`);
    t.ok(peak - base.rss < RSS_BOUND, `server RSS peaked ${((peak - base.rss) / MiB).toFixed(1)} MiB over its ${(base.rss / MiB).toFixed(0)} MiB baseline`);
    t.comment(`${ex.name}: ${res.survivors} survivors, ${res.resets} reset, ${(res.bytesChecked / 1e6).toFixed(1)} MB checked in ${seconds.toFixed(1)} s, ` +
      `RSS +${((peak - base.rss) / MiB).toFixed(1)} MiB`);

    const afterLoad = await settled(srv, base.fds);
    t.equal(afterLoad.fds, base.fds, 'after the load: net-select descriptors back to baseline');
    let failed = 0;
    const churnStart = performance.now();
    for (let round = 0; round < SIZE.churnRounds; round++) {
      failed += await within(churn(srv.port, SIZE.churnConnections, SIZE.concurrency, seed + round), `churn round ${round}`, FULL ? 300_000 : 60_000);
    }
    const after = await settled(srv, base.fds);
    t.equal(failed, 0, 'every churned connection got its echo');
    t.equal(after.fds, base.fds, `net-select descriptors back to ${base.fds}`);
    t.equal(after.osFds, base.osFds, `the process's own descriptors back to ${base.osFds}`);
    t.equal(after.tcpHandles, base.tcpHandles, `Node's TCP handles back to ${base.tcpHandles}`);
    t.ok(after.rss - base.rss < RSS_BOUND, `RSS after the churn: +${((after.rss - base.rss) / MiB).toFixed(1)} MiB`);
    // RSS keeps what the heap once grew to; the heap after a full GC shows whether anything is still held.
    t.ok(after.heapUsed - base.heapUsed < HEAP_BOUND, `heap after a full GC: ${((after.heapUsed - base.heapUsed) / MiB).toFixed(1)} MiB over the start`);
    t.comment(`${ex.name}: ${SIZE.churnRounds * SIZE.churnConnections} connections churned in ${((performance.now() - churnStart) / 1000).toFixed(1)} s; ` +
      `fds ${after.fds}/${base.fds}, os fds ${after.osFds}/${base.osFds}, TCP handles ${after.tcpHandles}/${base.tcpHandles}, ` +
      `RSS +${((after.rss - base.rss) / MiB).toFixed(1)} MiB, heap after GC +${((after.heapUsed - base.heapUsed) / MiB).toFixed(2)} MiB`);
    await srv.stop();
  });
}
