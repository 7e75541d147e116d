/** Exercise 2's check: 64 KiB echoed whole through 1 KiB send buffers. */
import { randomBytes } from 'node:crypto';
import { SHUT_WR } from '../../../lib/index.js';
import { alive, expect, onStage, receive, sendAll, type Check } from '../kit.js';

/** What the exercise is about, in a few words. */
export const title = 'a partial send loses the rest';

const SIZE = 64 * 1024;

/** Runs the scenario against a `serve` and says what it saw, one finding a line. */
export const check: Check = (serve) =>
  onStage(serve, { sndbuf: 1024 }, async (stage) => {
    const { sim } = stage;
    const c = stage.client({ rcvbuf: 4096 });
    const sent = randomBytes(SIZE);
    // Send it all before reading anything, as a client busy elsewhere would: the echo backs up.
    const allSent = await sendAll(sim, c, sent);
    c.shutdown(SHUT_WR);
    const echo = await receive(sim, c, SIZE);
    const same = echo.data.equals(sent);
    return [
      expect(allSent, `the client sends ${SIZE} bytes (1 KiB send buffers), then reads`, 'the server stopped reading'),
      expect(same, `the echo comes back whole: ${echo.data.length} of ${SIZE} bytes`,
        echo.data.length < SIZE ? `${SIZE - echo.data.length} bytes never came back: send took less than it was given` : 'the bytes differ'),
      alive(stage),
    ];
  });
