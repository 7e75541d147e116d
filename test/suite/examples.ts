/**
 * The tests of every example (`test/*-example.test.ts`, a new one included), in one process: what CI runs on
 * each Node version besides this machine's, beside test/contract-suite.ts.
 *
 *   npx -y node@24 node_modules/.bin/tap test/contract-suite.ts test/suite/examples.ts
 */
import { exampleFiles, runFiles } from './groups.js';

await runFiles(exampleFiles());
