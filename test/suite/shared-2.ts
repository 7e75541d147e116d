// One of the processes that run the shared test files (test/suite/groups.ts says how they share them).
import { runShare } from './groups.js';

await runShare();
