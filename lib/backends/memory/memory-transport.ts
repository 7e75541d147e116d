/**
 * An in-memory backend: two stream transports joined to each other, like the two ends of `socketpair(2)`.
 *
 * What one end writes is the other end's to receive, delivered in order on a later turn of the event loop
 * (`setImmediate`), as a network would. The bytes between the two ends count as the sender's `queued` until
 * they are delivered, so a peer that stops reading fills the sender's send queue, and `send` becomes partial
 * and then returns 0, as on a real socket. A closed end answers data with a reset, as TCP does.
 */
import { processHost, type Host } from '../../core/host.js';
import { platform } from '../../core/platform.js';
import { netError, type SockAddr, type StreamSink, type StreamTransport } from '../transport.js';

/** @internal One end of an in-memory connection. */
export class MemoryTransport implements StreamTransport {
  readonly host: Host;
  readonly start = 'open';
  readonly connecting = false;
  peer!: MemoryTransport;
  #sink: StreamSink | undefined;
  #paused = false;
  #gone = false; // closed or reset: nothing is delivered to us any more
  #inflight: Buffer[] = []; // what we sent and the peer has not received yet
  #inflightBytes = 0;
  #out: 'open' | 'fin' | 'fin-sent' | 'rst' | 'rst-sent' = 'open'; // what follows the bytes in flight: nothing yet, a FIN, an RST
  #scheduled = false;
  readonly #address: SockAddr;

  constructor(host: Host, address: SockAddr) {
    this.host = host;
    this.#address = address;
  }

  get queued(): number {
    return this.#inflightBytes;
  }

  bind(sink: StreamSink): void {
    this.#sink = sink;
    this.#schedule(); // anything sent to us before we were bound
    this.peer.#schedule();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.peer.#schedule();
  }

  tryWrite(buf: Uint8Array, off: number, len: number): number {
    if (this.#out !== 'open') throw netError('EPIPE', 'write');
    // The memory "kernel" copies what it takes, as write(2) does.
    this.write(Buffer.from(buf.subarray(off, off + len)));
    return len;
  }

  write(buf: Buffer): void {
    if (this.#out !== 'open' || buf.length === 0) return;
    this.#inflight.push(buf);
    this.#inflightBytes += buf.length;
    this.#schedule();
  }

  end(): void {
    if (this.#out === 'open') this.#out = 'fin';
    this.#schedule();
  }

  close(): void {
    this.#gone = true;
    this.end();
  }

  reset(): void {
    this.#gone = true;
    if (this.#out !== 'rst-sent') this.#out = 'rst';
    this.#schedule();
  }

  localAddress(): SockAddr {
    return this.#address;
  }

  remoteAddress(): SockAddr {
    return this.peer.#address;
  }

  /** Delivers what we sent to the peer on a later turn. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    platform.immediate(() => {
      this.#scheduled = false;
      this.#deliver();
    });
  }

  #deliver(): void {
    const peer = this.peer;
    const sink = peer.#sink;
    if (sink === undefined) return;
    let moved = false;
    while (this.#inflight.length > 0) {
      if (peer.#gone) {
        // Data for a closed end: it answers with a reset, and the bytes are lost.
        this.#inflight = [];
        this.#inflightBytes = 0;
        this.#out = 'rst-sent';
        if (!this.#gone) this.#sink?.error(netError('ECONNRESET', 'read'));
        return;
      }
      if (peer.#paused) break;
      const chunk = this.#inflight.shift() as Buffer;
      this.#inflightBytes -= chunk.length;
      moved = true;
      sink.data(chunk);
    }
    if (moved && !this.#gone) this.#sink?.written();
    if (this.#inflight.length > 0 || peer.#gone) return;
    const out = this.#out;
    if (out === 'rst' || out === 'fin') {
      this.#out = out === 'rst' ? 'rst-sent' : 'fin-sent';
      if (out === 'rst') sink.error(netError('ECONNRESET', 'read'));
      else sink.end();
    }
  }
}

/**
 * @internal A connected pair of in-memory transports on `host` (default: this process), with unnamed
 * addresses (`''`), as `socketpair(AF_UNIX, SOCK_STREAM)` gives.
 */
export function memoryPair(host: Host = processHost): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport(host, '');
  const b = new MemoryTransport(host, '');
  a.peer = b;
  b.peer = a;
  return [a, b];
}
