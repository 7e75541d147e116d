/**
 * Exercise 5: the seed's server, ported line by line — and its bugs.
 *
 * This is the blog post's select echo server (its section 6) in net-select, line for line, with only what
 * TypeScript will not compile changed: the seed's `msg_list.get_nowait()` (on the dict: it raises at once) is
 * the client's queue here, and its `"..." + len(in_list)` (a str plus an int) is left out with the prints.
 * What is left are the bugs that survive the port:
 *
 * - No error handling. A client that resets makes `recv` throw `ECONNRESET` (Python's
 *   ConnectionResetError) or `send` throw `EPIPE`/`ECONNRESET` (BrokenPipeError): the exception ends the loop,
 *   and every other client with it.
 * - `send`'s count is thrown away. The seed never calls `setblocking(False)`, so in Python its `c.send(msg)`
 *   blocks until the kernel has queued every byte (one client that stops reading freezes every other one);
 *   here no call blocks, so `send` takes what fits and the rest is lost.
 * - At EOF it closes at once, and the echo still queued for a client that half-closed (sent, then FIN, then
 *   waits for its answer) is lost.
 * - (In Python, the listening socket in `elist` would reach `del msg_list[tcp_server]`: a KeyError. Linux
 *   never reports a listener there; net-select does when Node's server reports an error, and then this loop
 *   closes the listener.)
 *
 * Break it, see it:   npm run exercise -- 5
 * See it in the timeline:
 *   npx net-select trace --html ex5.html -- npm run exercise -- 5
 * Fix it: catch `SocketError` around `recv` and `send` and drop only that client; keep what `send` did not
 * take and send it first next time; at EOF stop reading, and close once the client's queue is empty.
 */
import { Listener, select, type Socket } from '../../../lib/index.js';

function remove<T>(list: T[], item: T): void {
  list.splice(list.indexOf(item), 1); // Python's list.remove (the seed checks `in` first)
}

/** The server loop: serves every client that connects to `listener`, until `signal` aborts. */
export async function serve(tcpServer: Listener, signal: AbortSignal): Promise<void> {
  const msgList = new Map<Socket, Buffer[]>(); // msg_list = {}  #client queue
  const inList: (Listener | Socket)[] = []; // in_list = []  #socket readline
  const outList: Socket[] = []; // out_list = []  #socket writelist
  inList.push(tcpServer);

  while (!signal.aborted) {
    const [ilist, olist, elist] = await select(inList, outList, inList, 1000);

    if (!(ilist.length || olist.length || elist.length)) continue; // print("Wait Timeout : in_list = " ...)

    for (const c of ilist) {
      if (c === tcpServer) {
        const client = tcpServer.accept();
        if (client === null) continue;
        inList.push(client);
        msgList.set(client, []); // msg_list[client]=Queue.Queue()
      } else {
        const sock = c as Socket;
        const recvData = sock.recv(1024);
        if (recvData === null) continue;
        if (recvData.length > 0) {
          msgList.get(sock)?.push(recvData); // msg_list[c].put(recv_data)
          if (!outList.includes(sock)) outList.push(sock);
        } else {
          if (outList.includes(sock)) remove(outList, sock); // the client exited: drop it
          remove(inList, sock);
          sock.close();
          msgList.delete(sock); // del msg_list[c]
        }
      }
    }

    for (const c of elist) {
      if (inList.includes(c)) remove(inList, c);
      if (outList.includes(c as Socket)) remove(outList, c as Socket);
      c.close();
      msgList.delete(c as Socket); // del msg_list[c]: a KeyError in Python if it was deleted already
    }

    for (const c of olist) {
      if (msgList.has(c)) {
        const msg = msgList.get(c)?.shift(); // msg_list[c].get_nowait()
        if (msg === undefined) remove(outList, c); // except Queue.Empty
        else c.send(msg);
      }
    }
  }
  for (const c of inList) c.close();
}
