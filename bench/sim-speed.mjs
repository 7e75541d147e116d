#!/usr/bin/env node
// The simulated network's speed against real loopback (issue 9): the same select-style echo test — one
// server, C clients, each sending 64-byte messages one at a time and waiting for the echo — run over
// 127.0.0.1 and over a SimNetwork with no faults, for 1, 10 and 100 clients (or --conns C). Prints messages
// per wall second and per CPU second of each and the ratios; the kit's target is a sim at least 10x faster,
// so that property tests over thousands of seeds are practical.
//
//   npm run build && node bench/sim-speed.mjs [--messages N] [--conns C] [--reps R]
//
// Needs the compiled library (dist/, made by `npm run build` or `npm run bench`).
import { parseArgs } from 'node:util';
import { Listener, connect, listen, select } from '../dist/lib/index.js';
import { SimNetwork } from '../dist/lib/testing/index.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    conns: { type: 'string', default: '1,10,100' },
    reps: { type: 'string', default: '3' },
  },
});
const MESSAGES = Number(values.messages);
const REPS = Number(values.reps);
const MSG = Buffer.alloc(64, 'm');

/** The echo server: select over the listener and its clients, until `total` echoes are done. */
async function server(listener, total) {
  const inputs = [listener];
  let echoed = 0;
  while (echoed < total) {
    const [readable] = await select(inputs, [], []);
    for (const s of readable) {
      if (s instanceof Listener) {
        const c = s.accept();
        if (c) inputs.push(c);
        continue;
      }
      const d = s.recv(65536);
      if (d === null) continue;
      if (d.length === 0) {
        inputs.splice(inputs.indexOf(s), 1);
        s.close();
        continue;
      }
      s.send(d);
      echoed += d.length / MSG.length;
    }
  }
  for (const s of inputs) s.close();
}

/** The clients: each sends a message and waits for its echo, `perConn` times. */
async function clients(socks, perConn) {
  await select([], socks, []);
  const left = new Map(socks.map((s) => [s, perConn]));
  const got = new Map(socks.map((s) => [s, 0]));
  for (const s of socks) s.send(MSG);
  while (left.size > 0) {
    const [readable] = await select([...left.keys()], [], []);
    for (const s of readable) {
      const d = s.recv(65536);
      if (d === null) continue;
      const n = got.get(s) + d.length;
      got.set(s, n % MSG.length);
      if (n < MSG.length) continue;
      const k = left.get(s) - 1;
      if (k === 0) left.delete(s);
      else {
        left.set(s, k);
        s.send(MSG);
      }
    }
  }
  for (const s of socks) s.close();
}

/**
 * The floor: the least any simulated network can do for the same echo while keeping the event loop's order
 * (the program's continuations and end-of-job sends run between two of its rounds, as between two turns). An
 * in-process handover and nothing else — no sockets, no select() — with the sim's shape: rounds run from
 * immediates, ROUNDS_PER_TURN per turn (the most the sim runs); a send is flushed at the end of the job (a tick) and delivered in the
 * next round as a copy; each side waits for one batched ready list per round. A sim / loopback ratio cannot
 * pass floor / loopback: the gap between the two is what the sockets and select() cost.
 */
const ROUNDS_PER_TURN = 64; // MAX_ROUNDS_PER_TURN in lib/backends/sim/sim-clock.ts
class FloorNet {
  due = []; // deliveries for the next round
  checks = []; // answers, after the round's deliveries
  awake = false;
  round = () => {
    const q = this.due;
    this.due = [];
    for (const fn of q) fn();
    const c = this.checks;
    this.checks = [];
    for (const fn of c) fn();
  };
  extra = () => {
    if (this.due.length > 0 || this.checks.length > 0) this.round();
  };
  turn = () => {
    if (this.due.length === 0 && this.checks.length === 0) {
      this.awake = false;
      return;
    }
    setImmediate(this.turn);
    for (let i = 1; i < ROUNDS_PER_TURN; i++) setImmediate(this.extra);
    this.round();
  };
  at(fn, queue = this.due) {
    queue.push(fn);
    if (!this.awake) {
      this.awake = true;
      setImmediate(this.turn);
    }
  }
}
/** One side's ends: a ready list handed over once per round, to a loop waiting for it. */
class FloorSide {
  ready = [];
  waiter = null;
  constructor(net) {
    this.net = net;
  }
  wait() {
    return new Promise((resolve) => (this.waiter = resolve));
  }
  arrive(end, data) {
    end.inbox = data;
    if (this.ready.push(end) === 1) this.net.at(() => this.answer(), this.net.checks);
  }
  answer() {
    const w = this.waiter;
    if (w === null) return this.net.at(() => this.answer(), this.net.checks);
    this.waiter = null;
    const r = this.ready;
    this.ready = [];
    w(r);
  }
}
function floorSend(net, side, peer, data) {
  const copy = Buffer.from(data);
  process.nextTick(() => net.at(() => side.arrive(peer, copy)));
}
async function floorRun(CONNS, perConn) {
  const net = new FloorNet();
  const server = new FloorSide(net);
  const client = new FloorSide(net);
  const ends = Array.from({ length: CONNS }, () => {
    const c = { inbox: null, left: perConn, peer: null };
    const s = { inbox: null, peer: c };
    c.peer = s;
    return c;
  });
  const serve = async (total) => {
    for (let echoed = 0; echoed < total; ) {
      for (const s of await server.wait()) {
        const d = s.inbox;
        s.inbox = null;
        floorSend(net, client, s.peer, d);
        echoed += d.length / MSG.length;
      }
    }
  };
  const drive = async () => {
    for (const c of ends) floorSend(net, server, c.peer, MSG);
    for (let open = CONNS; open > 0; ) {
      for (const c of await client.wait()) {
        c.inbox = null;
        if (--c.left === 0) open--;
        else floorSend(net, server, c.peer, MSG);
      }
    }
  };
  await Promise.all([serve(perConn * CONNS), drive()]);
}

async function run(kind, CONNS) {
  const perConn = Math.ceil(MESSAGES / CONNS);
  let listener;
  let socks;
  let sim;
  if (kind === 'floor') {
    const start = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    await floorRun(CONNS, perConn);
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    return { rate: (perConn * CONNS) / secs, cpuRate: (perConn * CONNS) / ((cpu.user + cpu.system) / 1e6) };
  }
  if (kind === 'loopback') {
    listener = await listen({ host: '127.0.0.1', port: 0, backlog: CONNS });
    const { port } = listener.getsockname();
    socks = Array.from({ length: CONNS }, () => connect({ host: '127.0.0.1', port }));
  } else {
    sim = new SimNetwork({ seed: 1, trace: false });
    listener = await sim.host('server').listen({ port: 7, backlog: CONNS });
    socks = Array.from({ length: CONNS }, () => sim.host('client').connect({ host: 'server', port: 7 }));
  }
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await Promise.all([server(listener, perConn * CONNS), clients(socks, perConn)]);
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  listener.close();
  return { rate: (perConn * CONNS) / secs, cpuRate: (perConn * CONNS) / ((cpu.user + cpu.system) / 1e6) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en').padStart(9);
const ratio = (x) => `${x.toFixed(1).padStart(6)}x`;
console.log(`echo, 64 B messages, one in flight per connection, ${MESSAGES} messages per run, median of ${REPS}:`);
console.log('conns   loopback msg/s  sim msg/s  ratio   floor ratio | loopback msg/cpu-s  sim msg/cpu-s  ratio   floor ratio  (target: sim >= 10x)');
for (const conns of values.conns.split(',').map(Number)) {
  const results = { loopback: [], sim: [], floor: [] };
  for (let r = 0; r < REPS; r++) {
    for (const kind of ['loopback', 'sim', 'floor']) results[kind].push(await run(kind, conns));
  }
  const rate = (kind) => median(results[kind].map((r) => r.rate));
  // Per CPU second of this process (user + system): what the same work costs, whatever else shares the machine.
  const cpuRate = (kind) => median(results[kind].map((r) => r.cpuRate));
  const [lo, si, fl] = ['loopback', 'sim', 'floor'].map(rate);
  const [loCpu, siCpu, flCpu] = ['loopback', 'sim', 'floor'].map(cpuRate);
  console.log(
    `${String(conns).padStart(5)}   ${fmt(lo)}     ${fmt(si)}  ${ratio(si / lo)}     ${ratio(fl / lo)} |` +
      `     ${fmt(loCpu)}      ${fmt(siCpu)} ${ratio(siCpu / loCpu)}     ${ratio(flCpu / loCpu)}`,
  );
}
