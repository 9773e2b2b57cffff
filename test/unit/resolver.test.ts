import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it, expect } from 'vitest';
import { GodwitError } from '../../src/errors.js';
import { checksum } from '../../src/engine/checksum.js';
import { loadScriptText, resolveMigrations, type ResolverConfig } from '../../src/engine/resolver.js';
import type { ResolvedMigration } from '../../src/engine/types.js';

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh working directory holding the given files (path → text, or bytes). */
async function project(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'godwit-resolver-'));
  tempDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

function config(workingDirectory: string, overrides: Partial<ResolverConfig> = {}): ResolverConfig {
  return {
    locations: [], workingDirectory, failOnMissingLocations: false, validateMigrationNaming: false, encoding: 'UTF-8',
    placeholderReplacement: true, placeholderPrefix: '${', placeholderSuffix: '}',
    sqlMigrationPrefix: 'V', undoSqlMigrationPrefix: 'U', repeatableSqlMigrationPrefix: 'R', sqlMigrationSeparator: '__', sqlMigrationSuffixes: ['.sql'],
    ...overrides,
  };
}

interface Run {
  migrations: ResolvedMigration[];
  warnings: string[];
  placeholderCalls: string[];
}

async function resolve(cfg: ResolverConfig, placeholders: Record<string, string> | null = null): Promise<Run> {
  const warnings: string[] = [];
  const placeholderCalls: string[] = [];
  const migrations = await resolveMigrations(cfg, {
    placeholdersFor: (script) => {
      placeholderCalls.push(script);
      return placeholders;
    },
    warn: (message) => warnings.push(message),
  });
  return { migrations, warnings, placeholderCalls };
}

async function failure(cfg: ResolverConfig): Promise<GodwitError> {
  try {
    await resolve(cfg);
  } catch (error) {
    if (error instanceof GodwitError) return error;
    throw error;
  }
  throw new Error('expected resolveMigrations to fail');
}

const summary = (m: ResolvedMigration) => [m.kind, m.version?.text ?? null, m.description, m.script, m.type];

describe('resolveMigrations: scanning and order', () => {
  it('finds migrations in nested folders, sorted Flyway-style, with scripts relative to the location', async () => {
    const dir = await project({
      'sql/V2__two.sql': 'SELECT 2;\n',
      'sql/V1__init.sql': 'CREATE TABLE t (id INT);\n',
      'sql/sub/V1_1__add.sql': 'SELECT 11;\n',
      'sql/sub/deeper/V010__ten.sql': 'SELECT 10;\n',
      'sql/R__b_view.sql': 'SELECT b;\n',
      'sql/sub/R__A_view.sql': 'SELECT a;\n',
      'sql/U1.1__add.sql': 'SELECT -11;\n',
      'sql/afterMigrate.sql': 'SELECT callback;\n',
      'sql/V1__init.sql.conf': 'executeInTransaction=false\n',
      'sql/notes.txt': 'not a migration\n',
    });
    const { migrations, warnings } = await resolve(config(dir, { locations: ['filesystem:sql'] }));
    expect(migrations.map(summary)).toEqual([
      ['versioned', '1', 'init', 'V1__init.sql', 'SQL'],
      ['versioned', '1.1', 'add', 'sub/V1_1__add.sql', 'SQL'],
      ['versioned', '2', 'two', 'V2__two.sql', 'SQL'],
      ['versioned', '010', 'ten', 'sub/deeper/V010__ten.sql', 'SQL'],
      ['repeatable', null, 'A view', 'sub/R__A_view.sql', 'SQL'],
      ['repeatable', null, 'b view', 'R__b_view.sql', 'SQL'],
      ['undo', '1.1', 'add', 'U1.1__add.sql', 'UNDO_SQL'],
    ]);
    expect(warnings).toEqual([]);
    const [first, second] = migrations;
    expect(first).toMatchObject({ rawVersion: '1', physicalPath: path.join(dir, 'sql', 'V1__init.sql'), checksum: 1556295178, equivalentChecksum: null });
    expect(second?.rawVersion).toBe('1_1');
    expect(migrations[4]?.rawVersion).toBe('');
  });

  it('uses filesystem:sql in the working directory when no locations are configured', async () => {
    const dir = await project({ 'sql/V1__a.sql': 'SELECT 1;' });
    const { migrations, warnings } = await resolve(config(dir));
    expect(migrations.map((m) => m.script)).toEqual(['V1__a.sql']);
    expect(warnings).toEqual([]);
  });

  it('warns when no locations are configured and there is no sql folder', async () => {
    const dir = await project({ 'V1__a.sql': 'SELECT 1;' });
    const { migrations, warnings } = await resolve(config(dir));
    expect(migrations).toEqual([]);
    expect(warnings).toEqual(["No locations configured and default location 'sql' not found."]);
  });

  it('resolves relative locations against the working directory and accepts absolute ones', async () => {
    const dir = await project({ 'db/migration/V1__a.sql': 'SELECT 1;', 'other/V2__b.sql': 'SELECT 2;' });
    const cfg = config(dir, { locations: ['filesystem:db/migration', ` filesystem:${path.join(dir, 'other')} `] });
    expect((await resolve(cfg)).migrations.map((m) => m.physicalPath)).toEqual([
      path.join(dir, 'db/migration/V1__a.sql'),
      path.join(dir, 'other/V2__b.sql'),
    ]);
  });

  it('scans a location once when it is repeated or nested in another', async () => {
    const dir = await project({ 'sql/V1__a.sql': 'SELECT 1;', 'sql/sub/V2__b.sql': 'SELECT 2;' });
    const { migrations, warnings } = await resolve(config(dir, { locations: ['filesystem:sql/sub', 'filesystem:sql', 'filesystem:sql/'] }));
    expect(migrations.map((m) => m.script)).toEqual(['V1__a.sql', 'sub/V2__b.sql']);
    expect(warnings).toEqual([
      `Discarding duplicate location 'filesystem:${path.join(dir, 'sql')}'`,
      `Discarding location 'filesystem:${path.join(dir, 'sql/sub')}' as it is a sub-location of 'filesystem:${path.join(dir, 'sql')}'`,
    ]);
  });
});

describe('resolveMigrations: names', () => {
  it('reads V1_1 as 1.1 and orders leading zeros numerically', async () => {
    const dir = await project({ 'sql/V1_1__a.sql': 'SELECT 1;', 'sql/V1.2__b.sql': 'SELECT 2;', 'sql/V0009__c.sql': 'SELECT 3;' });
    const { migrations } = await resolve(config(dir));
    expect(migrations.map((m) => m.version?.text)).toEqual(['1.1', '1.2', '0009']);
  });

  it('allows empty descriptions and keeps a space before the suffix', async () => {
    const dir = await project({ 'sql/V1.sql': 'SELECT 1;', 'sql/V2__.sql': 'SELECT 2;', 'sql/V3__Add_table .sql': 'SELECT 3;' });
    const { migrations } = await resolve(config(dir));
    expect(migrations.map((m) => [m.version?.text, m.description])).toEqual([['1', ''], ['2', ''], ['3', 'Add table ']]);
  });

  it('fails on invalid names when validateMigrationNaming is true, listing each', async () => {
    const dir = await project({ 'sql/V1__ok.sql': 'SELECT 1;', 'sql/V1_x__bad.sql': 'SELECT 2;', 'sql/create.sql': 'SELECT 3;' });
    const error = await failure(config(dir, { validateMigrationNaming: true }));
    expect(error.message).toBe(
      'Invalid SQL filenames found:\r\n' +
        'Invalid versioned migration name format: V1_x__bad.sql (could not recognise version number 1_x)\r\n' +
        'Unrecognised migration name format: create.sql',
    );
  });

  it('skips invalid names with two warnings when validateMigrationNaming is false', async () => {
    const dir = await project({ 'sql/V1__ok.sql': 'SELECT 1;', 'sql/V1_x__bad.sql': 'SELECT 2;', 'sql/create.sql': 'SELECT 3;', 'sql/beforeMigrate.sql': '' });
    const { migrations, warnings } = await resolve(config(dir));
    expect(migrations.map((m) => m.script)).toEqual(['V1__ok.sql']);
    expect(warnings).toEqual([
      '2 SQL migrations were detected but not run because they did not follow the filename convention.',
      "Set 'validateMigrationNaming' to true to fail fast and see a list of the invalid file names.",
    ]);
  });
});

describe('resolveMigrations: duplicates', () => {
  it('fails on two files with the same version, naming both', async () => {
    const dir = await project({ 'sql/V1__a.sql': 'SELECT 1;', 'sql/sub/V1.0__b.sql': 'SELECT 2;' });
    const error = await failure(config(dir));
    expect(error.code).toBe('DUPLICATE_MIGRATION');
    expect(error.message).toBe(
      `Found more than one migration with version 1\nOffenders:\n-> ${path.join(dir, 'sql/V1__a.sql')} (SQL)\n-> ${path.join(dir, 'sql/sub/V1.0__b.sql')} (SQL)`,
    );
  });

  it('treats leading zeros as the same version', async () => {
    const dir = await project({ 'sql/V01__a.sql': 'SELECT 1;', 'sql/V1__b.sql': 'SELECT 2;' });
    const error = await failure(config(dir));
    expect(error.message).toContain('Found more than one migration with version 01\n');
    expect(error.message).toContain(path.join(dir, 'sql/V1__b.sql'));
  });

  it('fails on duplicates across locations and on duplicate undo versions', async () => {
    const dir = await project({ 'a/V3__x.sql': 'SELECT 1;', 'b/V3__y.sql': 'SELECT 2;', 'c/U4__x.sql': '', 'c/sub/U4__y.sql': '' });
    expect((await failure(config(dir, { locations: ['filesystem:a', 'filesystem:b'] }))).message).toMatch(/^Found more than one migration with version 3\n/);
    const undo = await failure(config(dir, { locations: ['filesystem:c'] }));
    expect(undo.message).toBe(
      `Found more than one migration with version 4\nOffenders:\n-> ${path.join(dir, 'c/U4__x.sql')} (UNDO_SQL)\n-> ${path.join(dir, 'c/sub/U4__y.sql')} (UNDO_SQL)`,
    );
  });

  it('allows an undo migration beside its versioned migration', async () => {
    const dir = await project({ 'sql/V4__x.sql': 'SELECT 1;', 'sql/U4__x.sql': 'SELECT 2;' });
    expect((await resolve(config(dir))).migrations.map((m) => m.type)).toEqual(['SQL', 'UNDO_SQL']);
  });

  it('fails on two repeatables with the same description', async () => {
    const dir = await project({ 'sql/R__views.sql': 'SELECT 1;', 'sql/sub/R__views.sql': 'SELECT 2;', 'sql/R__Views2.sql': '' });
    const error = await failure(config(dir));
    expect(error.code).toBe('DUPLICATE_MIGRATION');
    expect(error.message).toBe(
      `Found more than one repeatable migration with description views\nOffenders:\n-> ${path.join(dir, 'sql/R__views.sql')} (SQL)\n-> ${path.join(dir, 'sql/sub/R__views.sql')} (SQL)`,
    );
  });
});

describe('resolveMigrations: checksums', () => {
  const files = { 'sql/V1__a.sql': 'SELECT ${x};\n', 'sql/sub/R__p.sql': 'SELECT ${x};\n' };

  it('checksums a repeatable after placeholder replacement, keeping the raw checksum as equivalent', async () => {
    const dir = await project(files);
    const { migrations, placeholderCalls } = await resolve(config(dir), { x: '42' });
    const [versioned, repeatable] = migrations;
    expect(versioned).toMatchObject({ checksum: checksum('SELECT ${x};\n'), equivalentChecksum: null });
    expect(repeatable).toMatchObject({ checksum: checksum('SELECT 42;\n'), equivalentChecksum: checksum('SELECT ${x};\n') });
    expect(placeholderCalls).toEqual(['sub/R__p.sql']);
  });

  it('checksums the raw text when placeholder replacement is off', async () => {
    const dir = await project(files);
    const off = await resolve(config(dir, { placeholderReplacement: false }), { x: '42' });
    expect(off.migrations[1]).toMatchObject({ checksum: checksum('SELECT ${x};\n'), equivalentChecksum: null });
    expect(off.placeholderCalls).toEqual([]);
    const none = await resolve(config(dir));
    expect(none.migrations[1]).toMatchObject({ checksum: checksum('SELECT ${x};\n'), equivalentChecksum: null });
  });

  it('fails on a repeatable whose placeholder has no value', async () => {
    const dir = await project(files);
    await expect(resolve(config(dir), { y: '1' })).rejects.toMatchObject({ code: 'PLACEHOLDER_ERROR', location: 'sub/R__p.sql:1:8' });
  });

  it('fails on bytes that are not valid in the configured encoding', async () => {
    const dir = await project({ 'sql/V1__bad.sql': Buffer.from([0x2d, 0x2d, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]) });
    const error = await failure(config(dir));
    expect(error.code).toBe('CHECKSUM_ERROR');
    expect(error.message).toBe(`Unable to calculate checksum of ${path.join(dir, 'sql/V1__bad.sql')}`);
    const latin1 = await resolve(config(dir, { encoding: 'ISO-8859-1' }));
    expect(latin1.migrations[0]?.checksum).toBe(checksum('-- café\n'));
  });

  it('re-reads a script for execution without its BOM', async () => {
    const dir = await project({ 'sql/V1__a.sql': '\uFEFFSELECT 1;\r\n' });
    const [migration] = (await resolve(config(dir))).migrations;
    expect(migration?.checksum).toBe(checksum('SELECT 1;'));
    expect(await loadScriptText(migration!, 'UTF-8')).toBe('SELECT 1;\r\n');
  });
});

describe('resolveMigrations: locations', () => {
  it('refuses classpath locations, with or without the prefix, and says what to use', async () => {
    const dir = await project({});
    for (const location of ['classpath:db/migration', 'db/migration']) {
      const error = await failure(config(dir, { locations: [location] }));
      expect(error.code).toBe('LOCATION_ERROR');
      expect(error.message).toContain(location);
      expect(error.message).toContain('classpath');
      expect(error.hint).toContain('filesystem:');
    }
  });

  it('refuses unknown prefixes', async () => {
    const error = await failure(config(await project({}), { locations: ['s3:bucket/migrations'] }));
    expect(error.code).toBe('LOCATION_ERROR');
    expect(error.message).toBe('Unknown prefix for location (should be filesystem:): s3:bucket/migrations');
  });

  it('warns about a missing location, or fails with failOnMissingLocations', async () => {
    const dir = await project({ 'sql/V1__a.sql': 'SELECT 1;' });
    const missing = path.join(dir, 'nope');
    const { migrations, warnings } = await resolve(config(dir, { locations: ['filesystem:sql', 'filesystem:nope'] }));
    expect(migrations).toHaveLength(1);
    expect(warnings).toEqual([`Skipping filesystem location: ${missing} (not found).`]);
    const error = await failure(config(dir, { locations: ['filesystem:sql', 'filesystem:nope'], failOnMissingLocations: true }));
    expect(error.code).toBe('LOCATION_ERROR');
    expect(error.message).toBe(`Failed to find filesystem location: ${missing} (not found).`);
  });

  it('treats a file given as a location as missing', async () => {
    const dir = await project({ 'sql/V1__a.sql': 'SELECT 1;' });
    const { warnings } = await resolve(config(dir, { locations: ['filesystem:sql/V1__a.sql'] }));
    expect(warnings).toEqual([`Skipping filesystem location: ${path.join(dir, 'sql/V1__a.sql')} (not a directory).`]);
  });
});
