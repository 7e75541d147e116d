/** Exercise 1's check: after a client half-closes, the server sits quiet and closes its end. */
import { SHUT_WR } from '../../../lib/index.js';
import { alive, closedByPeer, expect, onStage, quiet, receive, sendAll, type Check } from '../kit.js';

/** What the exercise is about, in a few words. */
export const title = 'EOF stays readable';

/** Runs the scenario against a `serve` and says what it saw, one finding a line. */
export const check: Check = (serve) =>
  onStage(serve, {}, async (stage) => {
    const { sim } = stage;
    const c = stage.client();
    await sendAll(sim, c, 'hello');
    const echo = await receive(sim, c, 5);
    c.shutdown(SHUT_WR); // goodbye: the server's recv now returns an empty buffer, every time
    const idle = await quiet(sim, 5000);
    const closed = await closedByPeer(sim, c, 1000);
    return [
      expect(echo.data.toString() === 'hello', 'the client gets its echo', `got ${JSON.stringify(echo.data.toString())}`),
      expect(
        !idle.storm && idle.calls <= 10,
        idle.storm
          ? `after the client said goodbye, the server made at least ${idle.calls} select() calls with the virtual clock standing still`
          : `after the client said goodbye, the server made ${idle.calls} select() calls in 5 virtual seconds`,
        idle.storm ? 'the EOF is readable for ever, and select returns at once' : 'more than 10',
      ),
      expect(closed, 'the server closes the client', 'the client never sees the server close'),
      alive(stage),
    ];
  });
