/**
 * The property tests of the readiness contract (test/fixtures/readiness-model.ts) on the in-memory transport:
 * `socketpair()` pairs, so many more random sequences run than on real loopback in the same time. The seed
 * is printed; `NET_SELECT_SEED=N` replays a run, `NET_SELECT_RUNS=N` makes it longer.
 */
import t from 'tap';
import { socketpair } from '../lib/testing/index.js';
import { checkReadinessContract } from './fixtures/readiness-model.js';

const seed = Number(process.env.NET_SELECT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.NET_SELECT_RUNS ?? 300);
t.comment(`property seed ${seed} (NET_SELECT_SEED=${seed} replays it)`);

t.test('random operations on in-memory pairs keep the readiness contract: every byte once and in order unless reset, recv never more than asked, no descriptor live twice', async (t) => {
  await checkReadinessContract(async () => socketpair(), { seed, runs: RUNS, maxCommands: 30 });
  t.pass(`${RUNS} random sequences of up to 30 operations, seed ${seed}`);
});
