// Injected into both bundles by scripts/build-site.mjs: every use of Node's global `Buffer` in the library
// becomes the `buffer` package's, the only stand-in the browser build has.
import { Buffer } from 'buffer';

export { Buffer };
