/**
 * The classic select() chat client: one loop that waits on the keyboard (stdin) and the server at once.
 *
 * Teaches: stdin is a file like a socket — `stdio(0)` puts it at descriptor 0, and select watches it beside
 * the connection; output to the screen (`stdio(1)`) and to the server each have a queue, and each is in the
 * write list only while its queue holds something. EOF on stdin (Ctrl-D, or the end of a pipe) half-closes
 * the connection (`shutdown(SHUT_WR)`): the room says goodbye, and the client exits when the server closes.
 *
 * Run:   npx tsx examples/chat-client.ts [host] [port]      (default 127.0.0.1 5005; start chat-server.ts first)
 * Try:   type a line and press Enter; Ctrl-D leaves the room.
 *        printf 'hello\n' | npx tsx examples/chat-client.ts 127.0.0.1 5005    (through pipes, the same loop)
 */
import { POLLOUT, SHUT_WR, connect, select, stdio, type RegularFile, type Socket, type StreamFile } from '../lib/index.js';

const [host = '127.0.0.1', portArg = '5005'] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error('usage: chat-client [host] [port]');
  process.exit(2);
}

/** Bytes waiting to be written to one file, sent as the file takes them. */
class Outbox {
  #parts: Buffer[] = [];
  constructor(readonly file: Socket | StreamFile | RegularFile) {}
  get empty(): boolean {
    return this.#parts.length === 0;
  }
  push(data: Buffer): void {
    this.#parts.push(Buffer.from(data)); // a copy: recv may hand out a view of a buffer it reuses
  }
  flush(): void {
    while (this.#parts.length > 0) {
      const head = this.#parts[0] as Buffer;
      const n = this.file.send(head);
      if (n < head.length) {
        this.#parts[0] = head.subarray(n);
        return;
      }
      this.#parts.shift();
    }
  }
}

let keyboard: StreamFile | RegularFile;
let screen: StreamFile | RegularFile;
try {
  [keyboard, screen] = [stdio(0), stdio(1)];
} catch (err) {
  // A device (`< /dev/null`) has nothing Node can watch: select needs a terminal, a pipe or a regular file.
  console.error(`chat-client: stdin and stdout must be a terminal, a pipe or a file (${(err as Error).message})`);
  process.exit(2);
}
const sock = connect({ host, port });
const toServer = new Outbox(sock);
const toScreen = new Outbox(screen);
let typing = true; // stdin not at EOF yet
let shut = false; // our half of the connection is closed

try {
  for (;;) {
    const rlist: (Socket | StreamFile | RegularFile)[] = typing ? [sock, keyboard] : [sock];
    const wlist = [toServer, toScreen].filter((o) => !o.empty).map((o) => o.file);
    const [readable, writable] = await select(rlist, wlist, []);
    if (readable.includes(keyboard)) {
      const line = keyboard.recv(4096);
      if (line !== null && line.length === 0) typing = false;
      else if (line !== null) toServer.push(line);
    }
    if (readable.includes(sock)) {
      const data = sock.recv(65536);
      if (data !== null && data.length === 0) break; // the server closed: the room is over for us
      if (data !== null) toScreen.push(data);
    }
    for (const f of writable) (f === sock ? toServer : toScreen).flush();
    if (!typing && !shut && toServer.empty && sock.events() & POLLOUT) {
      sock.shutdown(SHUT_WR); // what we typed has left: tell the server we are done
      shut = true;
    }
  }
} catch (err) {
  const code = (err as { code?: string }).code ?? String(err);
  console.error(`chat-client: ${host}:${port}: ${code}`);
  process.exit(1);
}
// Whatever the room said last goes to the screen before we leave; closing the screen writes what is queued.
toScreen.push(Buffer.from('* disconnected\n'));
while (!toScreen.empty) {
  await select([], [screen], []);
  toScreen.flush();
}
sock.close();
keyboard.close();
screen.close();
