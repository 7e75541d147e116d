/**
 * Exercise 5's check: the seed's server among clients that reset, half-close and read slowly. Each
 * scenario runs on a network of its own, so one failure does not hide the next.
 */
import { randomBytes } from 'node:crypto';
import { SHUT_WR } from '../../../lib/index.js';
import { alive, expect, onStage, receive, sendAll, type Check, type Finding } from '../kit.js';

/** What the exercise is about, in a few words. */
export const title = "the seed's server, ported line by line";

/** Runs the scenario against a `serve` and says what it saw, one finding a line. */
export const check: Check = async (serve) => {
  const findings: Finding[] = [];

  findings.push(...(await onStage(serve, {}, async (stage) => {
    const { sim } = stage;
    const [a, b] = [stage.client(), stage.client()];
    await Promise.all([sendAll(sim, a, 'from a'), sendAll(sim, b, 'from b')]);
    const [ea, eb] = await Promise.all([receive(sim, a, 6), receive(sim, b, 6)]);
    return [expect(ea.data.toString() === 'from a' && eb.data.toString() === 'from b', 'two clients each get their echo', 'an echo is missing')];
  })));

  findings.push(...(await onStage(serve, {}, async (stage) => {
    const { sim } = stage;
    const [a, b] = [stage.client(), stage.client()];
    await sendAll(sim, a, 'hi');
    await receive(sim, a, 2);
    await sendAll(sim, b, 'hi');
    await receive(sim, b, 2);
    b.reset(); // a client that goes away with a reset (RST), as a crashed or killed one does
    await sim.runFor(100);
    await sendAll(sim, a, 'still there?');
    const e = await receive(sim, a, 12);
    return [
      expect(e.data.toString() === 'still there?', 'after another client reset, a client still gets its echo', 'no echo'),
      alive(stage),
    ];
  })));

  findings.push(...(await onStage(serve, {}, async (stage) => {
    const { sim } = stage;
    const c = stage.client();
    await sendAll(sim, c, 'bye');
    c.shutdown(SHUT_WR); // done sending; still reading
    const e = await receive(sim, c, 4);
    return [expect(e.data.toString() === 'bye' && e.eof, 'a client that half-closes gets its echo, then EOF',
      `it got ${JSON.stringify(e.data.toString())}${e.eof ? ', then EOF' : ''}`)];
  })));

  findings.push(...(await onStage(serve, { sndbuf: 512 }, async (stage) => {
    const { sim } = stage;
    const c = stage.client({ sndbuf: 65536, rcvbuf: 4096 }); // the server's own buffers are 512 bytes
    const sent = randomBytes(20_000);
    await sendAll(sim, c, sent); // all of it before reading: the echo backs up in the server
    const e = await receive(sim, c, sent.length);
    return [expect(e.data.equals(sent), `a client that reads late gets its echo whole: ${e.data.length} of ${sent.length} bytes`,
      'the rest was lost where send took less than it was given')];
  })));

  return findings;
};
