// The browser bundle of net-select and net-select/testing, and its check (`npm run check:arch` runs it):
// esbuild for platform 'browser', with the `buffer` package as the only stand-in for a Node module. The bundle
// must build (a Node built-in does not resolve for a browser) and take nothing from the Node backend but its
// browser stand-in (package.json's `browser` field swaps lib/backends/node/index.ts for browser.ts).
//
//   node scripts/browser-bundle.mjs            check; exit 1 with the reasons when the bundle is not clean
//   node scripts/browser-bundle.mjs --out DIR  also write DIR/index.js and DIR/testing/index.js (ESM)
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The packages a browser bundle may contain: the runtime dependencies and the Buffer stand-in. */
export const ALLOWED_PACKAGES = ['eventemitter3', 'yocto-queue', 'buffer', 'base64-js', 'ieee754'];

/**
 * Builds the browser bundle of `entryPoints` (paths relative to `absWorkingDir`). Returns the problems found
 * (none: clean) and esbuild's result.
 */
export async function bundleForBrowser({ absWorkingDir = root, entryPoints = ['lib/index.ts', 'lib/testing/index.ts'], outdir, write = false } = {}) {
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir,
      entryPoints,
      outdir: outdir ?? 'browser-bundle',
      outbase: 'lib',
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      splitting: true,
      metafile: true,
      write,
      logLevel: 'silent',
    });
  } catch (err) {
    const errors = err.errors ?? [{ text: String(err) }];
    return { problems: errors.map((e) => `${e.location ? `${e.location.file}: ` : ''}${e.text}`), result: undefined };
  }
  const problems = [];
  for (const input of Object.keys(result.metafile.inputs)) {
    const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
    if (pkg !== undefined) {
      if (!ALLOWED_PACKAGES.includes(pkg)) problems.push(`${input}: package ${pkg} is not one a browser bundle may hold`);
    } else if (/^lib\/backends\/node\/(?!browser\.ts$)/.test(input) || input.startsWith('lib/cli/')) {
      problems.push(`${input}: Node-only code in the browser bundle`);
    } else if (!input.startsWith('lib/')) {
      problems.push(`${input}: outside lib/`);
    }
  }
  return { problems, result };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const outdir = at > 0 ? process.argv[at + 1] : undefined;
  const { problems, result } = await bundleForBrowser({ outdir, write: outdir !== undefined });
  if (problems.length > 0) {
    console.error(`browser bundle: not clean\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`browser bundle: clean (${Object.keys(result.metafile.inputs).length} inputs, ${bytes} bytes, no Node built-in)`);
}
