/**
 * The simulated network's scheduler (lib/backends/sim/sim-clock.ts) and seeded generator (sim-rng.ts), alone:
 * order, virtual jumps, cancellation, and the round's two phases.
 */
import t from 'tap';
// Node's platform, as net-select's entry points install it: the clock's rounds run in Node's check phase.
import '../lib/backends/node/platform.js';
import { SimClock } from '../lib/backends/sim/sim-clock.js';
import { Rng } from '../lib/backends/sim/sim-rng.js';

const settled = (clock: SimClock): Promise<void> => new Promise((r) => clock.setTimeout(r, 1e9));

t.test('events run in time order, and in the order made at the same time; the clock jumps to each', async (t) => {
  const clock = new SimClock();
  const seen: string[] = [];
  clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => seen.push(`c@${clock.now()}`), 20);
  clock.setImmediate(() => seen.push(`i@${clock.now()}`));
  await settled(clock);
  t.same(seen, ['i@0', 'a@10', 'b@20', 'c@20']);
  t.equal(clock.now(), 1e9, 'a virtual jump of 11 days, at once');
});

t.test('a cancelled timer never runs; an idle clock holds nothing', async (t) => {
  const clock = new SimClock();
  let ran = false;
  const h = clock.setTimeout(() => (ran = true), 5);
  clock.clearTimeout(h);
  clock.clearTimeout(undefined);
  await settled(clock);
  t.equal(ran, false);
  t.equal(clock.queued, 0);
});

t.test('the program runs between rounds: its continuation comes before the clock jumps', async (t) => {
  const clock = new SimClock();
  const seen: string[] = [];
  clock.setTimeout(() => seen.push(`timer@${clock.now()}`), 1000);
  await new Promise<void>((r) => clock.setImmediate(r));
  // A continuation that waits one real turn of its own, then makes an event for now.
  await new Promise((r) => setImmediate(r));
  clock.setTimeout(() => seen.push(`late@${clock.now()}`), 0);
  await settled(clock);
  t.same(seen, ['late@0', 'timer@1000']);
});

t.test('a round delivers first, then answers: an immediate made by a delivery runs in the same round', async (t) => {
  const clock = new SimClock();
  const seen: string[] = [];
  clock.setTimeout(() => {
    seen.push('delivery');
    clock.setImmediate(() => seen.push(`answer at step ${clock.steps}`));
  }, 0);
  await settled(clock);
  t.same(seen, ['delivery', 'answer at step 2']);
});

t.test('several rounds share one turn of the event loop, each after the continuations of the one before', async (t) => {
  const clock = new SimClock();
  await new Promise<void>((r) => clock.setImmediate(r)); // the platform's probe is done by now
  let turns = 0;
  let counting = true;
  const count = (): void => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  // A chain of 64 rounds: each one's continuation, two promise hops later, makes the next round's event.
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    let n = 0;
    const step = (): void => {
      order.push(`round ${n}`);
      if (++n === 64) return resolve();
      void Promise.resolve()
        .then(() => undefined)
        .then(() => {
          order.push(`continuation ${n - 1}`);
          clock.setImmediate(step);
        });
    };
    clock.setImmediate(step);
  });
  counting = false;
  t.same(order.slice(0, 4), ['round 0', 'continuation 0', 'round 1', 'continuation 1'], 'a round, then its continuation, then the next');
  t.equal(order.length, 64 * 2 - 1);
  t.ok(turns < 64 / 2, `64 rounds in ${turns} turns of the event loop`);
});

/** Runs a chain of `rounds` rounds on `clock` (each round's continuation makes the next); resolves after the last. */
function chain(clock: SimClock, rounds: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let n = 0;
    const step = (): void => {
      if (++n === rounds) return resolve();
      void Promise.resolve().then(() => clock.setImmediate(step));
    };
    clock.setImmediate(step);
  });
}

t.test('a busy network runs more rounds per turn (up to 64); one that jumps the clock goes back to 8', async (t) => {
  const clock = new SimClock();
  await new Promise<void>((r) => clock.setImmediate(r)); // the platform's probe is done by now
  const real = globalThis.setImmediate;
  let immediates = 0;
  globalThis.setImmediate = ((fn: () => void) => (immediates++, real(fn))) as typeof setImmediate;
  t.teardown(() => void (globalThis.setImmediate = real));
  let turns = 0;
  let counting = true;
  const count = (): void => {
    turns++;
    if (counting) real(count);
  };
  real(count);
  await chain(clock, 1024);
  counting = false;
  // At 8 rounds a turn, 1024 rounds take 128 turns; doubling up to 64, about 20.
  t.ok(turns <= 1024 / 32, `1024 busy rounds in ${turns} turns of the event loop`);
  // Now timers only, each at a later time: every turn's first round jumps the clock, its further rounds idle.
  let fired = 0;
  await new Promise<void>((resolve) => {
    const next = (): void => {
      if (++fired === 100) return resolve();
      clock.setTimeout(next, 10);
    };
    clock.setTimeout(next, 10);
  });
  immediates = 0;
  fired = 0;
  await new Promise<void>((resolve) => {
    const next = (): void => {
      if (++fired === 100) return resolve();
      clock.setTimeout(next, 10);
    };
    clock.setTimeout(next, 10);
  });
  // Each timer costs a turn of quiet rounds and a jump: with 8 rounds a turn, some 8-11 immediates; at 64, 64+.
  t.ok(immediates / 100 < 16, `${immediates / 100} immediates per timer once the network is idle`);
});

t.test('the generator: the same seed, the same numbers; pieces cover the length, down to 1 byte', async (t) => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 100 }, () => a.next());
  t.same(Array.from({ length: 100 }, () => b.next()), xs);
  t.ok(xs.every((x) => x >= 0 && x < 1));
  t.not(new Rng(43).next(), xs[0]);
  const pieces = new Rng(1).pieces(1000);
  t.equal(pieces.reduce((s, n) => s + n, 0), 1000);
  t.ok(pieces.every((n) => n >= 1));
  t.ok(pieces.length > 1);
});
