/**
 * The conveniences of modern JavaScript: `using` (Symbol.dispose), `wakeup()`, an `AbortSignal` on every
 * waiting call, `for await` over a Selector's batches, and TCP_NODELAY / SO_KEEPALIVE on a Socket.
 */
import net from 'node:net';
import t from 'tap';
import {
  EPOLLIN,
  EVENT_READ,
  Epoll,
  EpollSelector,
  Listener,
  POLLIN,
  Poll,
  PollSelector,
  SelectSelector,
  Selector,
  Socket,
  connect,
  listen,
  select,
} from '../lib/index.js';
import { listenT, portOf, socketPair, within } from './fixtures/helpers.js';

/** A model with a waiting call, a wakeup and a closing: each of the five waiting objects. */
interface Waitable {
  name: string;
  /** Makes one, watching `l` for reading; closed at teardown. */
  make(l: Listener): { wait(options?: { signal?: AbortSignal }): Promise<unknown[]>; wakeup(): void; close(): void; closed: boolean };
}

const WAITABLES: Waitable[] = [
  {
    name: 'Selector',
    make: (l) => {
      const s = new Selector();
      s.rlist.add(l);
      return { wait: async (o) => (await s.select(null, o)).flat(), wakeup: () => s.wakeup(), close: () => s.close(), get closed() { return s.closed; } };
    },
  },
  {
    name: 'Poll',
    make: (l) => {
      const p = new Poll();
      p.register(l, POLLIN);
      return { wait: (o) => p.poll(null, o), wakeup: () => p.wakeup(), close: () => p.close(), get closed() { return p.closed; } };
    },
  },
  {
    name: 'Epoll',
    make: (l) => {
      const ep = new Epoll();
      ep.register(l, EPOLLIN);
      return { wait: (o) => ep.poll(null, 8, o), wakeup: () => ep.wakeup(), close: () => ep.close(), get closed() { return ep.closed; } };
    },
  },
  ...[SelectSelector, PollSelector, EpollSelector].map((S) => ({
    name: S.name,
    make: (l: Listener) => {
      const sel = new S();
      sel.register(l, EVENT_READ);
      let closed = false;
      return {
        wait: (o?: { signal?: AbortSignal }) => sel.select(null, o),
        wakeup: () => sel.wakeup(),
        close: () => {
          closed = true;
          sel.close();
        },
        get closed() {
          return closed;
        },
      };
    },
  })),
];

for (const w of WAITABLES) {
  t.test(`${w.name}: wakeup() ends a call waiting with no timeout at once, with an empty answer`, async (t) => {
    const l = await listenT(t);
    const obj = w.make(l);
    t.teardown(() => obj.close());
    const waiting = obj.wait();
    obj.wakeup();
    t.same(await within(waiting, 'the woken call'), [], 'empty answer');
  });

  t.test(`${w.name}: a wakeup() with no call waiting makes the next call return at once`, async (t) => {
    const l = await listenT(t);
    const obj = w.make(l);
    t.teardown(() => obj.close());
    obj.wakeup();
    t.same(await within(obj.wait(), 'the call after a wakeup'), [], 'empty answer');
    const c = connect({ host: '127.0.0.1', port: portOf(l) });
    t.teardown(() => c.close());
    t.not((await within(obj.wait(), 'the next call')).length, 0, 'the wakeup was used up: the next call waits for the connection');
  });

  t.test(`${w.name}: wakeup() after close() does nothing (the selectors threw EBADF, the others did not)`, async (t) => {
    const l = await listenT(t);
    const obj = w.make(l);
    obj.close();
    t.doesNotThrow(() => obj.wakeup(), 'no error');
    await t.rejects(obj.wait(), { code: 'EBADF' }, 'a call on the closed object still fails');
  });

  t.test(`${w.name}: an AbortSignal rejects the waiting call with AbortError, and the object goes on`, async (t) => {
    const l = await listenT(t);
    const obj = w.make(l);
    t.teardown(() => obj.close());
    const ac = new AbortController();
    const waiting = obj.wait({ signal: ac.signal });
    ac.abort(new Error('enough'));
    const err = await within(waiting.then(() => undefined, (e: unknown) => e), 'the aborted call');
    t.match(err, { name: 'AbortError', code: 'ABORT_ERR', cause: { message: 'enough' } });
    await t.rejects(obj.wait({ signal: AbortSignal.abort() }), { name: 'AbortError', code: 'ABORT_ERR' }, 'an aborted signal rejects at once');
    const c = connect({ host: '127.0.0.1', port: portOf(l) });
    t.teardown(() => c.close());
    t.not((await within(obj.wait(), 'a call after the abort')).length, 0, 'the next call gets the connection');
  });
}

t.test('select() takes an AbortSignal too', async (t) => {
  const l = await listenT(t);
  const ac = new AbortController();
  const waiting = select([l], [], [], null, { signal: ac.signal });
  ac.abort();
  await t.rejects(within(waiting, 'the aborted select'), { name: 'AbortError', code: 'ABORT_ERR' });
  await t.rejects(select([l], [], [], 0, { signal: AbortSignal.abort() }), { name: 'AbortError' }, 'aborted before the call');
  await t.rejects(select([l], [], [], 0, { signal: 'no' as unknown as AbortSignal }), { code: 'ERR_INVALID_ARG_TYPE', message: /options\.signal/ });
});

t.test('using closes a Socket, a Listener and every waiting object at the end of the block', async (t) => {
  let kept: { sock?: Socket; listener?: Listener; objs?: { closed: boolean }[] } = {};
  {
    using listener = await listen({ host: '127.0.0.1', port: 0 });
    using sock = connect({ host: '127.0.0.1', port: portOf(listener) });
    using sel = new Selector();
    using p = new Poll();
    using ep = new Epoll();
    using s1 = new SelectSelector();
    using s2 = new PollSelector();
    using s3 = new EpollSelector();
    kept = { sock, listener, objs: [sel, p, ep] };
    t.ok([s1, s2, s3].every((s) => s.getMap().size === 0), 'usable inside the block');
  }
  t.equal(kept.sock?.fileno(), -1, 'the socket is closed');
  t.equal(kept.listener?.fileno(), -1, 'the listener is closed');
  t.ok(kept.objs?.every((o) => o.closed), 'Selector, Poll and Epoll are closed');
});

t.test('for await over a Selector gives its batches and ends when it is closed', async (t) => {
  const l = await listenT(t);
  const sel = new Selector();
  t.teardown(() => sel.close());
  sel.rlist.add(l);
  const c = connect({ host: '127.0.0.1', port: portOf(l) });
  t.teardown(() => c.close());
  let batches = 0;
  const loop = (async () => {
    for await (const [readable] of sel) {
      batches++;
      for (const s of readable) if (s instanceof Listener) s.accept()?.close();
      if (batches === 1) setImmediate(() => sel.close()); // closed while the next select waits
    }
  })();
  await within(loop, 'the loop to end when the selector closes');
  t.equal(batches, 1, 'one batch: the connection; then the close ended the loop without an error');
});

t.test('setNoDelay and setKeepAlive reach the net.Socket underneath, and are checked', async (t) => {
  const l = await listenT(t);
  const ns = net.connect({ host: '127.0.0.1', port: portOf(l) });
  const calls: unknown[][] = [];
  const { setNoDelay, setKeepAlive } = ns;
  ns.setNoDelay = (...a: Parameters<typeof setNoDelay>) => (calls.push(['nodelay', ...a]), setNoDelay.apply(ns, a));
  ns.setKeepAlive = (...a: Parameters<typeof setKeepAlive>) => (calls.push(['keepalive', ...a]), setKeepAlive.apply(ns, a));
  const sock = Socket.adopt(ns);
  t.teardown(() => sock.close());
  sock.setNoDelay(false);
  sock.setNoDelay();
  sock.setKeepAlive(true, 30_000);
  t.same(calls, [['nodelay', false], ['nodelay', true], ['keepalive', true, 30_000]]);
  t.throws(() => sock.setNoDelay('yes' as unknown as boolean), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => sock.setKeepAlive(true, -1), { code: 'ERR_OUT_OF_RANGE' });
  sock.close();
  t.throws(() => sock.setNoDelay(), { name: 'SocketError', code: 'EBADF' });
  t.throws(() => sock.setKeepAlive(true), { name: 'SocketError', code: 'EBADF' });
});

t.test('setNoDelay and setKeepAlive on a connected pair do not disturb the data', async (t) => {
  const { client, server } = await socketPair(t);
  client.setNoDelay(true);
  client.setKeepAlive(true, 1000);
  client.send('x');
  await within(select([server], [], [], null), 'the byte');
  t.equal(server.recv(1)?.toString(), 'x');
});
