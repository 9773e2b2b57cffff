/**
 * The package as npm publishes it: what the tarball holds (`npm pack --dry-run`), and a packed tarball
 * installed into an empty folder, where the CLI answers and the API works from both an ES module and a
 * CommonJS file (Node 20 loads the ES module graph through require(), which has no top-level await).
 * The install prefers npm's cache, so only a machine that never fetched the dependencies hits the registry.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackedFile {
  path: string;
}

describe('the npm package', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'godwit-package-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('holds the bundled CLI, the built library with its types and the docs, and no development files', async () => {
    // The build ran in the global setup; scripts are skipped so that packing does not build again.
    const { stdout } = await run(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT });
    const files = (JSON.parse(stdout) as Array<{ files: PackedFile[] }>)[0]!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/godwit.js', 'flyway.toml.example', 'dist/index.js', 'dist/index.d.ts', 'dist/bundle/cli.js']));
    // The CLI ships bundled only: tsc's unbundled copy would be a second CLI that bin/godwit.js never loads.
    expect(files.filter((file) => file.startsWith('dist/cli/'))).toEqual([]);
    const outside = files.filter((file) => !file.startsWith('dist/') && !['package.json', 'README.md', 'bin/godwit.js', 'flyway.toml.example'].includes(file));
    expect(outside).toEqual([]);
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    // Every file tsc built comes from a source file that exists now: no leftovers of deleted modules.
    const orphans = files
      .filter((file) => file.startsWith('dist/') && !file.startsWith('dist/bundle/') && (file.endsWith('.js') || file.endsWith('.d.ts')))
      .filter((file) => !existsSync(join(REPO_ROOT, file.replace(/^dist\//, 'src/').replace(/\.d\.ts$|\.js$/, '.ts'))));
    expect(orphans).toEqual([]);
  });

  it('declares an import and a require entry, both typed', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string>>; types: string };
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js', require: './dist/index.js' });
    expect(manifest.types).toBe('./dist/index.d.ts');
  });

  it('installs from the tarball into an empty folder: godwit --version, import and require', async () => {
    const { stdout: packed } = await run(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', root], { cwd: REPO_ROOT });
    const tarball = join(root, (JSON.parse(packed) as Array<{ filename: string }>)[0]!.filename);
    const app = join(root, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
    await run(NPM, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, timeout: 240_000 });

    const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const godwit = join(app, 'node_modules', '.bin', 'godwit');
    const cli = await run(godwit, ['--version'], { cwd: app });
    expect(cli.stdout.trim()).toBe(`godwit ${version.version}`);

    writeFileSync(join(app, 'V1__Start.ts'), "export default async function (ctx: { query(sql: string): Promise<unknown[]> }) {\n  await ctx.query('CREATE TABLE started (id INT)');\n}\n");
    writeFileSync(
      join(app, 'esm.mjs'),
      [
        "import { Godwit, GodwitError } from 'godwit';",
        "const godwit = Godwit.create({ url: 'pglite:memory', locations: ['filesystem:.'] });",
        'const result = await godwit.migrate();',
        'await godwit.close();',
        'console.log(JSON.stringify({ executed: result.migrationsExecuted, type: result.migrations[0].type, errors: typeof GodwitError }));',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'cjs.cjs'),
      [
        "const { Godwit, ConfigError } = require('godwit');",
        '(async () => {',
        "  const godwit = Godwit.create({ url: 'pglite:memory', locations: ['filesystem:.'] });",
        '  const info = await godwit.info();',
        '  await godwit.close();',
        "  let code = '';",
        "  try { Godwit.create({ url: 'pglite:memory', connectRetries: 'x' }); } catch (error) { code = error instanceof ConfigError ? error.code : 'other'; }",
        '  console.log(JSON.stringify({ states: info.migrations.map((m) => m.state), code }));',
        '})();',
      ].join('\n'),
    );
    // The bundled CLI finds the packages it leaves outside (PGlite's WebAssembly, jiti for the code migration) from the installed layout.
    const migrated = await run(godwit, ['-url=pglite:memory', '-locations=filesystem:.', 'migrate'], { cwd: app, timeout: 60_000 });
    expect(migrated.stdout).toContain('Successfully applied 1 migration to schema "public", now at version v1');
    const esm = await run(process.execPath, ['esm.mjs'], { cwd: app, timeout: 60_000 });
    expect(JSON.parse(esm.stdout)).toEqual({ executed: 1, type: 'JDBC', errors: 'function' });
    const cjs = await run(process.execPath, ['cjs.cjs'], { cwd: app, timeout: 60_000 });
    expect(JSON.parse(cjs.stdout)).toEqual({ states: ['Pending'], code: 'CONFIGURATION' });
  }, 300_000);
});
