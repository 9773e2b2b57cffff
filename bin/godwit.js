#!/usr/bin/env node
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// godwit's live heap stays small, as a large script streams through, but V8 sizes the heap for speed:
// it doubles the young generation, up to 32 MB, each time that much has survived collections (which a
// long script's steady stream of statements soon does), and lets the old generation grow to about four
// times what survived the last full collection. A migration of a few hundred megabytes then peaked
// near 140 MB of memory; kept at its initial 2 MB young generation and an old generation that may
// double, it stays under 80 MB whatever the script's size, and no slower: each collection is cheap.
// V8 reads both flags whenever it resizes the heap, so setting them now takes effect. Set before main
// is loaded, and only for the CLI: the library leaves an application's heap alone.
setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--heap-growing-percent=100');

/**
 * The CLI as `npm run build` bundles it (scripts/bundle-cli.mjs): a few files for Node to load instead
 * of a hundred. The published package holds only the bundle. In a checkout, a build by tsc alone (as
 * the tests' global setup runs) rewrites dist/cli/main.js after the bundle was made: the bundle is then
 * older than the sources and tsc's output runs instead.
 */
function cliModule() {
  const bundle = statSync(new URL('../dist/bundle/cli.js', import.meta.url), { throwIfNoEntry: false });
  const compiled = statSync(new URL('../dist/cli/main.js', import.meta.url), { throwIfNoEntry: false });
  return bundle !== undefined && (compiled === undefined || bundle.mtimeMs >= compiled.mtimeMs) ? '../dist/bundle/cli.js' : '../dist/cli/main.js';
}

const { main } = await import(cliModule());

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
