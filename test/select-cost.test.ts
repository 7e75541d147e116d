/**
 * The free select()'s cost counts its own work, never the time it waited. The clock is made to jump an
 * hour while a call waits: a cost that includes the wait shows the hour. The library reads the clock
 * through `performance.now`, so it is loaded after the clock is replaced.
 */
import t from 'tap';

const HOUR_MS = 3_600_000;
const real = performance.now.bind(performance);
let skew = 0;
performance.now = () => real() + skew;
const { listen, select, selectCost } = await import('../lib/index.js');
const { IMMEDIATE_ANSWERS } = await import('../lib/core/turn.js');
const { now } = await import('../lib/core/cost.js');

t.test('the library reads the clock this file moves (it runs in a process of its own: package.json tap.include)', async (t) => {
  skew += HOUR_MS;
  t.teardown(() => void (skew -= HOUR_MS));
  t.ok(now() - real() > HOUR_MS / 2, 'the cost clock is an hour ahead with performance.now: the tests below can fail');
});

t.test('bug 13: the cost of a select answered in the next check phase leaves out the wait', async (t) => {
  // More calls in one turn than may be answered at once: the last waits for the check phase.
  const calls = [];
  for (let i = 0; i <= IMMEDIATE_ANSWERS; i++) calls.push(select([], [], [], 0));
  const before = selectCost.calls;
  skew += HOUR_MS;
  t.teardown(() => void (skew -= HOUR_MS));
  await Promise.all(calls);
  t.ok(selectCost.calls - before >= 1, 'a call was answered in the check phase');
  t.ok(selectCost.last.nanoseconds < HOUR_MS * 1e6, `the hour is not counted (${selectCost.last.nanoseconds} ns)`);
});

t.test('bug 13: the cost of a select that waited for readiness leaves out the wait', async (t) => {
  const l = await listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => l.close());
  const waiting = select([l], [], [], 1); // nothing to accept: it waits, then times out
  skew += HOUR_MS;
  t.teardown(() => void (skew -= HOUR_MS));
  t.same(await waiting, [[], [], []]);
  t.ok(selectCost.last.nanoseconds < HOUR_MS * 1e6, `the hour is not counted (${selectCost.last.nanoseconds} ns)`);
});

t.test('bug: the clock stayed two hours ahead for the test files run after this one in its process (test/trace.test.ts failed after it); each test takes its hour back', async (t) => {
  const before = real();
  const offset = performance.now() - before;
  t.ok(offset >= 0 && offset < HOUR_MS, `performance.now() reads the process's clock again (${offset} ms ahead)`);
});
