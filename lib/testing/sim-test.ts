/** `simTest`: a SimNetwork for one test, whose seed is printed when the test fails. */
import { SimNetwork, type SimOptions } from './sim-network.js';

/** What `simTest` needs of a test object (tap's `t`, or any with these methods). */
export interface TestLike {
  /** Registers cleanup to run when the test ends. */
  teardown(fn: () => void | Promise<void>): void;
  /** Whether the test has passed so far. */
  passing(): boolean;
  /** Prints a comment in the test's output. */
  comment(...message: unknown[]): void;
}

/**
 * Makes a {@link SimNetwork} for the test `t`: when the test fails, its seed is printed
 * (`# sim seed 42 at t=...ms (replay with NET_SELECT_SEED=42)`), so the failure can be replayed.
 * @example const sim = simTest(t, { faults: { fragment: true } }) // inside a tap test: the seed is printed if it fails
 */
export function simTest(t: TestLike, options?: SimOptions): SimNetwork {
  const sim = new SimNetwork(options);
  t.teardown(() => {
    if (!t.passing()) t.comment(`sim ${sim.describe()}`);
  });
  return sim;
}
