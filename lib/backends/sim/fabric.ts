/**
 * What the simulated network's transports (streams in `sim-transport.ts`, datagrams in `sim-dgram.ts`) ask of
 * the network they run on: its clock and generator, the faults and cuts of each link, and the sockets bound
 * on each host. `SimNetwork` implements it.
 */
import type { SimClock } from './sim-clock.js';
import type { FaultSet } from './sim-faults.js';
import type { Rng } from './sim-rng.js';
import type { ListenSink } from '../transport.js';
import type { DatagramAddr, DatagramSink } from '../datagram-transport.js';

/** @internal What the transports ask of the network they run on. */
export interface Fabric {
  readonly clock: SimClock;
  readonly rng: Rng;
  /** How long a connect waits for its handshake before `ETIMEDOUT`, in virtual ms. */
  readonly connectTimeoutMs: number;
  /** Bumped whenever a link's faults change: a pipe's cached faults are stale. A plain field: read per send. */
  generation: number;
  /** Whether `record` keeps anything (the trace is on). */
  readonly tracing: boolean;
  /** The faults of the link from host `from` to host `to`. */
  faults(from: string, to: string): FaultSet;
  /** Whether nothing crosses between hosts `from` and `to` now (a partition or a hold). */
  blocked(from: string, to: string): boolean;
  /** What cuts hosts `from` and `to` apart now, if anything: a partition wins over a hold. */
  cut(from: string, to: string): 'partition' | 'hold' | null;
  /** Whether host `name` reads from the network (false: its receive windows are closed). */
  reading(name: string): boolean;
  /** `p` (a pipe, a datagram) waits for a repair, a release or a resume. */
  stall(p: Stalled): void;
  /** The listener bound to `port` on host `name`. */
  listener(name: string, port: number): { readonly closed: boolean; readonly sink: ListenSink | undefined } | undefined;
  /** The datagram socket bound to UDP `port` on host `name` (`accepts`: false for a sender a connected one drops). */
  datagramSocket(name: string, port: number): { readonly sink: DatagramSink | undefined; accepts(from: DatagramAddr): boolean } | undefined;
  /** Adds a line to the trace. */
  record(line: string): void;
}

/** @internal What waits for a repair, a release or a resume; `kick` sends it on its way again. */
export interface Stalled {
  kick(retransmit: boolean): void;
}
