#!/usr/bin/env node
// Benchmark runner for net-select (issue 4). Plain ESM, no build step of its own.
//
//   node bench/run.mjs [--reps N] [--seconds S] [--warmup S] [--only ids]
//                      [--scenarios ids] [--no-pin] [--out FILE] [--help]
//
// See bench/README.md for what is measured and how.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);
const OUT = path.join(BENCH, 'out');
const LOADGEN = path.join(OUT, 'loadgen');

// --------------------------------------------------------------------------
// configuration

const SCENARIOS = [
  { id: 'a', name: 'small', desc: '50 conns x 64 B x 8 in flight', conns: 50, idle: 0, size: 64, inflight: 8 },
  { id: 'b', name: 'large', desc: '50 conns x 16 KiB x 4 in flight', conns: 50, idle: 0, size: 16384, inflight: 4 },
  { id: 'c', name: 'idle', desc: '10 active + 4000 idle conns x 64 B x 8 in flight', conns: 10, idle: 4000, size: 64, inflight: 8 },
  { id: 'd', name: 'latency', desc: '1 conn x 64 B x 1 in flight', conns: 1, idle: 0, size: 64, inflight: 1 },
  { id: 'e', name: 'ten', desc: '10 conns x 64 B x 8 in flight (scenario c without the idle ones)', conns: 10, idle: 0, size: 64, inflight: 8 },
];

const BASELINE = 'pipe';

function serverList(python, dist) {
  const node = process.execPath;
  const sel = path.join(dist, 'examples/echo-server.js');
  const ep = path.join(dist, 'examples/epoll-echo-server.js');
  const cl = path.join(dist, 'examples/cluster-echo.js');
  return [
    { id: 'select', name: 'net-select select', file: sel, cmd: [node, sel] },
    { id: 'epoll', name: 'net-select epoll', file: ep, cmd: [node, ep] },
    { id: 'pipe', name: 'node pipe', file: 'bench/pipe-server.mjs', cmd: [node, 'bench/pipe-server.mjs'] },
    { id: 'ceiling', name: 'pure-JS ceiling', file: 'bench/ceiling-server.mjs', cmd: [node, 'bench/ceiling-server.mjs'] },
    // The select echo in node:cluster workers on one shared port, in scenario (a) only. Not pinned: the workers
    // may use both cores, which they share with the load generator (pinned to CPU 1), so 2 workers cannot
    // reach 2x here. CPU, memory and descriptors are summed over the primary and its workers.
    ...[1, 2].map((n) => ({
      id: `cluster${n}`, name: `select, cluster x${n}`, file: cl, cmd: [node, cl, `--workers=${n}`], tree: true, cpus: '0,1', only: ['a'],
    })),
    { id: 'seed-select', name: 'python select (seed)', file: 'bench/seed_select.py', cmd: python && [python, 'bench/seed_select.py'], python: true },
    { id: 'selectors', name: 'python selectors', only: ['a', 'c', 'e'], file: 'bench/selectors_echo.py', cmd: python && [python, 'bench/selectors_echo.py'], python: true },
  ];
}

const HELP = `usage: node bench/run.mjs [options]

  --reps N            interleaved repetitions (env BENCH_REPS, default 3)
  --seconds S         measured window per run, seconds (env BENCH_SECONDS, default 1.5)
  --warmup S          loadgen warmup before the window (env BENCH_WARMUP, default 1)
  --only IDS          comma-separated servers (env BENCH_ONLY):
                      select, epoll, pipe, ceiling, seed-select, selectors, cluster1, cluster2
  --scenarios IDS     comma-separated scenarios a,b,c,d or names (env BENCH_SCENARIOS):
${SCENARIOS.map((s) => `                        ${s.id} / ${s.name.padEnd(8)} ${s.desc}`).join('\n')}
  --no-pin            do not pin server / loadgen with taskset
  --no-micro          do not run bench/micro.mjs at the end (it is skipped anyway with --only/--scenarios)
  --prof              run the Node servers with --cpu-prof and print their top functions
                      (profiles in bench/out/prof/SCENARIO-SERVER-REP)
  --dist DIR          where the compiled net-select examples are (env BENCH_DIST, default dist)
  --out FILE          results JSON (default bench/out/results.json)
  --budget S          wall-time budget in seconds (env BENCH_BUDGET, default 480; 0 = none):
                      a run that would end past it is skipped and reported as such
  --help

quick smoke run:  node bench/run.mjs --reps 1 --seconds 1 --only pipe,seed-select,selectors
`;

function parseArgs(argv) {
  const env = process.env;
  const o = {
    reps: Number(env.BENCH_REPS ?? 3),
    seconds: Number(env.BENCH_SECONDS ?? 1.5),
    warmup: Number(env.BENCH_WARMUP ?? 1),
    only: env.BENCH_ONLY ? env.BENCH_ONLY.split(',') : null,
    scenarios: env.BENCH_SCENARIOS ? env.BENCH_SCENARIOS.split(',') : null,
    pin: true,
    prof: false,
    micro: true,
    dist: env.BENCH_DIST ?? 'dist',
    budget: Number(env.BENCH_BUDGET ?? 480),
    out: path.join(OUT, 'results.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      v = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const val = () => {
      if (v !== undefined) return v;
      if (i + 1 >= argv.length) die(`missing value for ${a}`);
      return argv[++i];
    };
    switch (a) {
      case '--reps': o.reps = Number(val()); break;
      case '--seconds': o.seconds = Number(val()); break;
      case '--warmup': o.warmup = Number(val()); break;
      case '--only': o.only = val().split(','); break;
      case '--scenarios': o.scenarios = val().split(','); break;
      case '--no-pin': o.pin = false; break;
      case '--prof': o.prof = true; break;
      case '--no-micro': o.micro = false; break;
      case '--dist': o.dist = val(); break;
      case '--budget': o.budget = Number(val()); break;
      case '--out': o.out = path.resolve(val()); break;
      case '-h': case '--help': process.stdout.write(HELP); process.exit(0); break;
      default: die(`unknown argument ${a}\n\n${HELP}`);
    }
  }
  if (!(Number.isInteger(o.reps) && o.reps >= 1)) die('--reps must be a positive integer');
  if (!(o.seconds > 0 && o.seconds <= 60)) die('--seconds must be in (0, 60]');
  if (!(o.warmup >= 0 && o.warmup <= 30)) die('--warmup must be in [0, 30]');
  if (!(o.budget >= 0)) die('--budget must be >= 0');
  o.only = o.only?.map((s) => s.trim()).filter(Boolean) ?? null;
  if (o.only || o.scenarios) o.micro = false; // a partial run: the targets it can show, without the micro-benchmark
  o.scenarios = o.scenarios?.map((s) => s.trim()).filter(Boolean) ?? null;
  return o;
}

function die(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

// --------------------------------------------------------------------------
// child process bookkeeping: nothing may outlive the runner

const live = new Set();

function killAll() {
  for (const p of live) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}, killing ${live.size} child process(es)\n`);
    killAll();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}
process.on('uncaughtException', (err) => {
  process.stderr.write(`bench: internal error: ${err?.stack ?? err}\n`);
  killAll();
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  process.stderr.write(`bench: internal error: ${err?.stack ?? err}\n`);
  killAll();
  process.exit(1);
});

class Proc {
  constructor(label, argv) {
    this.label = label;
    this.argv = argv;
    this.stderr = '';
    this.lines = [];
    this.waiter = null;
    this.closed = false;
    this.exitInfo = null;
    this.child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.child.pid;
    if (this.pid) live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitInfo ??= { code, signal };
        live.delete(this);
        resolve(this.exitInfo);
      });
      this.child.on('error', (err) => {
        this.exitInfo ??= { code: null, signal: null, error: err.message };
        live.delete(this);
        resolve(this.exitInfo);
        this.closed = true;
        this.wake();
      });
    });
    this.child.stdin.on('error', () => {});
    this.child.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-16384);
    });
    readline
      .createInterface({ input: this.child.stdout })
      .on('line', (l) => {
        // a select-loop example refuses clients past its cap (select cannot watch fd >= FD_SETSIZE)
        const cap = /a client refused: (\d+) connections served/.exec(l);
        if (cap) this.refusedCap = Number(cap[1]);
        this.lines.push(l);
        this.wake();
      })
      .on('close', () => {
        this.closed = true;
        this.wake();
      });
  }

  wake() {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  // next stdout line; null when stdout closed or timed out (see .timedOut)
  async nextLine(timeoutMs) {
    this.timedOut = false;
    const deadline = Date.now() + Math.max(0, timeoutMs);
    for (;;) {
      if (this.lines.length) return this.lines.shift();
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.timedOut = true;
        return null;
      }
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  signal(sig) {
    if (this.exitInfo || !this.pid) return;
    try {
      process.kill(this.pid, sig);
    } catch {
      /* gone */
    }
  }

  // SIGTERM, then SIGKILL after graceMs; resolves with exit info
  async stop(graceMs) {
    if (!this.exitInfo) {
      this.signal('SIGTERM');
      if (!(await within(this.exited, graceMs))) {
        this.killedHard = true;
        this.signal('SIGKILL');
        await within(this.exited, 3000);
      }
    }
    this.child.stdin.destroy();
    return this.exitInfo;
  }
}

function within(promise, ms) {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    promise.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --------------------------------------------------------------------------
// /proc sampling

let CLK_TCK = 100;

/** `pid` and its descendants (a cluster's workers), from /proc. */
function processTree(pid) {
  const children = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {
      /* gone */
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}

/** `read(pid)` summed over the process tree when `tree` (null if the root has gone). */
function sumTree(read, pid, tree) {
  if (!tree) return read(pid);
  const root = read(pid);
  if (root === null) return null;
  return processTree(pid).slice(1).reduce((sum, p) => sum + (read(p) ?? 0), root);
}

function readCpuTicks(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state); utime = field 14, stime = field 15
    return Number(f[11]) + Number(f[12]);
  } catch {
    return null;
  }
}

// all CPUs, in clock ticks: busy = everything but idle and iowait (steal counts as busy:
// it is CPU time this VM wanted and did not get)
function readSystemBusyTicks() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return user + nice + system + irq + softirq + (steal || 0);
  } catch {
    return null;
  }
}

function readRssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function countFds(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// --------------------------------------------------------------------------
// one run: one server process, one loadgen process

function lastLine(text) {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.length ? lines[lines.length - 1].trim() : '';
}

function describeExit(e) {
  if (!e) return 'still running';
  if (e.error) return `spawn failed: ${e.error}`;
  return e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

function serverDeathReason(server) {
  const err = server.stderr;
  if (/filedescriptor out of range|FD_SETSIZE/.test(err)) {
    const line = err.split('\n').find((l) => /^\w*Error\b.*(out of range|FD_SETSIZE)/.test(l.trim())) ?? '';
    return `refused: fd >= FD_SETSIZE, server died${line ? ` (${line.trim().slice(0, 200)})` : ''}`;
  }
  const why = lastLine(err);
  return `server died (${describeExit(server.exitInfo)})${why ? `: ${why}` : ''}`;
}

async function runOne(scn, srv, rep, o, pin) {
  const total = scn.conns + scn.idle;
  const r = { scenario: scn.id, server: srv.id, rep, ok: false, reason: null, mismatch: false };
  const t0 = Date.now();
  const port = await freePort();
  const window = [0, Infinity]; // the measured window, in seconds since t0 (the profile keeps only it)
  let cmd = srv.cmd;
  const profDir = o.prof && cmd[0] === process.execPath ? path.join(OUT, 'prof', `${scn.id}-${srv.id}-${rep}`) : null;
  if (profDir) {
    fs.rmSync(profDir, { recursive: true, force: true });
    cmd = [cmd[0], '--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${profDir}`, ...cmd.slice(1)];
  }
  const server = new Proc(srv.id, [...pin(srv.cpus ?? 0), LOADGEN, '--exec-pdeathsig', ...cmd, String(port)]);
  const tree = srv.tree === true;
  const cpuTicks = () => sumTree(readCpuTicks, server.pid, tree);
  const rssKiB = () => sumTree(readRssKiB, server.pid, tree);
  const fdCount = () => sumTree(countFds, server.pid, tree);
  let lg = null;
  let serverDied = null;
  try {
    // 1. wait for "echo server listening on 127.0.0.1:PORT"
    let listenPort = null;
    const readyBy = Date.now() + 10000;
    for (;;) {
      const line = await server.nextLine(readyBy - Date.now());
      if (line === null) break;
      const m = /listening on [\d.]+:(\d+)/.exec(line);
      if (m) {
        listenPort = Number(m[1]);
        break;
      }
    }
    if (!listenPort) {
      r.reason = server.timedOut
        ? 'server did not print "listening on" within 10 s'
        : `server exited before listening (${describeExit(server.exitInfo)}): ${lastLine(server.stderr)}`;
      return r;
    }
    // keep draining the server's stdout so it can never block on it
    (async () => {
      while ((await server.nextLine(1e9)) !== null) server.lines.length = 0;
    })();

    await sleep(50);
    r.rss_start_kib = rssKiB();
    r.fds_start = fdCount();

    // 2. loadgen
    const connectTimeout = 15;
    lg = new Proc('loadgen', [
      ...pin(1), LOADGEN,
      '--port', String(listenPort),
      '--conns', String(scn.conns),
      '--idle', String(scn.idle),
      '--size', String(scn.size),
      '--inflight', String(scn.inflight),
      '--seconds', String(o.seconds),
      '--warmup', String(o.warmup),
      '--connect-timeout', String(connectTimeout),
      '--drain-timeout', '10',
      '--sync',
    ]);
    // if the server dies, release loadgen from its --sync wait (it then fails on its own)
    server.exited.then(() => lg.child.stdin.end());

    let final = null;
    let cpu0 = null;
    let cpu1 = null;
    let sys0 = null;
    let sys1 = null;
    let tw0 = 0;
    let tw1 = 0;
    const lgBy = Date.now() + (connectTimeout + 10 + o.warmup + o.seconds + 10 + 10) * 1000;
    for (;;) {
      const line = await lg.nextLine(lgBy - Date.now());
      if (line === null) break;
      let ev;
      try {
        ev = JSON.parse(line);
      } catch {
        continue;
      }
      if (ev.event === 'connected') {
        // 3. all connections open client-side: wait (bounded) until the server
        //    has accept()ed them all, then sample its memory before any traffic
        const by = Date.now() + 10000;
        for (;;) {
          r.fds_conn = fdCount();
          if (r.fds_conn !== null && r.fds_start !== null && r.fds_conn >= r.fds_start + total) {
            r.accepted_all = true;
            break;
          }
          if (server.exitInfo || Date.now() > by) {
            r.accepted_all = false;
            break;
          }
          await sleep(5);
        }
        r.rss_conn_kib = rssKiB();
        r.connect_seconds = ev.connect_seconds;
        lg.child.stdin.write('go\n');
      } else if (ev.event === 'measure_start') {
        cpu0 = cpuTicks();
        sys0 = readSystemBusyTicks();
        tw0 = performance.now();
        window[0] = (Date.now() - t0) / 1000;
      } else if (ev.event === 'measure_end') {
        cpu1 = cpuTicks();
        sys1 = readSystemBusyTicks();
        tw1 = performance.now();
        window[1] = (Date.now() - t0) / 1000;
      } else if ('msgs' in ev) {
        final = ev;
      }
    }
    if (lg.timedOut) r.loadgen_timeout = true;
    await lg.stop(lg.timedOut ? 0 : 5000);
    r.loadgen_exit = lg.exitInfo;
    r.loadgen = final;
    serverDied = server.exitInfo;
    if (!serverDied) r.rss_end_kib = rssKiB();

    // 4. classify
    if (final?.mismatch || lg.exitInfo?.code === 2) {
      r.mismatch = true;
      r.reason = `DATA MISMATCH: ${final?.error ?? lastLine(lg.stderr)}`;
    } else if (serverDied) {
      r.reason = serverDeathReason(server);
      if (final?.connect_failed) r.reason += ` [loadgen: ${final.connect_failed} of ${total} connects failed]`;
    } else if (server.refusedCap !== undefined && (final?.errors || lg.exitInfo?.code !== 0)) {
      r.reason = `refused: past its cap of ${server.refusedCap} connections (select cannot watch fd >= FD_SETSIZE), server up`;
    } else if (r.loadgen_timeout) {
      r.reason = 'loadgen did not finish in time (killed)';
    } else if (!final) {
      r.reason = `loadgen gave no result (${describeExit(lg.exitInfo)}): ${lastLine(lg.stderr)}`;
    } else if (final.errors || lg.exitInfo?.code !== 0) {
      r.reason = final.error ?? `loadgen ${describeExit(lg.exitInfo)}`;
      if (final.connect_failed) r.reason = `${final.connect_failed} of ${total} connects failed: ${r.reason}`;
    } else if (!final.msgs) {
      r.reason = 'no messages completed in the measured window';
    } else {
      r.ok = true;
      r.msgs_per_s = final.msgs_per_s;
      r.mb_per_s = final.mb_per_s;
      r.p50_us = final.p50_us;
      r.p99_us = final.p99_us;
      r.loadgen_cpu_pct = final.loadgen_cpu_pct;
      if (cpu0 !== null && cpu1 !== null) {
        const cpuSec = (cpu1 - cpu0) / CLK_TCK;
        r.server_cpu_s = cpuSec;
        r.cpu_us_per_msg = (cpuSec * 1e6) / final.msgs;
        r.server_cpu_pct = (100 * cpuSec) / ((tw1 - tw0) / 1000);
        if (sys0 !== null && sys1 !== null && final.loadgen_cpu_pct !== null) {
          // CPU used by everything except this server and loadgen during the window
          // (in % of one CPU): other processes on the box, the runner, IRQs, steal.
          const otherSec = (sys1 - sys0) / CLK_TCK - cpuSec - (final.loadgen_cpu_pct / 100) * final.seconds;
          r.other_cpu_pct = Math.max(0, (100 * otherSec) / ((tw1 - tw0) / 1000));
        }
      }
      if (r.accepted_all && r.rss_conn_kib !== null && r.rss_start_kib !== null) {
        r.mem_kib_per_conn = (r.rss_conn_kib - r.rss_start_kib) / total;
      }
    }
    return r;
  } finally {
    if (lg) await lg.stop(1000);
    const diedBefore = serverDied ?? server.exitInfo;
    const e = await server.stop(3000);
    r.server_exit = e;
    if (!diedBefore && (server.killedHard || e?.code !== 0)) {
      r.warning = `server did not exit cleanly on SIGTERM (${server.killedHard ? 'needed SIGKILL' : describeExit(e)})`;
    }
    if (profDir) r.profile_top = topFrames(profDir, window);
    if (!r.ok && server.stderr.trim()) r.server_stderr_tail = server.stderr.slice(-2000);
    if (!r.ok && lg?.stderr.trim()) r.loadgen_stderr_tail = lg.stderr.slice(-2000);
    r.wall_s = (Date.now() - t0) / 1000;
  }
}

/**
 * The functions that took the most CPU in a run's --cpu-prof profile during the measured window `[from, to]`
 * (seconds since the server was started; the profile starts with it, give or take Node's startup), by self
 * time, as [name, % of the samples that were not idle]; then the same by group (net-select's lib, the
 * example, Node's JS, native calls, GC). Node writes the profile when the server exits.
 */
function topFrames(dir, [from, to], n = Number(process.env.BENCH_PROF_TOP ?? 12)) {
  let file;
  try {
    file = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().pop();
  } catch {
    return null;
  }
  if (!file) return null;
  const prof = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const byId = new Map(prof.nodes.map((nd) => [nd.id, nd.callFrame]));
  const self = new Map();
  const groups = new Map();
  let busy = 0;
  let t = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i];
    if (t / 1e6 < from || t / 1e6 > to) continue;
    const cf = byId.get(prof.samples[i]);
    if (!cf || cf.functionName === '(idle)') continue;
    busy++;
    const where = cf.url ? ` ${cf.url.replace(/^.*\/(?=[^/]+\/[^/]+$)/, '')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + 1);
    const group = /\/lib\//.test(cf.url) ? '[net-select lib]' : /\/(examples|bench)\//.test(cf.url) ? '[the server program]'
      : cf.url ? "[Node's JS]" : cf.functionName === '(garbage collector)' ? '[GC]' : '[native: syscalls, V8, libuv]';
    groups.set(group, (groups.get(group) ?? 0) + 1);
  }
  const pct = ([k, c]) => [k, +((100 * c) / busy).toFixed(1)];
  return [...[...groups].sort((a, b) => b[1] - a[1]).map(pct), ...[...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(pct)];
}

function renderProfiles(runs) {
  const out = ['cpu profiles (--prof): self time of the top functions, % of non-idle samples, last rep of each'];
  const last = new Map();
  for (const r of runs) if (r.profile_top) last.set(`${r.scenario}/${r.server}`, r);
  for (const [key, r] of last) {
    out.push(`  (${key})`);
    for (const [name, pct] of r.profile_top) out.push(`    ${pct.toFixed(1).padStart(5)}%  ${name}`);
  }
  return out.join('\n');
}

// --------------------------------------------------------------------------
// summary and table

const METRICS = [
  { key: 'msgs_per_s', head: 'msgs/s', fmt: (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(0)) },
  { key: 'mb_per_s', head: 'MB/s', fmt: (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1)) },
  { key: 'p50_us', head: 'p50 us', fmt: (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1)) },
  { key: 'p99_us', head: 'p99 us', fmt: (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1)) },
  { key: 'cpu_us_per_msg', head: 'CPU us/msg', fmt: (v) => (v >= 10 ? v.toFixed(1) : v.toFixed(2)) },
  { key: 'mem_kib_per_conn', head: 'KiB/conn', fmt: (v) => v.toFixed(1), minConns: 50 },
];

function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function summarize(runs, scenarios, servers) {
  const summary = {};
  for (const scn of scenarios) {
    summary[scn.id] = {};
    for (const srv of servers) {
      const all = runs.filter((r) => r.scenario === scn.id && r.server === srv.id);
      const rs = all.filter((r) => !r.budget_skipped);
      const ok = rs.filter((r) => r.ok);
      const s = { runs: rs.length, ok: ok.length, budget_skipped: all.length - rs.length, failures: rs.filter((r) => !r.ok).map((r) => r.reason) };
      if (srv.skip) s.skipped = srv.skip;
      for (const m of [...METRICS.map((x) => x.key), 'server_cpu_pct', 'loadgen_cpu_pct', 'other_cpu_pct']) s[m] = median(ok.map((r) => r[m]));
      summary[scn.id][srv.id] = s;
    }
    const base = summary[scn.id][BASELINE];
    for (const srv of servers) {
      const s = summary[scn.id][srv.id];
      s.ratio_to_pipe = {};
      for (const m of METRICS) {
        const b = base?.[m.key];
        s.ratio_to_pipe[m.key] = s[m.key] !== null && b ? s[m.key] / b : null;
      }
    }
  }
  return summary;
}

function renderTable(summary, scenarios, servers, o) {
  const out = [];
  for (const scn of scenarios) {
    out.push('');
    out.push(`(${scn.id}) ${scn.name}: ${scn.desc}   [median over reps; (x) = ratio to "node pipe" in this run]`);
    const heads = ['server', ...METRICS.map((m) => m.head), 'srv CPU%', 'other%'];
    const rows = [];
    const notes = [];
    for (const srv of servers) {
      const s = summary[scn.id][srv.id];
      if (srv.only && !srv.only.includes(scn.id)) continue;
      if (srv.skip) {
        rows.push([srv.name, `skipped: ${srv.skip}`]);
        continue;
      }
      if (!s.ok) {
        rows.push([srv.name, s.runs ? `FAILED: ${s.failures[0] ?? '?'}` : 'skipped: time budget (--budget)']);
        continue;
      }
      const row = [srv.name];
      for (const m of METRICS) {
        const v = s[m.key];
        if (v === null || (m.minConns && scn.conns + scn.idle < m.minConns)) {
          row.push('-');
          continue;
        }
        const ratio = s.ratio_to_pipe[m.key];
        row.push(`${m.fmt(v)}${ratio !== null ? ` (${ratio.toFixed(2)}x)` : ''}`);
      }
      row.push(s.server_cpu_pct !== null ? s.server_cpu_pct.toFixed(0) : '-');
      row.push(s.other_cpu_pct !== null ? s.other_cpu_pct.toFixed(0) : '-');
      rows.push(row);
      if (s.ok < s.runs) notes.push(`    note: ${srv.name}: ${s.runs - s.ok} of ${s.runs} reps failed: ${s.failures[0]}`);
      if (s.budget_skipped) notes.push(`    note: ${srv.name}: ${s.budget_skipped} rep(s) skipped by the time budget`);
    }
    const widths = heads.map((h, i) =>
      Math.max(h.length, ...rows.filter((r) => i === 0 || r.length > 2).map((r) => (r[i] ?? '').length)),
    );
    const fmtRow = (r) =>
      r.length === 2 ? `  ${r[0].padEnd(widths[0])}  ${r[1]}` : '  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    out.push(fmtRow(heads));
    out.push('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) out.push(fmtRow(r));
    out.push(...notes);
  }
  out.push('');
  out.push('msgs/s, MB/s: higher is better. p50/p99 latency, CPU us/msg, KiB/conn: lower is better.');
  out.push('KiB/conn is shown for scenarios with >= 50 connections; it is meaningful mainly in (c).');
  out.push('srv CPU%: server CPU time / window (100 = one full core). other%: CPU used during the window by');
  out.push('everything else on the box (not server, not loadgen), in % of one core; if it is high, distrust the run.');
  return out.join('\n');
}

/**
 * The figures issue #10 sets targets for, each as a ratio measured in this run (medians over reps), with
 * met / NOT met; `micro` is bench/micro.mjs's JSON (the cost of one turn as idle sockets grow), or null.
 */
function renderTargets(summary, micro) {
  const get = (scn, srv, key) => (summary[scn]?.[srv]?.ok ? summary[scn][srv][key] : null);
  const ratio = (a, b) => (a !== null && b !== null && b > 0 ? a / b : null);
  const show = (r, goal, better = 'higher') =>
    r === null
      ? 'n/a (not measured)'
      : `${r.toFixed(2)}x  (target ${better === 'higher' ? '>=' : '<='} ${goal}x: ${(better === 'higher' ? r >= goal : r <= goal) ? 'met' : 'NOT met'})`;
  const msgs = (scn, a, b) => ratio(get(scn, a, 'msgs_per_s'), get(scn, b, 'msgs_per_s'));
  const cpu = (scn, a, b) => ratio(get(scn, a, 'cpu_us_per_msg'), get(scn, b, 'cpu_us_per_msg'));
  const lines = ['targets (issue 10), as ratios measured in this run:'];
  const line = (what, value) => lines.push(`  ${what.padEnd(60)} ${value}`);
  line('select echo msgs/s vs the seed\'s Python select, 64 B x 50 (a)', show(msgs('a', 'select', 'seed-select'), 1.0));
  line('select echo msgs/s vs the seed\'s Python select, 64 B x 10 (e)', show(msgs('e', 'select', 'seed-select'), 1.0));
  line('select echo MB/s vs node pipe, 16 KiB (b)', show(ratio(get('b', 'select', 'mb_per_s'), get('b', 'pipe', 'mb_per_s')), 1.0));
  line('epoll echo msgs/s vs node pipe, 64 B x 50 (a)', show(msgs('a', 'epoll', 'pipe'), 1.3));
  line('epoll echo msgs/s vs node pipe, 64 B x 10 (e)', show(msgs('e', 'epoll', 'pipe'), 1.3));
  line('ping-pong CPU/msg vs node pipe, select echo (d)', show(cpu('d', 'select', 'pipe'), 1.1, 'lower'));
  line('ping-pong CPU/msg vs node pipe, epoll echo (d)', show(cpu('d', 'epoll', 'pipe'), 1.1, 'lower'));
  const flat = micro && ['Selector 1000', 'Epoll 1000', 'Epoll 4000'].map((k) => micro[k]?.ratioTurn).filter((x) => typeof x === 'number');
  line('one turn with 1000/4000 idle sockets vs none (micro, worst)', show(flat?.length ? Math.max(...flat) : null, 1.1, 'lower'));
  line('memory per idle connection, epoll echo vs node pipe (c)', show(ratio(get('c', 'epoll', 'mem_kib_per_conn'), get('c', 'pipe', 'mem_kib_per_conn')), 1.0, 'lower'));
  line('epoll echo msgs/s with 4000 idle (c) vs none idle (e)', show(ratio(get('c', 'epoll', 'msgs_per_s'), get('e', 'epoll', 'msgs_per_s')), 0.9));
  const pct = (x) => (x === null ? 'n/a' : `${x.toFixed(2)}x`);
  lines.push('the pure-JS ceiling (onread into one buffer, write(2) to the descriptor), msgs/s in (a) / (d) / (e):');
  for (const srv of ['select', 'epoll', 'pipe']) {
    lines.push(`  ${srv.padEnd(8)} at ${['a', 'd', 'e'].map((scn) => pct(msgs(scn, srv, 'ceiling'))).join(' / ')} of the ceiling; CPU/msg ${['a', 'd', 'e'].map((scn) => pct(cpu(scn, srv, 'ceiling'))).join(' / ')} of its`);
  }
  const c2 = msgs('a', 'cluster2', 'cluster1');
  lines.push(`select echo in 2 cluster workers vs 1, msgs/s in (a): ${pct(c2)} — on 2 cores that the load generator shares, not a`);
  lines.push('  scaling figure: the load generator alone takes most of one core. Each worker is its own select loop.');
  return lines.join('\n');
}

/** Runs bench/micro.mjs (the cost of one turn with 0, 1000, 4000 idle sockets), prints it, returns its JSON. */
function runMicro(dist) {
  const r = spawnSync(process.execPath, [path.join(BENCH, 'micro.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, MICRO_JSON: '1', BENCH_DIST: dist },
    timeout: 180_000,
  });
  const lines = (r.stdout ?? '').trim().split('\n');
  const json = lines.at(-1)?.startsWith('{') ? JSON.parse(lines.pop()) : null;
  process.stdout.write(`\nmicro-benchmark (bench/micro.mjs):\n${lines.join('\n')}\n${r.status === 0 ? '' : `micro failed: ${r.stderr}\n`}`);
  return json;
}

// --------------------------------------------------------------------------

async function main() {
  const tStart = Date.now();
  const o = parseArgs(process.argv.slice(2));
  if (process.platform !== 'linux') die('this benchmark needs Linux (/proc, epoll)');
  fs.mkdirSync(OUT, { recursive: true });

  // compile the load generator
  const cc = spawnSync('gcc', ['-O2', '-Wall', '-o', LOADGEN, path.join(BENCH, 'loadgen.c')], { cwd: ROOT, encoding: 'utf8' });
  if (cc.error || cc.status !== 0) die(`compiling bench/loadgen.c failed: ${cc.error?.message ?? cc.stderr}`);
  if (cc.stderr.trim()) process.stderr.write(cc.stderr);

  const tck = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  if (tck.status === 0 && Number(tck.stdout) > 0) CLK_TCK = Number(tck.stdout);

  // pinning: server on CPU 0, loadgen on CPU 1
  const cpus = os.availableParallelism?.() ?? os.cpus().length;
  const tasksetOk = o.pin && cpus >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const pin = (cpu) => (tasksetOk ? ['taskset', '-c', String(cpu)] : []);

  // python: resolve the real interpreter (pyenv shims are bash wrappers that
  // would fork, so /proc/PID would not be the server)
  let python = null;
  const py = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  if (py.status === 0 && py.stdout.trim()) python = py.stdout.trim();

  let servers = serverList(python, path.relative(ROOT, path.resolve(o.dist)) || '.');
  if (o.only) {
    const bad = o.only.filter((id) => !servers.some((s) => s.id === id));
    if (bad.length) die(`unknown server id(s): ${bad.join(', ')} (known: ${servers.map((s) => s.id).join(', ')})`);
    servers = servers.filter((s) => o.only.includes(s.id));
  }
  for (const s of servers) {
    if (s.python && !python) s.skip = 'python3 not found';
    else if (!fs.existsSync(path.join(ROOT, s.file))) s.skip = `not built (${s.file} missing; run tsc)`;
  }
  let scenarios = SCENARIOS;
  if (o.scenarios) {
    const bad = o.scenarios.filter((id) => !SCENARIOS.some((s) => s.id === id || s.name === id));
    if (bad.length) die(`unknown scenario(s): ${bad.join(', ')}`);
    scenarios = SCENARIOS.filter((s) => o.scenarios.includes(s.id) || o.scenarios.includes(s.name));
  }
  const active = servers.filter((s) => !s.skip);

  const nRuns = o.reps * scenarios.reduce((n, scn) => n + active.filter((s) => !s.only || s.only.includes(scn.id)).length, 0);
  process.stderr.write(
    `bench: ${active.length} server(s) x ${scenarios.length} scenario(s) x ${o.reps} rep(s) = ${nRuns} runs, ` +
      `${o.seconds} s window + ${o.warmup} s warmup each` +
      `${tasksetOk ? '; server pinned to CPU 0, loadgen to CPU 1' : '; NOT pinned'}\n`,
  );
  for (const s of servers.filter((s) => s.skip)) process.stderr.write(`bench: skipping ${s.name}: ${s.skip}\n`);

  const runs = [];
  let mismatches = 0;
  let outOfBudget = false;
  let k = 0;
  for (let rep = 1; rep <= o.reps; rep++) {
    // rotate the server order each rep so no server always runs first/last
    const order = active.map((_, i) => active[(i + rep - 1) % active.length]);
    for (const scn of scenarios) {
      for (const srv of order) {
        if (srv.only && !srv.only.includes(scn.id)) continue;
        k++;
        // time budget: estimate this run from the slowest earlier run of the same pair
        const prev = runs.filter((x) => x.scenario === scn.id && x.server === srv.id && x.wall_s);
        const estimate = prev.length ? Math.max(...prev.map((x) => x.wall_s)) : o.seconds + o.warmup + 1.5;
        // once one run is skipped all later ones are too: the result is a clean prefix of
        // the interleaved schedule (all scenarios of rep 1 first), never a random subset
        if (outOfBudget || (o.budget && (Date.now() - tStart) / 1000 + estimate > o.budget)) {
          if (!outOfBudget) {
            process.stderr.write(
              `bench: time budget: run ${k} would end past --budget ${o.budget} s; skipping it and the ${nRuns - k} after it\n`,
            );
          }
          outOfBudget = true;
          runs.push({ scenario: scn.id, server: srv.id, rep, ok: false, budget_skipped: true, reason: 'skipped: time budget' });
          continue;
        }
        const r = await runOne(scn, srv, rep, o, pin);
        runs.push(r);
        const head = `[${String(k).padStart(String(nRuns).length)}/${nRuns}] rep ${rep} (${scn.id}) ${srv.name.padEnd(21)}`;
        if (r.ok) {
          process.stderr.write(
            `${head} ${(r.msgs_per_s / 1e3).toFixed(1).padStart(8)}k msg/s  p50 ${r.p50_us} us  p99 ${r.p99_us} us` +
              `  cpu ${r.cpu_us_per_msg?.toFixed(2) ?? '-'} us/msg (srv ${r.server_cpu_pct?.toFixed(0) ?? '-'}%, other ${r.other_cpu_pct?.toFixed(0) ?? '-'}%)` +
              `${r.mem_kib_per_conn != null ? `  mem ${r.mem_kib_per_conn.toFixed(1)} KiB/conn` : ''}` +
              `${r.warning ? `  WARNING: ${r.warning}` : ''}  (${r.wall_s.toFixed(1)} s)\n`,
          );
        } else {
          process.stderr.write(`${head} FAILED: ${r.reason}  (${r.wall_s.toFixed(1)} s)\n`);
        }
        if (r.mismatch) {
          mismatches++;
          process.stderr.write(
            `\n${'!'.repeat(78)}\n!!! ECHOED BYTES DID NOT MATCH: ${srv.name}, scenario (${scn.id}), rep ${rep}\n!!! ${r.reason}\n${'!'.repeat(78)}\n\n`,
          );
        }
      }
    }
  }

  const summary = summarize(runs, scenarios, servers);
  const table = renderTable(summary, scenarios, servers, o);
  const wall = (Date.now() - tStart) / 1000;
  if (o.prof) process.stdout.write(`${renderProfiles(runs)}\n\n`);
  const micro = o.micro ? runMicro(o.dist) : null;
  process.stdout.write(`${table}\n\n${renderTargets(summary, micro)}\n\ntotal wall time ${wall.toFixed(1)} s\n`);

  const results = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      python,
      kernel: os.release(),
      cpus,
      cpu_model: os.cpus()[0]?.model ?? null,
      clk_tck: CLK_TCK,
      pinned: tasksetOk,
      reps: o.reps,
      seconds: o.seconds,
      warmup: o.warmup,
      baseline: BASELINE,
      wall_seconds: wall,
    },
    scenarios,
    servers: servers.map(({ id, name, file, skip }) => ({ id, name, file, skipped: skip ?? null })),
    summary,
    runs,
    mismatches,
  };
  fs.writeFileSync(o.out, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`results written to ${path.relative(process.cwd(), o.out) || o.out}\n`);

  if (mismatches) {
    process.stderr.write(`\n!!! ${mismatches} run(s) had ECHOED-BYTE MISMATCHES, see above. Exiting 1.\n`);
    process.exitCode = 1;
  }
}

main();
