/**
 * Exercise 5, answer: the seed's server with its bugs fixed, still line for line where it can be.
 * The start file is start.ts; `npm run exercise -- 5` checks it, `npm run exercise -- 5 --answer` this one.
 */
import { Listener, SocketError, select, type Socket } from '../../../lib/index.js';

interface Client {
  queue: Buffer[]; // msg_list[client]
  unsent: Buffer | null; // the rest of a partial send: it goes first
  eof: boolean; // the client sent FIN: close once its queue is empty
}

/** The server loop: serves every client that connects to `listener`, until `signal` aborts. */
export async function serve(tcpServer: Listener, signal: AbortSignal): Promise<void> {
  const msgList = new Map<Socket, Client>();
  const inList: (Listener | Socket)[] = [tcpServer];
  const outList: Socket[] = [];

  // Idempotent: a socket can be in the read, write and except answers of one call.
  const drop = (c: Socket): void => {
    if (!msgList.delete(c)) return;
    if (inList.includes(c)) inList.splice(inList.indexOf(c), 1);
    if (outList.includes(c)) outList.splice(outList.indexOf(c), 1);
    c.close();
  };

  while (!signal.aborted) {
    const [ilist, olist, elist] = await select(inList, outList, inList, 1000);
    if (!(ilist.length || olist.length || elist.length)) continue;

    for (const c of ilist) {
      if (c === tcpServer) {
        let client: Socket | null;
        try {
          client = tcpServer.accept();
        } catch (err) {
          if (!(err instanceof SocketError)) throw err;
          continue; // EMFILE, or the listener's own error: reported once, the listener goes on
        }
        if (client === null) continue;
        inList.push(client);
        msgList.set(client, { queue: [], unsent: null, eof: false });
        continue;
      }
      const sock = c as Socket;
      const state = msgList.get(sock);
      if (state === undefined) continue;
      let recvData: Buffer | null;
      try {
        recvData = sock.recv(1024);
      } catch (err) {
        if (!(err instanceof SocketError)) throw err;
        drop(sock); // ECONNRESET: this client is gone, the others are not
        continue;
      }
      if (recvData === null) continue;
      if (recvData.length > 0) {
        state.queue.push(recvData);
        if (!outList.includes(sock)) outList.push(sock);
      } else if (state.queue.length === 0 && state.unsent === null) {
        drop(sock); // EOF, nothing left to echo
      } else {
        state.eof = true; // EOF with echo still queued: stop reading, close once it is out
        inList.splice(inList.indexOf(sock), 1);
      }
    }

    for (const c of elist) if (c !== tcpServer) drop(c as Socket);

    for (const c of olist) {
      const state = msgList.get(c);
      if (state === undefined) continue;
      const msg = state.unsent ?? state.queue.shift();
      if (msg === undefined) {
        outList.splice(outList.indexOf(c), 1);
        continue;
      }
      let n: number;
      try {
        n = c.send(msg);
      } catch (err) {
        if (!(err instanceof SocketError)) throw err;
        drop(c); // EPIPE, ECONNRESET
        continue;
      }
      state.unsent = n < msg.length ? msg.subarray(n) : null;
      if (state.unsent === null && state.queue.length === 0) {
        outList.splice(outList.indexOf(c), 1); // all out: stop asking whether it is writable
        if (state.eof) drop(c);
      }
    }
  }
  for (const c of [...msgList.keys()]) drop(c);
}
