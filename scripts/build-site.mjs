// `npm run site`: builds the select playground (docs/playground/) into a static site in dist/site/ — a page,
// its script with the editor and the type stripper, and the library bundled for the browser inside the
// script of the Web Worker that runs the learner's program. No server-side code: it works from file://.
//
// The library is bundled as it is, through its two entry points ('net-select' and 'net-select/testing'),
// with the `buffer` package for Node's Buffer and nothing else stood in. A Node built-in (`node:*`) that
// reaches the bundle fails the build and is listed: the library must run in a browser unchanged.

import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = join(ROOT, 'docs', 'playground');
/** The most the site may weigh: every file of dist/site together. */
export const SITE_BUDGET = 2 * 1024 * 1024;

/** Records every Node built-in a bundle imports (a page has none), with its importer, and leaves it out. */
function nodeBuiltins(found) {
  return {
    name: 'node-builtins',
    setup(build) {
      build.onResolve({ filter: /^node:|^(fs|os|net|tls|dgram|diagnostics_channel|path|url|child_process)$/ }, (args) => {
        found.push(`${args.path} (imported by ${relative(ROOT, args.importer)})`);
        return { path: args.path, external: true };
      });
    },
  };
}

/** `import text from './file.ts?raw'`: the file's text (the presets, shown in the editor, run in the worker). */
const rawText = {
  name: 'raw-text',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => ({ path: resolve(args.resolveDir, args.path.slice(0, -4)), namespace: 'raw' }));
    build.onLoad({ filter: /.*/, namespace: 'raw' }, (args) => ({ contents: readFileSync(args.path, 'utf8'), loader: 'text' }));
  },
};

/** The options both bundles share: the browser, the library's two entry points, `buffer` for Buffer. */
function common(found, src) {
  return {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome110',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    alias: {
      'net-select/testing': join(ROOT, 'lib', 'testing', 'index.ts'),
      'net-select': join(ROOT, 'lib', 'index.ts'),
    },
    inject: [join(src, 'buffer-global.ts')],
    plugins: [nodeBuiltins(found), rawText],
  };
}

/**
 * Builds the site from the playground's sources `src` (default docs/playground) into `outdir` (default
 * dist/site). Resolves with the files written and their sizes.
 * @throws {Error} listing every Node built-in the bundles import, and esbuild's errors.
 */
export async function buildSite({ outdir = join(ROOT, 'dist', 'site'), src = SOURCES } = {}) {
  const found = [];
  const failures = [];
  // esbuild's errors are gathered with the Node built-ins met, so that a failed build says everything at once.
  const attempt = (options) =>
    esbuild.build(options).catch((err) => {
      for (const e of err.errors ?? [{ text: String(err) }]) failures.push(`${e.location ? `${e.location.file}: ` : ''}${e.text}`);
      return null;
    });
  const worker = await attempt({ ...common(found, src), entryPoints: [join(src, 'worker.ts')] });
  const workerCode = worker?.outputFiles[0].text ?? '';
  const page = await attempt({
    ...common(found, src),
    entryPoints: [join(src, 'page.ts')],
    plugins: [
      nodeBuiltins(found),
      rawText,
      {
        // The worker's script goes inside the page's: a worker made from a blob URL runs from file:// too.
        name: 'worker-source',
        setup(build) {
          build.onResolve({ filter: /^playground:worker$/ }, () => ({ path: 'worker', namespace: 'worker-source' }));
          build.onLoad({ filter: /.*/, namespace: 'worker-source' }, () => ({ contents: workerCode, loader: 'text' }));
        },
      },
    ],
  });
  const unique = [...new Set(found)];
  const problems = [...new Set(failures)];
  if (unique.length > 0) {
    problems.push(`the browser bundle imports Node built-ins, which a page does not have:\n  ${unique.join('\n  ')}`);
  }
  if (problems.length > 0 || worker === null || page === null) throw new Error(problems.join('\n'));
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  writeFileSync(join(outdir, 'playground.js'), page.outputFiles[0].contents);
  for (const f of ['index.html', 'playground.css']) copyFileSync(join(src, f), join(outdir, f));
  const files = readdirSync(outdir).map((name) => ({ name, bytes: statSync(join(outdir, name)).size }));
  const total = files.reduce((s, f) => s + f.bytes, 0);
  if (total > SITE_BUDGET) throw new Error(`the site weighs ${total} bytes, over its budget of ${SITE_BUDGET}`);
  return { outdir, files, total };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const { outdir, files, total } = await buildSite();
    for (const f of files) console.log(`${String(f.bytes).padStart(9)}  ${relative(ROOT, join(outdir, f.name))}`);
    console.log(`${String(total).padStart(9)}  in all (budget ${SITE_BUDGET}); open ${relative(ROOT, join(outdir, 'index.html'))}`);
  } catch (err) {
    console.error(`npm run site: ${err.message}`);
    process.exit(1);
  }
}
