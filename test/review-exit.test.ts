/**
 * A process whose waiting calls had long timeouts but ended early exits once it closes its sockets: the
 * shared deadline timer (lib/core/deadlines.ts) must not keep it alive (issue 10's rewrite).
 */
import t from 'tap';
import { runTs, within } from './fixtures/helpers.js';

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
    const child = runTs(t, 'test/fixtures/review-exit.ts', [mode]);
    await child.line(/^closed$/);
    const code = await within(child.exited, 'exit', 5000).catch(() => 'still running 5 s after closing everything');
    t.equal(code, 0, 'exit code 0');
  });
}
