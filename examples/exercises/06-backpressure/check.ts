/** Exercise 6's check: a client that sends and never reads cannot make the server keep more than a bound. */
import { alive, expect, onStage, push, receive, type Check } from '../kit.js';

/** What the exercise is about, in a few words. */
export const title = 'an unbounded queue';

const TOTAL = 1024 * 1024;
/** Every send buffer on the network: 32 KiB. */
const SNDBUF = 32 * 1024;
/**
 * What may be on its way from one client that never reads: the server's queue (a high-water mark of 64 KiB)
 * and the buffers between — the client's and the server's send buffers (SNDBUF) and the server's receive
 * buffer (256 KiB by default): about 384 KiB. Half of what the client tries to push leaves room.
 */
const BOUND = TOTAL / 2;

/** Runs the scenario against a `serve` and says what it saw, one finding a line. */
export const check: Check = (serve) =>
  onStage(serve, { sndbuf: SNDBUF }, async (stage) => {
    const { sim } = stage;
    const c = stage.client({ host: 'slow' });
    sim.stopReading('slow'); // the client's host takes nothing: the echo backs up in the server
    const sent = await push(sim, c, TOTAL);
    sim.resumeReading('slow');
    const echo = await receive(sim, c, sent);
    return [
      expect(sent <= BOUND, `a client that never reads could push ${sent} bytes before its sends blocked`,
        `the server read them all and queued the echo: nothing pushed back`),
      expect(echo.data.length === sent, `once it reads again, it gets all ${sent} bytes back`, `it got ${echo.data.length}`),
      alive(stage),
    ];
  });
