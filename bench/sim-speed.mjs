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

async function run(kind, CONNS) {
  const perConn = Math.ceil(MESSAGES / CONNS);
  let listener;
  let socks;
  let sim;
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
console.log('conns   loopback msg/s  sim msg/s  ratio  | loopback msg/cpu-s  sim msg/cpu-s  ratio   (target >= 10x)');
for (const conns of values.conns.split(',').map(Number)) {
  const results = { loopback: [], sim: [] };
  for (let r = 0; r < REPS; r++) {
    for (const kind of ['loopback', 'sim']) results[kind].push(await run(kind, conns));
  }
  const lo = median(results.loopback.map((r) => r.rate));
  const si = median(results.sim.map((r) => r.rate));
  // Per CPU second of this process (user + system): what the same work costs, whatever else shares the machine.
  const loCpu = median(results.loopback.map((r) => r.cpuRate));
  const siCpu = median(results.sim.map((r) => r.cpuRate));
  console.log(`${String(conns).padStart(5)}   ${fmt(lo)}     ${fmt(si)}  ${ratio(si / lo)} |     ${fmt(loCpu)}      ${fmt(siCpu)} ${ratio(siCpu / loCpu)}`);
}
