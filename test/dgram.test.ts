/**
 * UDP datagram sockets: boundaries kept through every model (select, poll, epoll, the selectors), truncation
 * as POSIX does it, a full receive queue drops, a full send queue is would-block, and the errors.
 */
import t from 'tap';
import {
  EPOLLET,
  EPOLLIN,
  EPOLLOUT,
  EPOLLERR,
  EVENT_READ,
  EpollSelector,
  Epoll,
  POLLERR,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  Poll,
  PollSelector,
  SelectSelector,
  bindDatagram,
  select,
  type DatagramOptions,
  type DatagramSocket,
} from '../lib/index.js';
import { expectReady, until } from './fixtures/helpers.js';
import { epollT, pollFor, pollT } from './fixtures/models.js';

type Cleanup = { teardown(fn: () => unknown): void };
type Tap = Cleanup & { equal(a: unknown, b: unknown, msg: string): unknown };

async function udpT(t: Cleanup, opts: DatagramOptions = {}): Promise<DatagramSocket> {
  const s = await bindDatagram({ host: '127.0.0.1', port: 0, ...opts });
  t.teardown(() => s.close());
  return s;
}

/** Where `s` listens, as `sendto` wants it. */
const addr = (s: DatagramSocket): { address: string; port: number } => ({ address: '127.0.0.1', port: s.getsockname().port });

const SIZES = [1, 1000, 5000, 65507];

/** Sends one datagram of each size in SIZES from `a` to `b`, each filled with its own byte. */
function sendSizes(t: Tap, a: DatagramSocket, b: DatagramSocket): Buffer[] {
  const msgs = SIZES.map((n, i) => Buffer.alloc(n, 65 + i));
  for (const m of msgs) t.equal(a.sendto(m, addr(b)), m.length, `sendto takes the whole ${m.length}-byte datagram`);
  return msgs;
}

/** Each model's way to wait until `s` is readable. */
const WAITS: [string, (t: Cleanup, s: DatagramSocket) => Promise<void>][] = [
  ['select', async (_t, s) => void (await expectReady({ readable: [s] }))],
  ['poll', async (t, s) => {
    const p = pollT(t);
    p.register(s, POLLIN);
    await pollFor(p, s.fileno(), POLLIN);
  }],
  ['epoll', async (t, s) => {
    const ep = epollT(t);
    ep.register(s, EPOLLIN);
    await pollFor(ep, s.fileno(), EPOLLIN);
  }],
  ...([['SelectSelector', SelectSelector], ['PollSelector', PollSelector], ['EpollSelector', EpollSelector]] as const).map(
    ([name, Sel]): [string, (t: Cleanup, s: DatagramSocket) => Promise<void>] => [name, async (t, s) => {
      const sel = new Sel<string>();
      t.teardown(() => sel.close());
      sel.register(s, EVENT_READ, 'udp');
      const deadline = performance.now() + 2000;
      while ((await sel.select(50)).length === 0) if (performance.now() > deadline) throw new Error(`${name}: not readable`);
    }],
  ),
];

for (const [model, waitReadable] of WAITS) {
  t.test(`${model}: one recvfrom returns exactly one datagram, whole, with its sender`, async (t) => {
    const a = await udpT(t);
    const b = await udpT(t);
    const msgs = sendSizes(t, a, b);
    for (const m of msgs) {
      let got = b.recvfrom(65536);
      if (got === null) {
        await waitReadable(t, b);
        got = b.recvfrom(65536);
      }
      if (got === null) throw new Error('readable, but recvfrom returned null');
      t.ok(got[0].equals(m), `the ${m.length}-byte datagram, alone and whole`);
      t.same(got[1], { address: '127.0.0.1', port: a.getsockname().port, family: 'IPv4' }, 'from its sender');
    }
    t.equal(b.recvfrom(65536), null, 'then would-block: null');
    t.equal(b.events() & POLLIN, 0, 'and not readable');
  });
}

t.test('recvfrom(n) of a longer datagram returns its first n bytes; the rest is lost, the next is whole', async (t) => {
  const a = await udpT(t);
  const b = await udpT(t);
  a.sendto('0123456789', addr(b));
  a.sendto('next', addr(b));
  await until(() => b.stats.received === 2, 'both datagrams');
  t.equal(b.recvfrom(4)?.[0].toString(), '0123');
  t.equal(b.recvfrom(100)?.[0].toString(), 'next', 'not "456789": one recvfrom, one datagram');
});

t.test('readable while a datagram is queued, and writable at once', async (t) => {
  const a = await udpT(t);
  const b = await udpT(t);
  t.equal(b.events(), POLLOUT, 'a fresh socket: writable, not readable');
  const [r0, w0] = await select([b], [b], [], 0);
  t.same([r0, w0], [[], [b]]);
  a.sendto('x', addr(b));
  await expectReady({ readable: [b] });
  b.recvfrom(10);
  const [r1] = await select([b], [], [], 0);
  t.same(r1, [], 'read: not readable any more');
});

t.test('bug: an empty datagram sent returned 0, the would-block value (the UDP echo resent it for ever)', async (t) => {
  const a = await udpT(t, { sndbuf: 1 });
  const b = await udpT(t);
  t.equal(a.sendto('', addr(b)), 0, 'an empty datagram, sent: 0 bytes');
  t.equal(a.sendto('x', addr(b)), 1, 'the empty one takes no room in the queue');
  t.equal(a.sendto('y', addr(b)), null, 'the queue holds 1 byte (sndbuf 1): would-block is null, not 0');
  await until(() => b.stats.received === 2, 'two datagrams');
  t.equal(b.recvfrom(100)?.[0].length, 0, 'the empty one arrives as one datagram of 0 bytes');
  t.equal(b.recvfrom(100)?.[0].toString(), 'x');
  t.equal(b.recvfrom(100), null, 'and the refused one was never sent');
});

t.test('a full send queue: sendto returns null, and the room freed later is an EPOLLOUT edge', async (t) => {
  const a = await udpT(t, { sndbuf: 1 });
  const b = await udpT(t);
  const ep = epollT(t);
  ep.register(a, EPOLLOUT | EPOLLET);
  await pollFor(ep, a.fileno(), EPOLLOUT);
  t.equal(a.sendto('first', addr(b)), 5, 'taken: the queue was below sndbuf');
  t.equal(a.events() & POLLOUT, 0, 'not writable while it is queued');
  t.equal(a.sendto('second', addr(b)), null, 'would-block: null, nothing sent');
  await pollFor(ep, a.fileno(), EPOLLOUT);
  t.equal(a.sendto('third', addr(b)), 5, 'room again');
  await until(() => b.stats.received === 2, 'two datagrams');
  t.equal(b.recvfrom(100)?.[0].toString(), 'first');
  t.equal(b.recvfrom(100)?.[0].toString(), 'third', 'the refused one was never sent');
});

t.test('a full receive queue drops new datagrams and counts them, as a kernel does', async (t) => {
  const a = await udpT(t);
  const b = await udpT(t, { rcvbuf: 10 });
  for (const m of ['0123456789', 'dropped', 'dropped too']) a.sendto(m, addr(b));
  await until(() => b.stats.received + b.stats.dropped === 3, 'three datagrams in');
  t.same({ ...b.stats }, { received: 1, dropped: 2, sent: 0 });
  t.equal(b.recvfrom(100)?.[0].toString(), '0123456789');
  a.sendto('after', addr(b));
  await expectReady({ readable: [b] });
  t.equal(b.recvfrom(100)?.[0].toString(), 'after', 'room again once read');
});

t.test('sendto copies: the caller may reuse its buffer at once', async (t) => {
  const a = await udpT(t);
  const b = await udpT(t);
  const buf = Buffer.from('original');
  a.sendto(buf, addr(b));
  buf.fill(0);
  await expectReady({ readable: [b] });
  t.equal(b.recvfrom(100)?.[0].toString(), 'original');
});

t.test('bad arguments are coded errors, thrown before anything is sent', async (t) => {
  const a = await udpT(t);
  t.throws(() => a.recvfrom(0), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => a.sendto(42 as unknown as string, addr(a)), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => a.sendto('x', null as unknown as { address: string; port: number }), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => a.sendto('x', { address: '127.0.0.1', port: 0 }), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => a.sendto(Buffer.alloc(65508), addr(a)), { code: 'EMSGSIZE', syscall: 'sendto' });
  t.equal(a.stats.sent, 0);
  await t.rejects(bindDatagram({ port: 70000 }), { code: 'ERR_OUT_OF_RANGE' });
  await t.rejects(bindDatagram({ host: '127.0.0.1', port: a.getsockname().port }), { code: 'EADDRINUSE', syscall: 'bind' });
});

t.test('close frees the descriptor: EBADF for calls and select, POLLNVAL for poll, gone from epoll', async (t) => {
  const a = await udpT(t);
  const fd = a.fileno();
  const p = pollT(t);
  const ep = epollT(t);
  p.register(a, POLLIN);
  ep.register(a, EPOLLIN);
  a.close();
  a.close();
  t.equal(a.fileno(), -1);
  t.throws(() => a.recvfrom(10), { code: 'EBADF' });
  t.throws(() => a.sendto('x', { address: '127.0.0.1', port: 9 }), { code: 'EBADF' });
  await t.rejects(select([a], [], [], 0), { code: 'EBADF' });
  t.same(await p.poll(0), [[fd, POLLNVAL]]);
  t.throws(() => ep.modify(fd, EPOLLIN), { code: 'EBADF' }, 'epoll_ctl on a number not open: EBADF');
  const b = await udpT(t);
  t.equal(b.fileno(), fd, 'the lowest free number is reused');
  t.throws(() => ep.modify(b, EPOLLIN), { code: 'ENOENT' }, 'and epoll forgot the old registration: not registered');
});

t.test('works with a new Poll and Epoll by number, like any descriptor', async (t) => {
  const a = await udpT(t);
  const b = await udpT(t);
  const p = new Poll();
  const ep = new Epoll();
  t.teardown(() => (p.close(), ep.close()));
  p.register(b.fileno(), POLLIN);
  ep.register(b.fileno(), EPOLLIN);
  a.sendto('hi', addr(b));
  t.equal(await pollFor(p, b.fileno(), POLLIN), POLLIN);
  t.equal(await pollFor(ep, b.fileno(), EPOLLIN), EPOLLIN);
});

t.test('edge-triggered: every datagram that arrives is an edge, even with others still queued', async (t) => {
  const a = await udpT(t);
  const b = await udpT(t);
  const ep = epollT(t);
  ep.register(b, EPOLLIN | EPOLLET);
  a.sendto('one', addr(b));
  await pollFor(ep, b.fileno(), EPOLLIN);
  t.same(await ep.poll(0), [], 'no new datagram: no event, though "one" is still queued');
  a.sendto('two', addr(b));
  t.equal(await pollFor(ep, b.fileno(), EPOLLIN), EPOLLIN, 'a new datagram: a new edge');
  t.equal(b.recvfrom(100)?.[0].toString(), 'one');
  t.equal(b.recvfrom(100)?.[0].toString(), 'two');
});

t.test('bug: every datagram sent is an EPOLLOUT edge for its sender, as Linux frees its buffer and wakes writers (was: only after a full queue)', async (t) => {
  const a = await udpT(t);
  const b = await udpT(t);
  const ep = epollT(t);
  ep.register(a, EPOLLOUT | EPOLLET);
  await pollFor(ep, a.fileno(), EPOLLOUT);
  t.same(await ep.poll(0), [], 'the registration edge is drained');
  t.equal(a.sendto('one', addr(b)), 3);
  t.equal(await pollFor(ep, a.fileno(), EPOLLOUT), EPOLLOUT, 'sock_wfree -> sk_write_space: an edge, though the queue was never full');
  t.equal(a.sendto('two', addr(b)), 3);
  t.equal(await pollFor(ep, a.fileno(), EPOLLOUT), EPOLLOUT, 'and one for the next datagram');
  t.same(await ep.poll(0), [], 'one edge per datagram, no more');
});

/** A UDP port on 127.0.0.1 with nothing bound to it: bound, then closed. */
async function closedUdpPort(): Promise<number> {
  const s = await bindDatagram({ host: '127.0.0.1', port: 0 });
  const port = s.getsockname().port;
  s.close();
  return port;
}

t.test('connect: send and recv with the peer; only its datagrams are delivered, the others dropped', async (t) => {
  const a = await udpT(t);
  const b = await udpT(t);
  const c = await udpT(t);
  const d = await udpT(t);
  a.connect(addr(b));
  t.same(a.getpeername(), { ...addr(b), family: 'IPv4' }, 'getpeername: the peer');
  t.equal(a.send('ping'), 4);
  await expectReady({ readable: [b] });
  const got = b.recvfrom(100);
  t.same(got && [got[0].toString(), got[1].port], ['ping', a.getsockname().port], 'from a, to its peer');
  // c's datagram to a is sent before its marker to d: once the marker is at d, the kernel has dealt with it.
  c.sendto('other', addr(a));
  c.sendto('marker', addr(d));
  await expectReady({ readable: [d] });
  b.sendto('pong', addr(a));
  await expectReady({ readable: [a] });
  t.equal(a.recv(100)?.toString(), 'pong', "the peer's datagram");
  t.equal(a.recv(100), null, "c's, which came first, was dropped");
  t.equal(a.stats.received, 1);
  t.equal(a.sendto('to the peer', addr(b)), 11, 'sendto the peer itself is a send');
});

for (const [model, wait] of [
  ['select', async (_t: Cleanup, s: DatagramSocket) => {
    const [r, , x] = await select([s], [], [s]);
    const [, w] = await select([], [s], [], 0);
    return r.length === 1 && w.length === 1 && x.length === 1; // readable, writable and in the except set
  }],
  ['poll', async (t: Cleanup, s: DatagramSocket) => {
    const p = pollT(t);
    p.register(s, POLLIN);
    return ((await pollFor(p, s.fileno(), POLLERR)) & POLLERR) !== 0;
  }],
  ['epoll', async (t: Cleanup, s: DatagramSocket) => {
    const ep = epollT(t);
    ep.register(s, EPOLLIN | EPOLLET);
    return ((await pollFor(ep, s.fileno(), EPOLLERR)) & EPOLLERR) !== 0;
  }],
] as const) {
  t.test(`connected to a closed port: the ICMP port unreachable is POLLERR (${model}), then ECONNREFUSED once`, async (t) => {
    const a = await udpT(t);
    a.connect({ address: '127.0.0.1', port: await closedUdpPort() });
    t.equal(a.send('anyone?'), 7, 'sent: UDP does not know yet');
    t.ok(await wait(t, a), `${model} reports the error`);
    t.equal(a.events() & (POLLERR | POLLIN | POLLOUT), POLLERR | POLLOUT, 'POLLERR and POLLOUT, not POLLIN');
    t.throws(() => a.recv(100), { code: 'ECONNREFUSED', syscall: 'recv' });
    t.equal(a.events() & POLLERR, 0, 'thrown once, then cleared (SO_ERROR)');
    t.equal(a.recv(100), null, 'and the next recv finds nothing');
  });
}

t.test('connected to a closed port: the next send throws ECONNREFUSED once, and the send after it goes', async (t) => {
  const a = await udpT(t);
  a.connect({ address: '127.0.0.1', port: await closedUdpPort() });
  a.send('1');
  await expectReady({ readable: [a] });
  t.throws(() => a.send('2'), { code: 'ECONNREFUSED', syscall: 'send' });
  t.equal(a.stats.sent, 1, 'the failed send sent nothing');
  t.equal(a.send('3'), 1);
});

t.test('bug: a pending error was thrown only after the queued datagrams; Linux reports sk_err first', async (t) => {
  const a = await udpT(t);
  const b = await udpT(t);
  a.connect(addr(b));
  b.sendto('queued', addr(a));
  await expectReady({ readable: [a] });
  b.close();
  a.send('x');
  await until(() => (a.events() & POLLERR) !== 0, 'the ICMP error');
  t.throws(() => a.recv(100), { code: 'ECONNREFUSED' }, 'the error first');
  t.equal(a.recv(100)?.toString(), 'queued', 'then the datagram, kept');
});

t.test('connect: coded errors for bad input and wrong states, before anything changes', async (t) => {
  const a = await udpT(t);
  const b = await udpT(t);
  t.throws(() => a.send('x'), { code: 'EDESTADDRREQ', syscall: 'send' }, 'send before connect');
  t.throws(() => a.getpeername(), { code: 'ENOTCONN' });
  t.throws(() => a.connect(null as unknown as { address: string; port: number }), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => a.connect({ address: '127.0.0.1', port: 0 }), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => a.getpeername(), { code: 'ENOTCONN' }, 'still not connected');
  a.connect(addr(b));
  t.throws(() => a.connect(addr(a)), { code: 'EISCONN', syscall: 'connect' });
  t.throws(() => a.sendto('x', addr(a)), { code: 'EISCONN', syscall: 'sendto' }, 'sendto another address');
  t.throws(() => a.send(42 as unknown as string), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => a.recv(0), { code: 'ERR_OUT_OF_RANGE' });
  t.equal(a.stats.sent, 0);
  a.close();
  for (const call of [() => a.send('x'), () => a.recv(1), () => a.getpeername(), () => a.connect(addr(b))]) {
    t.throws(call, { code: 'EBADF' });
  }
});

t.test('a connect that Node fails (an IPv6 peer for a udp4 socket) is a pending error; the send queued behind it fails with it', async (t) => {
  const a = await udpT(t);
  a.connect({ address: '::1', port: 9 });
  t.equal(a.send('x'), 1, 'queued while Node connects');
  await expectReady({ readable: [a] });
  t.throws(() => a.recv(10), { code: 'EINVAL' });
  t.equal(a.stats.sent, 1);
});
