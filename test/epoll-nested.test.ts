/**
 * Bug 14: an epoll instance is a file that select, poll and another epoll can watch, as on Linux: readable
 * while one of its registrations would report something. Adding one to itself is EINVAL; a loop, or a
 * chain deeper than Linux allows, is ELOOP.
 */
import t from 'tap';
import { EPOLLET, EPOLLIN, Epoll, POLLIN, POLLNVAL, select } from '../lib/index.js';
import { socketPair, within } from './fixtures/helpers.js';
import { epollT, eventsOf, pollFor, pollT } from './fixtures/models.js';

t.test('bug 14: an epoll instance is readable while its ready list holds something ready', async (t) => {
  const { client, server } = await socketPair(t);
  const inner = epollT(t);
  const outer = epollT(t);
  inner.register(server, EPOLLIN);
  outer.register(inner, EPOLLIN);
  t.equal(inner.events(), 0, 'nothing ready inside: not readable');
  t.same(await outer.poll(0), []);
  client.send('x');
  t.equal(await pollFor(outer, inner.fileno(), EPOLLIN), EPOLLIN, 'data inside: the inner instance is readable');
  t.same(await inner.poll(0), [[server.fileno(), EPOLLIN]], 'and the inner poll has the event');
  t.equal(eventsOf(await outer.poll(0), inner.fileno()), EPOLLIN, 'level-triggered inside: still readable');
  server.recv(10);
  t.equal(inner.events(), 0, 'drained: the stale entry is dropped, as ep_eventpoll_poll does');
  t.same(await outer.poll(0), [], 'and the outer instance reports nothing');
});

t.test('bug 14: select() and Poll watch an epoll instance too', async (t) => {
  const { client, server } = await socketPair(t);
  const inner = epollT(t);
  inner.register(server, EPOLLIN);
  const p = pollT(t);
  p.register(inner, POLLIN);
  t.same(await p.poll(0), []);
  t.same(await select([inner], [], [], 0), [[], [], []]);
  const waiting = select([inner], [], [], null);
  client.send('x');
  t.same(await within(waiting, 'select on the epoll instance'), [[inner], [], []]);
  t.same(await p.poll(0), [[inner.fileno(), POLLIN]]);
});

t.test('bug 14: a pending wait on the outer instance ends when the inner one becomes ready', async (t) => {
  const { client, server } = await socketPair(t);
  const inner = epollT(t);
  const outer = epollT(t);
  inner.register(server, EPOLLIN);
  outer.register(inner.fileno(), EPOLLIN);
  const waiting = outer.poll(null);
  client.send('x');
  t.same(await within(waiting, 'the outer wait'), [[inner.fileno(), EPOLLIN]]);
});

t.test('bug 14: an edge-triggered outer registration gets one event when the inner list fills', async (t) => {
  const { client, server } = await socketPair(t);
  const inner = epollT(t);
  const outer = epollT(t);
  inner.register(server, EPOLLIN);
  outer.register(inner, EPOLLIN | EPOLLET);
  t.same(await outer.poll(0), [], 'no edge yet');
  client.send('x');
  await pollFor(outer, inner.fileno(), EPOLLIN);
  t.same(await outer.poll(0), [], 'the inner instance is still readable, but there is no new edge');
  t.equal(inner.events(), EPOLLIN);
});

t.test('bug 14: adding an epoll instance to itself is EINVAL', async (t) => {
  const ep = epollT(t);
  t.throws(() => ep.register(ep, EPOLLIN), { code: 'EINVAL', syscall: 'epoll_ctl' });
  t.throws(() => ep.register(ep.fileno(), EPOLLIN), { code: 'EINVAL' }, 'by number too');
  t.equal(ep.size, 0);
});

t.test('bug 14: a loop of epoll instances is ELOOP, however long', async (t) => {
  const a = epollT(t);
  const b = epollT(t);
  const c = epollT(t);
  a.register(b, EPOLLIN);
  t.throws(() => b.register(a, EPOLLIN), { code: 'ELOOP', syscall: 'epoll_ctl' }, 'a <-> b');
  b.register(c, EPOLLIN);
  t.throws(() => c.register(a, EPOLLIN), { code: 'ELOOP' }, 'a -> b -> c -> a');
  t.equal(c.size, 0);
  const d = epollT(t);
  c.register(d, EPOLLIN);
  d.register(epollT(t), EPOLLIN);
  t.equal(c.size, 1, 'a chain without a loop is fine');
});

t.test('bug 14: a chain deeper than five instances is ELOOP (Linux EP_MAX_NESTS)', async (t) => {
  const chain = [epollT(t), epollT(t), epollT(t), epollT(t), epollT(t)];
  for (let i = 0; i + 1 < chain.length; i++) chain[i]?.register(chain[i + 1] as Epoll, EPOLLIN);
  const top = epollT(t);
  t.throws(() => top.register(chain[0] as Epoll, EPOLLIN), { code: 'ELOOP' }, 'six levels');
  top.register(chain[1] as Epoll, EPOLLIN);
  t.equal(top.size, 1, 'five levels are fine');
});

t.test('bug 14: closing an inner instance is closing a file: epoll forgets it, poll reports POLLNVAL, select fails', async (t) => {
  const inner = new Epoll();
  const fd = inner.fileno();
  const outer = epollT(t);
  const p = pollT(t);
  outer.register(inner, EPOLLIN);
  p.register(inner, POLLIN);
  inner.close();
  t.equal(outer.size, 0);
  t.same(await p.poll(0), [[fd, POLLNVAL]]);
  await t.rejects(select([inner], [], [], 0), { code: 'EBADF' });
});
