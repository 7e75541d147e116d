/**
 * The cost model: select scans every descriptor up to the highest and copies its sets, poll scans and
 * copies every entry, epoll looks only at the ready list.
 */
import t from 'tap';
import { EPOLLIN, Epoll, POLLIN, Poll, Selector, select, selectCost } from '../lib/index.js';
import { socketPair } from './fixtures/helpers.js';
import { pollFor } from './fixtures/models.js';

t.test('per call: select examines nfds, poll every entry, epoll only what is ready', async (t) => {
  const idle = [];
  for (let i = 0; i < 30; i++) idle.push((await socketPair(t)).server);
  const active = await socketPair(t);
  const all = [...idle, active.server];
  const nfds = Math.max(...all.map((s) => s.fileno())) + 1;

  const p = new Poll();
  const ep = new Epoll();
  t.teardown(() => p.close());
  t.teardown(() => ep.close());
  for (const s of all) {
    p.register(s, POLLIN);
    ep.register(s, EPOLLIN);
  }
  active.client.send('x');
  await pollFor(p, active.server.fileno(), POLLIN);
  t.equal(p.cost.last.examined, all.length, 'poll: every entry');
  t.equal(p.cost.last.bytesCopied, 10 * all.length, 'poll: 8 bytes an entry in, its 2-byte revents out');
  await pollFor(ep, active.server.fileno(), EPOLLIN);
  t.equal(ep.cost.last.examined, 1, 'epoll: the ready list only');
  t.equal(ep.cost.last.bytesCopied, 12, 'epoll: one epoll_event out');
  t.equal(ep.cost.last.ready, 1);

  const [r] = await select(all, [], [], 1000);
  t.same(r, [active.server]);
  t.equal(selectCost.last.examined, nfds, 'select: every descriptor below the highest + 1');
  t.equal(selectCost.last.bytesCopied, 6 * 8 * Math.ceil(nfds / 64), 'select: three sets in and out, in 64-bit words');
  t.ok(selectCost.last.nanoseconds > 0, 'the time of the call is measured');
  t.ok(selectCost.calls >= 1);

  const sel = new Selector();
  t.teardown(() => sel.close());
  for (const s of all) sel.rlist.add(s);
  await sel.select(1000);
  t.equal(sel.cost.last.examined, nfds);
  sel.cost.reset();
  t.equal(sel.cost.calls, 0, 'reset zeroes the totals');
});

t.test('bug: poll was modelled as copying its 8-byte pollfd both ways; Linux copies it in and writes back only the 2-byte revents', async (t) => {
  const POLLFD = 4 + 2 + 2; // struct pollfd: int fd, short events, short revents
  const REVENTS = 2;
  const pairs = [await socketPair(t), await socketPair(t), await socketPair(t)];
  const p = new Poll();
  t.teardown(() => p.close());
  for (const { server } of pairs) p.register(server, POLLIN);
  const [, middle] = pairs;
  middle?.client.send('x');
  await pollFor(p, middle?.server.fileno() ?? -1, POLLIN);
  t.equal(p.cost.last.bytesCopied, pairs.length * (POLLFD + REVENTS), 'every entry in, every revents out, ready or not');
});
