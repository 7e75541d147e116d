/**
 * Every test of the readiness contract against Node's sockets, in one process: what CI runs on the other Node
 * versions (`.ci/run`), beside the tests of the examples (test/suite/examples.ts). `npm test` runs these files
 * too, in the processes it shares between all test files (test/suite/groups.ts).
 *
 *   npx -y node@24 node_modules/.bin/tap test/contract-suite.ts test/suite/examples.ts
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
