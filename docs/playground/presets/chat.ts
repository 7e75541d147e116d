// A chat room with select(): every line a client sends goes to every other client. A recv may hold half a
// line, or three: the server cuts lines out of what it buffered. The three clients are part of this
// program (connect() opens them from host 'client'; their descriptors are numbered on that host, so they
// share numbers with the server's). Each says something; each prints what it heard.
import { connect, listen, select, Listener, type Socket } from 'net-select';

const PORT = 5005;
const server = await listen({ port: PORT });
const room: Socket[] = [];
const partial = new Map<Socket, string>();

async function serve(): Promise<void> {
  const inputs: (Listener | Socket)[] = [server];
  for (;;) {
    const [readable] = await select(inputs, [], [], 1000);
    for (const s of readable) {
      if (s instanceof Listener) {
        const c = s.accept();
        if (c !== null) inputs.push(c), room.push(c), partial.set(c, '');
        continue;
      }
      const data = s.recv(4096);
      if (data === null) continue;
      if (data.length === 0) {
        inputs.splice(inputs.indexOf(s), 1);
        room.splice(room.indexOf(s), 1);
        s.close();
        continue;
      }
      const text = (partial.get(s) ?? '') + data.toString();
      const lines = text.split('\n');
      partial.set(s, lines.pop() ?? ''); // the unfinished line waits for the rest
      for (const line of lines) for (const other of room) if (other !== s) other.send(`fd ${s.fileno()}: ${line}\n`);
    }
  }
}

async function client(name: string, says: string): Promise<void> {
  const sock = connect({ port: PORT });
  await select([], [sock], [], 1000); // writable: connected
  sock.send(`${name} says ${says}\n`);
  let heard = '';
  while (heard.split('\n').length <= 2) {
    const [r] = await select([sock], [], [], 1000);
    if (r.length === 0) break;
    heard += sock.recv(4096)?.toString() ?? '';
  }
  console.log(`${name} heard:\n${heard}`);
  sock.close();
}

void serve();
await Promise.all([client('ann', 'hello'), client('bob', 'hi all'), client('cy', 'good morning')]);
