/** Exercise 4's check: a connected, quiet client costs the server nothing. */
import { alive, expect, onStage, quiet, receive, sendAll, type Check } from '../kit.js';

/** What the exercise is about, in a few words. */
export const title = 'the writable busy loop';

/** Runs the scenario against a `serve` and says what it saw, one finding a line. */
export const check: Check = (serve) =>
  onStage(serve, {}, async (stage) => {
    const { sim } = stage;
    const c = stage.client();
    const sentOk = await sendAll(sim, c, 'ping\n');
    const echo = await receive(sim, c, 5);
    const idle = await quiet(sim, 5000); // connected, nothing to say
    return [
      expect(sentOk && echo.data.toString() === 'ping\n', 'the client gets its echo', `got ${JSON.stringify(echo.data.toString())}`),
      expect(
        !idle.storm && idle.calls <= 10,
        idle.storm
          ? `while the client is connected and quiet, the server made at least ${idle.calls} select() calls with the virtual clock standing still`
          : `while the client is connected and quiet, the server made ${idle.calls} select() calls in 5 virtual seconds`,
        idle.storm ? 'an idle client in the write list is writable, every time' : 'more than 10',
      ),
      alive(stage),
    ];
  });
