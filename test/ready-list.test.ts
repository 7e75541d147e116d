/**
 * Unit tests of the readiness core against a fake file: no sockets, no sleeps. Absence is proven by the
 * model (an empty ready queue), never by a wait.
 */
import t from 'tap';
import { EPOLLET, EPOLLONESHOT, POLLERR, POLLHUP, POLLIN, POLLOUT } from '../lib/index.js';
import { Pollable } from '../lib/core/pollable.js';
import { ReadyList, type Registration } from '../lib/core/ready-list.js';

/** A file whose readiness the test sets, announcing each change as a wake or an update. */
class FakeFile extends Pollable {
  bits = 0;
  fileno(): number {
    return 3;
  }
  events(): number {
    return this.bits;
  }
  /** Sets the bits and wakes with `key` (0: every bit), as the network does. */
  wakeWith(bits: number, key: number): void {
    this.bits = bits;
    this._changed(key, true);
  }
  /** Sets the bits as a program call does (no wake). */
  update(bits: number): void {
    this.bits = bits;
    this._changed(0, false);
  }
  close(): void {
    this.bits = 0x20;
    this._closed();
  }
}

function list(always = POLLERR | POLLHUP): { rl: ReadyList<string>; queuedCalls: () => number; closed: Registration<string>[] } {
  let calls = 0;
  const closed: Registration<string>[] = [];
  const rl = new ReadyList<string>({ queued: () => void calls++, closed: (r) => void closed.push(r) }, always);
  return { rl, queuedCalls: () => calls, closed };
}

function collectAll(rl: ReadyList<string>, max = Infinity): [string, number][] {
  const out: [string, number][] = [];
  rl.collect(max, (reg, rev) => out.push([reg.data, rev]));
  return out;
}

t.test('add queues a file that is ready already, and tells the owner once', async (t) => {
  const f = new FakeFile();
  f.bits = POLLIN;
  const { rl, queuedCalls } = list();
  rl.add(f, 3, POLLIN, 'a');
  t.equal(rl.size, 1);
  t.equal(queuedCalls(), 1);
  t.same(collectAll(rl), [['a', POLLIN]]);
});

t.test('level-triggered: reported on every collect while ready, dropped once not', async (t) => {
  const f = new FakeFile();
  const { rl } = list();
  rl.add(f, 3, POLLIN, 'lt');
  t.equal(rl.size, 0, 'not ready: not queued');
  f.wakeWith(POLLIN, POLLIN);
  t.same(collectAll(rl), [['lt', POLLIN]]);
  t.same(collectAll(rl), [['lt', POLLIN]], 'still ready: again');
  f.update(0);
  t.same(collectAll(rl), [], 'no longer ready: nothing, and the queue empties');
  t.equal(rl.size, 0);
});

t.test('a wake whose key shares no bit with the interest does not queue (ep_poll_callback)', async (t) => {
  const f = new FakeFile();
  const { rl } = list();
  rl.add(f, 3, POLLOUT | EPOLLET, 'out-et');
  t.equal(rl.size, 0);
  f.wakeWith(POLLIN | POLLOUT, POLLIN); // data arrived: an IN wake, though OUT is set too
  t.equal(rl.size, 0, 'an IN wake does not queue an OUT registration');
  f.wakeWith(POLLIN | POLLOUT, POLLOUT);
  t.same(collectAll(rl), [['out-et', POLLOUT]], 'an OUT wake does');
  f.wakeWith(POLLIN | POLLOUT, 0);
  t.same(collectAll(rl), [['out-et', POLLOUT]], 'a state change (key 0) concerns every registration');
});

t.test('always-reported bits pass the key filter', async (t) => {
  const f = new FakeFile();
  const { rl } = list();
  rl.add(f, 3, POLLIN | EPOLLET, 'in-et');
  f.wakeWith(POLLERR, POLLERR);
  t.same(collectAll(rl), [['in-et', POLLERR]]);
});

t.test('edge-triggered: one report per wake, none for the program\'s own updates', async (t) => {
  const f = new FakeFile();
  const { rl } = list();
  rl.add(f, 3, POLLIN | EPOLLET, 'et');
  f.wakeWith(POLLIN, POLLIN);
  f.wakeWith(POLLIN, POLLIN);
  t.same(collectAll(rl), [['et', POLLIN]], 'two wakes before a collect: one event');
  t.same(collectAll(rl), [], 'no new wake: nothing');
  f.update(0);
  f.update(POLLIN);
  t.same(collectAll(rl), [], 'a rise by the program is not an edge');
});

t.test('a program update re-checks level-triggered interest only for bits that rose', async (t) => {
  const f = new FakeFile();
  const { rl } = list();
  rl.add(f, 3, POLLOUT, 'lt-out');
  f.update(POLLOUT);
  t.same(collectAll(rl), [['lt-out', POLLOUT]], 'OUT rose: queued');
  f.update(0);
  t.same(collectAll(rl), []);
  f.update(0);
  t.equal(rl.size, 0, 'nothing rose: nothing queued');
});

t.test('one-shot: disarmed after one report until modify re-arms it', async (t) => {
  const f = new FakeFile();
  const { rl } = list();
  const reg = rl.add(f, 3, POLLIN | EPOLLONESHOT, 'once');
  f.wakeWith(POLLIN, POLLIN);
  t.same(collectAll(rl), [['once', POLLIN]]);
  f.wakeWith(POLLIN, POLLIN);
  t.same(collectAll(rl), [], 'disarmed');
  rl.modify(reg, POLLIN | EPOLLONESHOT);
  t.same(collectAll(rl), [['once', POLLIN]], 're-armed and still ready');
});

t.test('collect with a bound serves the queue round-robin', async (t) => {
  const a = new FakeFile();
  const b = new FakeFile();
  a.bits = POLLIN;
  b.bits = POLLIN;
  const { rl } = list();
  rl.add(a, 3, POLLIN, 'a');
  rl.add(b, 4, POLLIN, 'b');
  t.same(collectAll(rl, 1), [['a', POLLIN]]);
  t.same(collectAll(rl, 1), [['b', POLLIN]], 'the other one next');
  t.same(collectAll(rl, 1), [['a', POLLIN]]);
});

t.test('remove unwatches: later wakes reach nothing', async (t) => {
  const f = new FakeFile();
  const { rl, queuedCalls } = list();
  const reg = rl.add(f, 3, POLLIN, 'gone');
  rl.remove(reg);
  f.wakeWith(POLLIN, POLLIN);
  t.equal(rl.size, 0);
  t.equal(queuedCalls(), 0);
});

t.test('closing the file tells the owner once, with the registration', async (t) => {
  const f = new FakeFile();
  const { rl, closed } = list();
  const reg = rl.add(f, 3, POLLIN, 'c');
  f.close();
  f.close();
  t.same(closed, [reg]);
});

t.test('the owner hears "queued" only when the queue goes from empty to non-empty', async (t) => {
  const a = new FakeFile();
  const b = new FakeFile();
  const { rl, queuedCalls } = list();
  rl.add(a, 3, POLLIN, 'a');
  rl.add(b, 4, POLLIN, 'b');
  a.wakeWith(POLLIN, POLLIN);
  b.wakeWith(POLLIN, POLLIN);
  t.equal(queuedCalls(), 1);
  rl.clear();
  a.wakeWith(POLLIN, POLLIN);
  t.equal(queuedCalls(), 2);
});
