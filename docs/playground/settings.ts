/**
 * The settings of a run, as the page's form holds them, the Share link carries them and the hook takes
 * them; and how they become the worker's request.
 */
import type { Faults } from 'net-select/testing';
import type { ClientSettings } from './clients.js';
import type { PageFaults } from './protocol.js';

/** The faults the page sets: the simulated network's (any of its `Faults`) and a partition. */
export interface FaultSettings extends Faults {
  /** Cut client from server `atMs` virtual ms into the run, for `forMs`; null: never. */
  partition?: { atMs: number; forMs: number } | null;
}

/** Everything a run needs besides the program. */
export interface Settings {
  clients: ClientSettings;
  faults: FaultSettings;
  /** The seed of every random choice of the network. */
  seed: number;
  /** The run stops after this many select/poll/epoll calls. */
  maxCalls: number;
}

/** The worker's faults: zeros mean "none" (the form's way of saying it). */
export function pageFaults(f: FaultSettings): PageFaults {
  const { partition, ...rest } = f;
  const sim: Faults = { ...rest };
  if (sim.sndbuf === 0) delete sim.sndbuf;
  if (Array.isArray(sim.latencyMs) && sim.latencyMs[0] === 0 && sim.latencyMs[1] === 0) delete sim.latencyMs;
  if (sim.reset === 0) delete sim.reset;
  const p = partition && partition.forMs > 0 ? partition : null;
  return { sim, partition: p };
}
