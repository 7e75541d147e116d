/** examples/demo.ts (`npm start`): the echo server with concurrent clients, every select() call traced. */
import t from 'tap';
import { runTs, within } from './fixtures/helpers.js';

t.test('the demo ends by itself with exit code 0, a trace line per select() call and a matching summary', async (t) => {
  const child = runTs(t, 'examples/demo.ts');
  const code = await within(child.exited, 'the demo to end by itself', 20_000);
  t.equal(code, 0, `exit code 0 (stderr: ${child.err()})`);
  const lines = child.out().split('\n');
  t.match(lines[0], /^echo server listening on 127\.0\.0\.1:\d+ \(backlog 5, 8 KiB buffers\)$/);
  const trace = lines.filter((l) => l.startsWith('select('));
  t.ok(trace.length > 4, `several select() calls traced (${trace.length})`);
  const fds = String.raw`\[\d*(?:,\d+)*\]`;
  const line = new RegExp(
    String.raw`^select\(r=${fds} w=${fds} x=${fds}, 1000\) = (?:0 \(Timeout\)|[1-9]\d* \(((?:[rwx]=${fds} ?)+)\))  \[kernel: \d+ fds, \d+ B; \d+ us\]$`,
  );
  const answers: string[] = [];
  for (const l of trace) {
    const m = line.exec(l);
    if (m === null) t.fail(`malformed trace line: ${l}`);
    else answers.push(m[1] ?? '');
  }
  t.ok(answers.some((a) => /r=\[\d/.test(a)), 'some call came back with readable descriptors');
  t.ok(answers.some((a) => /w=\[\d/.test(a)), 'some call came back with writable descriptors');
  for (let i = 0; i < 4; i++) {
    t.ok(lines.includes(`client ${i}: sent 40000 B, got back 40000 B, identical`), `client ${i} got its bytes back`);
  }
  t.match(
    child.out(),
    /summary: 4 clients served, 160000 bytes echoed in \d+ select\(\) calls \(\d+ partial sends?, \d+ timeouts?\): every byte matches/,
  );
  t.equal(child.err(), '', 'nothing on stderr');
});
