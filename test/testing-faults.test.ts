/**
 * Faults on real sockets (lib/backends/faults.ts), through the `faults` option of `connect` and `listen`:
 * fragmented arrivals and partial sends, the legal POSIX behaviour loopback almost never shows.
 */
import t, { type Test } from 'tap';
import { connect, listen, select, type Socket } from '../lib/index.js';
import { expectReady, recvExactly, sendAll, socketpair } from '../lib/testing/index.js';
import { request } from '../examples/framed-client.js';
import { serve } from '../examples/framed-server.js';

async function realPair(t: Test, server: Parameters<typeof listen>[0], client: object = {}): Promise<[Socket, Socket]> {
  const l = await listen({ host: '127.0.0.1', port: 0, ...server });
  t.teardown(() => l.close());
  const c = connect({ host: '127.0.0.1', port: (l.getsockname() as { port: number }).port, ...client });
  t.teardown(() => c.close());
  await expectReady({ readable: [l] });
  const s = l.accept() as Socket;
  t.teardown(() => s.close());
  return [c, s];
}

t.test('connect with fragment: one send arrives in several recvs, in order, then EOF', async (t) => {
  const [c, s] = await realPair(t, {}, { faults: { fragment: true, seed: 3 } });
  const msg = Buffer.alloc(2000, 'abcdefghij');
  await sendAll(s, msg);
  s.shutdown(1);
  const parts: Buffer[] = [];
  for (;;) {
    await select([c], [], []);
    const d = c.recv(65536);
    if (d === null) continue;
    if (d.length === 0) break;
    parts.push(d);
  }
  t.ok(parts.length > 1, `arrived in ${parts.length} pieces`);
  t.ok(Buffer.concat(parts).equals(msg), 'every byte, in order, before EOF');
});

t.test('the sndbuf fault makes send partial on a real socket', async (t) => {
  const [c, s] = await realPair(t, {}, { faults: { sndbuf: 100 } });
  t.equal(c.sndbuf, 100);
  t.equal(c.send(Buffer.alloc(1000)), 100, 'partial');
  await sendAll(c, Buffer.alloc(900));
  t.equal((await recvExactly(s, 1000)).length, 1000);
});

t.test('listen with fragment shakes a real server: the planted framing bug is caught on loopback too', async (t) => {
  const l = await listen({ host: '127.0.0.1', port: 0, faults: { fragment: true, seed: 42 } });
  t.teardown(() => l.close());
  const served = serve(l, { clients: 1, assumeWholeFrames: true }).catch((err: Error) => err);
  const c = connect({ host: '127.0.0.1', port: (l.getsockname() as { port: number }).port });
  t.teardown(() => c.close());
  const got = await request(c, ['hello', 'framed', 'x'.repeat(3000)]).catch((err: Error) => err);
  c.close();
  const outcome = await served;
  t.ok(got instanceof Error || outcome instanceof Error, 'the bug shows');
});

t.test('malformed faults are refused before anything is opened', async (t) => {
  t.throws(() => connect({ port: 1, faults: { sndbuf: 0 } }), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => connect({ port: 1, faults: 'x' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  await t.rejects(listen({ port: 0, faults: { seed: -1 } }), { code: 'ERR_OUT_OF_RANGE' });
});

t.test('socketpair with fragment: an in-memory pair delivers in pieces too, in order', async (t) => {
  const [a, b] = socketpair({ faults: { fragment: true, seed: 9 } });
  t.teardown(() => {
    a.close();
    b.close();
  });
  const msg = Buffer.alloc(500, 'xyz');
  await sendAll(a, msg);
  let pieces = 0;
  const parts: Buffer[] = [];
  while (Buffer.concat(parts).length < msg.length) {
    await expectReady({ readable: [b] });
    parts.push(b.recv(65536) as Buffer);
    pieces++;
  }
  t.ok(pieces > 1, `${pieces} recvs`);
  t.ok(Buffer.concat(parts).equals(msg));
});
