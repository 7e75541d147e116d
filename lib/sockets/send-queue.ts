/**
 * A stream socket's send side, as `chunk-queue.ts` is its receive side: the model of the kernel's send buffer
 * (`SO_SNDBUF` bytes), and how what `send` accepts reaches the transport.
 *
 * A send with nothing queued before it is handed to the transport at once, uncopied, when it is 4 KiB or more
 * or the socket's first of the job (the synchronous code and microtasks before Node's next tick): the kernel
 * copies what it takes, so only the rest is copied here. Other small sends are copied and those of one job
 * leave together, in one write at the end of the job (`flush`). A send that finds the queue full promises an
 * `EPOLLOUT` edge once there is room again (`written`).
 */
import type { Flushable } from '../core/host.js';
import type { NetError, StreamTransport } from '../backends/transport.js';

/** Sends at least this big go to the transport at once, uncopied, whenever nothing is queued before them. */
const DIRECT_MIN = 4096;

/** @internal What the send queue asks of its socket. */
export interface SendOwner extends Flushable {
  /** The queue has room again after a send found it full: wake the socket's writers (an `EPOLLOUT` edge). */
  _sendSpace(): void;
  /**
   * The transport failed a write: the connection is aborted. `inSend`: the write was `send`'s own, which
   * throws the error (send(2) reports it itself); otherwise the error is left pending and -1 returned.
   */
  _writeFailed(err: NetError, inSend: boolean): number;
}

/** @internal A socket's send buffer, over its transport. */
export class SendQueue {
  /** The buffer's size in bytes (SO_SNDBUF). */
  sndbuf: number;
  readonly #t: StreamTransport;
  readonly #owner: SendOwner;
  #out: Buffer[] = [];
  #outBytes = 0;
  #jobBytes = 0; // written at once in this job by a small send: they count as queued until the job ends
  #flushQueued = false;
  #nospace = false; // a send found the queue full: the next space freed is a wake (EPOLLOUT edge)

  constructor(t: StreamTransport, owner: SendOwner, sndbuf: number) {
    this.#t = t;
    this.#owner = owner;
    this.sndbuf = sndbuf;
  }

  /** Bytes accepted and not yet taken by the transport (SIOCOUTQ, in this model). */
  get size(): number {
    return this.#outBytes + this.#jobBytes + this.#t.queued;
  }

  /** Whether copied sends wait for the end of the job. */
  get holding(): boolean {
    return this.#out.length > 0;
  }

  /**
   * Takes as much of `data` as there is room for and returns that count (0 when full). `probe`: after the
   * peer's FIN, a write is followed by a check for the reset it may bring (at the end of the job).
   */
  send(data: Uint8Array | string, probe: boolean): number {
    const free = this.sndbuf - this.size;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const len = bytes.length;
    if (len === 0) return 0;
    if (free <= 0) {
      this.#nospace = true;
      return 0;
    }
    const n = len <= free ? len : free;
    // A partial send promises an EPOLLOUT edge once there is room again (written(), or the next tick).
    if (n < len) this.#nospace = true;
    let off = 0;
    const small = n < DIRECT_MIN;
    if (this.#out.length === 0 && !(small && this.#jobBytes > 0)) {
      // Nothing queued before it: hand it over now. The kernel copies what it takes, so only the rest is copied.
      // A small one only as the first of its job: the others of the job are coalesced, one write for them all;
      // and its bytes count as queued until the job ends, as if they had been coalesced too.
      off = this.#writeNow(bytes, 0, n, true);
      if (small && off > 0) {
        this.#jobBytes += off;
        if (this.size >= this.sndbuf) this.#nospace = true; // the job's end frees it: an EPOLLOUT edge
        this.#queueFlush();
      }
      if (off === n) {
        if (n < len || probe) this.#queueFlush(); // the promised edge, or a check for a reset, next tick
        return n;
      }
    }
    let copy: Buffer;
    if (typeof data === 'string') {
      copy = (bytes as Buffer).subarray(off, n);
    } else {
      copy = Buffer.allocUnsafe(n - off);
      copy.set(off > 0 || n < len ? bytes.subarray(off, n) : bytes);
    }
    this.#out.push(copy);
    this.#outBytes += copy.length;
    // The queue is full now: the space that frees up later must wake a waiting select (the EPOLLOUT edge).
    if (this.size >= this.sndbuf) this.#nospace = true;
    this.#queueFlush();
    return n;
  }

  /** The job ended: its small sends no longer count as queued. */
  endJob(): void {
    this.#flushQueued = false;
    this.#jobBytes = 0;
  }

  /** Writes the job's copied sends as one chunk; `aborted`: the connection is gone, they are dropped. */
  flush(aborted: boolean): void {
    const out = this.#out;
    if (out.length === 0) {
      this.written();
      return;
    }
    const chunk = out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out, this.#outBytes);
    this.#out = [];
    this.#outBytes = 0;
    if (aborted) return;
    const off = this.#writeNow(chunk, 0, chunk.length, false);
    if (off < 0) return; // failed: the error is pending, the next recv or send reports it
    if (off < chunk.length) this.#t.write(off === 0 ? chunk : chunk.subarray(off));
    else this.written(); // all taken: the queue has room again
  }

  /** The transport took bytes: if a send found the queue full and there is room now, that is an edge. */
  written(): void {
    if (this.#nospace && this.size < this.sndbuf) {
      this.#nospace = false;
      this.#owner._sendSpace();
    }
  }

  /** Drops everything queued (a reset). */
  clear(): void {
    this.#out = [];
    this.#outBytes = 0;
    this.#jobBytes = 0;
  }

  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    this.#t.host.queueFlush(this.#owner);
  }

  /** Hands bytes to the transport at once. Returns how many it took (0 when it would block), or -1 if it failed. */
  #writeNow(buf: Uint8Array, off: number, len: number, inSend: boolean): number {
    try {
      return this.#t.tryWrite(buf, off, len);
    } catch (err) {
      return this.#owner._writeFailed(err as NetError, inSend);
    }
  }
}
