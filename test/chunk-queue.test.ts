/** Unit tests of the receive queue: no sockets. */
import t from 'tap';
import { ChunkQueue } from '../lib/chunk-queue.js';

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
