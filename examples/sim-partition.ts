/**
 * Three simulated hosts, a partition and a repair: what the README's "Testing your protocol" shows. A server
 * on host 'db' echoes; clients on 'app1' and 'app2' ask it. While 'app1' is cut off from 'db', nothing it
 * sends arrives (proved in virtual time: a minute costs milliseconds) and 'app2' is served as before; after the
 * repair, what 'app1' sent arrives, in order, nothing lost. The same seed replays the same run.
 *
 * Run: npx tsx examples/sim-partition.ts
 */
import { Listener, select, type Socket } from '../lib/index.js';
import { SimNetwork, expectNoEvent, recvExactly, sendAll } from '../lib/testing/index.js';

const sim = new SimNetwork({ seed: 7, faults: { latencyMs: [5, 50], fragment: true } });
const listener = await sim.host('db').listen({ port: 5432 });
let serving = true;
const server = (async () => {
  const socks: (Listener | Socket)[] = [listener]; // one select loop per host: this one runs on 'db'
  while (serving) {
    const [readable] = await select(socks, [], [], 1000);
    for (const s of readable) {
      if (s instanceof Listener) socks.push(s.accept() as Socket);
      else {
        const data = s.recv(4096);
        if (data?.length) s.send(data); // echo (small: the send buffer has room)
      }
    }
  }
  for (const s of socks) s.close();
})();

const app1 = sim.host('app1').connect({ host: 'db', port: 5432 });
const app2 = sim.host('app2').connect({ host: 'db', port: 5432 });
async function ask(sock: Socket, msg: string): Promise<string> {
  await sendAll(sock, msg, { sim });
  return (await recvExactly(sock, msg.length, { sim })).toString();
}

const replies = [await ask(app1, 'hello app1'), await ask(app2, 'hello app2')];
console.log(`t=${sim.now()}ms both served: ${replies.join(', ')}`);
sim.partition('app1', 'db');
await sendAll(app1, 'ping-1;ping-2;', { sim });
await expectNoEvent({ readable: [app1] }, { sim, ms: 60_000 }); // a virtual minute: nothing comes back
const still = await ask(app2, 'still here');
console.log(`t=${sim.now()}ms app1 cut off, app2 still served: ${still}`);
sim.repair('app1', 'db');
const late = await recvExactly(app1, 14, { sim });
console.log(`t=${sim.now()}ms after the repair app1 gets: ${late.toString()}`);
serving = false;
await server;
app1.close();
app2.close();
listener.close();
console.log(`seed ${sim.seed}: ${sim.trace.length} deliveries traced`);
