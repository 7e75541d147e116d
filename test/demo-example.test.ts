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
  for (const l of trace) {
    if (!/^select\(r=\[[\d,]*\] w=\[[\d,]*\] x=\[[\d,]*\]\) -> r=\[[\d,]*\] w=\[[\d,]*\] x=\[[\d,]*\]/.test(l)) {
      t.fail(`malformed trace line: ${l}`);
    }
  }
  t.ok(trace.some((l) => /-> r=\[\d+(,\d+)*\]/.test(l)), 'some call came back with readable descriptors');
  t.ok(trace.some((l) => /-> r=\[[\d,]*\] w=\[\d+(,\d+)*\]/.test(l)), 'some call came back with writable descriptors');
  for (let i = 0; i < 4; i++) {
    t.ok(lines.includes(`client ${i}: sent 40000 B, got back 40000 B, identical`), `client ${i} got its bytes back`);
  }
  t.match(
    child.out(),
    /summary: 4 clients served, 160000 bytes echoed in \d+ select\(\) calls \(\d+ partial sends, \d+ timeouts\): every byte matches/,
  );
  t.equal(child.err(), '', 'nothing on stderr');
});
