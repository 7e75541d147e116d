/**
 * The epoll model: level- and edge-triggered, one-shot, maxevents round-robin, and what a close, a FIN and
 * a reset look like, on real loopback sockets.
 */
import t from 'tap';
import {
  EPOLLERR,
  EPOLLET,
  EPOLLHUP,
  EPOLLIN,
  EPOLLONESHOT,
  EPOLLOUT,
  EPOLLRDHUP,
  Epoll,
  SHUT_WR,
  getFdLimit,
  openFdCount,
  setFdLimit,
} from '../lib/index.js';
import { acceptT, connectT, expectReady, portOf, socketPair } from './fixtures/helpers.js';
import { epollT, eventsOf, pollFor } from './fixtures/models.js';


t.test('level-triggered: unread data is reported by every poll until it is read', async (t) => {
  const { client, server } = await socketPair(t);
  const ep = epollT(t);
  ep.register(server, EPOLLIN);
  t.same(await ep.poll(0), [], 'nothing before data');
  client.send('hello');
  await pollFor(ep, server.fileno(), EPOLLIN);
  t.equal(eventsOf(await ep.poll(0), server.fileno()), EPOLLIN, 'still reported');
  t.equal(eventsOf(await ep.poll(0), server.fileno()), EPOLLIN, 'and again');
  t.equal(server.recv(100)?.toString(), 'hello');
  t.same(await ep.poll(30), [], 'silent once read');
});

t.test('EPOLLERR and EPOLLHUP are reported whatever the mask', async (t) => {
  const { client, server } = await socketPair(t);
  const ep = epollT(t);
  ep.register(server, EPOLLOUT & 0); // an empty mask: interested in nothing
  client.reset();
  const ev = await pollFor(ep, server.fileno(), EPOLLERR | EPOLLHUP);
  t.equal(ev & (EPOLLIN | EPOLLOUT), 0, 'only the bits that cannot be masked');
  t.throws(() => server.recv(10), { code: 'ECONNRESET', syscall: 'recv' });
});

t.test('edge-triggered: after a partial read no new event comes until more data arrives (the lost wakeup)', async (t) => {
  const { client, server } = await socketPair(t);
  const ep = epollT(t);
  ep.register(server, EPOLLIN | EPOLLET);
  client.send('0123456789');
  await pollFor(ep, server.fileno(), EPOLLIN);
  t.equal(server.recv(4)?.toString(), '0123', 'a partial read');
  t.same(await ep.poll(80), [], 'six bytes are still queued, yet no event: a loop waiting here would hang');
  t.equal(server.recvQueueSize, 6, 'the data is there all the same');
  client.send('ab');
  t.equal(await pollFor(ep, server.fileno(), EPOLLIN), EPOLLIN, 'new data is a new edge');
  t.equal(server.recv(100)?.toString(), '456789ab', 'drain...');
  t.equal(server.recv(100), null, '...to would-block');
  t.same(await ep.poll(50), [], 'no event while nothing new arrives');
  client.send('c');
  await pollFor(ep, server.fileno(), EPOLLIN);
  t.equal(server.recv(100)?.toString(), 'c');
});

t.test('edge-triggered EPOLLOUT: an event when send space comes back after the queue was full', async (t) => {
  const { client, server } = await socketPair(t, { client: { sndbuf: 1024 } });
  const ep = epollT(t);
  ep.register(client, EPOLLOUT | EPOLLET);
  t.equal(await pollFor(ep, client.fileno(), EPOLLOUT), EPOLLOUT, 'the registration itself reports the ready socket once');
  t.same(await ep.poll(30), [], 'then nothing: still writable, but no new edge');
  t.equal(client.send(Buffer.alloc(4096, 1)), 1024, 'a send bigger than the queue fills it');
  t.equal(client.send('x'), 0, 'full');
  await pollFor(ep, client.fileno(), EPOLLOUT);
  t.ok(client.send('y') > 0, 'writable again after the event');
  t.ok(server.recvQueueSize >= 0);
});

t.test('one-shot: silent after one event until modify re-arms it', async (t) => {
  const { client, server } = await socketPair(t);
  const ep = epollT(t);
  ep.register(server, EPOLLIN | EPOLLONESHOT);
  client.send('a');
  await pollFor(ep, server.fileno(), EPOLLIN);
  t.same(await ep.poll(50), [], 'disarmed, though the data is unread');
  ep.modify(server, EPOLLIN | EPOLLONESHOT);
  t.equal(eventsOf(await ep.poll(1000), server.fileno()), EPOLLIN, 're-armed: the unread data is reported');
  t.same(await ep.poll(30), [], 'and disarmed again');
});

t.test('maxevents bounds a call and the rest come next, round-robin: a busy socket cannot starve others', async (t) => {
  const pairs = [];
  for (let i = 0; i < 5; i++) pairs.push(await socketPair(t));
  const ep = epollT(t);
  for (const p of pairs) ep.register(p.server, EPOLLIN);
  for (const p of pairs) p.client.send('x');
  await expectReady({ readable: pairs.map((p) => p.server) });
  const seen: number[][] = [];
  for (let i = 0; i < 3; i++) {
    const ev = await ep.poll(1000, 2);
    t.equal(ev.length, 2, `call ${i + 1} returns exactly maxevents`);
    seen.push(ev.map(([fd]) => fd));
  }
  const firstFive = new Set(seen.flat().slice(0, 5));
  t.equal(firstFive.size, 5, `every ready socket is served within three calls: ${JSON.stringify(seen)}`);
  await t.rejects(ep.poll(0, 0), { code: 'ERR_OUT_OF_RANGE' }, 'maxevents below 1 is refused');
});

t.test('closing a socket removes it from every epoll set', async (t) => {
  const { client, server } = await socketPair(t);
  const a = epollT(t);
  const b = epollT(t);
  a.register(server, EPOLLIN);
  b.register(server, EPOLLIN);
  client.send('x');
  await pollFor(a, server.fileno(), EPOLLIN);
  const fd = server.fileno();
  server.close();
  t.equal(a.size, 0);
  t.equal(b.size, 0);
  t.same(await a.poll(30), [], 'no event for the closed socket, not even EPOLLNVAL');
  t.throws(() => a.unregister(fd), { code: 'EBADF', syscall: 'epoll_ctl' }, 'the number is not open: EBADF, as Linux');
});

t.test('epoll_ctl errors as the real call gives them: EEXIST, ENOENT, EBADF', async (t) => {
  const { server, listener } = await socketPair(t);
  const ep = epollT(t);
  ep.register(server, EPOLLIN);
  t.throws(() => ep.register(server, EPOLLOUT), { code: 'EEXIST', syscall: 'epoll_ctl' });
  t.throws(() => ep.modify(listener, EPOLLIN), { code: 'ENOENT', syscall: 'epoll_ctl' });
  t.throws(() => ep.unregister(listener), { code: 'ENOENT', syscall: 'epoll_ctl' });
  t.throws(() => ep.register(999, EPOLLIN), { code: 'EBADF', syscall: 'epoll_ctl' });
  t.throws(() => ep.register(server, 0x40000), { code: 'ERR_INVALID_ARG_VALUE' }, 'unknown mask bits');
  t.throws(() => ep.register('x' as never, EPOLLIN), { code: 'ERR_INVALID_ARG_TYPE' });
  t.equal(ep.size, 1, 'failed calls changed nothing');
  ep.unregister(server);
  t.equal(ep.size, 0);
});

t.test('an epoll instance holds a descriptor; past the open-file limit it fails with EMFILE', async (t) => {
  const saved = getFdLimit();
  t.teardown(() => setFdLimit(saved));
  const ep = epollT(t);
  t.ok(ep.fileno() >= 3);
  setFdLimit(openFdCount() + 3);
  t.throws(() => new Epoll(), { code: 'EMFILE', syscall: 'epoll_create' });
  const fd = ep.fileno();
  ep.close();
  t.equal(ep.fileno(), -1);
  setFdLimit(saved);
  const again = epollT(t);
  t.equal(again.fileno(), fd, 'the freed number is reused');
  await t.rejects(ep.poll(0), { code: 'EBADF' }, 'a closed instance refuses to wait');
});

t.test('half-close is not hang-up: after the peer FIN, EPOLLIN|EPOLLRDHUP and still EPOLLOUT', async (t) => {
  const { client, server } = await socketPair(t);
  const ep = epollT(t);
  ep.register(server, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
  client.shutdown(SHUT_WR);
  const ev = await pollFor(ep, server.fileno(), EPOLLIN | EPOLLRDHUP | EPOLLOUT);
  t.equal(ev & EPOLLHUP, 0, 'no EPOLLHUP');
  t.equal(server.recv(10)?.length, 0, 'EOF');
  t.equal(server.send('still here'), 10, 'and the write side works');
  server.shutdown(SHUT_WR);
  t.ok((await pollFor(ep, server.fileno(), EPOLLHUP)) & EPOLLHUP, 'both sides shut: now it is a hang-up');
});

t.test('a wait with nothing registered and no timeout is refused instead of hanging', async (t) => {
  const ep = epollT(t);
  await t.rejects(ep.poll(), { code: 'ERR_INVALID_ARG_VALUE' });
  await t.rejects(ep.poll(-1), { code: 'ERR_OUT_OF_RANGE' });
  t.same(await ep.poll(5), [], 'with a timeout it simply times out');
});

t.test('a pending wait settles with the batch once a registered socket becomes ready', async (t) => {
  const l = await (await import('./fixtures/helpers.js')).listenT(t);
  const c1 = connectT(t, portOf(l));
  const c2 = connectT(t, portOf(l));
  const s1 = await acceptT(t, l);
  const s2 = await acceptT(t, l);
  const ep = epollT(t);
  ep.register(s1, EPOLLIN);
  ep.register(s2, EPOLLIN);
  const waiting = ep.poll();
  c1.send('a');
  c2.send('b');
  const got = await waiting;
  t.ok(got.length >= 1, 'settled by the data');
  t.ok(got.every(([fd, ev]) => (fd === s1.fileno() || fd === s2.fileno()) && ev === EPOLLIN));
});

t.test('concurrent waits each get their own answer, within their own maxevents', async (t) => {
  const pairs = [];
  for (let i = 0; i < 4; i++) pairs.push(await socketPair(t));
  const ep = epollT(t);
  for (const p of pairs) ep.register(p.server, EPOLLIN);
  for (const p of pairs) p.client.send('x');
  await expectReady({ readable: pairs.map((p) => p.server) });
  const [one, many] = await Promise.all([ep.poll(1000, 1), ep.poll(1000, 10)]);
  t.equal(one.length, 1, 'maxevents 1 is honoured');
  t.equal(many.length, 4, 'maxevents 10 gets all four');
  t.not(one, many, 'two arrays, not one shared');
});

t.test('edge-triggered: a partial send always brings an EPOLLOUT edge once there is room, however the kernel took it', async (t) => {
  const { client, server } = await socketPair(t, { client: { sndbuf: 16384 } });
  const ep = epollT(t);
  ep.register(client, EPOLLOUT | EPOLLET);
  await pollFor(ep, client.fileno(), EPOLLOUT);
  // Offer more than fits, without reading, until the kernel itself takes only part of a send: the rest
  // waits in the send queue, which is not full. Then stop sending: no later send may arm the edge for us.
  const chunk = Buffer.alloc(1 << 20, 1);
  let sends = 0;
  let partial = 0;
  while (client.sendQueueSize === 0 && sends < 10_000) {
    if (client.send(chunk) < chunk.length) partial++;
    sends++;
  }
  t.equal(partial, sends, 'every send was partial (bigger than sndbuf)');
  t.ok(client.sendQueueSize > 0 && client.sendQueueSize < client.sndbuf, 'the kernel took part; the queue is not full');
  // Drain the peer: room comes back, and with it one edge.
  const drained = (async () => {
    for (let i = 0; i < 2000; i++) {
      await expectReady({ readable: [server] }, undefined, 2000).catch(() => undefined);
      if (server.recv(1 << 20) === null) break;
      if (client.sendQueueSize === 0 && server.recvQueueSize === 0) break;
    }
  })();
  t.ok((await pollFor(ep, client.fileno(), EPOLLOUT, 10_000)) & EPOLLOUT, 'the promised edge came');
  await drained;
});

t.test('edge-triggered on a listener: every new connection is an edge, even while others wait', async (t) => {
  const { listenT, connectT, portOf } = await import('./fixtures/helpers.js');
  const l = await listenT(t);
  const ep = epollT(t);
  ep.register(l, EPOLLIN | EPOLLET);
  connectT(t, portOf(l));
  await pollFor(ep, l.fileno(), EPOLLIN);
  t.same(await ep.poll(30), [], 'no new connection, no edge (one is still queued)');
  connectT(t, portOf(l));
  await pollFor(ep, l.fileno(), EPOLLIN);
  t.equal(l.pending, 2, 'two queued, none accepted');
});
