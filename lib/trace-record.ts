/**
 * The trace as data: every select/poll/epoll answer appended to a file as one JSON line, when the program
 * runs with `NET_SELECT_TRACE_FILE=path` — any program that uses net-select, unchanged. `net-select trace
 * --html` sets it for the program it runs, then draws the file as a timeline.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { closeSync, openSync, writeSync } from 'node:fs';
import { invalidArgType } from './errors.js';
import { POLL_CHANNEL, SELECT_CHANNEL, type TraceMessage } from './trace.js';

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
      /** One answer: the diagnostics channel it was published on. */
      channel: typeof SELECT_CHANNEL | typeof POLL_CHANNEL;
      /** The process that answered. */
      pid: number;
      /** The answer, as published. */
      message: TraceMessage;
    };

/**
 * Appends every select/poll/epoll answer of this process to `path`, one JSON {@link TraceRecord} a line,
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
  const fd = openSync(path, 'a');
  const write = (r: TraceRecord): void => void writeSync(fd, `${JSON.stringify(r)}\n`);
  write({ channel: 'process', pid: process.pid, timeOrigin: performance.timeOrigin, argv: process.argv });
  const onSelect = (m: unknown): void => write({ channel: SELECT_CHANNEL, pid: process.pid, message: m as TraceMessage });
  const onPoll = (m: unknown): void => write({ channel: POLL_CHANNEL, pid: process.pid, message: m as TraceMessage });
  diagnosticsChannel.subscribe(SELECT_CHANNEL, onSelect);
  diagnosticsChannel.subscribe(POLL_CHANNEL, onPoll);
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    diagnosticsChannel.unsubscribe(SELECT_CHANNEL, onSelect);
    diagnosticsChannel.unsubscribe(POLL_CHANNEL, onPoll);
    closeSync(fd);
  };
}

const file = process.env['NET_SELECT_TRACE_FILE'];
if (file !== undefined && file !== '') {
  try {
    recordTrace(file);
  } catch (err) {
    process.emitWarning(`NET_SELECT_TRACE_FILE: cannot record the trace: ${(err as Error).message}`, 'NetSelectWarning');
  }
}
