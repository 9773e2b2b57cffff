#!/usr/bin/env node
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

const { main } = await import('../dist/cli/main.js');

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
