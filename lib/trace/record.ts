/**
 * The trace as data: every select/poll/epoll answer appended to a file as one JSON line, when the program
 * runs with `NET_SELECT_TRACE_FILE=path` — any program that uses net-select, unchanged. `net-select trace
 * --html` sets it for the program it runs, then draws the file as a timeline.
 */
import { invalidArgType } from '../core/errors.js';
import { platform } from '../core/platform.js';
import { appendLines, processIdentity, warn } from '../backends/node/index.js';
import { IO_CHANNEL, POLL_CHANNEL, SELECT_CHANNEL, type TraceMessage } from './trace.js';

/**
 * One line of a trace file: a process that started recording (`channel: 'process'`), or one message of
 * a tracing channel, with the process that published it.
 */
export type TraceRecord =
  | {
      /** The first line of a process: who it is. */
      channel: 'process';
      /** Its process id. */
      pid: number;
      /** `performance.timeOrigin`: the wall-clock start of the process's clock, in ms since the epoch. */
      timeOrigin: number;
      /** Its command line. */
      argv: string[];
    }
  | {
      /** One message: the diagnostics channel it was published on. */
      channel: typeof SELECT_CHANNEL | typeof POLL_CHANNEL | typeof IO_CHANNEL;
      /** The process that published it. */
      pid: number;
      /** The message, as published. */
      message: TraceMessage;
    };

const CHANNELS = [SELECT_CHANNEL, POLL_CHANNEL, IO_CHANNEL] as const;

/**
 * Appends every select/poll/epoll answer (and recv, send, accept) of this process to `path`, one JSON {@link TraceRecord} a line,
 * after a `process` line; until the returned function is called (calling it again does nothing). Lines are written synchronously, so a
 * trace is complete up to the moment the process dies, however it dies. Several processes may share one
 * file (each line is one `write` in append mode). `NET_SELECT_TRACE_FILE=path` in the environment calls
 * this when net-select is loaded.
 * @throws {Error} with the `fs` code (`ENOENT`, `EACCES`) when the file cannot be opened.
 * @example
 * const stop = recordTrace('/tmp/trace.jsonl')
 * await select([listener], [], [], 100)
 * stop()
 */
export function recordTrace(path: string): () => void {
  if (typeof path !== 'string' || path === '') throw invalidArgType('path', 'a non-empty string', path);
  const file = appendLines(path);
  const write = (r: TraceRecord): void => file.write(JSON.stringify(r));
  const { pid, argv, timeOrigin } = processIdentity();
  write({ channel: 'process', pid, timeOrigin, argv });
  const subscribers = CHANNELS.map((channel) => {
    const fn = (m: unknown): void => write({ channel, pid, message: m as TraceMessage });
    platform.subscribe(channel, fn);
    return [channel, fn] as const;
  });
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    for (const [channel, fn] of subscribers) platform.unsubscribe(channel, fn);
    file.close();
  };
}

const traceFile = platform.env('NET_SELECT_TRACE_FILE');
if (traceFile !== undefined && traceFile !== '') {
  try {
    recordTrace(traceFile);
  } catch (err) {
    warn(`NET_SELECT_TRACE_FILE: cannot record the trace: ${(err as Error).message}`);
  }
}
