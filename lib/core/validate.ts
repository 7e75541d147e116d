/** Argument checks shared by the public API: each throws a coded TypeError/RangeError naming the argument. */
import { invalidArgType, outOfRange } from './errors.js';
import type { WaitOptions } from './pending.js';

/**
 * Normalises a select/poll/epoll timeout in milliseconds: `undefined`/`null` waits for readiness with no
 * limit and comes back as `-1`; `0` polls; a fraction rounds up, so a wait is never shorter than asked.
 * `Infinity`, or anything longer than a Node timer can take (2^31-1 ms), waits without a timer.
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a non-number.
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for a negative number or NaN.
 */
export function checkTimeout(timeoutMs: unknown, name = 'timeoutMs'): number {
  if (timeoutMs === undefined || timeoutMs === null) return -1;
  if (typeof timeoutMs !== 'number') throw invalidArgType(name, 'a number, null or undefined', timeoutMs);
  if (Number.isNaN(timeoutMs) || timeoutMs < 0) throw outOfRange(name, '>= 0 (or null to wait forever)', timeoutMs);
  return Math.ceil(timeoutMs);
}

/** An integer in [min, max]. */
export function checkInt(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw outOfRange(name, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer >= ${min} and <= ${max}`, value);
  }
  return value;
}

/** A plain options object, or undefined. */
export function checkOptions(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') throw invalidArgType(name, 'of type object', value);
  return value as Record<string, unknown>;
}

/** An event listener: a function, as Node's EventEmitter requires. */
export function checkListener(fn: unknown): void {
  if (typeof fn !== 'function') throw invalidArgType('listener', 'of type function', fn);
}

/** The options of a waiting call: its `AbortSignal`, if any. */
export function checkWaitOptions(options: unknown): AbortSignal | undefined {
  if (options === undefined) return undefined;
  const o: WaitOptions = checkOptions(options, 'options');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw invalidArgType('options.signal', 'an instance of AbortSignal', o.signal);
  }
  return o.signal;
}

/** A transport handed to an @internal constructor: an object with `bind` and a `host`. */
export function checkTransport<T extends { bind: unknown; host: unknown }>(t: T): T {
  if (t === null || typeof t !== 'object' || typeof t.bind !== 'function' || typeof t.host !== 'object') {
    throw invalidArgType('transport', 'a transport (use connect, listen or adopt)', t);
  }
  return t;
}
