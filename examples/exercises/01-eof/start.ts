/**
 * Exercise 1: EOF stays readable.
 *
 * A select echo server. It echoes, it keeps what `send` did not take — and it forgets one thing: what to do
 * when `recv` returns an empty buffer. A client that says goodbye (sends FIN) leaves its socket readable for
 * ever, so every `select` returns at once, with nothing to do: the server spins at 100% CPU.
 *
 * Break it, see it:   npm run exercise -- 1
 *   (the check: a client sends, gets its echo, half-closes; then the server should sit quiet)
 * See it in the timeline:
 *   npx net-select trace --html ex1.html -- npm run exercise -- 1      (open ex1.html: a wall of select calls)
 * Fix it: at EOF, take the socket out of `inList` and close it (after its echo is out, if any is left).
 * The check passes when the server makes a handful of select calls while the client is gone, and closes it.
 */
import { Listener, select, type Socket } from '../../../lib/index.js';

/** The server loop: serves every client that connects to `listener`, until `signal` aborts. */
export async function serve(listener: Listener, signal: AbortSignal): Promise<void> {
  const inList = new Set<Listener | Socket>([listener]); // watched for reading
  const unsent = new Map<Socket, Buffer>(); // echo not taken by send yet: watched for writing
  while (!signal.aborted) {
    const [readable, writable] = await select([...inList], [...unsent.keys()], [], 1000);
    for (const s of readable) {
      if (s instanceof Listener) {
        const c = s.accept();
        if (c) inList.add(c);
        continue;
      }
      const data = s.recv(4096);
      if (data === null || data.length === 0) continue; // nothing to echo
      unsent.set(s, Buffer.concat([unsent.get(s) ?? Buffer.alloc(0), data]));
    }
    for (const s of writable) {
      const out = unsent.get(s) as Buffer;
      const n = s.send(out);
      if (n < out.length) unsent.set(s, out.subarray(n));
      else unsent.delete(s);
    }
  }
  for (const s of [...inList, ...unsent.keys()]) s.close();
}
