/**
 * The platform seam: everything the core needs from the runtime it runs on, in one small interface. The
 * portable implementation below uses only what every JavaScript runtime has (a browser, a worker, Node);
 * the Node backend installs Node's own when it is loaded (`backends/node/platform.ts`), which the entry
 * points do first, so that a Node program sees Node's tick, environment, errno numbers, diagnostics
 * channels and open-file limit.
 *
 * The rest of `lib/` reads {@link platform} when it needs it, never while its module is being loaded: a
 * module loaded before the Node backend would otherwise keep the portable answers.
 */

/** A named channel of messages, as `node:diagnostics_channel` has them. */
export interface TraceChannel {
  /** Whether anyone listens: a message is built only then. */
  readonly hasSubscribers: boolean;
  /** Hands `message` to every subscriber. */
  publish(message: unknown): void;
}

/** What the core needs from its runtime. */
export interface Platform {
  /** Runs `fn` when the current job ends, before promise continuations (Node's `process.nextTick`). */
  tick(fn: () => void): void;
  /** Runs `fn` in a later task, after the I/O of this turn (Node's `setImmediate`). */
  immediate(fn: () => void): void;
  /** A monotonic clock, in milliseconds. */
  now(): number;
  /** The environment variable `name`, or `undefined` (a browser has none). */
  env(name: string): string | undefined;
  /** The errno number of `name` (`'ECONNRESET'`) on this system; 0 when it has none. */
  errno(name: string): number;
  /** The open-file limit of this process (RLIMIT_NOFILE). */
  fdLimit(): number;
  /** The channel called `name`: the same object for the same name. */
  channel(name: string): TraceChannel;
  /** Calls `fn` with every message published on channel `name`, until {@link Platform.unsubscribe}. */
  subscribe(name: string, fn: (message: unknown) => void): void;
  /** Stops calling `fn` for channel `name`. */
  unsubscribe(name: string, fn: (message: unknown) => void): void;
  /** Writes `line` (and a newline) to the error stream. */
  writeError(line: string): void;
  /** A fresh 32-bit seed, different from run to run. */
  randomSeed(): number;
  /**
   * What to tell a program that passed one of the runtime's own objects (a `net.Socket`) where a net-select
   * one belongs; `undefined` for anything else.
   */
  foreignHint(item: unknown): string | undefined;
}

// Linux's numbers, which a simulated network reports wherever it runs.
const LINUX_ERRNO: Readonly<Record<string, number>> = {
  EPERM: 1, ENOENT: 2, EIO: 5, EBADF: 9, EAGAIN: 11, EWOULDBLOCK: 11, EACCES: 13, EEXIST: 17, EINVAL: 22,
  EMFILE: 24, EPIPE: 32, ELOOP: 40, EDESTADDRREQ: 89, EMSGSIZE: 90, EADDRINUSE: 98, EADDRNOTAVAIL: 99,
  ENETUNREACH: 101, ECONNABORTED: 103, ECONNRESET: 104, EISCONN: 106, ENOTCONN: 107, ETIMEDOUT: 110,
  ECONNREFUSED: 111, EHOSTUNREACH: 113,
};

class PortableChannel implements TraceChannel {
  readonly subscribers = new Set<(message: unknown) => void>();

  get hasSubscribers(): boolean {
    return this.subscribers.size > 0;
  }

  publish(message: unknown): void {
    for (const fn of this.subscribers) {
      try {
        fn(message);
      } catch (err) {
        // As Node's channels do: a failing subscriber does not stop the publisher or the other subscribers.
        setTimeout(() => {
          throw err;
        }, 0);
      }
    }
  }
}

const channels = new Map<string, PortableChannel>();
const portableChannel = (name: string): PortableChannel => {
  let ch = channels.get(name);
  if (ch === undefined) channels.set(name, (ch = new PortableChannel()));
  return ch;
};

// `immediate` as a task of its own: a MessageChannel message runs after the current task, with no 4 ms
// clamp of nested timers. One message runs every function queued before it; one queued meanwhile posts the
// next message and waits for it, as Node's check phase does. A runtime whose ports can keep it alive (Node)
// is kept alive only while a function is queued, as by a timer.
interface Port {
  onmessage: (() => void) | null;
  postMessage(message: unknown): void;
  ref?(): void;
  unref?(): void;
}
let immediates: (() => void)[] = [];
let post: (() => void) | undefined;
let port: Port | undefined;
function runImmediates(): void {
  const due = immediates;
  immediates = [];
  for (const fn of due) {
    try {
      fn();
    } catch (err) {
      setTimeout(() => {
        throw err;
      }, 0);
    }
  }
  if (immediates.length === 0) port?.unref?.();
}
function portableImmediate(fn: () => void): void {
  immediates.push(fn);
  if (immediates.length > 1) return;
  if (post === undefined) {
    if (typeof MessageChannel === 'function') {
      const ch = new MessageChannel();
      const receiver = ch.port1 as unknown as Port;
      const sender = ch.port2 as unknown as Port;
      receiver.onmessage = runImmediates;
      port = receiver;
      post = () => {
        receiver.ref?.();
        sender.postMessage(null);
      };
    } else {
      post = () => void setTimeout(runImmediates, 0);
    }
  }
  post();
}

/** @internal The platform of any JavaScript runtime: what a browser bundle runs on. */
export const portablePlatform: Platform = {
  tick: (fn) => queueMicrotask(fn),
  immediate: portableImmediate,
  now: () => performance.now(),
  env: () => undefined,
  errno: (name) => LINUX_ERRNO[name] ?? 0,
  fdLimit: () => 1024,
  channel: portableChannel,
  subscribe: (name, fn) => void portableChannel(name).subscribers.add(fn),
  unsubscribe: (name, fn) => void portableChannel(name).subscribers.delete(fn),
  writeError: (line) => console.error(line),
  randomSeed: () => (Date.now() ^ (Math.floor(performance.now() * 1000) << 7)) >>> 0,
  foreignHint: () => undefined,
};

/** @internal The installed platform (a live binding: read it at the moment of use). */
export let platform: Platform = portablePlatform;

/** @internal Installs `p` as the platform; the Node backend calls it when it is loaded. */
export function installPlatform(p: Platform): void {
  platform = p;
}
