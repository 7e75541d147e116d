/** The connected socket: recv, send, shutdown, close, connect, addresses and argument checks. */
import { rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  EPOLLET,
  EPOLLOUT,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLRDHUP,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  Socket,
  SocketError,
  connect,
  listen,
  openFdCount,
  select,
} from '../lib/index.js';
import {
  acceptT,
  closedPort,
  connectT,
  expectNoEvent,
  expectReady,
  listenT,
  portOf,
  recvExactly,
  recvToEof,
  sendAll,
  socketPair,
  until,
  within,
} from './fixtures/helpers.js';
import { rng } from './fixtures/load.js';
import { epollT } from './fixtures/models.js';

t.test('recv returns null while nothing has arrived: would-block is a value', async (t) => {
  const { client, server } = await socketPair(t);
  t.equal(server.recv(1024), null);
  t.equal(client.recv(1024), null);
  await expectNoEvent({ readable: [server, client] });
  t.equal(server.recv(1024), null, 'still null after a select');
});

t.test('recv(n) returns at most n bytes, in order, then null once the queue is empty', async (t) => {
  const { client, server } = await socketPair(t);
  t.equal(client.send('abcdefghij'), 10);
  await until(() => server.recvQueueSize === 10, 'all ten bytes queued at the server');
  t.equal(server.recv(4)?.toString(), 'abcd');
  t.equal(server.recvQueueSize, 6);
  t.equal(server.recv(1)?.toString(), 'e');
  t.equal(server.recv(100)?.toString(), 'fghij', 'fewer than asked when fewer are queued');
  t.equal(server.recv(100), null);
});

t.test('recv joins data that arrived in several pieces, up to n', async (t) => {
  const { client, server } = await socketPair(t);
  client.send('first-');
  await until(() => server.recvQueueSize === 6, 'the first piece');
  client.send('second');
  await until(() => server.recvQueueSize === 12, 'the second piece');
  t.equal(server.recv(8)?.toString(), 'first-se');
  t.equal(server.recv(8)?.toString(), 'cond');
});

t.test('recv after peer FIN returns an empty buffer, every time', async (t) => {
  const { client, server } = await socketPair(t);
  client.send('last words');
  client.close();
  t.equal((await recvExactly(server, 10)).toString(), 'last words', 'data sent before the FIN comes first');
  for (let i = 0; i < 3; i++) {
    await expectReady({ readable: [server] });
    const b = server.recv(1024);
    t.ok(Buffer.isBuffer(b) && b.length === 0, `EOF, call ${i + 1}`);
  }
  t.ok(server.events() & POLLIN && server.events() & POLLRDHUP, 'POLLIN | POLLRDHUP at EOF');
});

t.test('send returns the number of bytes accepted: all of them while the send queue has room', async (t) => {
  const { client, server } = await socketPair(t);
  t.equal(client.send('hello'), 5);
  t.equal(client.send(Buffer.from([1, 2, 3])), 3, 'a Buffer');
  t.equal(client.send(new Uint8Array([4, 5])), 2, 'a Uint8Array');
  t.equal(client.send(''), 0, 'an empty send accepts nothing');
  t.same([...(await recvExactly(server, 10))], [...Buffer.from('hello'), 1, 2, 3, 4, 5]);
});

t.test('send larger than the free space accepts exactly the free space, then 0 while the queue is full', async (t) => {
  const { client, server } = await socketPair(t, { client: { sndbuf: 1000 } });
  t.equal(client.sndbuf, 1000);
  const data = Buffer.alloc(1500, 'a');
  data.fill('b', 300);
  t.equal(client.send(data.subarray(0, 300)), 300, 'room for all 300');
  t.equal(client.send(data.subarray(300)), 700, 'a partial send: only the 700 bytes of free space');
  t.equal(client.sendQueueSize, 1000);
  t.equal(client.send(data.subarray(1000)), 0, 'full: nothing accepted');
  t.equal(client.send('x'), 0, 'not even one byte');
  const got = await recvExactly(server, 1000);
  t.ok(got.equals(data.subarray(0, 1000)), 'the peer gets exactly the accepted bytes');
  await expectNoEvent({ readable: [server] });
});

t.test('a select waiting on a send queue filled exactly is woken when the queue drains', async (t) => {
  const { client, server } = await socketPair(t, { client: { sndbuf: 1000 } });
  t.equal(client.send(Buffer.alloc(1000, 1)), 1000, 'exactly the free space: no partial send');
  t.equal(client.sendQueueSize, 1000, 'full (no further send: a refused one would mark the queue full by itself)');
  // Not writable now; Node hands the bytes to the kernel after this turn, and that must wake the call.
  const [, w] = await within(select([], [client], [], null), 'select on a socket whose queue drains');
  t.same(w, [client]);
  t.equal((await recvExactly(server, 1000)).length, 1000);
});

t.test('a socket whose peer does not read stops being writable, and is writable again once the peer reads', async (t) => {
  const { client, server } = await socketPair(t, { client: { sndbuf: 65536 }, listen: { rcvbuf: 65536 } });
  // Fill our queue, Node's and the kernel's: the peer reads nothing, so its queue and then the kernel's fill.
  const chunk = Buffer.alloc(65536, 7);
  let sent = 0;
  for (let idle = 0; idle < 3; ) {
    // Writable at once while there is room; no room for 3 x 100 ms means every buffer on the way is full
    // (three in a row: under load one timer can fire before the I/O that would have made room).
    const [, w] = await select([], [client], [], 100);
    if (w.length === 0) {
      idle++;
      continue;
    }
    idle = 0;
    sent += client.send(chunk);
    if (sent > 256 * 1024 * 1024) throw new Error('the send queue never filled');
  }
  await expectNoEvent({ writable: [client] });
  t.equal(client.send('x'), 0, 'send accepts nothing while full');
  // The peer drains everything that was accepted; writability comes back on its own.
  let drained = 0;
  const reader = (async () => {
    while (drained < sent) {
      await expectReady({ readable: [server] }, undefined, 10_000);
      drained += server.recv(1 << 20)?.length ?? 0;
    }
  })();
  const [, w] = await expectReady({ writable: [client] }, undefined, 10_000);
  t.same(w, [client], 'writable again while the peer drains');
  await reader;
  t.equal(drained, sent, 'every accepted byte arrived');
  t.equal(client.send('x'), 1, 'room again');
  t.equal((await recvExactly(server, 1)).toString(), 'x');
});

t.test('a full receive queue holds the peer back until recv makes room, and no byte is lost', async (t) => {
  const { client, server } = await socketPair(t, { listen: { rcvbuf: 1000 }, client: { sndbuf: 4096 } });
  t.equal(server.rcvbuf, 1000);
  const data = Buffer.alloc(300_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 256;
  const sending = sendAll(client, data);
  const got = await recvExactly(server, data.length);
  await sending;
  t.ok(got.equals(data), 'every byte, in order');
});

t.test('Unix domain sockets: listen and connect by path', async (t) => {
  const path = join(tmpdir(), `net-select-test-${process.pid}.sock`);
  t.teardown(() => rmSync(path, { force: true }));
  const l = await listen({ path });
  t.teardown(() => l.close());
  t.equal(l.getsockname(), path, 'the address of a Unix listener is its path');
  const c = connect({ path });
  t.teardown(() => c.close());
  const s = await acceptT(t, l);
  await expectReady({ writable: [c] });
  t.equal(c.getpeername(), path, "a Unix client's peer is the path it connected to");
  t.equal(s.getsockname(), path, "an accepted Unix socket's own address is the listener's path");
  t.equal(c.getsockname(), '', "a Unix client's own end is unnamed");
  c.send('over a path');
  t.equal((await recvExactly(s, 11)).toString(), 'over a path');
  c.close();
  t.equal((await recvToEof(s)).length, 0);
});

t.test('after send returns, the caller may change its buffer: the peer gets the bytes as they were', async (t) => {
  const { client, server } = await socketPair(t);
  const buf = Buffer.from('original bytes');
  t.equal(client.send(buf), buf.length);
  buf.fill('X');
  const arr = new Uint8Array([1, 2, 3, 4]);
  t.equal(client.send(arr), 4);
  arr.fill(0);
  const got = await recvExactly(server, 18);
  t.equal(got.subarray(0, 14).toString(), 'original bytes');
  t.same([...got.subarray(14)], [1, 2, 3, 4]);
});

t.test('a partial send copies only the accepted part, and the caller may change the rest too', async (t) => {
  const { client, server } = await socketPair(t, { client: { sndbuf: 8 } });
  const buf = Buffer.from('0123456789');
  t.equal(client.send(buf), 8);
  buf.fill('-');
  t.equal((await recvExactly(server, 8)).toString(), '01234567');
});

t.test('shutdown(SHUT_WR) half-closes: the peer reads EOF and can still send back, and we can still recv', async (t) => {
  const { client, server } = await socketPair(t);
  client.send('request');
  client.shutdown(SHUT_WR);
  t.equal((await recvExactly(server, 7)).toString(), 'request');
  await expectReady({ readable: [server] });
  t.equal(server.recv(100)?.length, 0, 'the server reads EOF');
  await expectReady({ writable: [server] });
  t.equal(server.send('reply after your FIN'), 20, 'and can still send');
  server.shutdown(SHUT_WR);
  t.equal((await recvToEof(client)).toString(), 'reply after your FIN', 'the half-closed client still receives');
  t.ok(client.events() & POLLHUP, 'both directions shut: POLLHUP');
});

t.test('send after shutdown(SHUT_WR) throws EPIPE; recv still works', async (t) => {
  const { client, server } = await socketPair(t);
  client.shutdown(SHUT_WR);
  t.throws(() => client.send('late'), { name: 'SocketError', code: 'EPIPE', syscall: 'send' });
  t.throws(() => client.send('late'), { code: 'EPIPE', syscall: 'send' }, 'every time');
  server.send('still open');
  t.equal((await recvExactly(client, 10)).toString(), 'still open');
  const [, w] = await expectReady({ writable: [client] });
  t.same(w, [client], 'writable after SHUT_WR: send does not block, it fails at once');
});

t.test('shutdown(SHUT_RD) makes recv return EOF at once; shutdown(SHUT_RDWR) shuts both', async (t) => {
  const { client, server } = await socketPair(t);
  server.shutdown(SHUT_RD);
  t.equal(server.recv(10)?.length, 0, 'EOF without any FIN from the peer');
  const [r] = await expectReady({ readable: [server] });
  t.same(r, [server]);
  t.equal(server.send('out'), 3, 'the write side is still open');
  t.equal((await recvExactly(client, 3)).toString(), 'out');
  client.shutdown(SHUT_RDWR);
  t.throws(() => client.send('x'), { code: 'EPIPE', syscall: 'send' });
  t.equal(client.recv(10)?.length, 0);
  t.ok(client.events() & POLLHUP);
  client.shutdown(SHUT_RDWR); // twice: nothing more to do
});

t.test('recv, send, shutdown and the addresses throw EBADF after close', async (t) => {
  const { client } = await socketPair(t);
  client.close();
  t.equal(client.fileno(), -1);
  t.throws(() => client.recv(10), { name: 'SocketError', code: 'EBADF', syscall: 'recv' });
  t.throws(() => client.send('x'), { name: 'SocketError', code: 'EBADF', syscall: 'send' });
  t.throws(() => client.shutdown(SHUT_WR), { code: 'EBADF', syscall: 'shutdown' });
  t.throws(() => client.getsockname(), { code: 'EBADF', syscall: 'getsockname' });
  t.throws(() => client.getpeername(), { code: 'EBADF', syscall: 'getpeername' });
  t.equal(client.events(), POLLNVAL);
});

t.test('close still delivers what was sent before it, then the peer reads EOF', async (t) => {
  const { client, server } = await socketPair(t, { client: { sndbuf: 1 << 20 } });
  const data = Buffer.alloc(512 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  t.equal(client.send(data), data.length);
  client.close();
  const got = await recvToEof(server);
  t.equal(got.length, data.length);
  t.ok(got.equals(data), 'every byte, then EOF');
});

t.test('connect is non-blocking: it returns at once, and the socket becomes writable when connected', async (t) => {
  const l = await listenT(t);
  const c = connectT(t, portOf(l));
  t.ok(c.fileno() >= 3, 'a descriptor at once');
  t.equal(c.send('too early'), 0, 'send accepts nothing while connecting');
  t.throws(() => c.getpeername(), { code: 'ENOTCONN', syscall: 'getpeername' });
  t.throws(() => c.shutdown(SHUT_WR), { code: 'ENOTCONN', syscall: 'shutdown' });
  const [, w] = await expectReady({ writable: [c] });
  t.same(w, [c]);
  t.equal(c.send('now'), 3);
  const s = await acceptT(t, l);
  t.equal((await recvExactly(s, 3)).toString(), 'now');
});

t.test('a refused connect is readable, writable and exceptional; the next recv throws ECONNREFUSED once', async (t) => {
  const c = connectT(t, await closedPort());
  const [r, w, x] = await expectReady({ readable: [c], writable: [c], exceptional: [c] });
  t.same([r, w, x], [[c], [c], [c]]);
  t.ok(c.events() & POLLERR);
  const err = t.throws(() => c.recv(10), { name: 'SocketError', code: 'ECONNREFUSED', syscall: 'recv' });
  t.type(err, SocketError);
  t.ok((err as SocketError).errno > 0, 'errno is the platform number');
  t.equal(c.recv(10)?.length, 0, 'then EOF: the error is reported once');
  t.throws(() => c.send('x'), { code: 'EPIPE', syscall: 'send' });
  await expectNoEvent({ exceptional: [c] });
});

t.test('a refused connect: the next send throws ECONNREFUSED when it comes before any recv', async (t) => {
  const c = connectT(t, await closedPort());
  await expectReady({ exceptional: [c] });
  t.throws(() => c.send('x'), { code: 'ECONNREFUSED', syscall: 'send' });
  t.equal(c.recv(10)?.length, 0);
});

t.test('a peer reset() makes us readable and exceptional; recv throws ECONNRESET, then reads EOF', async (t) => {
  const { client, server } = await socketPair(t);
  const local = client.getsockname();
  server.reset();
  t.equal(server.fileno(), -1, 'reset closes the resetting side');
  const [r, , x] = await expectReady({ readable: [client], exceptional: [client] });
  t.same([r, x], [[client], [client]]);
  t.throws(() => client.recv(10), { name: 'SocketError', code: 'ECONNRESET', syscall: 'recv' });
  t.equal(client.recv(10)?.length, 0, 'EOF every time after');
  t.equal(client.recv(10)?.length, 0);
  t.throws(() => client.send('x'), { code: 'EPIPE', syscall: 'send' });
  t.throws(() => client.getpeername(), { code: 'ENOTCONN', syscall: 'getpeername' }, 'no peer after a reset');
  t.same(client.getsockname(), local, 'but the local address stays');
  await expectNoEvent({ exceptional: [client] });
  const [r2] = await expectReady({ readable: [client] });
  t.same(r2, [client], 'still readable: EOF');
});

t.test("a peer's net resetAndDestroy() is seen the same way, even before we recv anything", async (t) => {
  const l = await listenT(t);
  const raw = net.connect({ host: '127.0.0.1', port: portOf(l) });
  t.teardown(() => raw.destroy());
  raw.on('error', () => {});
  await new Promise((resolve) => raw.once('connect', resolve));
  const s = await acceptT(t, l);
  raw.resetAndDestroy();
  await expectReady({ readable: [s], exceptional: [s] });
  t.throws(() => s.recv(10), { code: 'ECONNRESET', syscall: 'recv' });
  t.equal(s.recv(10)?.length, 0);
});

t.test('data that arrived before a reset is read first; the reset comes after it', async (t) => {
  const { client, server } = await socketPair(t);
  server.send('before reset');
  await until(() => client.recvQueueSize === 12, 'the data at the client');
  server.reset();
  await expectReady({ exceptional: [client] });
  t.equal(client.recv(100)?.toString(), 'before reset');
  t.throws(() => client.recv(100), { code: 'ECONNRESET' });
});

t.test('getsockname and getpeername give the two ends of the connection', async (t) => {
  const { listener, client, server } = await socketPair(t);
  t.same(client.getpeername(), { address: '127.0.0.1', port: portOf(listener), family: 'IPv4' });
  t.same(server.getsockname(), { address: '127.0.0.1', port: portOf(listener), family: 'IPv4' });
  t.same(server.getpeername(), client.getsockname());
  t.same(listener.getsockname(), { address: '127.0.0.1', port: portOf(listener), family: 'IPv4' });
});

t.test('bad arguments throw a coded TypeError or RangeError and change nothing', async (t) => {
  const { client, server } = await socketPair(t);
  client.send('kept');
  await until(() => server.recvQueueSize === 4, 'four bytes queued');
  t.throws(() => server.recv(0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => server.recv(-1), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => server.recv(1.5), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => server.recv('x' as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => server.recv(undefined as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.equal(server.recvQueueSize, 4, 'nothing was taken');
  t.throws(() => client.send(123 as unknown as string), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => client.send(null as unknown as string), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.equal(client.sendQueueSize, 0, 'nothing was queued');
  t.throws(() => client.shutdown(5), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => client.shutdown(-1), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => client.shutdown('1' as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.equal(client.send('!'), 1, 'the write side is still open');
  t.throws(() => (client.sndbuf = 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => (client.rcvbuf = 1.5), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.equal(client.sndbuf, 256 * 1024, 'the sizes are unchanged');
  t.equal((await recvExactly(server, 5)).toString(), 'kept!');
  const closed = server;
  closed.close();
  t.throws(() => closed.recv(0), { code: 'ERR_OUT_OF_RANGE' }, 'argument checks come first, even on a closed socket');
});

t.test('connect rejects malformed options before it opens anything', async (t) => {
  const before = openFdCount();
  t.throws(() => connect({ port: 70000 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => connect({ port: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => connect({ port: 80.5 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => connect({ port: '80' } as unknown as { port: number }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => connect({} as unknown as { port: number }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => connect(undefined as unknown as { port: number }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => connect({ host: 1, port: 80 } as unknown as { port: number }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => connect({ path: '' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => connect({ port: 80, sndbuf: 0 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => connect({ port: 80, rcvbuf: 'big' } as unknown as { port: number }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.equal(openFdCount(), before, 'no descriptor was taken');
});

t.test('Socket.adopt wraps a net.Socket that another library created', async (t) => {
  const l = await listenT(t);
  const raw = net.connect({ host: '127.0.0.1', port: portOf(l), allowHalfOpen: true });
  const c = Socket.adopt(raw, { sndbuf: 4096 });
  t.teardown(() => c.close());
  t.ok(c.fileno() >= 3);
  t.equal(c.sndbuf, 4096);
  await expectReady({ writable: [c] });
  const s = await acceptT(t, l);
  await sendAll(c, Buffer.from('through an adopted socket'));
  t.equal((await recvExactly(s, 25)).toString(), 'through an adopted socket');
  s.send('and back');
  t.equal((await recvExactly(c, 8)).toString(), 'and back');
  c.shutdown(SHUT_WR);
  t.equal((await recvToEof(s)).length, 0);
  c.close();
  t.ok(raw.destroyed, 'close destroys the adopted net.Socket');
});

t.test('Socket.adopt of an already connected net.Socket is writable at once', async (t) => {
  const l = await listenT(t);
  const raw = net.connect({ host: '127.0.0.1', port: portOf(l) });
  t.teardown(() => raw.destroy());
  await new Promise((resolve) => raw.once('connect', resolve));
  const c = Socket.adopt(raw);
  t.teardown(() => c.close());
  t.ok(c.events() & POLLOUT, 'connected: POLLOUT');
  t.equal(c.send('x'), 1);
});

t.test('Socket.adopt rejects anything but a net.Socket', async (t) => {
  t.throws(() => Socket.adopt({} as net.Socket), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => Socket.adopt(new net.Socket(), { sndbuf: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
});

t.test('a socket destroyed by the library that owns the net.Socket is readable with EOF', async (t) => {
  const l = await listenT(t);
  const raw = net.connect({ host: '127.0.0.1', port: portOf(l) });
  const c = Socket.adopt(raw);
  t.teardown(() => c.close());
  await expectReady({ writable: [c] });
  raw.destroy();
  await expectReady({ readable: [c] });
  t.equal(c.recv(10)?.length, 0);
  t.throws(() => c.send('x'), { code: 'EPIPE', syscall: 'send' });
});

t.test('a small send to a reset peer is not lost: the failed write leaves ECONNRESET pending, reported once', async (t) => {
  for (const size of [10, 5000]) {
    const l = await listenT(t);
    const c = connectT(t, portOf(l));
    const s = await acceptT(t, l);
    await expectReady({ writable: [c] });
    c.reset();
    let thrown: string | undefined;
    try {
      s.send(Buffer.alloc(size));
    } catch (err) {
      thrown = (err as SocketError).code;
    }
    if (thrown === undefined) {
      // the send was queued (small) or went out before the reset arrived: the failure must surface later
      await expectReady({ readable: [s], exceptional: [s] });
      t.throws(() => s.recv(10), { code: 'ECONNRESET' }, `size ${size}: the next call reports the reset`);
    } else {
      t.equal(thrown, 'ECONNRESET', `size ${size}: send reported the reset itself`);
    }
    t.equal(s.recv(10)?.length, 0, `size ${size}: then EOF, and no second report`);
    t.throws(() => s.send('x'), { code: 'EPIPE' });
  }
});

t.test('a TCP socket still connecting reports the unbound address 0.0.0.0:0, then its real one', async (t) => {
  const l = await listenT(t);
  const c = connectT(t, portOf(l));
  t.same(c.getsockname(), { address: '0.0.0.0', port: 0, family: 'IPv4' });
  await expectReady({ writable: [c] });
  const a = c.getsockname();
  t.ok(typeof a !== 'string' && a.port > 0 && a.address === '127.0.0.1', 'bound once connected');
});

t.test('an adopted net.Socket that was never connected: recv ENOTCONN and send EPIPE (as Linux), until it connects', async (t) => {
  const l = await listenT(t);
  const ns = new net.Socket({ allowHalfOpen: true });
  const s = Socket.adopt(ns);
  t.teardown(() => s.close());
  t.equal(s.events(), POLLOUT | POLLHUP, 'as Linux polls a fresh TCP socket');
  t.throws(() => s.recv(10), { code: 'ENOTCONN', syscall: 'recv' });
  t.throws(() => s.send('x'), { code: 'EPIPE', syscall: 'send' }, 'tcp_sendmsg on TCP_CLOSE: EPIPE');
  t.throws(() => s.getpeername(), { code: 'ENOTCONN' });
  ns.connect(portOf(l), '127.0.0.1');
  await expectReady({ writable: [s] });
  t.equal(s.send('now'), 3, 'connected: it sends');
});

t.test('an adopted TLS socket sends through TLS: bytes are never written past it to the descriptor', async (t) => {
  const tls = await import('node:tls');
  const { TLS_CERT, TLS_KEY } = await import('./fixtures/tls.js');
  const got: Buffer[] = [];
  const server = tls.createServer({ key: TLS_KEY, cert: TLS_CERT }, (c) => {
    c.on('data', (d: Buffer) => got.push(d));
    c.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const ts = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  await new Promise((r) => ts.once('secureConnect', r));
  const s = Socket.adopt(ts);
  t.teardown(() => s.close());
  const big = Buffer.alloc(8192, 7);
  await sendAll(s, Buffer.from('small'));
  await sendAll(s, big);
  await until(() => Buffer.concat(got).length >= 5 + big.length, 'the plaintext at the TLS server');
  t.ok(Buffer.concat(got).equals(Buffer.concat([Buffer.from('small'), big])), 'every byte arrived as plaintext');
});

// send() takes two paths that must not show: a socket's first small send of a job goes to the kernel at once
// and counts as queued until the job ends; later small sends of the job are coalesced into one write at its
// end. Free space, writability, edges and the byte order at the peer are the same either way.

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
