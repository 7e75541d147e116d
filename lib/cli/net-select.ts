#!/usr/bin/env node
/**
 * The `net-select` command.
 *
 *   net-select trace [--html out.html] [--jsonl trace.jsonl] -- <command> [args...]
 *
 * Runs the command with tracing on (it needs no change: net-select reads `NET_SELECT_TRACE_FILE` when it
 * loads, in that process and in every child that inherits the environment), waits for it to end, and
 * writes the timeline of every select/poll/epoll answer as one self-contained HTML page (`--html`), the
 * raw JSON lines (`--jsonl`), or — with neither — strace-like lines on stderr (`NET_SELECT_TRACE=1`).
 * Ctrl-C stops the command, not the tracer: the page is still written. Exits with the command's status.
 *
 * From a checkout: npx tsx lib/cli/net-select.ts trace --html out.html -- npx tsx examples/demo.ts
 * Installed:       npx net-select trace --html out.html -- node app.js
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TraceRecord } from '../trace/record.js';
import { IO_CHANNEL } from '../trace/trace.js';
import { renderTimeline } from './timeline-html.js';

const USAGE = `usage: net-select trace [--html out.html] [--jsonl trace.jsonl] -- <command> [args...]

Runs <command> with every net-select select/poll/epoll answer traced (and each accept, recv, send,
close and epoll_ctl), then:
  --html FILE   writes the timeline as one self-contained HTML page
  --jsonl FILE  keeps the raw trace, one JSON line per record (the process, then each call)
  (neither)     prints strace-like lines on stderr as the command runs`;

/** What `trace` was asked to do. */
interface TraceArgs {
  html?: string;
  jsonl?: string;
  command: string[];
}

/** Parses `trace`'s arguments: `'help'` when asked for it, else a string is the reason they are wrong. */
function parseTrace(args: readonly string[]): TraceArgs | string {
  const out: TraceArgs = { command: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--') {
      out.command = args.slice(i + 1);
      break;
    }
    if (a === '--html' || a === '--jsonl') {
      const v = args[++i];
      if (v === undefined) return `${a} needs a file name`;
      out[a === '--html' ? 'html' : 'jsonl'] = v;
      continue;
    }
    return `unknown argument: ${a}`;
  }
  return out.command.length === 0 ? 'no command given after --' : out;
}

/**
 * Runs `net-select` with `argv` (the arguments after the program name); resolves with the exit status:
 * the command's (128 + n when a signal n ended it), 2 for bad arguments, 127 when the command cannot start.
 * @example process.exitCode = await main(['trace', '--html', 'out.html', '--', 'node', 'app.js'])
 */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = argv[0] === '--help' || argv[0] === '-h' ? 'help'
    : argv[0] === 'trace' ? parseTrace(argv.slice(1)) : `unknown command: ${argv[0] ?? '(none)'}`;
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (typeof parsed === 'string') {
    console.error(`net-select: ${parsed}\n\n${USAGE}`);
    return 2;
  }
  const recording = parsed.html !== undefined || parsed.jsonl !== undefined;
  const dir = recording && parsed.jsonl === undefined ? mkdtempSync(join(tmpdir(), 'net-select-trace-')) : undefined;
  const file = parsed.jsonl ?? (dir === undefined ? undefined : join(dir, 'trace.jsonl'));
  try {
    if (file !== undefined) writeFileSync(file, '');
    const env = { ...process.env, ...(file === undefined ? { NET_SELECT_TRACE: '1' } : { NET_SELECT_TRACE_FILE: file }) };
    const status = await run(parsed.command, env);
    if (file !== undefined && parsed.html !== undefined) {
      const records = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as TraceRecord);
      writeFileSync(parsed.html, renderTimeline(records, parsed.command.join(' ')));
      // Counted as the page counts them: the answers it draws as calls, and the I/O calls after them.
      const io = records.filter((r) => r.channel === IO_CHANNEL && 'size' in r.message && r.message.call !== 'close').length;
      const answers = records.filter((r) => r.channel !== 'process' && r.channel !== IO_CHANNEL).length;
      console.error(`net-select trace: ${answers} select/poll/epoll answers and ${io} accept/recv/send calls traced; timeline written to ${parsed.html}`);
    }
    return status;
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the command with `env`, terminal and all; resolves with its exit status (128 + n for signal n). */
function run(command: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command[0] as string, command.slice(1), { stdio: 'inherit', env });
    // Ctrl-C reaches the command from the terminal; the tracer stays to write the page.
    const ignore = (): void => {};
    const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
    process.on('SIGINT', ignore);
    process.on('SIGTERM', forward);
    let settled = false;
    const done = (status: number): void => {
      if (settled) return; // a command that cannot start reports 'error', then may 'close'
      settled = true;
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      resolve(status);
    };
    child.on('error', (err) => {
      console.error(`net-select: cannot run ${command[0]}: ${err.message}`);
      done(127);
    });
    child.on('close', (code, signal) => done(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
