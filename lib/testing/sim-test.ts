/** `simTest`: a SimNetwork for one test, whose seed is printed so that a failure can be replayed. */
import { invalidArgType } from '../core/errors.js';
import { SimNetwork, type SimOptions } from './sim-network.js';

/** What `simTest` needs of a tap test (tap's `t`, or any object with these methods). */
export interface TapTestLike {
  /** Registers cleanup to run when the test ends. */
  teardown(fn: () => void | Promise<void>): void;
  /** Whether the test has passed so far. */
  passing(): boolean;
  /** Prints a comment in the test's output. */
  comment(...message: unknown[]): void;
}

/** What `simTest` needs of a `node:test` test: its `TestContext` (`test('...', (t) => ...)`). */
export interface NodeTestLike {
  /** Registers a hook to run when the test ends. */
  after(fn: () => unknown): void;
  /** Adds a diagnostic line to the test's report. */
  diagnostic(message: string): void;
}

/** A test object `simTest` takes: tap's `t` or node:test's `TestContext`. */
export type TestLike = TapTestLike | NodeTestLike;

const has = (t: object, ...names: string[]): boolean =>
  names.every((n) => typeof (t as Record<string, unknown>)[n] === 'function');

/**
 * Makes a {@link SimNetwork} for the test `t` and says its seed, so a failure can be replayed with
 * `NET_SELECT_SEED`. Under tap the seed is printed only when the test fails
 * (`# sim seed 42 at t=...ms (replay with NET_SELECT_SEED=42)`); under node:test, which does not tell a hook
 * whether the test failed, it is a diagnostic of every test (`sim seed 42 (replay with NET_SELECT_SEED=42)`).
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` unless `t` is a tap test or a node:test `TestContext`; as
 * `new SimNetwork` for malformed options.
 * @example const sim = simTest(t, { faults: { fragment: true } }) // inside a tap or node:test test
 */
export function simTest(t: TestLike, options?: SimOptions): SimNetwork {
  const test = t as unknown;
  const tap = typeof test === 'object' && test !== null && has(test, 'teardown', 'passing', 'comment');
  if (!tap && !(typeof test === 'object' && test !== null && has(test, 'after', 'diagnostic'))) {
    throw invalidArgType('t', "a test: tap's t or node:test's TestContext", test);
  }
  const sim = new SimNetwork(options);
  if (tap) {
    const tt = t as TapTestLike;
    tt.teardown(() => {
      if (!tt.passing()) tt.comment(`sim ${sim.describe()}`);
    });
  } else {
    (t as NodeTestLike).diagnostic(`sim seed ${sim.seed} (replay with NET_SELECT_SEED=${sim.seed})`);
  }
  return sim;
}
