/**
 * The client of the framed upper-case protocol (examples/framed-server.ts), in the select style: it sends
 * each request (finishing partial sends when the socket is writable again) and reads whole reply frames,
 * however the bytes arrive. Run directly, it starts the server and one client over loopback and exits.
 *
 * Run: npx tsx examples/framed-client.ts
 */
import { pathToFileURL } from 'node:url';
import { connect, listen, select, type Socket } from '../lib/index.js';
import { FrameReader, frame, serve } from './framed-server.js';

/**
 * Sends each request on `sock` and waits for its reply; returns the replies. Fails when the server closes
 * the connection or a reply takes longer than `timeoutMs`.
 */
export async function request(sock: Socket, payloads: string[], timeoutMs = 5000): Promise<string[]> {
  const reader = new FrameReader();
  const replies: string[] = [];
  for (const p of payloads) {
    let out = frame(p);
    let reply: Buffer | null = null;
    while (reply === null) {
      const [readable, writable] = await select([sock], out.length > 0 ? [sock] : [], [], timeoutMs);
      if (readable.length === 0 && writable.length === 0) throw new Error(`no reply to '${p}' within ${timeoutMs} ms`);
      if (writable.length > 0) out = out.subarray(sock.send(out));
      if (readable.length === 0) continue;
      const data = sock.recv(65536);
      if (data === null) continue;
      if (data.length === 0) throw new Error(`the server closed the connection before replying to '${p}'`);
      reader.push(data);
      reply = reader.next();
    }
    replies.push(reply.toString());
  }
  return replies;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const listener = await listen({ host: '127.0.0.1', port: 0 });
  const server = serve(listener, { clients: 1 });
  const sock = connect({ host: '127.0.0.1', port: (listener.getsockname() as { port: number }).port });
  console.log(await request(sock, ['hello', 'framed', 'world']));
  sock.close();
  console.log(`served ${await server} requests`);
  listener.close();
}
