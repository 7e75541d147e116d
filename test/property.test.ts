/**
 * Property tests of the readiness contract on real loopback pairs: fast-check generates random sequences of
 * send, recv, wait, shutdown, close, reset and opening/closing other pairs, runs them against a connected
 * pair and against a small reference model (test/fixtures/readiness-model.ts), and shrinks any failure to
 * a shortest sequence. The seed is printed; `NET_SELECT_SEED=N` replays a run, `NET_SELECT_RUNS=N` makes it longer.
 */
import t from 'tap';
import { connect, type Socket } from '../lib/index.js';
import { checkReadinessContract } from './fixtures/readiness-model.js';
import { expectReady, listenT, portOf, runTs, within } from './fixtures/helpers.js';

const seed = Number(process.env.NET_SELECT_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Sequences per run: a small number in `npm test`; NET_SELECT_RUNS=N for a longer hunt. */
const RUNS = Number(process.env.NET_SELECT_RUNS ?? 100);
t.comment(`property seed ${seed} (NET_SELECT_SEED=${seed} replays it)`);

t.test('random operations on real loopback pairs keep the readiness contract: every byte once and in order unless reset, recv never more than asked, no descriptor live twice', async (t) => {
  const listener = await listenT(t);
  const open = async (): Promise<[Socket, Socket]> => {
    const client = connect({ host: '127.0.0.1', port: portOf(listener) });
    await expectReady({ readable: [listener], writable: [client] });
    const server = listener.accept();
    if (server === null) throw new Error('the listener was readable but accept() returned null');
    return [client, server];
  };
  await checkReadinessContract(open, { seed, runs: RUNS, maxCommands: 25 });
  t.pass(`${RUNS} random sequences of up to 25 operations, seed ${seed}`);
});

t.test('bug: reset() after shutdown(SHUT_WR) leaks the Node handle, and the process never exits', async (t) => {
  const child = runTs(t, 'test/fixtures/reset-after-shutdown.ts');
  await child.line(/^closed$/);
  const code = await within(child.exited, 'exit', 5000).catch(() => 'still running 5 s after closing everything');
  t.equal(code, 0, 'the process exits once every socket is closed');
});
