/**
 * Unit tests of the waiter shared by select, poll and epoll (lib/core/pending.ts): no sockets. Deliveries happen
 * in the check phase (setImmediate); these tests step the event loop with awaited immediates, never sleeps.
 */
import t from 'tap';
import { Pending } from '../lib/core/pending.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

t.test('a call waits until a delivery answers it, and each call gets its own answer', async (t) => {
  let ready = false;
  let n = 0;
  const p: Pending<number> = new Pending<number>({ deliver: () => p.serve(() => (ready ? ++n : null)) });
  const a = p.wait({ ms: -1, syscall: 'test', empty: () => -1 });
  const b = p.wait({ ms: -1, syscall: 'test', empty: () => -1 });
  p.schedule();
  await turn();
  t.equal(p.size, 2, 'nothing ready: both still wait');
  ready = true;
  p.schedule();
  t.same(await Promise.all([a, b]), [1, 2], 'served in order, one answer each');
  t.equal(p.size, 0);
});

t.test('a zero timeout is answered at the next delivery even when nothing is ready', async (t) => {
  const p: Pending<string> = new Pending<string>({ deliver: () => p.serve((ask) => (ask.poll ? 'empty' : null)) });
  t.equal(await p.wait({ ms: 0, syscall: 'test', empty: () => 'timeout' }), 'empty');
});

t.test('no timeout with nothing registered is refused: it would wait forever', async (t) => {
  const p = new Pending<number>({ deliver: () => {} });
  await t.rejects(p.wait({ ms: -1, syscall: 'select', idle: true, empty: () => 0 }), { code: 'ERR_INVALID_ARG_VALUE' });
  t.equal(p.size, 0, 'nothing queued');
});

t.test('close rejects waiting calls with EBADF and refuses new ones', async (t) => {
  const p = new Pending<number>({ deliver: () => {} });
  const w = p.wait({ ms: -1, syscall: 'epoll_wait', empty: () => 0 });
  p.close('epoll_wait');
  await t.rejects(w, { code: 'EBADF', syscall: 'epoll_wait' });
  await t.rejects(p.wait({ ms: 0, syscall: 'epoll_wait', empty: () => 0 }), { code: 'EBADF' });
});

t.test('maxevents travels with each call as its limit', async (t) => {
  const limits: number[] = [];
  const p: Pending<number> = new Pending<number>({
    deliver: () =>
      p.serve((ask) => {
        limits.push(ask.limit);
        return ask.limit;
      }),
  });
  const a = p.wait({ ms: -1, syscall: 'epoll_wait', ready: true, empty: () => 0, limit: 2 });
  const b = p.wait({ ms: -1, syscall: 'epoll_wait', ready: true, empty: () => 0 });
  t.same(await Promise.all([a, b]), [2, Infinity]);
  t.same(limits, [2, Infinity]);
});
