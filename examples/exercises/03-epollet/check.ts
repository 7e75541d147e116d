/** Exercise 3's check: 4 KiB sent in one write come back whole from an edge-triggered server. */
import { randomBytes } from 'node:crypto';
import { alive, expect, onStage, receive, sendAll, type Check } from '../kit.js';

/** What the exercise is about, in a few words. */
export const title = 'read once per edge, and a client stalls';

const SIZE = 4096;

/** Runs the scenario against a `serve` and says what it saw, one finding a line. */
export const check: Check = (serve) =>
  onStage(serve, {}, async (stage) => {
    const { sim } = stage;
    const c = stage.client();
    const sent = randomBytes(SIZE);
    await sendAll(sim, c, sent); // one write: it arrives as one piece, one edge
    const echo = await receive(sim, c, SIZE);
    return [
      expect(echo.data.equals(sent), `the echo comes back whole: ${echo.data.length} of ${SIZE} bytes`,
        `then nothing for 5 virtual seconds: the rest waits in the server, and no new edge will come`),
      alive(stage),
    ];
  });
