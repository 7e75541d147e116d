/**
 * The kit's worked example (examples/framed-*.ts): the same select-style server and client run over real
 * loopback and over the simulated network. The planted framing bug (one recv taken as one message) passes on
 * loopback and is caught by the sim under `fragment`, which prints the seed that shows it.
 */
import t, { type Test } from 'tap';
import { connect, listen, type Listener, type Socket } from '../lib/index.js';
import { simTest, type SimNetwork } from '../lib/testing/index.js';
import { request } from '../examples/framed-client.js';
import { serve } from '../examples/framed-server.js';
import { runTs } from './fixtures/helpers.js';

const REQUESTS = ['hello', 'framed', 'world', 'x'.repeat(3000)];
const REPLIES = REQUESTS.map((r) => r.toUpperCase());

/** Runs one client session against `serve` and returns what the client got (or the error it hit). */
async function session(
  t: Test,
  listener: Listener,
  sock: Socket,
  assumeWholeFrames: boolean,
): Promise<string[] | Error> {
  t.teardown(() => {
    sock.close();
    listener.close();
  });
  const server = serve(listener, { clients: 1, assumeWholeFrames }).catch((err: Error) => err);
  const replies = await request(sock, REQUESTS).catch((err: Error) => err);
  sock.close();
  const served = await server;
  return served instanceof Error ? served : replies;
}

async function onLoopback(t: Test, bug: boolean): Promise<string[] | Error> {
  const l = await listen({ host: '127.0.0.1', port: 0 });
  return session(t, l, connect({ host: '127.0.0.1', port: (l.getsockname() as { port: number }).port }), bug);
}

async function onSim(t: Test, sim: SimNetwork, bug: boolean): Promise<string[] | Error> {
  const l = await sim.host('server').listen({ port: 7000 });
  return session(t, l, sim.host('client').connect({ host: 'server', port: 7000 }), bug);
}

t.test('run directly, the example serves one client over loopback and exits', async (t) => {
  const child = runTs(t, 'examples/framed-client.ts');
  await child.line(/served 3 requests/, 60_000); // a fresh tsx process: slow to start on a loaded machine
  t.match(child.out(), /'HELLO', 'FRAMED', 'WORLD'/);
  t.equal(await child.exited, 0);
});

t.test('the framed server passes on loopback', async (t) => {
  t.same(await onLoopback(t, false), REPLIES);
});

t.test('the framed server passes on the sim under fragment, latency and a small sndbuf, for many seeds', async (t) => {
  for (let seed = 1; seed <= 20; seed++) {
    const sim = simTest(t, { seed, faults: { fragment: true, latencyMs: [0, 5], sndbuf: 512 } });
    t.same(await onSim(t, sim, false), REPLIES, sim.describe());
  }
});

t.test('the planted framing bug (one recv = one message) passes on loopback', async (t) => {
  t.same(await onLoopback(t, true), REPLIES);
});

t.test('the planted framing bug is caught on the sim under fragment, with its seed', async (t) => {
  const sim = simTest(t, { seed: 42, faults: { fragment: true } });
  const got = await onSim(t, sim, true);
  t.notSame(got, REPLIES, 'the bug shows');
  t.comment(`caught with ${sim.describe()}: ${got instanceof Error ? got.message : JSON.stringify(got).slice(0, 80)}`);
});
