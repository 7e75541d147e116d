/**
 * Every test of the readiness contract against Node's sockets, in one process: what CI runs on the other Node
 * versions (`.ci/run`), where one process per file cost about 25 s a version in starting tsx and tap alone.
 * The whole suite, on the machine's Node, still runs each file in a process of its own.
 *
 *   npx -y node@24 node_modules/.bin/tap test/contract-suite.ts
 */
await import('./readiness-contract.test.js');
await import('./linux-parity.test.js');
await import('./cpython-epoll.test.js');
await import('./cpython-poll.test.js');
await import('./cpython-selectors.test.js');
await import('./select.test.js');
await import('./selector.test.js');
await import('./selectors.test.js');
await import('./poll.test.js');
await import('./epoll.test.js');
await import('./epoll-nested.test.js');
await import('./socket.test.js');
await import('./listener.test.js');
await import('./dgram.test.js');
await import('./stdio.test.js');
await import('./conveniences.test.js');
await import('./errors.test.js');
