/**
 * The receive queue of a socket: the chunks Node delivered, taken from the front by `recv(n)`.
 * A take that fits in the first chunk returns a view of it (no copy); only a take that spans chunks copies.
 *
 * A chunk the transport only lends (a view of its read buffer, reused by the next read) is copied in, into a
 * slab shared by every queue — as Buffer's own pool does, but big enough for a whole 64 KiB read — so a read
 * costs one copy of what arrived and no allocation. What a program keeps of it keeps its slab alive.
 */

const EMPTY = Buffer.alloc(0);
const SLAB_SIZE = 256 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabUsed = 0;

/** A copy of `view` that no one else writes to. */
function copyOf(view: Uint8Array): Buffer {
  const n = view.length;
  if (n > SLAB_SIZE >>> 2) {
    const out = Buffer.allocUnsafeSlow(n);
    out.set(view);
    return out;
  }
  if (n > SLAB_SIZE - slabUsed) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabUsed = 0;
  }
  const start = slabUsed;
  slab.set(view, start);
  slabUsed = (start + n + 7) & ~7; // 8-byte aligned, as Buffer's pool keeps its slices
  return slab.subarray(start, start + n);
}

/** @internal A FIFO of Buffers with a byte count. */
export class ChunkQueue {
  #chunks: Buffer[] = [];
  #head = 0;
  #bytes = 0;

  /** Bytes queued. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends a chunk; `borrowed`: a view the caller will overwrite, so a copy is queued. O(1) (O(bytes) to copy). */
  push(chunk: Buffer, borrowed = false): void {
    this.#chunks.push(borrowed ? copyOf(chunk) : chunk);
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
    } else if (first.length === n || q.length - this.#head === 1) {
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
    if (this.#head === q.length) {
      q.length = 0;
      this.#head = 0;
    } else if (this.#head > 64) {
      q.splice(0, this.#head); // drop the taken slots now and then, not on every take
      this.#head = 0;
    }
    return out;
  }

  /** Drops everything. */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
