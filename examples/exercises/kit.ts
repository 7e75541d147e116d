/**
 * What every exercise's check shares: a simulated network to run the learner's server on, a client that
 * waits with `poll` (so that in a trace the server's `select` calls stand apart from the client's), and
 * bounds in virtual time and in select calls, so that a check ends — in a few wall milliseconds — whatever
 * the server does: crash, hang, or spin.
 *
 * Not an exercise: read it if you want to know how you are graded.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { POLLIN, POLLOUT, Poll, SELECT_CHANNEL, type Listener, type Socket } from '../../lib/index.js';
import { SimNetwork, type Faults } from '../../lib/testing/index.js';

/**
 * Answers of select() so far: the free `select()` and every `Selector`'s (the client side uses poll). Counted
 * only while a stage is on (see {@link onStage}): a program that imports the kit is not traced otherwise.
 */
let selects = 0;
let stages = 0;
const countSelect = (): void => {
  selects++;
};

/** What a learner's file exports: a server loop on `listener` that returns once `signal` aborts. */
export type Serve = (listener: Listener, signal: AbortSignal) => Promise<void>;

/** One line of a check's report. */
export interface Finding {
  ok: boolean;
  line: string;
}

/** A check: runs the scenario against `serve` and says what it saw. */
export type Check = (serve: Serve) => Promise<Finding[]>;

/** More select() calls than this with no virtual time passing is a busy loop. */
const STORM = 1000;

/** The port every exercise's server listens on, on host 'server'. */
const PORT = 7000;

/** A network with the server running on it, and what the server did. */
export interface Stage {
  sim: SimNetwork;
  /** A new client on a host of its own (named `host`, or client1, client2, …), with its own buffer sizes if given. */
  client(options?: { host?: string; sndbuf?: number; rcvbuf?: number }): Socket;
  /** The error the server's loop threw, if it did. */
  crashed(): unknown;
}

/**
 * Runs `serve` on a fresh network with `faults`, hands the stage to `scenario`, then stops the server (its
 * signal aborts) and waits — in virtual time — for its loop to end.
 */
export async function onStage<T>(serve: Serve, faults: Faults, scenario: (stage: Stage) => Promise<T>): Promise<T> {
  if (stages++ === 0) diagnosticsChannel.subscribe(SELECT_CHANNEL, countSelect);
  try {
    return await staged(serve, faults, scenario);
  } finally {
    if (--stages === 0) diagnosticsChannel.unsubscribe(SELECT_CHANNEL, countSelect);
  }
}

async function staged<T>(serve: Serve, faults: Faults, scenario: (stage: Stage) => Promise<T>): Promise<T> {
  const sim = new SimNetwork({ seed: 1, faults });
  const listener = await sim.host('server').listen({ port: PORT, backlog: 8 });
  const stop = new AbortController();
  let crash: unknown;
  const served = serve(listener, stop.signal).catch((err: unknown) => {
    crash = err ?? new Error('the server threw');
  });
  let hosts = 0;
  const sockets: Socket[] = [];
  try {
    return await scenario({
      sim,
      client({ host = `client${++hosts}`, ...buffers } = {}) {
        const s = sim.host(host).connect({ host: 'server', port: PORT, ...buffers });
        sockets.push(s);
        return s;
      },
      crashed: () => crash,
    });
  } finally {
    stop.abort();
    await bounded(sim, served, 5000);
    for (const s of sockets) s.close();
    listener.close();
  }
}

/**
 * Waits for `p`, for at most `ms` virtual milliseconds or until the program has made {@link STORM} select()
 * calls with the clock standing still; says which came first.
 */
async function bounded<T>(sim: SimNetwork, p: Promise<T>, ms: number): Promise<{ value?: T; timedOut?: true; storm?: true }> {
  let done = false;
  const out = await Promise.race([
    p.then((value) => ({ value })),
    sim.runFor(ms).then(() => ({ timedOut: true as const })),
    stormWatch(sim, () => done).then((storm) => (storm ? { storm: true as const } : { timedOut: true as const })),
  ]);
  done = true;
  return out;
}

/** Resolves true once STORM select() calls have come with no virtual time passing; false once `over()`. */
async function stormWatch(sim: SimNetwork, over: () => boolean): Promise<boolean> {
  let calls = selects;
  let at = sim.now();
  while (!over()) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (sim.now() !== at) {
      calls = selects;
      at = sim.now();
    } else if (selects - calls >= STORM) return true;
  }
  return false;
}

/**
 * What the server does while the clients are quiet for `ms` virtual ms: how many select() calls it made,
 * and whether it spun (STORM calls with the clock standing still).
 */
export async function quiet(sim: SimNetwork, ms: number): Promise<{ calls: number; storm: boolean }> {
  const before = selects;
  const r = await bounded(sim, new Promise<never>(() => {}), ms);
  return { calls: selects - before, storm: r.storm === true };
}

/** Waits until `sock` is readable or writable (as `events` asks), at most `ms` virtual ms. */
async function waitFor(sim: SimNetwork, sock: Socket, events: number, ms: number): Promise<boolean> {
  const p = new Poll();
  try {
    p.register(sock, events);
    const r = await bounded(sim, p.poll(ms), ms);
    return (r.value?.length ?? 0) > 0;
  } finally {
    p.close();
  }
}

/** Sends all of `data`, waiting (poll) while the send buffer is full; false if it stays full for `ms`. */
export async function sendAll(sim: SimNetwork, sock: Socket, data: Buffer | string, ms = 5000): Promise<boolean> {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  for (let off = 0; off < buf.length; ) {
    off += sock.send(buf.subarray(off));
    if (off < buf.length && !(await waitFor(sim, sock, POLLOUT, ms))) return false;
  }
  return true;
}

/** Sends up to `total` bytes, stopping once the send buffer stays full for `ms`; returns how many were sent. */
export async function push(sim: SimNetwork, sock: Socket, total: number, ms = 5000): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  while (sent < total) {
    const n = sock.send(chunk.subarray(0, Math.min(chunk.length, total - sent)));
    sent += n;
    if (n === 0 && !(await waitFor(sim, sock, POLLOUT, ms))) break;
  }
  return sent;
}

/**
 * Receives until `n` bytes, EOF, an error, or `ms` virtual ms with nothing new; returns what came and how
 * it ended.
 */
export async function receive(
  sim: SimNetwork,
  sock: Socket,
  n: number,
  ms = 5000,
): Promise<{ data: Buffer; eof: boolean; error?: string }> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    let d: Buffer | null;
    try {
      d = sock.recv(n - got);
    } catch (err) {
      return { data: Buffer.concat(parts), eof: false, error: (err as { code?: string }).code ?? String(err) };
    }
    if (d === null) {
      if (!(await waitFor(sim, sock, POLLIN, ms))) break;
      continue;
    }
    if (d.length === 0) return { data: Buffer.concat(parts), eof: true };
    parts.push(d);
    got += d.length;
  }
  return { data: Buffer.concat(parts), eof: false };
}

/** Whether the peer closed: `recv` returns EOF (or a reset) within `ms` virtual ms. */
export async function closedByPeer(sim: SimNetwork, sock: Socket, ms = 5000): Promise<boolean> {
  const r = await receive(sim, sock, 1, ms);
  return r.eof || r.error !== undefined;
}

/** A finding: `ok` with the line when it holds, else the line and what went wrong. */
export function expect(ok: boolean, line: string, otherwise: string): Finding {
  return { ok, line: ok ? line : `${line}: ${otherwise}` };
}

/** The finding for a server that threw, if it did. */
export function alive(stage: Stage): Finding {
  const err = stage.crashed();
  const code = (err as { code?: string } | undefined)?.code;
  return expect(err === undefined, 'the server is still running', `it threw ${code ?? String(err)}`);
}
