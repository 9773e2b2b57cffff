/**
 * Flyway Teams' `skipExecutingMigrations` through the built CLI, on PostgreSQL and MariaDB: migrate and
 * undo write their history rows (real checksums, execution time 0) without running the scripts. As in
 * Flyway's DbMigrate, the per-migration callbacks (beforeEachMigrate, afterEachMigrate) belong to the
 * execution and are skipped with it, while beforeMigrate and afterMigrate still run.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/both-databases.js';
import { expectExit, expectNoStackTrace } from '../helpers/cli.js';
import { flywayChecksum } from '../helpers/output.js';

const V1 = 'CREATE TABLE a (id INT);\n';
const V2 = 'CREATE TABLE b (id INT);\n';
const V3 = 'INSERT INTO b (id) VALUES (3);\n';

const CALLBACKS = {
  'beforeMigrate.sql': 'CREATE TABLE IF NOT EXISTS cb_before_migrate (id INT);\n',
  'beforeEachMigrate.sql': 'CREATE TABLE cb_before_each (id INT);\n',
  'afterEachMigrate.sql': 'CREATE TABLE cb_after_each (id INT);\n',
  'afterMigrate.sql': 'CREATE TABLE IF NOT EXISTS cb_after_migrate (id INT);\n',
};

for (const { label, register } of BACKENDS) {
  describe.concurrent(`skipExecutingMigrations on ${label}`, () => {
    const backend = register('skip');

    it('records every pending migration as applied without running it or its per-migration callbacks', async () => {
      const place = await backend.place('all', { 'V1__Create_a.sql': V1, 'V2__Create_b.sql': V2, ...CALLBACKS });
      const result = await place.godwit(['-skipExecutingMigrations=true', 'migrate', '-outputType=json']);
      expectExit(result, 0);
      const json = JSON.parse(result.stdout) as { migrationsExecuted: number; targetSchemaVersion: string; migrations: { version: string; executionTime: number }[] };
      expect(json.migrationsExecuted).toBe(2);
      expect(json.targetSchemaVersion).toBe('2');
      expect(json.migrations.map((m) => [m.version, m.executionTime])).toEqual([
        ['1', 0],
        ['2', 0],
      ]);

      expect(await place.tables()).toEqual(['cb_after_migrate', 'cb_before_migrate']);
      expect((await place.history()).map(({ version, type, script, checksum, execution_time, success }) => ({ version, type, script, checksum, execution_time, success }))).toEqual([
        { version: '1', type: 'SQL', script: 'V1__Create_a.sql', checksum: flywayChecksum(V1), execution_time: 0, success: true },
        { version: '2', type: 'SQL', script: 'V2__Create_b.sql', checksum: flywayChecksum(V2), execution_time: 0, success: true },
      ]);

      const again = await place.godwit(['migrate', 'validate']);
      expectExit(again, 0);
      expect(again.stdout).toMatch(/Schema .* is up to date\. No migration necessary\./);
      expect(again.stdout).toMatch(/Successfully validated \d+ migrations/);
    });

    it('logs no "Migrating" line, only a debug line per skipped migration', async () => {
      const place = await backend.place('log', { 'V1__Create_a.sql': V1 });
      const quiet = await place.godwit(['-skipExecutingMigrations=true', 'migrate']);
      expectExit(quiet, 0);
      expect(quiet.stdout).not.toContain('Migrating schema');
      expect(quiet.stdout).toMatch(/Successfully applied 1 migration to schema .*, now at version v1 /);

      const other = await backend.place('log-debug', { 'V1__Create_a.sql': V1 });
      const debug = await other.godwit(['-X', '-skipExecutingMigrations=true', 'migrate']);
      expectExit(debug, 0);
      expect(`${debug.stdout}${debug.stderr}`).toMatch(/Skipping execution of migration of schema .* to version "1 - Create a"/);
    });

    it('marks one migration applied by hand with cherryPick, and the next migration builds on it', async () => {
      const place = await backend.place('hotfix', { 'V1__Create_a.sql': V1, 'V2__Create_b.sql': V2, 'V3__Fill_b.sql': V3 });
      expectExit(await place.godwit(['-cherryPick=1', 'migrate']), 0);
      // The hotfix, run by hand outside godwit: V2 must not run again, or its CREATE TABLE would fail.
      await place.exec('CREATE TABLE b (id INT)');
      expectExit(await place.godwit(['-cherryPick=2', '-skipExecutingMigrations=true', 'migrate']), 0);
      expect((await place.history()).map((r) => [r.version, r.execution_time === 0])).toEqual([
        ['1', expect.any(Boolean)],
        ['2', true],
      ]);
      expect((await place.godwit(['info'])).stdout).toMatch(/\| 3 +\| Fill b +\| SQL +\| +\| Pending /);

      const rest = await place.godwit(['migrate']);
      expectExit(rest, 0);
      expect(rest.stdout).toContain('to version "3 - Fill b"');
      expect(rest.stdout).not.toContain('Create b');
      expect((await place.history()).map((r) => r.version)).toEqual(['1', '2', '3']);
      expect(await place.tables()).toEqual(['a', 'b']);
    });

    it('records undo rows without running the undo scripts', async () => {
      const U2 = 'DROP TABLE b;\n';
      const place = await backend.place('undo', { 'V1__Create_a.sql': V1, 'V2__Create_b.sql': V2, 'U2__Create_b.sql': U2 });
      expectExit(await place.godwit(['migrate']), 0);
      const undone = await place.godwit(['-skipExecutingMigrations=true', 'undo']);
      expectExit(undone, 0);
      expect(undone.stdout).not.toContain('Undoing migration');
      expect(undone.stdout).toMatch(/Successfully undid 1 migration to schema .*, now at version v1 /);
      expect(await place.tables()).toEqual(['a', 'b']);
      const undoRow = (await place.history()).at(-1);
      expect(undoRow).toMatchObject({ version: '2', type: 'UNDO_SQL', script: 'U2__Create_b.sql', checksum: flywayChecksum(U2), execution_time: 0, success: true });
    });

    it('in a dry run, writes only the history statements', async () => {
      const place = await backend.place('dry', { 'V1__Create_a.sql': V1, 'V2__Create_b.sql': V2 });
      const out = join(mkdtempSync(join(tmpdir(), 'godwit-skip-dry-')), 'plan.sql');
      const result = await place.godwit(['-skipExecutingMigrations=true', `-dryRunOutput=${out}`, 'migrate']);
      expectExit(result, 0);
      const script = readFileSync(out, 'utf8');
      expect(script).not.toContain('CREATE TABLE a');
      expect(script).not.toContain('CREATE TABLE b');
      expect(script).toMatch(/INSERT INTO .*flyway_schema_history.*'V1__Create_a\.sql'/);
      expect(script).toMatch(/INSERT INTO .*flyway_schema_history.*'V2__Create_b\.sql'/);
      expect(await place.tables()).toEqual([]);
    });

    it('still validates first: an edited applied migration stops it before any row is written', async () => {
      const place = await backend.place('invalid', { 'V1__Create_a.sql': V1 });
      expectExit(await place.godwit(['migrate']), 0);
      place.write({ 'V1__Create_a.sql': 'CREATE TABLE a (id BIGINT);\n', 'V2__Create_b.sql': V2 });
      const result = await place.godwit(['-skipExecutingMigrations=true', 'migrate']);
      expectExit(result, 1);
      expect(result.stderr).toContain('Migration checksum mismatch for migration version 1');
      expectNoStackTrace(result);
      expect((await place.history()).map((r) => r.version)).toEqual(['1']);
    });

    it('refuses a value other than true or false, naming the setting', async () => {
      const place = await backend.place('bad-value', { 'V1__Create_a.sql': V1 });
      const result = await place.godwit(['-skipExecutingMigrations=yes', 'migrate']);
      expectExit(result, 1);
      expect(result.stderr).toContain("Invalid value for flyway.skipExecutingMigrations (from command line): 'yes'. Expected true or false.");
      expectNoStackTrace(result);
      expect(await place.tables()).toEqual([]);
    });
  });
}
