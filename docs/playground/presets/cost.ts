// What one call costs with many idle connections: N connections, one of them active. select(2) and
// poll(2) hand the kernel every descriptor on every call, and it looks at each one; epoll keeps the
// interest list in the kernel and returns only the ready ones. The cost lane of the timeline shows it
// (hover a bar); the console sums it up. Try N = 10, 100, 500.
import { connect, listen, select, selectCost, Poll, Epoll, POLLIN, EPOLLIN, type Socket } from 'net-select';

const N = 200;
const server = await listen({ port: 7000 });
const clients = Array.from({ length: N }, () => connect({ port: 7000 }));
const conns: Socket[] = [];
while (conns.length < N) {
  await select([server], [], [], 1000);
  for (let c = server.accept(); c !== null; c = server.accept()) conns.push(c);
}
const active = clients[N - 1] as Socket;

async function oneMessage(wait: () => Promise<unknown>): Promise<void> {
  active.send('ping');
  await wait();
  for (const c of conns) c.recv(64);
}

await oneMessage(() => select(conns, [], [], 1000));
const poll = new Poll();
for (const c of conns) poll.register(c, POLLIN);
await oneMessage(() => poll.poll(1000));
const ep = new Epoll();
for (const c of conns) ep.register(c, EPOLLIN);
await oneMessage(() => ep.poll(1000));

console.log(`${N} connections, 1 active. Descriptors the kernel looked at, bytes copied, for one ready socket:`);
console.log(`select: ${selectCost.last.examined} fds, ${selectCost.last.bytesCopied} B; poll: ${poll.cost.last.examined} fds, ${poll.cost.last.bytesCopied} B; epoll_wait: ${ep.cost.last.examined} fds, ${ep.cost.last.bytesCopied} B`);
