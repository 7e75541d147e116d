// The selector micro-benchmark: the cost of one event-loop turn with 10 active sockets and 0, 1,000 and
// 4,000 idle registered ones, for the Selector (select model) and the Epoll model. net-select's work per turn
// is meant to be proportional to what changed, so the cost per turn must stay flat as idle sockets grow.
//
// Run: npm run build && node bench/micro.mjs [--turns 3000] [--idle 0,1000,4000] [--reps 3]
// Prints, per model and idle count, the median over repetitions of: wall time per turn (the whole turn:
// 10 one-byte sends, the wait, 10 recvs), net-select's own time per answer (cost.nanoseconds / calls),
// and each as a ratio to the same model with 0 idle sockets. Everything runs in this one process on
// 127.0.0.1. The idle peers are plain node:net sockets (another program's), so only the server ends take
// net-select descriptors; a Selector models select(2) and cannot watch a descriptor >= FD_SETSIZE, so past
// ~1000 idle sockets only the epoll model is measured.
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lib = await import(join(root, process.env.BENCH_DIST ?? 'dist', 'lib/index.js'));
const { listen, connect, select, Selector, Epoll, EPOLLIN } = lib;

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const TURNS = Number(opt('turns', '3000'));
const IDLES = opt('idle', '0,1000,4000').split(',').map(Number);
const REPS = Number(opt('reps', '3'));
const ACTIVE = 10;

const server = await listen({ port: 0, backlog: 128 });
const port = server.getsockname().port;

/** Opens `n` connected pairs; returns [client, server] sockets (clients from node:net when `plain`). */
async function pairs(n, plain = false) {
  const clients = [];
  if (plain) {
    for (let i = 0; i < n; i++) clients.push(net.connect({ port, host: '127.0.0.1' }));
    await Promise.all(clients.map((c) => new Promise((resolve, reject) => c.once('connect', resolve).once('error', reject))));
  } else {
    for (let i = 0; i < n; i++) clients.push(connect({ port }));
  }
  const servers = [];
  while (servers.length < n) {
    await select([server], [], [], 5000);
    for (let s = server.accept(); s !== null; s = server.accept()) servers.push(s);
  }
  // Wait until every client is connected (writable), so no connect event lands in a measured turn.
  if (!plain) await Promise.all(clients.map(async (c) => { while ((await select([], [c], [], 5000))[1].length === 0); }));
  return { clients, servers };
}

const active = await pairs(ACTIVE);
const idle = { clients: [], servers: [] };
const ONE = Buffer.from('x');

async function turnSelector(sel) {
  for (const c of active.clients) c.send(ONE);
  let got = 0;
  while (got < ACTIVE) {
    const [r] = await sel.select();
    for (const s of r) if (s.recv(64)) got++;
  }
}

async function turnEpoll(ep, byFd) {
  for (const c of active.clients) c.send(ONE);
  let got = 0;
  while (got < ACTIVE) {
    for (const [fd] of await ep.poll()) if (byFd.get(fd).recv(64)) got++;
  }
}

async function measure(model, n) {
  const watched = [...active.servers, ...idle.servers.slice(0, n)];
  let cost;
  let turn;
  let done = () => {};
  if (model === 'Selector') {
    const sel = new Selector();
    for (const s of watched) sel.rlist.add(s);
    cost = sel.cost;
    turn = () => turnSelector(sel);
    done = () => sel.close();
  } else {
    const ep = new Epoll();
    const byFd = new Map();
    for (const s of watched) {
      ep.register(s, EPOLLIN);
      byFd.set(s.fileno(), s);
    }
    cost = ep.cost;
    turn = () => turnEpoll(ep, byFd);
    done = () => ep.close();
  }
  for (let i = 0; i < 200; i++) await turn(); // warm-up
  cost.reset();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < TURNS; i++) await turn();
  const wall = Number(process.hrtime.bigint() - t0) / TURNS / 1000;
  const own = cost.nanoseconds / cost.calls / 1000;
  done();
  return { wall, own };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
for (const n of IDLES) {
  const more = n - idle.servers.length;
  if (more > 0) {
    const p = await pairs(more, true);
    idle.clients.push(...p.clients);
    idle.servers.push(...p.servers);
  }
}
for (let rep = 0; rep < REPS; rep++) {
  for (const n of IDLES) {
    for (const model of ['Selector', 'Epoll']) {
      const key = `${model} ${n}`;
      const fits = model !== 'Selector' || idle.servers.slice(0, n).every((s) => s.fileno() < lib.FD_SETSIZE);
      if (!fits) {
        results[key] = null;
        continue;
      }
      const r = await measure(model, n);
      (results[key] ??= []).push(r);
    }
  }
}

console.log(`one turn = ${ACTIVE} active sockets each send 1 byte, the model waits, ${ACTIVE} recvs; ${TURNS} turns, median of ${REPS}`);
console.log('model      idle   us/turn (vs 0 idle)   net-select us/answer (vs 0 idle)');
const out = {};
for (const model of ['Selector', 'Epoll']) {
  const base = results[`${model} 0`];
  const bw = base && median(base.map((r) => r.wall));
  const bo = base && median(base.map((r) => r.own));
  for (const n of IDLES) {
    const rs = results[`${model} ${n}`];
    if (rs === null || rs === undefined) {
      console.log(`${model.padEnd(9)} ${String(n).padStart(5)}   refused: idle descriptors >= FD_SETSIZE (select cannot watch them)`);
      out[`${model} ${n}`] = 'refused';
      continue;
    }
    const w = median(rs.map((r) => r.wall));
    const o = median(rs.map((r) => r.own));
    const rw = bw ? w / bw : 1;
    const ro = bo ? o / bo : 1;
    console.log(`${model.padEnd(9)} ${String(n).padStart(5)}   ${w.toFixed(1).padStart(7)} (${rw.toFixed(2)}x)        ${o.toFixed(2).padStart(6)} (${ro.toFixed(2)}x)`);
    out[`${model} ${n}`] = { usPerTurn: w, usPerAnswer: o, ratioTurn: rw, ratioAnswer: ro };
  }
}
if (process.env.MICRO_JSON) console.log(JSON.stringify(out));

for (const s of [...active.clients, ...active.servers, ...idle.servers]) s.close();
for (const c of idle.clients) c.destroy();
server.close();
