/**
 * The kernel differential test, short run (issue 7 section 4, issue 21): the same seeded random sequences
 * of calls applied to real Linux objects (test/kernel/kernel_helper.py, python3) — a TCP pair, a pipe, two UDP
 * sockets, a regular file — and to net-select's; poll bits, select lists, level- and edge-triggered epoll
 * (and what epoll_ctl says of the object) and every call's
 * outcome compared after each op. Only the documented departures (docs/contract.md) are exempt (test/kernel/compare.ts
 * names each with its sentence; docs/linux-departures.md those of pipes, UDP and files). A longer run:
 * `npm run test:kernel -- --seed N --n N [--kind tcp,pipe,udp,file]`.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { BUFFER_SIZES, Comparator, EXCEPT_SET, READER_GONE } from './kernel/compare.js';
import { parseOps, showOps, type Kind, type Obs, type Op } from './kernel/model.js';
import { EDGES_ONLY, Worlds, formatReport, formatTrace, runKernelDiff, runSequence } from './kernel/run.js';
import { shrink } from './kernel/shrink.js';

/** Fixed seeds, so that a failure here is reproducible with `npm run test:kernel -- --seed S --n N`. */
const SEEDS = [1, 2, 3];
const PER_SEED = 50;
/** Sequences per seed of a pipe, UDP and a file: fast (no handshake to settle), few are enough here. */
const PER_SEED_OTHER = 3;

/** Both ends writable, nothing else: the state after connect + accept. */
function idle(): Obs {
  return {
    bits: { a: 4, b: 4 },
    sel: { a: '-w-', b: '-w-' },
    lt: { a: 4, b: 4 },
    et: { all: {}, in: {}, out: {} },
    reg: { a: 'ok', b: 'ok' },
  };
}

t.test('the comparison flags an extra edge, and exempts only what the documented departures explain', async (t) => {
  const cmp = new Comparator();
  t.same(cmp.outcome({ side: 'a', op: 'send', n: 3 }, 'sent:3', 'sent:3'), []);
  const node = idle();
  node.et.out.b = 4;
  const extraEdge = [{ field: 'et.out.b', kernel: '-', node: 'OUT' }];
  t.same(cmp.compareObs(idle(), node), extraEdge, 'bug 2: an OUT edge Linux has not');
  // A pending error in the except set: expected there (a documented departure), but only with POLLERR.
  const kErr = idle();
  kErr.bits.a = kErr.lt.a = 0x2000 | 0x1d;
  kErr.sel.a = 'rw-';
  const nErr: Obs = { ...kErr, sel: { a: 'rwx', b: '-w-' } };
  t.same(cmp.compareObs(kErr, nErr), [], 'x carries the pending error');
  t.same(cmp.compareObs(idle(), { ...idle(), sel: { a: '-wx', b: '-w-' } }), [
    { field: 'sel.a', kernel: '-w-', node: '-wx' },
  ]);
  // A large send: counts may differ, classes may not.
  t.same(cmp.outcome({ side: 'a', op: 'send', n: 300_000 }, 'sent:300000', 'sent:262144'), []);
  t.same(cmp.outcome({ side: 'a', op: 'send', n: 10 }, 'sent:10', 'EPIPE'), [
    { field: 'outcome', kernel: 'sent:10', node: 'EPIPE' },
  ]);
});

t.test("the pipe's reader-gone exemption covers the write end's ERR only until net-select's send meets EPIPE", async (t) => {
  const cmp = new Comparator(true, undefined, 'pipe');
  const gone = (a: number, sel: string): Obs => ({
    bits: { a, b: 0x20 },
    sel: { a: sel, b: 'EBADF' },
    lt: { a, b: 0 },
    et: { all: {}, in: {}, out: {} },
    reg: { a: 'ok', b: 'ok' },
  });
  t.same(cmp.outcome({ side: 'b', op: 'close' }, 'ok', 'ok'), []);
  const linux = gone(0x004 | 0x008, 'rw-');
  linux.et = { all: { a: 0x00c }, in: { a: 0x008 }, out: { a: 0x00c } };
  t.same(cmp.compareObs(linux, gone(0x004, '-w-')), [], 'net-select has not seen it yet: exempt, edges included');
  t.same(cmp.outcome({ side: 'a', op: 'send', n: 1 }, 'EPIPE', 'EPIPE'), []);
  const fields = cmp.compareObs(gone(0x004 | 0x008, 'rw-'), gone(0x004, '-w-')).map((d) => d.field);
  t.same(fields, ['bits.a', 'sel.a', 'lt.a'], 'once its send met EPIPE, net-select must report POLLERR');
});

t.test('the shrinker finds the minimal disagreeing sequence, sizes included', async (t) => {
  // A made-up bug: a send of 1000 bytes or more, later a close of the other end.
  const fails = async (ops: Op[]): Promise<number | null> => {
    const i = ops.findIndex((o) => o.op === 'send' && o.n >= 1000);
    const j = ops.findIndex((o, k) => k > i && o.op === 'close' && o.side !== ops[i]?.side);
    return i >= 0 && j >= 0 ? j + 1 : null;
  };
  const ops = parseOps('a.recv(5); a.send(250000); b.wait(); b.send(7); b.close(); a.recv(9)');
  t.equal(showOps(await shrink(ops, 5, fails)), 'a.send(1000); b.close()');
});

t.test('each exemption rests on a sentence docs/contract.md still says', async (t) => {
  const flat = (text: string): string => text.replace(/\*\*/g, '').replace(/\s+/g, ' ');
  const readme = flat(readFileSync(new URL('../docs/contract.md', import.meta.url), 'utf8'));
  for (const e of [EXCEPT_SET, BUFFER_SIZES]) {
    for (const part of e.readme.split(' ... ')) t.ok(readme.includes(flat(part)), `docs/contract.md says: ${part}`);
  }
  const departures = flat(readFileSync(new URL('../docs/linux-departures.md', import.meta.url), 'utf8'));
  t.ok(departures.includes(flat(READER_GONE.readme)), `docs/linux-departures.md says: ${READER_GONE.readme}`);
});

t.test('the harness is quiet: Linux against Linux agrees on every sequence', async (t) => {
  const seeds = [SEEDS[0] as number];
  const report = await runKernelDiff({ seeds, kinds: ['tcp'], n: 10, self: true, shrinkKinds: 1, shrinkBudget: 10 });
  t.equal(report.agreed, report.sequences, 'Linux agrees with itself on every sequence\n' + formatReport(report));
  const others = await runKernelDiff({ seeds, kinds: ['pipe', 'udp', 'udpc', 'file'], n: 2, self: true, shrinkKinds: 1, shrinkBudget: 10 });
  t.equal(others.agreed, others.sequences, 'and on pipes, UDP and files\n' + formatReport(others));
});

t.test(
  'net-select agrees with the Linux kernel on random send/recv/shutdown/close/reset sequences: poll bits, ' +
    'select lists, level- and edge-triggered epoll and each call outcome (issue 7 bugs 1-5)',
  async (t) => {
    // Past a disagreement in edge-triggered events only, a sequence goes on: what hides behind it shows too.
    const report = await runKernelDiff({
      seeds: SEEDS,
      kinds: ['tcp'],
      n: PER_SEED,
      shrinkKinds: 6,
      shrinkBudget: 25,
      tolerate: EDGES_ONLY,
    });
    const text = formatReport(report);
    t.comment(text);
    t.comment(`exemptions in force: "${EXCEPT_SET.name}" (docs/contract.md: ${EXCEPT_SET.readme})`);
    t.comment(`                     "${BUFFER_SIZES.name}" (docs/contract.md: ${BUFFER_SIZES.readme})`);
    t.equal(report.findings.length + report.unshrunk.size, 0, 'no disagreement with Linux');
  },
);

t.test(
  'net-select agrees with the Linux kernel on random sequences over a pipe (data, EOF with and without data, ' +
    'the reader gone, a full pipe), UDP sockets (datagrams, truncation, POLLOUT), connected UDP sockets (an ' +
    'ICMP port unreachable as POLLERR, then ECONNREFUSED once) and a regular file (select and poll always ' +
    'ready, epoll EPERM) (issue 21)',
  async (t) => {
    const report = await runKernelDiff({
      seeds: SEEDS,
      kinds: ['pipe', 'udp', 'udpc', 'file'],
      n: PER_SEED_OTHER,
      shrinkKinds: 6,
      shrinkBudget: 25,
    });
    t.comment(formatReport(report));
    t.comment(`exemptions in force besides: "${READER_GONE.name}" (docs/linux-departures.md: ${READER_GONE.readme})`);
    t.equal(report.findings.length + report.unshrunk.size, 0, 'no disagreement with Linux');
  },
);

/**
 * The minimal sequences of the bugs this test found, each run against Linux on its own: a regression of any
 * of them fails here by name, whatever the random seeds happen to draw.
 */
const REGRESSIONS: [name: string, ops: string, todo?: string][] = [
  ["issue 7 bug 1: shutdown(SHUT_RD) is an event for the socket's EPOLLET registrations", 'a.shutdown(SHUT_RD)'],
  ['issue 7 bug 1: shutdown(SHUT_WR) is an event for its EPOLLET registrations', 'a.send(1); b.shutdown(SHUT_WR)'],
  ['issue 7 bug 1: shutdown(SHUT_RDWR) is an event for its EPOLLET registrations', 'a.shutdown(SHUT_RDWR)'],
  ['issue 7 bug 1: a shutdown failing with ENOTCONN after a reset is an event too', 'b.reset(); a.shutdown(SHUT_WR)'],
  ["issue 7 bug 2: the peer's data is no EPOLLOUT edge", 'a.send(3)'],
  [
    'issue 7 bug 3: data to a closed peer brings its RST: ERR|HUP, then EPIPE, then EOF',
    'b.close(); a.send(100); a.send(1); a.recv(1)',
  ],
  [
    'issue 7 bug 3: the same after the peer shut both ways and reset',
    'b.shutdown(SHUT_RDWR); b.reset(); a.send(1); a.recv(1)',
  ],
  ['issue 7 bug 4: closing with a byte unread sends RST, not FIN', 'a.send(1); b.close(); a.recv(1); a.recv(1)'],
  [
    'issue 7 bug 5: SHUT_RD keeps queued and later data readable, then EOF',
    'b.shutdown(SHUT_RD); a.send(3); b.recv(10); b.recv(10)',
  ],
  [
    'issue 7 bug 5: data on a socket shut both ways resets the connection',
    'a.shutdown(SHUT_RDWR); b.send(100); a.recv(1); b.recv(1)',
  ],
  ['a reset is seen while reading is paused on a full receive queue', 'a.send(262144); a.send(65536); a.reset()'],
  [
    'shutdown(SHUT_RD) after both FINs: ok while our FIN waits behind the data, ENOTCONN once acknowledged (buffers)',
    'b.send(242333); a.shutdown(SHUT_WR); b.shutdown(SHUT_RDWR); b.shutdown(SHUT_RD)',
  ],
  [
    'a reset is seen while reading is paused on a full receive queue, after our own SHUT_WR',
    'b.shutdown(SHUT_WR); a.send(262144); a.send(100000); a.reset()',
    'net-select misses this reset (b stays IN|OUT; Linux: IN|OUT|ERR|HUP|RDHUP): after our own FIN Node shows no reset until a send fails (docs/contract.md, "A reset after EOF is asked for")',
  ],
];

t.test('the bugs found so far, each against Linux', async (t) => {
  const w = await Worlds.open();
  t.teardown(() => w.close());
  for (const [name, ops, todo] of REGRESSIONS) {
    const trace = await runSequence(w, parseOps(ops));
    if (trace.found.length) t.comment(`${ops}\n${formatTrace(trace)}`);
    t.equal(trace.found.length, 0, `${name}: ${ops}`, todo ? { todo } : {});
  }
});

/** The same for pipes, UDP and files: [kind, name, ops]. */
const KIND_REGRESSIONS: [kind: Kind, name: string, ops: string][] = [
  ['pipe', 'bug: an emptied pipe whose writer is gone is POLLHUP without POLLIN', 'a.send(5); a.close(); b.recv(10); b.recv(10)'],
  ['pipe', 'pipe: end of file with no data left at all, then a read', 'a.close(); b.recv(1); b.recv(1)'],
  ['pipe', 'bug: a pipe write end is POLLOUT|POLLERR once a write found the reader gone', 'b.close(); a.send(10); a.send(10)'],
  ['pipe', 'pipe: a full pipe, then the reader empties it', 'a.send(300000); b.recv(300000); b.recv(300000); a.send(10)'],
  ['pipe', 'pipe: the wrong direction is EBADF on both ends', 'a.recv(10); b.send(10)'],
  ['pipe', 'pipe: 16 pages are full with less than 64 KiB in them (EAGAIN here, a queue in net-select)', 'a.send(51642); a.send(13187); a.send(1)'],
  ['udp', 'bug: every datagram sent is an EPOLLOUT edge for its sender', 'a.send(1); a.send(100); b.send(7)'],
  ['udp', 'udp: one datagram per recv, cut to the size asked, the rest lost', 'a.send(1000); a.send(20); b.recv(10); b.recv(100); b.recv(100)'],
  ['udp', 'udp: a datagram to a closed (unconnected) peer is lost silently', 'b.close(); a.send(100); a.recv(100)'],
  ['udpc', 'connected UDP: an ICMP port unreachable is POLLERR, then ECONNREFUSED once', 'b.close(); a.send(100); a.recv(100); a.recv(100); a.send(1)'],
  ['udpc', 'connected UDP: the error is POLLERR for the next send too, which throws it', 'b.close(); a.send(100); a.send(100); a.send(100)'],
  ['udpc', 'bug: a pending error is thrown before a queued datagram, as Linux reports sk_err first', 'b.send(10); b.close(); a.send(1); a.recv(100); a.recv(100); a.recv(100)'],
  ['file', 'bug: a regular file is always ready in select and poll, EPERM in epoll', 'a.send(10); b.recv(100); b.recv(100); a.recv(1)'],
];

t.test('pipes, UDP and files: the bugs found so far and the cases issue 21 names, each against Linux', async (t) => {
  const w = await Worlds.open();
  t.teardown(() => w.close());
  for (const [kind, name, ops] of KIND_REGRESSIONS) {
    const trace = await runSequence(w, parseOps(ops), new Comparator(true, undefined, kind));
    if (trace.found.length) t.comment(`${kind}: ${ops}\n${formatTrace(trace)}`);
    t.equal(trace.found.length, 0, `${name}: ${ops}`);
  }
});

t.test('connected UDP: an ICMP port unreachable is POLLERR, then ECONNREFUSED once, in both worlds', async (t) => {
  const w = await Worlds.open();
  t.teardown(() => w.close());
  const trace = await runSequence(w, parseOps('b.close(); a.send(100); a.recv(100); a.recv(100)'), new Comparator(true, undefined, 'udpc'));
  if (trace.found.length) t.comment(formatTrace(trace));
  t.equal(trace.found.length, 0, 'net-select agrees with Linux at every step');
  const [, , sent, refused, after] = trace.steps as (typeof trace.steps)[number][];
  for (const world of ['kernel', 'node'] as const) {
    t.equal(sent?.[world].obs.bits.a, 0x004 | 0x008, `${world}: POLLOUT|POLLERR once the ICMP error is back`);
    t.equal(sent?.[world].obs.sel.a.slice(0, 2), 'rw', `${world}: select has it readable and writable`);
    t.equal(refused?.[world].outcome, 'ECONNREFUSED', `${world}: the next recv throws ECONNREFUSED`);
    t.equal(refused?.[world].obs.bits.a, 0x004, `${world}: and the error is gone`);
    t.equal(after?.[world].outcome, 'EAGAIN', `${world}: the recv after it finds nothing`);
  }
  t.equal(sent?.node.obs.sel.a, 'rwx', "net-select: and in the except set, as its README's POSIX departure says");
});

t.test('the departures docs/linux-departures.md documents, each shown against Linux', async (t) => {
  const w = await Worlds.open();
  t.teardown(() => w.close());
  // The comparison exempts this one by name; here it is shown unexempted.
  const gone = await runSequence(w, parseOps('b.close()'), new Comparator(true, undefined, 'pipe'));
  const step = gone.steps[1] as (typeof gone.steps)[number];
  t.equal(step.kernel.obs.bits.a, 0x004 | 0x008, 'Linux: the write end is POLLOUT|POLLERR as soon as the reader is gone');
  t.equal(step.node.obs.bits.a, step.kernel.obs.bits.a, 'pipe: the reader gone is POLLERR on the write end at once', {
    todo: 'Node does not watch an idle pipe write end: net-select sees the reader gone only when a write fails',
  });
});
