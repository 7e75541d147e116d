/**
 * What the page and the worker say to each other, and what a run gives back (the hook's answer is built
 * from it). Types only.
 */
import type { Faults } from 'net-select/testing';
import type { TraceRecord } from '../../lib/trace/record.js';
import type { ClientSettings, Verdict } from './clients.js';

export type { TraceRecord };

/** The page's faults: the simulated network's own, and a partition between client and server. */
export interface PageFaults {
  sim: Faults;
  /** Cut client from server `atMs` virtual ms into the run, for `forMs`; null: no partition. */
  partition: { atMs: number; forMs: number } | null;
}

/** One run, as the page asks the worker for it. */
export interface RunRequest {
  /** The program, types stripped and imports turned into `require` calls. */
  code: string;
  clients: ClientSettings;
  faults: PageFaults;
  seed: number;
  /** Stop after this many calls. */
  maxCalls: number;
  /** Pause after the first call (and after each one, until told to continue). */
  step: boolean;
}

/** A descriptor of the server host. */
export interface FdState {
  fd: number;
  kind: 'listener' | 'socket' | 'epoll' | 'file';
  /** What it is ready for now (`POLLIN|POLLOUT`; `0`: nothing). */
  events: string;
  /** Its state, in words: `listening`, `open`, `peer shut down (EOF)`, `hung up`, `error (reset)`. */
  state: string;
  /** Bytes received and not read yet (a socket). */
  recvQueue?: number;
  /** Bytes sent and not yet taken by the network (a socket). */
  sendQueue?: number;
  /** Connections waiting for accept (a listener). */
  pending?: number;
}

/** How a program failed. */
export interface PlaygroundError {
  /** `syntax`: it does not parse; `exception`: it threw; `rejection`: a promise nobody awaited rejected; `timeout`: it never yielded. */
  kind: 'syntax' | 'exception' | 'rejection' | 'timeout';
  message: string;
  /** Its line in the program, when known. */
  line?: number;
  /** The stack, in the program's own lines (`program.ts:LINE:COLUMN`). */
  stack?: string;
}

/** Why a run ended. */
export type RunEnd = 'clients' | 'program' | 'maxCalls' | 'idle' | 'error' | 'reset';

/** Worker to page. */
export type ToPage =
  | { type: 'ready' }
  | { type: 'beat' }
  | { type: 'console'; level: string; text: string }
  | { type: 'call'; n: number; records: TraceRecord[]; fds: FdState[] }
  | { type: 'paused'; calls: number }
  | {
      type: 'done';
      end: RunEnd;
      calls: number;
      records: TraceRecord[];
      verdict: Verdict | null;
      fds: FdState[];
      virtualMs: number;
      error?: PlaygroundError;
    };
