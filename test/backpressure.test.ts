/**
 * Backpressure in both echo examples, run as programs: a client that sends and never reads cannot grow the
 * server. Its pending echo passes the high-water mark, the server stops reading it, and its own sends block
 * once the buffers between them are full; the server's resident memory (read from /proc in its own process)
 * stays near its baseline while another client is served. Once the client reads, every byte comes back in
 * order.
 */
import net from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { ECHO_SERVERS, rssOf } from './fixtures/echo-servers.js';
import { runTs, within } from './fixtures/helpers.js';

const MiB = 1024 * 1024;
/** What the rude client tries to push: the reproduction grew the server by 419 MiB with 400. */
const TRY_TO_PUSH = 400 * MiB;
/** The server may grow by this much over its baseline (its queues are about 1.6 MiB; the rest is the heap). */
const RSS_BOUND = 48 * MiB;
/** Rounds of 256 KiB served to the polite client while the rude one makes no progress. */
const STALLED_ROUNDS = 12;

/** Chunk `i` of a stream whose every byte depends on its offset: a lost, repeated or moved byte shows. */
const BASE = randomBytes(MiB);
function chunk(i: number): Buffer {
  const rot = (i * 4099) % MiB;
  return Buffer.concat([BASE.subarray(rot), BASE.subarray(0, rot)]);
}

/** A client that sends `size` bytes and waits for their echo, as often as asked, checking each echo. */
async function politeClient(port: number): Promise<{ round(size: number): Promise<void>; close(): void }> {
  const sock = net.connect({ host: '127.0.0.1', port });
  await once(sock, 'connect');
  let got: Buffer[] = [];
  let n = 0;
  sock.on('data', (d: Buffer) => {
    got.push(d);
    n += d.length;
    sock.emit('progress');
  });
  return {
    async round(size) {
      const msg = randomBytes(size);
      got = [];
      n = 0;
      sock.write(msg);
      while (n < size) await once(sock, 'progress');
      if (!Buffer.concat(got).equals(msg)) throw new Error('the polite client got a wrong echo');
    },
    close: () => sock.destroy(),
  };
}

for (const ex of ECHO_SERVERS) {
  t.test(`${ex.name}: a client that tries to push 400 MiB and never reads stalls within a few MiB; the server's RSS stays within 48 MiB of its baseline while another client is served; then every byte comes back in order`, async (t) => {
    const child = runTs(t, ex.file, ['0']);
    const [, port] = await child.line(/^echo server listening on 127\.0\.0\.1:(\d+)$/);
    const polite = await politeClient(Number(port));
    t.teardown(() => polite.close());
    for (let i = 0; i < 4; i++) await polite.round(256 * 1024); // warm up, then take the baseline
    const baseline = rssOf(child.proc.pid as number);

    const rude = net.connect({ host: '127.0.0.1', port: Number(port), allowHalfOpen: true });
    t.teardown(() => rude.destroy());
    rude.pause(); // never reads (until told to, below)
    await once(rude, 'connect');
    let written = 0;
    let stop = false;
    const pushing = (async () => {
      for (let i = 0; written < TRY_TO_PUSH && !stop; i++) {
        const ok = rude.write(chunk(i));
        written += MiB;
        if (!ok) await once(rude, 'drain');
      }
    })();
    const pushed = (): number => written - rude.writableLength;

    // Serve the polite client until the rude one has made no progress for STALLED_ROUNDS rounds.
    let peakRss = baseline;
    let last = -1;
    let still = 0;
    await within((async () => {
      while (still < STALLED_ROUNDS && pushed() < TRY_TO_PUSH) {
        await polite.round(256 * 1024);
        peakRss = Math.max(peakRss, rssOf(child.proc.pid as number));
        const p = pushed();
        still = p === last ? still + 1 : 0;
        last = p;
      }
    })(), 'the rude client to stall', 60_000);
    const stalledAt = pushed();
    t.ok(stalledAt < 64 * MiB, `the rude client stalled after ${(stalledAt / MiB).toFixed(1)} MiB of its 400`);
    t.ok(peakRss - baseline < RSS_BOUND,
      `server RSS grew ${((peakRss - baseline) / MiB).toFixed(1)} MiB over its ${(baseline / MiB).toFixed(0)} MiB baseline`);

    // Now the rude client reads: the server resumes it, and the echo is the whole stream, in order.
    stop = true;
    const echoed: Buffer[] = [];
    let echoedBytes = 0;
    rude.on('data', (d: Buffer) => {
      echoed.push(d);
      echoedBytes += d.length;
    });
    rude.resume();
    await within(pushing, 'the rude client to finish its last write', 30_000);
    rude.end();
    await within(once(rude, 'end'), 'the echo of everything the rude client sent', 30_000);
    t.equal(echoedBytes, written, `all ${written / MiB} MiB echoed`);
    const all = Buffer.concat(echoed);
    let bad = -1;
    for (let i = 0; i * MiB < all.length && bad < 0; i++) if (!all.subarray(i * MiB, (i + 1) * MiB).equals(chunk(i))) bad = i;
    t.equal(bad, -1, 'every MiB in place');

    child.proc.kill('SIGTERM');
    t.equal(await within(child.exited, 'exit after SIGTERM', 5000), 0);
    const m = /(\d+) paused \(largest queue (\d+) B\)/.exec(child.out());
    t.ok(m && Number(m[1]) >= 1, 'the server paused the rude client');
    t.ok(m && Number(m[2]) <= MiB + 65536, `its largest queue (${m?.[2]} B) stayed within the 1 MiB high-water mark and one read`);
  });
}
