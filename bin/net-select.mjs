#!/usr/bin/env node
// The `net-select` command (lib/cli/net-select.ts). In a checkout, with tsx installed, it runs the
// TypeScript source, so it is never stale; in an installed package, the compiled dist/.
import { existsSync } from 'node:fs';

const source = new URL('../lib/cli/net-select.ts', import.meta.url);
let cli;
if (existsSync(source)) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    cli = await import(source.href);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
}
cli ??= await import(new URL('../dist/lib/cli/net-select.js', import.meta.url).href);
process.exitCode = await cli.main(process.argv.slice(2));
