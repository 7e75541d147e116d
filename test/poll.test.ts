/** The poll model: level-triggered, POLLNVAL per entry for a closed descriptor, no FD_SETSIZE cap. */
import t from 'tap';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, select } from '../lib/index.js';
import { socketPair } from './fixtures/helpers.js';
import { pollT, eventsOf, pollFor } from './fixtures/models.js';


t.test('POLLIN while data is queued, POLLOUT while the send queue has room', async (t) => {
  const { client, server } = await socketPair(t);
  const p = pollT(t);
  p.register(server, POLLIN | POLLOUT);
  t.equal(await pollFor(p, server.fileno(), POLLOUT), POLLOUT, 'writable, nothing to read');
  client.send('hi');
  t.equal(await pollFor(p, server.fileno(), POLLIN), POLLIN | POLLOUT);
  t.equal(eventsOf(await p.poll(0), server.fileno()), POLLIN | POLLOUT, 'level-triggered: again');
});

t.test('a closed descriptor reports POLLNVAL for its entry only, while select fails the whole call', async (t) => {
  const a = await socketPair(t);
  const b = await socketPair(t);
  const p = pollT(t);
  p.register(a.server, POLLIN);
  p.register(b.server, POLLIN);
  const closedFd = a.server.fileno();
  b.client.send('x');
  await pollFor(p, b.server.fileno(), POLLIN);
  a.server.close();
  const got = await p.poll(1000);
  t.equal(eventsOf(got, closedFd), POLLNVAL, 'the closed entry');
  t.equal(eventsOf(got, b.server.fileno()), POLLIN, 'the other entry is still served');
  t.equal(eventsOf(await p.poll(0), closedFd), POLLNVAL, 'and POLLNVAL stays until unregistered');
  await t.rejects(select([a.server, b.server], [], [], 0), { code: 'EBADF' }, 'select refuses the same set');
  p.unregister(closedFd);
  t.equal(eventsOf(await p.poll(0), closedFd), 0);
});

t.test('a number that is not open is accepted and reports POLLNVAL; there is no FD_SETSIZE cap', async (t) => {
  const p = pollT(t);
  p.register(1500, POLLIN);
  t.same(await p.poll(0), [[1500, POLLNVAL]]);
  await t.rejects(select([1500], [], [], 0), { code: 'ERR_OUT_OF_RANGE' }, 'select cannot even express it');
});

t.test('POLLERR and POLLHUP are reported whatever the mask', async (t) => {
  const { client, server } = await socketPair(t);
  const p = pollT(t);
  p.register(server, POLLOUT & 0);
  client.reset();
  const ev = await pollFor(p, server.fileno(), POLLERR | POLLHUP);
  t.equal(ev & (POLLIN | POLLOUT), 0);
});

t.test('registering again replaces the mask; modify and unregister need a registered descriptor', async (t) => {
  const { client, server } = await socketPair(t);
  const p = pollT(t);
  p.register(server, POLLOUT);
  p.register(server, POLLIN);
  t.equal(p.size, 1);
  t.same(await p.poll(30), [], 'POLLOUT no longer asked for');
  client.send('x');
  t.equal(await pollFor(p, server.fileno(), POLLIN), POLLIN);
  t.throws(() => p.modify(client, POLLIN), { code: 'ENOENT', syscall: 'poll' });
  t.throws(() => p.unregister(client), { code: 'ENOENT' });
  t.throws(() => p.register(server, 0x4000), { code: 'ERR_INVALID_ARG_VALUE' }, 'an unknown bit');
  t.throws(() => p.register(server, 1 << 20), { code: 'ERR_OUT_OF_RANGE' }, 'past poll’s 16-bit mask');
  t.equal(p.size, 1);
});

t.test('the same timeout rules as select', async (t) => {
  const p = pollT(t);
  await t.rejects(p.poll(), { code: 'ERR_INVALID_ARG_VALUE' }, 'nothing registered, no timeout');
  await t.rejects(p.poll(NaN), { code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(p.poll('1' as never), { code: 'ERR_INVALID_ARG_TYPE' });
  t.same(await p.poll(0.2), [], 'a fraction rounds up and times out');
  p.close();
  await t.rejects(p.poll(0), { code: 'EBADF' });
  t.throws(() => p.register(1, POLLIN), { code: 'EBADF' });
});

t.test('poll looks the number up again: a number reused by a new socket watches the new socket', async (t) => {
  const a = await socketPair(t);
  const p = pollT(t);
  p.register(a.client, POLLIN);
  const fd = a.client.fileno();
  a.client.close();
  t.equal(eventsOf(await p.poll(0), fd), POLLNVAL, 'closed: POLLNVAL');
  const { connectT, acceptT, portOf } = await import('./fixtures/helpers.js');
  const b = connectT(t, portOf(a.listener)); // the lowest free number: the one just freed
  t.equal(b.fileno(), fd, 'the number was reused');
  const peer = await acceptT(t, a.listener);
  peer.send('y');
  t.equal(await pollFor(p, fd, POLLIN), POLLIN, 'the new socket, and its data, with no POLLNVAL');
  p.register(fd, POLLIN | POLLOUT);
  t.equal(eventsOf(await p.poll(0), fd), POLLIN | POLLOUT, 'registering again changes the new socket’s mask');
});

t.test('a number registered before it is open reports POLLNVAL until a socket takes it', async (t) => {
  const p = pollT(t);
  const l = await (await import('./fixtures/helpers.js')).listenT(t);
  const next = l.fileno() + 1;
  p.register(next, POLLOUT);
  t.equal(eventsOf(await p.poll(0), next), POLLNVAL);
  const c = (await import('./fixtures/helpers.js')).connectT(t, (l.getsockname() as { port: number }).port);
  t.equal(c.fileno(), next);
  t.equal(await pollFor(p, next, POLLOUT), POLLOUT, 'once connected it is the socket that answers');
});

t.test('a mask of the wrong type is a TypeError; an endless timeout waits for readiness', async (t) => {
  const { client, server } = await socketPair(t);
  const p = pollT(t);
  t.throws(() => p.register(server, '1' as never), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => p.register(server, 1.5), { code: 'ERR_INVALID_ARG_VALUE' });
  p.register(server, POLLIN);
  const waiting = p.poll(Infinity);
  client.send('z');
  t.same(await waiting, [[server.fileno(), POLLIN]]);
});
