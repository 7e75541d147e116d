/**
 * Adversarial tests of Socket.send after issue 10's rewrite: a socket's first small send of a job goes to the
 * kernel at once and counts as queued until the job ends; later small sends of the job are coalesced into one
 * write at its end. Free space, writability, edges, and the byte order at the peer must not show the
 * difference.
 */
import t from 'tap';
import { EPOLLET, EPOLLOUT, POLLOUT, SHUT_WR, select } from '../lib/index.js';
import { expectReady, recvExactly, recvToEof, socketPair, until, within } from './fixtures/helpers.js';
import { rng } from './fixtures/load.js';
import { epollT } from './fixtures/models.js';

t.test('a direct first send and a coalesced second one in the same job share sndbuf exactly', async (t) => {
  const { client, server } = await socketPair(t, { client: { sndbuf: 1000 } });
  const data = Buffer.alloc(1200);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  t.equal(client.send(data.subarray(0, 600)), 600, 'the first send: all of it');
  t.equal(client.sendQueueSize, 600, 'its bytes count as queued until the job ends');
  t.equal(client.send(data.subarray(600)), 400, 'the second send: only what is left of sndbuf');
  t.equal(client.sendQueueSize, 1000, 'full');
  t.equal(client.events() & POLLOUT, 0, 'not writable while full');
  t.equal(client.send('x'), 0, 'nothing more fits');
  const [, w] = await within(select([], [client], [], null), 'writable after the job');
  t.same(w, [client], 'writable once the job ended and the kernel took the bytes');
  const got = await recvExactly(server, 1000);
  t.ok(got.equals(data.subarray(0, 1000)), 'the peer gets the 1000 accepted bytes in order');
});

t.test('a direct send that fills sndbuf by itself leaves the socket not writable until the job ends', async (t) => {
  const { client, server } = await socketPair(t, { client: { sndbuf: 1000 } });
  t.equal(client.send(Buffer.alloc(1000, 7)), 1000, 'exactly sndbuf, written at once');
  t.equal(client.events() & POLLOUT, 0, 'not writable in the same job');
  t.equal(client.send('y'), 0, 'a second send of the job gets nothing');
  await Promise.resolve(); // a microtask is still the same job
  t.equal(client.send('y'), 0, 'nor after a microtask');
  t.equal(client.sendQueueSize, 1000);
  await within(select([], [client], [], null), 'writable after the job');
  t.equal(client.sendQueueSize, 0, 'the kernel took it all: nothing queued');
  t.equal((await recvExactly(server, 1000)).length, 1000);
});

for (const split of [[1000], [500, 500], [1, 999], [300, 300, 400]]) {
  t.test(`edge-triggered EPOLLOUT: an edge when the job ends after sends of ${split.join('+')} filled sndbuf 1000`, async (t) => {
    const { client, server } = await socketPair(t, { client: { sndbuf: 1000 } });
    const ep = epollT(t);
    ep.register(client, EPOLLOUT | EPOLLET);
    const first = await within(ep.poll(null), 'the registration edge');
    t.same(first.map(([, ev]) => ev & EPOLLOUT), [EPOLLOUT], 'the registration reports it writable once');
    t.same(await ep.poll(0), [], 'then no edge');
    let sent = 0;
    for (const n of split) sent += client.send(Buffer.alloc(n, 1));
    t.equal(sent, 1000, 'sndbuf filled');
    const ev = await within(ep.poll(null), 'the EPOLLOUT edge after the job');
    t.equal(ev.length, 1, 'one event');
    t.equal((ev[0]?.[1] ?? 0) & EPOLLOUT, EPOLLOUT, 'EPOLLOUT');
    t.ok(client.send('z') > 0, 'and send space is there');
    t.equal((await recvExactly(server, 1001)).length, 1001);
  });
}

t.test('sends of one job then shutdown(SHUT_WR): the peer reads them all in order, then EOF', async (t) => {
  const { client, server } = await socketPair(t);
  client.send('a');
  client.send('bc');
  client.send(Buffer.alloc(5000, 'd'));
  client.send('e');
  client.shutdown(SHUT_WR);
  const got = await within(recvToEof(server), 'the data and EOF');
  t.equal(got.toString(), `abc${'d'.repeat(5000)}e`);
});

t.test('sends of one job then close(): the peer reads them all in order, then EOF', async (t) => {
  const { client, server } = await socketPair(t);
  client.send('a');
  client.send('bc');
  client.send('d');
  client.close();
  const got = await within(recvToEof(server), 'the data and EOF');
  t.equal(got.toString(), 'abcd');
});

// The reader: 'eager' reads as soon as it can, 'pauses' sometimes lets turns pass, 'late' starts once every
// byte was sent (so the kernel's buffers fill, writes are partial and Node's own queue holds the rest).
for (const [seed, sndbuf, mode, total] of [
  [1, undefined, 'eager', 600_000],
  [2, 1000, 'eager', 600_000],
  [3, 20_000, 'pauses', 600_000],
  [4, 4 * 1024 * 1024, 'pauses', 600_000],
  [5, 16 * 1024 * 1024, 'late', 12_000_000],
] as [number, number | undefined, 'eager' | 'pauses' | 'late', number][]) {
  t.test(`property (seed ${seed}, sndbuf ${sndbuf ?? 'default'}, ${mode} reader): every byte arrives, in order, across direct and coalesced sends`, async (t) => {
    let writerDone = false;
    let maxQueued = 0;
    const { client, server } = await socketPair(t, { client: sndbuf ? { sndbuf } : {} });
    const rand = rng(seed);
    const stream = Buffer.alloc(total);
    for (let i = 0; i < total; i++) stream[i] = (i * 7 + (i >> 8)) & 0xff;
    let received = 0;
    let bad = -1;
    let readerDone = false;
    const reader = (async () => {
      if (mode === 'late') await until(() => writerDone, 'the writer to finish', 30_000);
      while (received < total) {
        if (mode === 'pauses' && rand() < 0.05) for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
        await expectReady({ readable: [server] });
        const b = server.recv(65536);
        if (b === null) continue;
        if (b.length === 0) throw new Error(`EOF after ${received} bytes`);
        if (bad < 0 && !b.equals(stream.subarray(received, received + b.length))) {
          for (let i = 0; i < b.length; i++) if (b[i] !== stream[received + i]) { bad = received + i; break; }
        }
        received += b.length;
      }
      readerDone = true;
    })();
    let off = 0;
    let sends = 0;
    while (off < total) {
      const len = Math.min(total - off, 1 + Math.floor(rand() * 10_000));
      const n = client.send(stream.subarray(off, off + len));
      off += n;
      sends++;
      if (n < len) {
        const [, w] = await within(select([], [client], [], null), `writable after ${off} bytes`);
        if (w.length !== 1) t.fail('select returned without the socket writable');
        continue;
      }
      const pick = rand();
      if (pick < 0.4) continue; // same job: the next small send is coalesced
      if (pick < 0.6) await Promise.resolve(); // still the same job
      else if (pick < 0.8) await new Promise((r) => setImmediate(r));
      else await select([], [client], [], 0);
      maxQueued = Math.max(maxQueued, client.sendQueueSize);
    }
    writerDone = true;
    t.comment(`most bytes queued after a job: ${maxQueued}`);
    if (mode === 'late') t.ok(maxQueued > 0, 'the kernel refused bytes: Node queued some (the path is exercised)');
    await within(reader, 'the reader', 30_000);
    t.ok(readerDone, `read ${received} of ${total}`);
    t.equal(bad, -1, bad < 0 ? 'every byte as sent' : `first wrong byte at ${bad}`);
    t.ok(sends > 100, 'many sends');
  });
}

t.test('a peer that resets while two sends of one job are in flight: later sends fail, nothing stays pending', async (t) => {
  const { client, server } = await socketPair(t);
  server.send('unread'); // the client does not read it: its close() sends a reset
  await until(() => client.recvQueueSize === 6, 'the bytes at the client');
  server.reset();
  // Node may not have seen the reset yet: the first send of the job may be written, the second coalesced.
  let threw: unknown;
  try {
    client.send('a');
    client.send('b');
  } catch (err) {
    threw = err;
  }
  await until(() => (client.events() & POLLOUT) !== 0 && client.sendQueueSize === 0, 'the reset to be seen');
  const errs: string[] = [];
  if (threw) errs.push((threw as NodeJS.ErrnoException).code ?? '?');
  for (let i = 0; i < 3; i++) {
    try {
      client.send('c');
    } catch (err) {
      errs.push((err as NodeJS.ErrnoException).code ?? '?');
    }
  }
  t.ok(errs.length >= 1, `send fails after the reset (got ${errs.join(',')})`);
  t.equal(client.sendQueueSize, 0, 'nothing pending');
});
