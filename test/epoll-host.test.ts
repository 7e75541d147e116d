/**
 * An epoll instance's descriptor lives in the table of the host its sockets live on: a simulated host counts
 * its epolls among its open descriptors, and its open-file limit (EMFILE) is its own. On the simulated
 * network, so every host is a separate table and no test waits on wall time.
 */
import t, { type Test } from 'tap';
import { EPOLLIN, Epoll, Poll, POLLIN, listen, openFdCount, select, type Socket } from '../lib/index.js';
import { expectReady, simTest, type SimNetwork } from '../lib/testing/index.js';

/** A connected pair over `sim`: [client on host 'client', server on host 'server']. */
async function simPair(t: Test, sim: SimNetwork): Promise<[Socket, Socket]> {
  const l = await sim.host('server').listen({ port: 7000 });
  t.teardown(() => l.close());
  const c = sim.host('client').connect({ host: 'server', port: 7000 });
  t.teardown(() => c.close());
  await expectReady({ readable: [l] }, { sim });
  const s = l.accept() as Socket;
  t.teardown(() => s.close());
  await expectReady({ writable: [c] }, { sim });
  return [c, s];
}

t.test("new Epoll() over a simulated host's socket takes its descriptor from that host, and gives it back there", async (t) => {
  const sim = simTest(t, { seed: 11 });
  const [, s] = await simPair(t, sim);
  const server = sim.host('server');
  const before = server.openFdCount; // the listener and the accepted socket
  const processBefore = openFdCount();
  const ep = new Epoll();
  t.teardown(() => ep.close());
  t.equal(openFdCount(), processBefore + 1, 'made alone, it is a descriptor of this process');
  ep.register(s, EPOLLIN);
  t.equal(server.openFdCount, before + 1, "the server host counts it among its descriptors");
  t.equal(openFdCount(), processBefore, "the process's number was given back");
  t.equal(ep.fileno(), s.fileno() + 1, "its number is the server host's lowest free one");
  ep.close();
  t.equal(server.openFdCount, before, 'closing it frees it on the host');
  t.equal(openFdCount(), processBefore);
});

t.test("a simulated host's epoll() holds one of its numbers from the start, and takes only that host's sockets", async (t) => {
  const sim = simTest(t, { seed: 12 });
  const [c, s] = await simPair(t, sim);
  const server = sim.host('server');
  const before = server.openFdCount;
  const processBefore = openFdCount();
  const ep = server.epoll();
  t.teardown(() => ep.close());
  t.equal(server.openFdCount, before + 1, 'counted by its host');
  t.equal(openFdCount(), processBefore, 'not by the process');
  t.throws(() => ep.register(c, EPOLLIN), { code: 'ERR_INVALID_ARG_VALUE' }, "another host's socket is refused");
  const real = await listen({ port: 0 });
  t.teardown(() => real.close());
  t.throws(() => ep.register(real, EPOLLIN), { code: 'ERR_INVALID_ARG_VALUE' }, 'a real socket too');
  t.equal(ep.size, 0, 'nothing was registered');
  ep.register(s.fileno(), EPOLLIN); // a number is looked up in the host's own table
  t.equal(c.send('x'), 1);
  t.same(await ep.poll(1000), [[s.fileno(), EPOLLIN]], "waits on its host's clock");
});

t.test('EMFILE is per host: a full host refuses an epoll, other hosts and the process do not', async (t) => {
  const sim = simTest(t, { seed: 13 });
  const [c, s] = await simPair(t, sim);
  const server = sim.host('server');
  server.fdLimit = server.openFdCount + 4; // numbers 3 to limit - 1: room for exactly one more
  const one = server.epoll();
  t.teardown(() => one.close());
  t.throws(() => server.epoll(), { code: 'EMFILE', syscall: 'epoll_create' }, 'the full host refuses a second');
  const moving = new Epoll();
  t.teardown(() => moving.close());
  const processCount = openFdCount();
  const fd = moving.fileno();
  t.throws(() => moving.register(s, EPOLLIN), { code: 'EMFILE', syscall: 'epoll_ctl' }, 'no number left there to move to');
  t.equal(moving.size, 0, 'nothing registered');
  t.equal(moving.fileno(), fd, 'it kept its number');
  t.equal(openFdCount(), processCount, "and the process's table is as it was");
  const other = sim.host('client').epoll();
  t.teardown(() => other.close());
  other.register(c, EPOLLIN);
  t.equal(other.size, 1, "another host's epoll is not limited by the full one");
  one.close();
  moving.register(s, EPOLLIN); // a number is free again
  t.equal(moving.size, 1);
  t.throws(() => (server.fdLimit = 3), { code: 'ERR_OUT_OF_RANGE' }, 'a limit below 4 is refused');
});

t.test("an epoll that moved is its host's file: that host's select and poll watch it", async (t) => {
  const sim = simTest(t, { seed: 14 });
  const [c, s] = await simPair(t, sim);
  const ep = new Epoll();
  t.teardown(() => ep.close());
  ep.register(s, EPOLLIN);
  const p = new Poll();
  t.teardown(() => p.close());
  p.register(ep, POLLIN);
  p.register(s, POLLIN);
  t.equal(c.send('x'), 1);
  t.same(await p.poll(1000), [[ep.fileno(), POLLIN], [s.fileno(), POLLIN]], 'one poll over the epoll and a socket of its host');
  const [r] = await select([ep], [], [], 1000);
  t.same(r, [ep], 'select over it');
});

t.test('an epoll watched where it is does not move: a socket of another host is refused, nothing changed', async (t) => {
  const sim = simTest(t, { seed: 15 });
  const [, s] = await simPair(t, sim);
  const ep = new Epoll();
  t.teardown(() => ep.close());
  const p = new Poll();
  t.teardown(() => p.close());
  p.register(ep, POLLIN); // a process descriptor, watched by a process poll
  const fd = ep.fileno();
  const before = sim.host('server').openFdCount;
  t.throws(() => ep.register(s, EPOLLIN), { code: 'ERR_INVALID_ARG_VALUE' });
  t.equal(ep.fileno(), fd);
  t.equal(ep.size, 0);
  t.equal(sim.host('server').openFdCount, before);
});
