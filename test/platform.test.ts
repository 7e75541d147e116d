/**
 * The platform seam (core/platform.ts): the portable platform a browser bundle runs on behaves as Node's
 * does where the core relies on it, and loading net-select installs Node's own.
 */
import t from 'tap';
import diagnosticsChannel from 'node:diagnostics_channel';
import { constants } from 'node:os';
import { SocketError } from '../lib/index.js';
import { platform, portablePlatform } from '../lib/core/platform.js';

t.test("loading net-select installs Node's platform: its errno numbers and its diagnostics channels", async (t) => {
  t.not(platform, portablePlatform);
  t.equal(new SocketError('ECONNRESET', 'recv').errno, constants.errno.ECONNRESET);
  t.equal(platform.channel('net-select:select'), diagnosticsChannel.channel('net-select:select'), 'the same channel object');
  t.equal(platform.env('PATH'), process.env['PATH']);
});

t.test("the portable errno numbers are Linux's", { skip: process.platform !== 'linux' && 'Linux numbers' }, async (t) => {
  const errnos = constants.errno as Record<string, number>;
  for (const name of ['EPERM', 'ENOENT', 'EBADF', 'EAGAIN', 'EMFILE', 'EPIPE', 'EADDRINUSE', 'ECONNRESET', 'ENOTCONN', 'ECONNREFUSED', 'EHOSTUNREACH', 'EMSGSIZE']) {
    t.equal(portablePlatform.errno(name), errnos[name], name);
  }
  t.equal(portablePlatform.errno('ENOTFOUND'), 0, 'a name with no number: 0');
});

t.test('portable immediate: after the current task, in order; one queued by a callback waits for a later round', async (t) => {
  const order: string[] = [];
  const done = new Promise<void>((resolve) => {
    portablePlatform.immediate(() => {
      order.push('a');
      portablePlatform.immediate(() => {
        order.push('c');
        resolve();
      });
      void Promise.resolve().then(() => order.push('a:microtask'));
    });
    portablePlatform.immediate(() => order.push('b'));
  });
  order.push('sync');
  await done;
  t.same(order, ['sync', 'a', 'b', 'a:microtask', 'c']);
});

t.test('portable tick: after the current job, before the next immediate', async (t) => {
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    portablePlatform.immediate(() => {
      order.push('immediate');
      resolve();
    });
    portablePlatform.tick(() => order.push('tick'));
    order.push('sync');
  });
  t.same(order, ['sync', 'tick', 'immediate']);
});

t.test('portable channels: one object per name; subscribers get what is published, until they unsubscribe', async (t) => {
  const ch = portablePlatform.channel('net-select:test');
  t.equal(portablePlatform.channel('net-select:test'), ch);
  t.equal(ch.hasSubscribers, false);
  const got: unknown[] = [];
  const fn = (m: unknown): void => void got.push(m);
  portablePlatform.subscribe('net-select:test', fn);
  t.equal(ch.hasSubscribers, true);
  ch.publish(1);
  portablePlatform.unsubscribe('net-select:test', fn);
  ch.publish(2);
  t.same(got, [1]);
  t.equal(ch.hasSubscribers, false);
});
