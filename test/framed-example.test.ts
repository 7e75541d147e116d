/**
 * examples/framed-server.ts open to a network, on real loopback sockets: a client that resets, floods or
 * announces a huge frame is dropped or held back by backpressure, and the others go on being served.
 * (Its framing, on loopback and on the sim, is test/testing-example.test.ts.)
 */
import net from 'node:net';
import t from 'tap';
import { SHUT_WR, connect, select, type Socket } from '../lib/index.js';
import { request } from '../examples/framed-client.js';
import { FrameReader, frame, serve, type ServeOptions } from '../examples/framed-server.js';
import { listenT, portOf, recvToEof, within } from './fixtures/helpers.js';

type Cleanup = { teardown(fn: () => unknown): void };

/** A framed server on 127.0.0.1 until `clients` have come and gone; its port and its outcome. */
async function serveT(t: Cleanup, options: ServeOptions): Promise<{ port: number; served: Promise<number | Error> }> {
  const l = await listenT(t, { rcvbuf: 16384, sndbuf: 16384 });
  return { port: portOf(l), served: serve(l, options).catch((err: Error) => err) };
}

/** A net-select client of `port`, closed at teardown. */
function clientT(t: Cleanup, port: number): Socket {
  const s = connect({ host: '127.0.0.1', port, sndbuf: 16384, rcvbuf: 16384 });
  t.teardown(() => s.close());
  return s;
}

/** One round trip by a well-behaved client, which then leaves. */
async function goodClient(t: Cleanup, port: number): Promise<string[]> {
  const s = clientT(t, port);
  const replies = await request(s, ['still', 'served']);
  s.close();
  return replies;
}

t.test('bug: a client reset with replies unread killed the framed server', async (t) => {
  const resets = 10;
  const { port, served } = await serveT(t, { clients: resets + 1 });
  const requests = Buffer.concat(Array.from({ length: 5 }, () => frame('x'.repeat(10))));
  for (let i = 0; i < resets; i++) {
    // Five requests, then a reset (SO_LINGER 0) without reading a reply: the server's send reports it.
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.on('error', () => {});
    await new Promise<void>((resolve) => sock.once('connect', resolve));
    await new Promise<void>((resolve) => sock.write(requests, () => resolve()));
    sock.resetAndDestroy();
    await new Promise((resolve) => sock.once('close', resolve));
  }
  t.same(await goodClient(t, port), ['STILL', 'SERVED'], 'the server goes on serving');
  const outcome = await within(served, 'serve() returns once every client has gone', 10_000);
  t.type(outcome, 'number', `serve() resolves, not rejects: ${String(outcome)}`);
});

t.test('bug: zero-length frames sent without reading pinned the framed server (no backpressure, quadratic replies)', async (t) => {
  const highWater = 64 * 1024;
  const { port, served } = await serveT(t, { clients: 2, highWater, lowWater: 16 * 1024 });
  const flood = clientT(t, port);
  const zeros = Buffer.alloc(64 * 1024); // 16,384 empty requests
  const bound = 64 * 1024 * 1024; // far above highWater plus every buffer on the way (the kernel's take MBs)
  let sent = 0;
  // Send, never reading, until the sends stop being taken: the server has stopped reading this client.
  while (sent < bound) {
    const [, writable] = await select([], [flood], [], 500);
    if (writable.length === 0) break;
    sent += flood.send(zeros);
  }
  t.ok(sent < bound, `the flood was held back after ${sent} bytes`);
  t.same(await goodClient(t, port), ['STILL', 'SERVED'], 'another client is served meanwhile');
  // Now it reads: its replies drain, the server reads it again (below lowWater), and every request is answered.
  flood.shutdown(SHUT_WR);
  const replies = await within(recvToEof(flood), 'every reply read back', 20_000);
  t.equal(replies.length, sent - (sent % 4), 'one 4-byte reply per empty request');
  t.ok(replies.equals(Buffer.alloc(replies.length)), 'each reply an empty frame');
  t.type(await within(served, 'serve() returns', 10_000), 'number');
});

t.test('bug: a 2^32-1 length prefix made the framed server buffer the body without limit', async (t) => {
  const maxFrame = 1000;
  const { port, served } = await serveT(t, { clients: 3, maxFrame });
  const atLimit = clientT(t, port);
  t.same(await request(atLimit, ['a'.repeat(maxFrame)]), ['A'.repeat(maxFrame)], 'a frame of maxFrame bytes is served');
  atLimit.close();

  const huge = clientT(t, port);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(0xffffffff);
  const [, w] = await select([], [huge], [], 5000);
  t.equal(w.length, 1, 'connected');
  huge.send(Buffer.concat([head, Buffer.alloc(8192, 'A')]));
  // Dropped as soon as the length is read: EOF, or a reset (the server closed with the body unread).
  const end = await within(recvToEof(huge).catch((err: { code?: string }) => err.code), 'the client dropped', 10_000);
  t.ok(end === 'ECONNRESET' || (Buffer.isBuffer(end) && end.length === 0), `dropped, nothing sent back (${Buffer.isBuffer(end) ? "EOF" : String(end)})`);
  t.same(await goodClient(t, port), ['STILL', 'SERVED'], 'the others go on');
  t.type(await within(served, 'serve() returns', 10_000), 'number');
});

t.test('FrameReader refuses a frame over its limit as soon as the length is in, with a code', async (t) => {
  const r = new FrameReader(10);
  r.push(frame('0123456789'));
  t.equal(r.next()?.toString(), '0123456789');
  r.push(Buffer.from([0, 0]));
  t.equal(r.next(), null, 'half a length: wait');
  r.push(Buffer.from([0, 11]));
  t.throws(() => r.next(), { name: 'RangeError', code: 'ERR_FRAME_TOO_LARGE' });
});
