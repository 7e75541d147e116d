/**
 * The descriptor table: one process-wide table of small integers, lowest free number first, freed on close,
 * with an open-file limit. The first test relies on being the first to open a socket in this process.
 */
import net from 'node:net';
import t from 'tap';
import { FD_SETSIZE, Socket, connect, getFdLimit, listen, openFdCount, setFdLimit } from '../lib/index.js';
import { acceptT, connectT, expectReady, listenT, portOf, until } from './fixtures/helpers.js';

t.test('the first socket of a process gets descriptor 3, after stdin, stdout and stderr', async (t) => {
  t.equal(openFdCount(), 0, 'nothing open yet');
  const l = await listenT(t);
  t.equal(l.fileno(), 3);
  t.equal(openFdCount(), 1);
});

t.test('FD_SETSIZE is 1024', async (t) => {
  t.equal(FD_SETSIZE, 1024);
});

t.test('descriptors are handed out lowest free number first, and a closed number is reused', async (t) => {
  const l = await listenT(t);
  const port = portOf(l);
  const a = connectT(t, port);
  const b = connectT(t, port);
  const c = connectT(t, port);
  t.equal(b.fileno(), a.fileno() + 1, 'consecutive numbers while none is free');
  t.equal(c.fileno(), b.fileno() + 1);
  const bFd = b.fileno();
  b.close();
  const d = connectT(t, port);
  t.equal(d.fileno(), bFd, "the freed number is the next one handed out");
  const aFd = a.fileno();
  const cFd = c.fileno();
  c.close();
  a.close();
  const e = connectT(t, port);
  const f = connectT(t, port);
  t.equal(e.fileno(), aFd, 'the lowest of two free numbers comes first');
  t.equal(f.fileno(), cFd, 'then the next lowest');
  const g = connectT(t, port);
  t.equal(g.fileno(), cFd + 1, 'then a new number');
});

t.test('close frees the descriptor at once and fileno() is -1 after it; closing twice does nothing', async (t) => {
  const l = await listenT(t);
  const before = openFdCount();
  const s = connectT(t, portOf(l));
  t.equal(openFdCount(), before + 1);
  t.ok(s.fileno() >= 3);
  s.close();
  t.equal(s.fileno(), -1);
  t.equal(openFdCount(), before);
  s.close();
  t.equal(s.fileno(), -1);
  t.equal(openFdCount(), before, 'a second close frees nothing more');
  l.close();
  t.equal(l.fileno(), -1, 'a closed listener too');
  t.equal(openFdCount(), before - 1);
});

t.test('a connection waiting in the accept queue has no descriptor until accept() gives it one', async (t) => {
  const l = await listenT(t);
  const base = openFdCount();
  const clients = [connectT(t, portOf(l)), connectT(t, portOf(l)), connectT(t, portOf(l))];
  await until(() => l.pending === 3, 'three connections in the accept queue');
  t.equal(openFdCount(), base + clients.length, 'only the three clients hold descriptors');
  const free = Math.max(...clients.map((c) => c.fileno())) + 1;
  const s = await acceptT(t, l);
  t.equal(s.fileno(), free, 'accept takes the lowest free number');
  t.equal(openFdCount(), base + 4);
  t.equal(l.pending, 2);
});

t.test('past the open-file limit connect throws EMFILE, and nothing is left open', async (t) => {
  const saved = getFdLimit();
  t.teardown(() => setFdLimit(saved));
  const l = await listenT(t);
  // Room for exactly one more descriptor: numbers 0..limit-1, stdio included.
  setFdLimit(openFdCount() + 3 + 1);
  const ok = connectT(t, portOf(l));
  t.ok(ok.fileno() >= 3, 'the last free number is handed out');
  const count = openFdCount();
  t.throws(() => connect({ host: '127.0.0.1', port: portOf(l) }), { name: 'SocketError', code: 'EMFILE', syscall: 'connect' });
  t.equal(openFdCount(), count, 'the failed connect holds no descriptor');
  ok.close();
  const again = connectT(t, portOf(l));
  t.ok(again.fileno() >= 3, 'a close makes room again');
});

t.test('past the open-file limit accept throws EMFILE and the connection stays queued', async (t) => {
  const saved = getFdLimit();
  t.teardown(() => setFdLimit(saved));
  const l = await listenT(t);
  const c = connectT(t, portOf(l));
  await expectReady({ readable: [l] });
  setFdLimit(openFdCount() + 3);
  t.throws(() => l.accept(), { code: 'EMFILE', syscall: 'accept' });
  t.equal(l.pending, 1, 'still waiting to be accepted');
  t.equal(l.stats.accepted, 0);
  await expectReady({ readable: [l] });
  setFdLimit(saved);
  const s = l.accept();
  t.ok(s, 'accepted once there is room');
  if (s === null) return;
  t.teardown(() => s.close());
  c.send('after EMFILE');
  const [r] = await expectReady({ readable: [s] });
  t.same(r, [s]);
  t.equal(s.recv(100)?.toString(), 'after EMFILE', 'the connection that waited works');
});

t.test('past the open-file limit listen and Socket.adopt throw EMFILE too', async (t) => {
  const saved = getFdLimit();
  t.teardown(() => setFdLimit(saved));
  await listenT(t); // so that the limit below is a valid one (>= 4)
  const before = openFdCount();
  setFdLimit(before + 3);
  await t.rejects(listen({ port: 0 }), { code: 'EMFILE', syscall: 'socket' });
  const raw = new net.Socket();
  t.teardown(() => raw.destroy());
  t.throws(() => Socket.adopt(raw), { code: 'EMFILE', syscall: 'socket' });
  t.equal(openFdCount(), before, 'nothing was left open');
});

t.test('setFdLimit rejects a value that is not an integer >= 4, and keeps the old limit', async (t) => {
  const saved = getFdLimit();
  t.teardown(() => setFdLimit(saved));
  t.throws(() => setFdLimit(3), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => setFdLimit(10.5), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => setFdLimit('64' as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  t.equal(getFdLimit(), saved);
  setFdLimit(64);
  t.equal(getFdLimit(), 64);
});
