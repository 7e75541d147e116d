/** Unit tests of the receive queue: no sockets. */
import t from 'tap';
import { ChunkQueue } from '../lib/sockets/chunk-queue.js';

t.test('take returns bytes in order, never more than asked, across chunk boundaries', async (t) => {
  const q = new ChunkQueue();
  q.push(Buffer.from('abc'));
  q.push(Buffer.from('defg'));
  q.push(Buffer.from('h'));
  t.equal(q.bytes, 8);
  t.equal(q.take(2).toString(), 'ab', 'within the first chunk');
  t.equal(q.take(3).toString(), 'cde', 'spanning two chunks');
  t.equal(q.take(100).toString(), 'fgh', 'at most what is queued');
  t.equal(q.bytes, 0);
});

t.test('a take that fits the first chunk is a view, not a copy', async (t) => {
  const q = new ChunkQueue();
  const chunk = Buffer.from('hello');
  q.push(chunk);
  const part = q.take(5);
  t.equal(part.buffer, chunk.buffer, 'same memory');
});

t.test('many small pushes and takes keep order and count (the slot compaction path)', async (t) => {
  const q = new ChunkQueue();
  let sent = '';
  let got = '';
  for (let i = 0; i < 500; i++) {
    const s = String(i % 10).repeat((i % 7) + 1);
    q.push(Buffer.from(s));
    sent += s;
    if (i % 3 === 0) got += q.take((i % 5) + 1).toString();
  }
  while (q.bytes > 0) got += q.take(13).toString();
  t.equal(got, sent);
});

t.test('clear drops everything', async (t) => {
  const q = new ChunkQueue();
  q.push(Buffer.from('xyz'));
  q.clear();
  t.equal(q.bytes, 0);
  q.push(Buffer.from('a'));
  t.equal(q.take(10).toString(), 'a');
});

t.test('a queue that is never empty compacts its taken slots and keeps order (push, take, push again)', async (t) => {
  const q = new ChunkQueue();
  for (let i = 0; i < 200; i++) q.push(Buffer.from([i]));
  const got: number[] = [];
  for (let i = 0; i < 150; i++) got.push(...q.take(1)); // past 64 taken slots: compacted on the way
  for (let i = 200; i < 210; i++) q.push(Buffer.from([i]));
  t.equal(q.bytes, 60);
  while (q.bytes > 0) got.push(...q.take(7));
  t.same(got, Array.from({ length: 210 }, (_, i) => i));
  q.push(Buffer.from('again'));
  t.equal(q.take(100).toString(), 'again', 'an emptied queue starts again at the front');
});
