/**
 * The receive queue of a socket: the chunks the transport delivered, taken from the front by `recv(n)`,
 * and held up to `rcvbuf` bytes ({@link RecvQueue}). A take that fits in the first chunk returns a view of it
 * (no copy); only a take that spans chunks copies.
 */

const EMPTY = Buffer.alloc(0);

/** @internal A FIFO of Buffers with a byte count. */
export class ChunkQueue {
  #chunks: Buffer[] = [];
  #head = 0; // the first chunk not yet taken
  #tail = 0; // one past the last chunk: the slots after it are kept for the next pushes
  #bytes = 0;

  /** Bytes queued. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends a chunk. O(1). */
  push(chunk: Buffer): void {
    this.#chunks[this.#tail++] = chunk;
    this.#bytes += chunk.length;
  }

  /** Takes up to `n` bytes from the front (the queue must not be empty). O(chunks spanned). */
  take(n: number): Buffer {
    const q = this.#chunks;
    let first = q[this.#head] as Buffer;
    let out: Buffer;
    if (first.length > n) {
      out = first.subarray(0, n);
      q[this.#head] = first.subarray(n);
    } else if (first.length === n || this.#tail - this.#head === 1) {
      out = first;
      q[this.#head++] = EMPTY;
    } else {
      const total = Math.min(n, this.#bytes);
      out = Buffer.allocUnsafe(total);
      let off = 0;
      while (off < total) {
        first = q[this.#head] as Buffer;
        const k = Math.min(first.length, total - off);
        first.copy(out, off, 0, k);
        off += k;
        if (k === first.length) q[this.#head++] = EMPTY;
        else q[this.#head] = first.subarray(k);
      }
    }
    this.#bytes -= out.length;
    if (this.#head === this.#tail) {
      this.#head = this.#tail = 0; // empty: start again at the front, in the same array
    } else if (this.#head > 64) {
      // Drop the taken slots now and then, not on every take.
      q.copyWithin(0, this.#head, this.#tail);
      this.#tail -= this.#head;
      q.fill(EMPTY, this.#tail, this.#tail + this.#head);
      this.#head = 0;
    }
    return out;
  }

  /** Drops everything. */
  clear(): void {
    this.#chunks = [];
    this.#head = this.#tail = 0;
    this.#bytes = 0;
  }
}

/**
 * @internal A stream socket's receive side, as `send-queue.ts` is its send side: what the transport delivered,
 * held up to `rcvbuf` bytes; past that, reading from the network pauses until `recv` makes room (the model
 * of a closed receive window).
 */
export class RecvQueue extends ChunkQueue {
  /** The buffer's size in bytes (SO_RCVBUF). */
  rcvbuf: number;
  /** Reading from the network is paused: the queue is full. */
  paused = false;
  readonly #t: FlowControlled;

  constructor(t: FlowControlled, rcvbuf: number) {
    super();
    this.#t = t;
    this.rcvbuf = rcvbuf;
  }

  /** Pauses the transport once the queue is full, resumes it once there is room. */
  flowControl(): void {
    if (!this.paused && this.bytes >= this.rcvbuf) {
      this.paused = true;
      this.#t.pause();
    } else if (this.paused && this.bytes < this.rcvbuf) {
      this.paused = false;
      this.#t.resume();
    }
  }
}

/** @internal What flow control asks of a transport. */
export interface FlowControlled {
  pause(): void;
  resume(): void;
}
