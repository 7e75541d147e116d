/**
 * CPython's Lib/test/test_epoll.py, ported to `Epoll` on real loopback pairs, with the regression tests of
 * bugs 6 (masks) and 8 (epoll_ctl on a closed descriptor).
 *
 * CPython's exceptions map to net-select's codes: TypeError -> ERR_INVALID_ARG_TYPE, ValueError for a
 * negative descriptor -> ERR_OUT_OF_RANGE, OSError -> its errno name; ValueError("I/O operation on closed
 * epoll object") -> EBADF, as epoll_ctl/epoll_wait give on a closed descriptor.
 *
 * Not ported, and why:
 * - test_badcreate and the `sizehint`/`flags` half of test_create: `new Epoll()` takes no arguments
 *   (sizehint has been ignored by Linux since 2.6.8; EPOLL_CLOEXEC has no meaning without exec).
 * - `fileno()` raising ValueError once closed: it returns -1 here, as a closed socket's does.
 * - test_context_manager: no `with` statement; `close()` is covered by test_close.
 * - test_fromfd: no `epoll.fromfd`; an instance is one object, and its number cannot be adopted twice.
 * - test_fd_non_inheritable: there is no exec or fork.
 * - The elapsed-time bounds of test_control_and_wait: no wall-clock asserts here (STYLE.md); absence is
 *   shown by a timeout-0 poll instead.
 */
import t from 'tap';
import {
  EPOLLET,
  EPOLLIN,
  EPOLLOUT,
  Epoll,
} from '../lib/index.js';
import { PATIENCE_MS, connectT, portOf, socketPair } from './fixtures/helpers.js';
import { epollT } from './fixtures/models.js';

t.test('test_create: a descriptor of its own; closed after close(), fileno() -1', async (t) => {
  const ep = new Epoll();
  t.ok(ep.fileno() > 0);
  t.notOk(ep.closed);
  ep.close();
  t.ok(ep.closed);
  t.equal(ep.fileno(), -1, 'departure: -1 rather than ValueError');
});

t.test('test_add: by number and by object; bad objects, -1, an unknown number, twice', async (t) => {
  const { client, server } = await socketPair(t);
  const byNumber = epollT(t);
  byNumber.register(server.fileno(), EPOLLIN | EPOLLOUT);
  byNumber.register(client.fileno(), EPOLLIN | EPOLLOUT);
  t.equal(byNumber.size, 2);
  const byObject = epollT(t);
  byObject.register(server, EPOLLIN | EPOLLOUT);
  byObject.register(client, EPOLLIN | EPOLLOUT);
  t.equal(byObject.size, 2);
  const ep = epollT(t);
  t.throws(() => ep.register({} as never, EPOLLIN | EPOLLOUT), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => ep.register(null as never, EPOLLIN | EPOLLOUT), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => ep.register(-1, EPOLLIN | EPOLLOUT), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => ep.register(10000, EPOLLIN | EPOLLOUT), { code: 'EBADF', syscall: 'epoll_ctl' });
  ep.register(server, EPOLLIN | EPOLLOUT);
  t.throws(() => ep.register(server, EPOLLIN | EPOLLOUT), { code: 'EEXIST' });
});

t.test('test_control_and_wait: edge-triggered OUT at once, nothing more, IN|OUT on data, then unregister and modify', async (t) => {
  const { client, server } = await socketPair(t);
  const ep = epollT(t);
  ep.register(server.fileno(), EPOLLIN | EPOLLOUT | EPOLLET);
  ep.register(client.fileno(), EPOLLIN | EPOLLOUT | EPOLLET);
  const sorted = (ev: [number, number][]): [number, number][] => [...ev].sort((a, b) => a[0] - b[0]);
  t.same(sorted(await ep.poll(1000, 4)), sorted([[client.fileno(), EPOLLOUT], [server.fileno(), EPOLLOUT]]));
  t.same(await ep.poll(0, 4), [], 'no new edge: nothing');
  client.send('Hello!');
  server.send('world!!!');
  // The two may come one at a time: poll until both have been reported.
  const events: [number, number][] = [];
  const deadline = performance.now() + PATIENCE_MS;
  while (events.length < 2 && performance.now() < deadline) events.push(...(await ep.poll(1000, 4)));
  t.same(sorted(events), sorted([[client.fileno(), EPOLLIN | EPOLLOUT], [server.fileno(), EPOLLIN | EPOLLOUT]]));
  ep.unregister(client.fileno());
  ep.modify(server.fileno(), EPOLLOUT);
  t.same(await ep.poll(1000, 4), [[server.fileno(), EPOLLOUT]]);
});

t.test('test_errors: a negative descriptor is refused', async (t) => {
  t.throws(() => epollT(t).register(-1, EPOLLIN), { code: 'ERR_OUT_OF_RANGE' });
});

t.test('test_unregister_closed, bug 8: unregister (and modify) of a closed descriptor is EBADF, as Linux', async (t) => {
  const { server } = await socketPair(t);
  const fd = server.fileno();
  const ep = epollT(t);
  ep.register(server);
  t.same(await ep.poll(1000, 4), [[fd, EPOLLOUT]]);
  server.close();
  t.throws(() => ep.unregister(fd), { code: 'EBADF', syscall: 'epoll_ctl' }, 'bug 8: EBADF, not ENOENT');
  t.throws(() => ep.modify(fd, EPOLLIN), { code: 'EBADF', syscall: 'epoll_ctl' });
  t.throws(() => ep.unregister(server), { code: 'EBADF' }, 'the closed object too');
  t.throws(() => ep.modify(server, EPOLLIN), { code: 'EBADF' });
});

t.test('bug 8: a number closed and then taken by an unregistered socket is ENOENT, as Linux', async (t) => {
  const { listener, client, server } = await socketPair(t);
  const fd = server.fileno();
  const ep = epollT(t);
  ep.register(server, EPOLLIN);
  server.close();
  t.equal(connectT(t, portOf(listener)).fileno(), fd, 'the number is reused');
  t.throws(() => ep.unregister(fd), { code: 'ENOENT' });
  t.throws(() => ep.modify(fd, EPOLLIN), { code: 'ENOENT' });
  t.ok(client.fileno() >= 0);
});

t.test('test_close: closing twice is fine; every call after it is EBADF', async (t) => {
  const { server } = await socketPair(t);
  const ep = new Epoll();
  t.type(ep.fileno(), 'number');
  t.notOk(ep.closed);
  ep.close();
  t.ok(ep.closed);
  t.equal(ep.fileno(), -1);
  ep.close();
  t.throws(() => ep.modify(server, EPOLLIN), { code: 'EBADF' });
  await t.rejects(ep.poll(1000), { code: 'EBADF' });
  t.throws(() => ep.register(server, EPOLLIN), { code: 'EBADF' });
  t.throws(() => ep.unregister(server), { code: 'EBADF' });
});

t.test('bug 6: an epoll mask past 32 bits is ERR_OUT_OF_RANGE, not cut', async (t) => {
  const { server } = await socketPair(t);
  const ep = epollT(t);
  t.throws(() => ep.register(server, 2 ** 32 + EPOLLIN), { code: 'ERR_OUT_OF_RANGE' }, 'not read as EPOLLIN');
  t.throws(() => ep.register(server, 2 ** 64), { code: 'ERR_OUT_OF_RANGE' }, 'not read as 0');
  t.equal(ep.size, 0, 'nothing registered');
  ep.register(server, EPOLLIN);
  t.throws(() => ep.modify(server, 2 ** 32 + EPOLLOUT), { code: 'ERR_OUT_OF_RANGE' });
  t.same(await ep.poll(0), [], 'the mask is still EPOLLIN: the writable socket is not reported');
});

t.test('bug 6: a negative epoll mask is read as its 32 bits (EPOLLIN | EPOLLET is negative in JavaScript)', async (t) => {
  const { client, server } = await socketPair(t);
  const ep = epollT(t);
  const mask = EPOLLIN | EPOLLET;
  t.ok(mask < 0, 'the mask as `|` makes it');
  ep.register(server, mask);
  client.send('x');
  const deadline = performance.now() + PATIENCE_MS;
  let got: [number, number][] = [];
  while (got.length === 0 && performance.now() < deadline) got = await ep.poll(50);
  t.same(got, [[server.fileno(), EPOLLIN]]);
  t.same(await ep.poll(0), [], 'edge-triggered: the unread byte is not reported again');
  t.throws(() => ep.register(client, EPOLLIN - 2 ** 32), { code: 'ERR_INVALID_ARG_VALUE' }, 'below any 32-bit mask: not read as EPOLLIN');
  t.throws(() => ep.register(client, -(2 ** 31) - 1), { code: 'ERR_INVALID_ARG_VALUE' }, 'ValueError in CPython');
  const err = t.throws(() => ep.register(client, -1), { code: 'ERR_INVALID_ARG_VALUE' }) as Error;
  t.match(err.message, /does not know: 0x3fff[0-9a-f]{4}$/, `the unknown bits printed as unsigned hex: ${err.message}`);
});
