/** The host's check-phase run: one immediate for every callback queued in a turn. */
import t from 'tap';
import type { Clock } from '../lib/core/clock.js';
import { FdTable } from '../lib/core/fd-table.js';
import { Host } from '../lib/core/host.js';
import { Turn } from '../lib/core/turn.js';

/** A clock whose immediates run when told to. */
function manualClock(): { clock: Clock; immediates: (() => void)[] } {
  const immediates: (() => void)[] = [];
  const clock: Clock = {
    now: () => 0,
    setTimeout: () => ({}),
    clearTimeout: () => {},
    setImmediate: (fn) => void immediates.push(fn),
  };
  return { clock, immediates };
}

t.test('the callbacks of one turn share one immediate and run in the order queued', async (t) => {
  const { clock, immediates } = manualClock();
  const host = new Host('h', new FdTable(64), new Turn(), clock);
  const ran: number[] = [];
  for (let i = 0; i < 5; i++) host.atCheckPhase(() => ran.push(i));
  t.equal(immediates.length, 1, 'one immediate');
  (immediates.shift() as () => void)();
  t.same(ran, [0, 1, 2, 3, 4]);
  host.atCheckPhase(() => ran.push(5));
  t.equal(immediates.length, 1, 'a new turn, a new immediate');
});

t.test('a callback queued by a callback runs in the next turn', async (t) => {
  const { clock, immediates } = manualClock();
  const host = new Host('h', new FdTable(64), new Turn(), clock);
  const ran: string[] = [];
  host.atCheckPhase(() => {
    ran.push('first');
    host.atCheckPhase(() => ran.push('queued by it'));
  });
  (immediates.shift() as () => void)();
  t.same(ran, ['first'], 'not in the same run');
  t.equal(immediates.length, 1);
  (immediates.shift() as () => void)();
  t.same(ran, ['first', 'queued by it']);
});

t.test('a callback that throws does not keep the others of its turn from running; the error still surfaces', async (t) => {
  const { clock, immediates } = manualClock();
  const host = new Host('h', new FdTable(64), new Turn(), clock);
  const ran: string[] = [];
  host.atCheckPhase(() => {
    throw new Error('boom');
  });
  host.atCheckPhase(() => ran.push('after'));
  t.throws(() => (immediates.shift() as () => void)(), /boom/, 'thrown from the immediate, as before');
  t.same(ran, ['after'], 'the next callback ran');
  host.atCheckPhase(() => ran.push('next turn'));
  (immediates.shift() as () => void)();
  t.same(ran, ['after', 'next turn'], 'and the host keeps working');
});
