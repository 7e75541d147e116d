/**
 * Errors a user can act on: each names the call or the argument once, by the name the user wrote, and says
 * what to do when the fix is not obvious.
 */
import net from 'node:net';
import t from 'tap';
import { DefaultSelector, EVENT_READ, Epoll, Selector, listen, select, type Selectable } from '../lib/index.js';
import { listenT, portOf } from './fixtures/helpers.js';

t.test('a bind error names the call once: not "bind EADDRINUSE: listen EADDRINUSE"', async (t) => {
  const l = await listenT(t);
  const err = await listen({ host: '127.0.0.1', port: portOf(l) }).then(() => undefined, (e: unknown) => e);
  t.match(err, { name: 'SocketError', code: 'EADDRINUSE', syscall: 'bind' });
  const message = (err as Error).message;
  t.match(message, /^bind EADDRINUSE: address already in use 127\.0\.0\.1:\d+$/);
  t.equal(message.split('EADDRINUSE').length, 2, 'the errno appears once');
});

t.test('listen on an address this host does not have fails with EADDRNOTAVAIL from bind', async (t) => {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address. bind(2) refuses it; nothing is sent.
  await t.rejects(listen({ host: '192.0.2.1', port: 0 }), { name: 'SocketError', code: 'EADDRNOTAVAIL', syscall: 'bind' });
});

t.test('a raw net.Socket where a net-select socket belongs says to use Socket.adopt', async (t) => {
  const raw = new net.Socket();
  t.teardown(() => raw.destroy());
  const adopt = { code: 'ERR_INVALID_ARG_TYPE', message: /Socket\.adopt\(socket\)/ };
  await t.rejects(select([raw as unknown as Selectable], [], [], 0), { ...adopt, message: /"rlist\[0\]".*Socket\.adopt/ });
  t.throws(() => new Selector().rlist.add(raw as unknown as Selectable), adopt);
  t.throws(() => new Epoll().register(raw as unknown as Selectable), adopt);
  t.throws(() => new DefaultSelector().register(raw as unknown as Selectable, EVENT_READ), adopt);
});

t.test('a raw net.Server where a listener belongs says to use Listener.adopt', async (t) => {
  const server = net.createServer();
  t.throws(() => new Selector().rlist.add(server as unknown as Selectable), {
    code: 'ERR_INVALID_ARG_TYPE',
    message: /Listener\.adopt\(server\)/,
  });
});

t.test('the selectors API names its argument fileobj, as the parameter is named', async (t) => {
  const sel = new DefaultSelector();
  t.teardown(() => sel.close());
  t.throws(() => sel.register('x' as unknown as Selectable, EVENT_READ), { code: 'ERR_INVALID_ARG_TYPE', message: /^The "fileobj" argument/ });
});

t.test('a listener of the wrong type on a Selector is ERR_INVALID_ARG_TYPE, as with Node\'s EventEmitter', async (t) => {
  const sel = new Selector();
  t.teardown(() => sel.close());
  const bad = 5 as unknown as () => void;
  for (const method of ['on', 'once', 'addListener'] as const) {
    t.throws(() => sel[method]('ready', bad), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: /"listener" argument must be of type function/ }, method);
  }
  t.equal(sel.listenerCount('ready'), 0, 'nothing was added');
});
