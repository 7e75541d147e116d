/** The listening socket: accept, the accept queue with its overflow and cap, adopt, close. */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Listener, listen, openFdCount, select, type Socket } from '../lib/index.js';
import { runEchoServer } from '../examples/echo-server.js';
import {
  acceptT,
  connectT,
  expectNoEvent,
  expectReady,
  listenT,
  netClient,
  peerPortOf,
  portOf,
  recvExactly,
  recvToEof,
  selectUntil,
  until,
} from './fixtures/helpers.js';

t.test('accept returns null at once when no connection is pending', async (t) => {
  const l = await listenT(t);
  t.equal(l.accept(), null);
  t.equal(l.pending, 0);
  await expectNoEvent({ readable: [l] });
  t.equal(l.accept(), null, 'still null after a select');
});

t.test('a listener is readable while a connection waits, and accept returns it connected', async (t) => {
  const l = await listenT(t);
  const c = connectT(t, portOf(l));
  const [r] = await expectReady({ readable: [l] });
  t.same(r, [l]);
  const s = l.accept();
  t.ok(s, 'a connection');
  if (s === null) return;
  t.teardown(() => s.close());
  t.equal(l.accept(), null, 'only one was pending');
  await expectNoEvent({ readable: [l] });
  t.equal(l.stats.accepted, 1);
  await expectReady({ writable: [c, s] });
  t.equal(peerPortOf(s), portOf(c), 'the accepted socket is the other end of the client');
  c.send('ping');
  t.equal((await recvExactly(s, 4)).toString(), 'ping');
});

t.test('50 clients connecting at once to a backlog-5 echo server all get their echo', async (t) => {
  const srv = await runEchoServer({ port: 0, timeoutMs: 50, log: () => {} });
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await srv.stop();
  });
  const msgs = Array.from({ length: 50 }, (_, i) => Buffer.from(`client ${i} `.repeat(40 + i)));
  const echoes = await Promise.all(
    msgs.map((m) =>
      netClient(srv.port, (sock) => {
        sock.end(m);
      }),
    ),
  );
  for (let i = 0; i < msgs.length; i++) {
    if (!(echoes[i] as Buffer).equals(msgs[i] as Buffer)) t.fail(`client ${i} got a different echo`);
  }
  t.pass('every client got exactly its own bytes back');
  const stats = await srv.stop();
  stopped = true;
  t.equal(stats.clients, 50, 'all 50 were accepted');
});

t.test('connections past the backlog are held and counted as overflowed, each with no descriptor', async (t) => {
  const l = await listenT(t, { backlog: 2, maxOverflow: 10 });
  const before = openFdCount();
  const clients = Array.from({ length: 5 }, () => connectT(t, portOf(l)));
  await until(() => l.pending === 5, 'five queued connections');
  t.same({ ...l.stats }, { accepted: 0, overflowed: 3, dropped: 0 });
  t.equal(openFdCount(), before + 5, 'only the clients hold descriptors');
  const accepted: Socket[] = [];
  for (let s = l.accept(); s !== null; s = l.accept()) {
    const sock = s;
    t.teardown(() => sock.close());
    accepted.push(sock);
  }
  t.equal(accepted.length, 5);
  t.same({ ...l.stats }, { accepted: 5, overflowed: 3, dropped: 0 });
  t.same(
    accepted.map((s) => peerPortOf(s)).sort(),
    clients.map((c) => portOf(c)).sort(),
    'one accepted socket per client',
  );
  for (const s of accepted) s.send(`for ${peerPortOf(s)}`);
  for (const c of clients) t.equal((await recvExactly(c, 9)).toString(), `for ${portOf(c)}`);
});

t.test('past backlog + maxOverflow new connections are reset and counted as dropped', async (t) => {
  const l = await listenT(t, { backlog: 1, maxOverflow: 1 });
  const before = openFdCount();
  const clients = Array.from({ length: 5 }, () => connectT(t, portOf(l)));
  await until(() => l.stats.dropped === 3, 'three dropped connections');
  t.equal(l.pending, 2, 'the queue holds backlog + maxOverflow');
  t.same({ ...l.stats }, { accepted: 0, overflowed: 1, dropped: 3 });
  t.equal(openFdCount(), before + 5, 'the dropped connections never had a descriptor');
  // The dropped clients see the reset: exceptional (and readable), then ECONNRESET from recv.
  const [, , x] = await selectUntil([[], [], clients], ([, , x]) => x.length === 3, 'three clients exceptional');
  const dropped = x as Socket[];
  const [r] = await select(dropped, [], [], 0);
  t.same(r, dropped, 'the reset clients are readable too');
  for (const c of dropped) t.throws(() => c.recv(10), { code: 'ECONNRESET', syscall: 'recv' }, 'a dropped client is reset');
  const served = clients.filter((c) => !dropped.includes(c));
  const queued: Socket[] = [];
  for (let s = l.accept(); s !== null; s = l.accept()) {
    const sock = s;
    t.teardown(() => sock.close());
    queued.push(sock);
  }
  t.equal(queued.length, 2);
  t.same(queued.map(peerPortOf).sort(), served.map(portOf).sort(), 'the two queued connections are the clients not reset');
  for (const s of queued) s.send('served');
  for (const c of served) t.equal((await recvExactly(c, 6)).toString(), 'served', 'a queued client is served');
});

t.test('maxOverflow 0 holds exactly backlog connections', async (t) => {
  const l = await listenT(t, { backlog: 3, maxOverflow: 0 });
  for (let i = 0; i < 4; i++) connectT(t, portOf(l));
  await until(() => l.stats.dropped === 1, 'one dropped connection');
  t.same({ pending: l.pending, ...l.stats }, { pending: 3, accepted: 0, overflowed: 0, dropped: 1 });
});

t.test('EOF from a connection still in the accept queue is visible as soon as it is accepted', async (t) => {
  const l = await listenT(t);
  const raw = net.connect({ host: '127.0.0.1', port: portOf(l), allowHalfOpen: true });
  t.teardown(() => raw.destroy());
  await until(() => l.pending === 1, 'the connection queued');
  raw.write('sent while queued');
  await new Promise<void>((resolve) => raw.end(resolve)); // the FIN has left
  // A second connection, made after the FIN left, proves the FIN reached the first one's queue entry.
  const later = connectT(t, portOf(l));
  await until(() => l.pending === 2, 'a later connection queued');
  const s = l.accept();
  if (s === null) throw new Error('nothing to accept');
  t.teardown(() => s.close());
  t.equal(peerPortOf(s), raw.localPort, 'the first connection comes first');
  const [r] = await select([s], [], [], 0);
  t.same(r, [s], 'readable at once: no wait after accept');
  t.equal(s.recv(100)?.toString(), 'sent while queued');
  t.equal(s.recv(100)?.length, 0, 'then EOF');
  t.ok(later.fileno() >= 3);
});

t.test('a reset of a connection still in the accept queue is visible after accept: recv throws ECONNRESET', async (t) => {
  const l = await listenT(t);
  const raw = net.connect({ host: '127.0.0.1', port: portOf(l) });
  t.teardown(() => raw.destroy());
  raw.on('error', () => {});
  await new Promise((resolve) => raw.once('connect', resolve));
  await until(() => l.pending === 1, 'the connection queued');
  raw.resetAndDestroy(); // the RST leaves now
  const later = connectT(t, portOf(l));
  await until(() => l.pending === 2, 'a later connection queued');
  t.ok(later.fileno() >= 3);
  const s = l.accept();
  if (s === null) throw new Error('nothing to accept');
  t.teardown(() => s.close());
  t.throws(() => s.getpeername(), { code: 'ENOTCONN' }, 'the reset connection is still accepted first, as on Linux');
  t.same(s.getsockname(), l.getsockname(), 'and still has its local address');
  const [r, , x] = await select([s], [], [s], 0);
  t.same([r, x], [[s], [s]], 'readable and exceptional at once');
  t.throws(() => s.recv(10), { code: 'ECONNRESET', syscall: 'recv' });
  t.equal(s.recv(10)?.length, 0, 'then EOF');
});

t.test('close resets the connections still waiting and frees the descriptor; accept then throws EBADF', async (t) => {
  const l = await listenT(t);
  const c = connectT(t, portOf(l));
  await until(() => l.pending === 1, 'the connection queued');
  l.close();
  t.equal(l.fileno(), -1);
  t.throws(() => l.accept(), { name: 'SocketError', code: 'EBADF', syscall: 'accept' });
  t.throws(() => l.getsockname(), { code: 'EBADF', syscall: 'getsockname' });
  await expectReady({ readable: [c], exceptional: [c] });
  t.throws(() => c.recv(10), { code: 'ECONNRESET', syscall: 'recv' }, 'the waiting client is reset');
  l.close(); // twice: nothing happens
  t.equal(l.fileno(), -1);
});

t.test('after close the port is free again and a new connection is refused', async (t) => {
  const l = await listenT(t);
  const port = portOf(l);
  l.close();
  const c = connectT(t, port);
  await expectReady({ exceptional: [c] });
  t.throws(() => c.recv(1), { code: 'ECONNREFUSED' });
  const again = await listenT(t, { port });
  t.equal(portOf(again), port, 'the port can be bound again');
});

t.test('listen on a port in use rejects with EADDRINUSE from bind and holds no descriptor', async (t) => {
  const l = await listenT(t);
  const before = openFdCount();
  await t.rejects(listen({ port: portOf(l) }), { name: 'SocketError', code: 'EADDRINUSE', syscall: 'bind' });
  t.equal(openFdCount(), before);
});

t.test('listen rejects malformed options with a coded error and holds no descriptor', async (t) => {
  const before = openFdCount();
  await t.rejects(listen({ backlog: 0 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(listen({ port: 65536 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(listen({ port: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(listen({ maxOverflow: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(listen({ sndbuf: 0 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(listen({ host: 1 } as unknown as { host: string }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await t.rejects(listen({ path: '' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await t.rejects(listen(null as unknown as object), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.equal(openFdCount(), before);
});

t.test('accepted sockets take the listener buffer sizes', async (t) => {
  const l = await listenT(t, { sndbuf: 100, rcvbuf: 200 });
  const c = connectT(t, portOf(l));
  const s = await acceptT(t, l);
  t.equal(s.sndbuf, 100);
  t.equal(s.rcvbuf, 200);
  await expectReady({ writable: [c, s] });
  t.equal(s.send(Buffer.alloc(150)), 100, 'a partial send at the listener-given size');
});

t.test('Listener.adopt wraps a net.Server that another library created', async (t) => {
  const server = net.createServer({ allowHalfOpen: true });
  t.teardown(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const l = Listener.adopt(server, { backlog: 5 });
  t.teardown(() => l.close());
  t.ok(l.fileno() >= 3);
  t.equal(portOf(l), (server.address() as net.AddressInfo).port);
  const c = connectT(t, portOf(l));
  const s = await acceptT(t, l);
  c.send('hello adopted');
  c.shutdown(1);
  t.equal((await recvToEof(s)).toString(), 'hello adopted');
  s.send('reply after FIN');
  s.close();
  t.equal((await recvToEof(c)).toString(), 'reply after FIN', 'allowHalfOpen lets the server answer after the FIN');
  l.close();
  t.notOk(server.listening, 'close stops the adopted server');
});

t.test('Listener.adopt of a server that listens later queues its connections too', async (t) => {
  const server = net.createServer();
  const l = Listener.adopt(server);
  t.teardown(() => l.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  connectT(t, portOf(l));
  const [r] = await expectReady({ readable: [l] });
  t.same(r, [l]);
});

t.test('Listener.adopt rejects anything but a net.Server', async (t) => {
  t.throws(() => Listener.adopt({} as net.Server), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  const before = openFdCount();
  const server = net.createServer();
  t.throws(() => Listener.adopt(server, { backlog: 0 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.equal(openFdCount(), before);
});

t.test('Unix sockets have no reset: reset(), an overflow and close() with queued connections simply close them', async (t) => {
  const { rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { connect, listen } = await import('../lib/index.js');
  const path = join(tmpdir(), `net-select-unix-reset-${process.pid}.sock`);
  t.teardown(() => rmSync(path, { force: true }));
  const l = await listen({ path, backlog: 1, maxOverflow: 0 });
  t.teardown(() => l.close());
  // One at a time, so that the kernel's own queue (1 here) never refuses one before Node takes it.
  for (let i = 0; i < 3; i++) {
    const c = connect({ path });
    t.teardown(() => c.close());
    await until(() => l.pending + l.stats.dropped === i + 1, `arrival ${i + 1}`);
  }
  t.equal(l.stats.dropped, 2, 'past the cap: closed, without a crash');
  const s = l.accept();
  t.ok(s);
  t.doesNotThrow(() => s?.reset(), 'reset() of a Unix socket closes it');
  t.equal(s?.fileno(), -1);
  connect({ path }).close();
  t.doesNotThrow(() => l.close(), 'close() with a queued Unix connection');
});

t.test('bug: getsockname() of a TCP listener was typed as an object-or-string union, so .port needed a cast', async (t) => {
  // These lines are the test as much as the assertions: `npm test` type-checks them first.
  const tcp = await listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => tcp.close());
  const port: number = tcp.getsockname().port;
  t.ok(port > 0, 'a TCP listener has its port, no cast');
  const dir = mkdtempSync(join(tmpdir(), 'net-select-unix-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const unix = await listen({ path: join(dir, 's') });
  t.teardown(() => unix.close());
  const path: string = unix.getsockname();
  t.equal(path, join(dir, 's'), 'a Unix listener has its path');
  const either: Listener = tcp; // a listener of either kind is still a Listener
  t.equal(typeof either.getsockname(), 'object');
  const { SimNetwork } = await import('../lib/testing/index.js');
  const sim = new SimNetwork({ seed: 1 });
  const simulated = await sim.host('server').listen({ port: 7000 });
  t.teardown(() => simulated.close());
  t.equal(simulated.getsockname().port, 7000, 'and so has a simulated one');
});
