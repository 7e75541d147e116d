/** The timeouts of waiting calls share one timer: unit tests against a fake clock. */
import t from 'tap';
import type { Clock } from '../lib/core/clock.js';
import { Deadlines, type Deadline } from '../lib/core/deadlines.js';
import { select } from '../lib/index.js';
import { runTs, socketPair, within } from './fixtures/helpers.js';

/** A clock whose time moves only when told; it counts the timers armed and whether the live one is ref'd. */
function fakeClock() {
  let time = 0;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void; refed: boolean }>();
  const stats = { armed: 0, cleared: 0 };
  const handle = (id: number) => ({
    id,
    ref: () => void ((timers.get(id) ?? { refed: true }).refed = true),
    unref: () => void ((timers.get(id) ?? { refed: false }).refed = false),
  });
  const clock: Clock = {
    now: () => time,
    setTimeout: (fn, ms) => {
      stats.armed++;
      const id = next++;
      timers.set(id, { at: time + ms, fn, refed: true });
      return handle(id);
    },
    clearTimeout: (h) => {
      stats.cleared++;
      timers.delete((h as { id: number }).id);
    },
    setImmediate: (fn) => fn(),
  };
  const advance = (ms: number): void => {
    time += ms;
    for (const [id, tm] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
      if (tm.at > time) continue;
      timers.delete(id);
      tm.fn();
    }
  };
  const refed = (): number => [...timers.values()].filter((x) => x.refed).length;
  return { clock, stats, advance, refed, live: () => timers.size };
}

const call = (log: string[], name: string): Deadline => ({ deadline: Infinity, deadlineSlot: -1, expire: () => log.push(name) });

t.test('calls answered before their timeout arm one timer between them, not one each', async (t) => {
  const { clock, stats, advance } = fakeClock();
  const d = new Deadlines(clock);
  const log: string[] = [];
  for (let i = 0; i < 100; i++) {
    const c = call(log, `c${i}`);
    d.add(c, 1000);
    advance(5);
    d.delete(c);
  }
  t.equal(stats.armed, 1, 'one timer for 100 calls with the same timeout');
  t.same(log, [], 'none timed out');
});

t.test('a call times out at its own deadline, in order, and the timer re-arms for the next', async (t) => {
  const { clock, advance } = fakeClock();
  const d = new Deadlines(clock);
  const log: string[] = [];
  d.add(call(log, 'late'), 300);
  d.add(call(log, 'early'), 100);
  d.add(call(log, 'middle'), 200);
  advance(99);
  t.same(log, [], 'not before its time');
  advance(1);
  t.same(log, ['early']);
  advance(100);
  t.same(log, ['early', 'middle']);
  advance(100);
  t.same(log, ['early', 'middle', 'late']);
});

t.test('calls leave from anywhere in the set: the others still time out, each once, and a call may come back', async (t) => {
  const { clock, advance } = fakeClock();
  const d = new Deadlines(clock);
  const log: string[] = [];
  const [a, b, c, e] = ['a', 'b', 'c', 'e'].map((n) => call(log, n)) as [Deadline, Deadline, Deadline, Deadline];
  d.add(a, 100);
  d.add(b, 200);
  d.add(c, 300);
  d.add(e, 400);
  d.delete(b); // from the middle
  d.delete(b); // twice: nothing
  d.delete(a); // the first
  advance(300);
  t.same(log, ['c'], 'c at its time; a and b left before theirs');
  d.add(a, 50); // back after leaving
  advance(50);
  t.same(log, ['c', 'a']);
  advance(50);
  t.same(log, ['c', 'a', 'e'], 'e, which was moved into a freed place, at its own time');
  advance(1000);
  t.same(log, ['c', 'a', 'e'], 'none twice');
});

t.test('the timer holds the process only while a call waits', async (t) => {
  const { clock, refed, live } = fakeClock();
  const d = new Deadlines(clock);
  const c = call([], 'c');
  d.add(c, 1000);
  t.equal(refed(), 1, 'ref\'d while the call waits');
  d.delete(c);
  t.equal(live(), 1, 'still armed (the next call may use it)');
  t.equal(refed(), 0, 'but unref\'d: nothing waits');
  d.add(call([], 'd'), 1000);
  t.equal(refed(), 1, 'ref\'d again');
});

t.test('a clock whose timers cannot be unref\'d has its timer cleared when nothing waits', async (t) => {
  const fake = fakeClock();
  const plain: Clock = { ...fake.clock, setTimeout: (fn, ms) => ({ id: (fake.clock.setTimeout(fn, ms) as { id: number }).id }) };
  const d = new Deadlines(plain);
  const c = call([], 'c');
  d.add(c, 1000);
  d.delete(c);
  t.equal(fake.live(), 0, 'cleared');
});

t.test('select: a loop of waiting calls with a timeout, each answered early, still times out when nothing comes', async (t) => {
  const { client, server } = await socketPair(t);
  for (let i = 0; i < 20; i++) {
    const waiting = select([server], [], [], 1000);
    client.send('x');
    t.same((await waiting)[0], [server], `call ${i + 1}: answered by the data`);
    server.recv(10);
  }
  const started = performance.now();
  t.same(await select([server], [], [], 30), [[], [], []], 'nothing: it times out');
  t.ok(performance.now() - started >= 29, 'not before its time');
});

// On real sockets: a process whose waiting calls had long timeouts but ended early exits once it closes its
// sockets; the host's one deadline timer does not keep it alive.

const MODES: [string, string][] = [
  ['data', 'select(60 s) answered early by data'],
  ['abort', 'select(60 s) aborted after it waited'],
  ['ebadf', 'select(60 s) over one list for read and except, rejected EBADF when its socket closed'],
  ['poll', 'Poll.poll(60 s) answered early by data'],
  ['epoll-abort', 'Epoll.poll(60 s) aborted after it waited'],
  ['two', 'two selects with 60 s and 120 s timeouts, each answered by data'],
];

for (const [mode, what] of MODES) {
  t.test(`the process exits promptly after ${what} and every socket closed`, async (t) => {
    const child = runTs(t, 'test/fixtures/exit-after-wait.ts', [mode]);
    await child.line(/^closed$/);
    const code = await within(child.exited, 'exit', 5000).catch(() => 'still running 5 s after closing everything');
    t.equal(code, 0, 'exit code 0');
  });
}
