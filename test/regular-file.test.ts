/**
 * Regular files as Linux's select, poll and epoll see them: no poll of their own, so select and poll call
 * them always readable and writable (DEFAULT_POLLMASK), and epoll_ctl refuses them with EPERM. Reads and
 * writes go through fs at the file position.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import {
  EPOLLIN,
  EVENT_READ,
  EVENT_WRITE,
  EpollSelector,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  PollSelector,
  SelectSelector,
  openFdCount,
  openFile,
  printTrace,
  select,
} from '../lib/index.js';
import { epollT, pollT } from './fixtures/models.js';

function tmpFile(t: { teardown(fn: () => unknown): void }, text: string): string {
  const name = path.join(os.tmpdir(), `net-select-file-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  fs.writeFileSync(name, text);
  t.teardown(() => fs.rmSync(name, { force: true }));
  return name;
}

t.test('bug: a regular file is readable and writable in select and poll, whatever it was opened for (was EPERM)', async (t) => {
  const name = tmpFile(t, 'abc');
  const reader = openFile(name, 'r');
  const writer = openFile(name, 'a');
  t.teardown(() => {
    reader.close();
    writer.close();
  });
  t.ok(reader.fileno() >= 3 && writer.fileno() >= 3, 'descriptors from 3 up');
  t.equal(reader.events(), POLLIN | POLLOUT);
  t.equal(writer.events(), POLLIN | POLLOUT);
  t.same(await select([reader, writer], [reader, writer], [reader, writer], 0), [[reader, writer], [reader, writer], []]);
  const p = pollT(t);
  p.register(reader, POLLIN);
  p.register(writer, POLLOUT);
  t.same(await p.poll(0), [[reader.fileno(), POLLIN], [writer.fileno(), POLLOUT]], 'poll masks by what was asked');
  t.equal(reader.recv(2)?.toString(), 'ab');
  t.equal(writer.send('de'), 2, 'a write goes to the file at once');
  t.equal(reader.recv(100)?.toString(), 'cde', 'read at the file position');
  t.equal(reader.recv(100)?.length, 0, 'the end of the file: an empty Buffer, never null');
  t.same(await select([reader], [], [], 0), [[reader], [], []], 'still readable at the end of the file');
});

t.test('epoll refuses a regular file with EPERM, as epoll_ctl does, and keeps nothing; the select and poll selectors call it ready', async (t) => {
  const file = openFile(tmpFile(t, ''), 'r+');
  t.teardown(() => file.close());
  const ep = epollT(t);
  t.throws(() => ep.register(file, EPOLLIN), { code: 'EPERM', syscall: 'epoll_ctl' });
  t.equal(ep.size, 0);
  const es = new EpollSelector();
  t.teardown(() => es.close());
  t.throws(() => es.register(file, EVENT_READ), { code: 'EPERM' });
  t.equal(es.getKey(file), undefined, 'a failed register leaves no key (CPython test_register_file)');
  for (const S of [SelectSelector, PollSelector]) {
    const s = new S();
    t.teardown(() => s.close());
    s.register(file, EVENT_READ | EVENT_WRITE, 'f');
    const ready = await s.select(0);
    t.same(ready.map(([k, ev]) => [k.data, ev]), [['f', EVENT_READ | EVENT_WRITE]], `${S.name}: ready both ways`);
  }
});

t.test('closing a regular file frees its descriptor: POLLNVAL, then EBADF in select, recv and send', async (t) => {
  const before = openFdCount();
  const file = openFile(tmpFile(t, 'x'), 'r+');
  t.equal(openFdCount(), before + 1);
  file.close();
  file.close();
  t.equal(openFdCount(), before, 'twice does nothing');
  t.equal(file.events(), POLLNVAL);
  t.equal(file.fileno(), -1);
  await t.rejects(select([file], [], [], 0), { code: 'EBADF' });
  t.throws(() => file.recv(1), { code: 'EBADF' });
  t.throws(() => file.send('x'), { code: 'EBADF' });
});

t.test('openFile refuses a FIFO with EPERM without blocking on it (a pipe is adopted as a stream)', async (t) => {
  const name = path.join(os.tmpdir(), `net-select-file-fifo-${process.pid}`);
  const { execFileSync } = await import('node:child_process');
  execFileSync('mkfifo', [name]);
  t.teardown(() => fs.rmSync(name, { force: true }));
  const before = openFdCount();
  t.throws(() => openFile(name, 'r'), { code: 'EPERM', syscall: 'open' });
  t.equal(openFdCount(), before, 'no descriptor taken');
});

t.test('bug: closing a regular file was not traced, as closing every other kind of descriptor is', async (t) => {
  const lines: string[] = [];
  const stop = printTrace((line) => lines.push(line));
  t.teardown(stop);
  const file = openFile(tmpFile(t, 'x'), 'r');
  const fd = file.fileno();
  file.close();
  t.match(lines.join('\n'), new RegExp(String.raw`close\(${fd}\) = 0`));
});
