/**
 * `godwit undo` on PostgreSQL, through the built CLI: Flyway Teams' undo (flyway-compat.md §6
 * undo, §5 Undone state). Expected log lines are Flyway Teams 10's, as printed by a real run:
 *   Undoing migration of schema `flywaydemo` to version 3 - Set Birth Date To DefaultZeroValue
 *   Successfully undid 1 migration to schema `flywaydemo`, now at version v2 (execution time 00:00.097s)
 * Each scenario works in a schema of its own, so the scenarios run concurrently on one database.
 *
 * The suite runs on both drivers (test/helpers/drivers.ts), the PostgreSQL server and PGlite: every case
 * is the database's behaviour, none is server-only.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { expectExit, expectNoStackTrace, type CliResult } from '../helpers/cli.js';
import { useScenarios } from '../helpers/pg-scenarios.js';
import { flywayChecksum, type HistoryRow as FullHistoryRow } from '../helpers/output.js';
import { DRIVERS, scenarioIt, SUITE_OPTIONS } from '../helpers/drivers.js';

/** The columns these scenarios read. */
type HistoryRow = Pick<FullHistoryRow, 'installed_rank' | 'version' | 'description' | 'type' | 'script' | 'checksum' | 'success'>;

const DURATION = /\(execution time \d\d:\d\d\.\d{3}s\)/.source;

describe.each(DRIVERS)('godwit undo on $name', SUITE_OPTIONS, (driver) => {
  const it = scenarioIt(driver);
  const scenarios = useScenarios(driver, 'undo');
  const { writeSet, godwit } = scenarios;

  async function rows(schema: string): Promise<HistoryRow[]> {
    const { rows: found } = await scenarios.db.client.query<HistoryRow>(
      `SELECT installed_rank, version, description, type, script, checksum, success FROM "${schema}".flyway_schema_history WHERE type <> 'SCHEMA' ORDER BY installed_rank`,
    );
    return found;
  }

  function json<T>(result: CliResult): T {
    return JSON.parse(result.stdout) as T;
  }

  it('undoes the latest migration, records UNDO_SQL, shows it Undone and Pending, and migrate re-applies it', async () => {
    const U3 = 'DROP TABLE c;\n';
    const dir = writeSet('main', {
      'V1__Create_a.sql': 'CREATE TABLE a (id INT);\n',
      'V2__Create_b.sql': 'CREATE TABLE b (id INT);\n',
      'U2__Create_b.sql': 'DROP TABLE b;\n',
      'V3__Create_c.sql': 'CREATE TABLE c (id INT);\n',
      'U3__Create_c.sql': U3,
    });
    expectExit(await godwit(dir, 'u_main', ['migrate']), 0);

    const undone = await godwit(dir, 'u_main', ['undo']);
    expectExit(undone, 0);
    expect(undone.stdout).toContain('Current version of schema "u_main": 3\n');
    expect(undone.stdout).toContain('Undoing migration of schema "u_main" to version 3 - Create c\n');
    expect(undone.stdout).toMatch(new RegExp(`Successfully undid 1 migration to schema "u_main", now at version v2 ${DURATION}`));
    expect(await scenarios.tables('u_main')).toEqual(['a', 'b']);
    const history = await rows('u_main');
    expect(history).toHaveLength(4);
    expect(history[3]).toEqual({ installed_rank: 4, version: '3', description: 'Create c', type: 'UNDO_SQL', script: 'U3__Create_c.sql', checksum: flywayChecksum(U3), success: true });

    const info = json<{ schemaVersion: string; migrations: { category: string; version: string; type: string; state: string; undoable: string }[] }>(
      await godwit(dir, 'u_main', ['info', '-outputType=json']),
    );
    expect(info.schemaVersion).toBe('2');
    expect(info.migrations.filter((m) => m.version === '3').map((m) => `${m.category}|${m.type}|${m.state}|${m.undoable}`)).toEqual([
      'Versioned|SQL|Undone|',
      'Undo|UNDO_SQL|Success|',
      'Versioned|SQL|Pending|Yes',
    ]);

    const again = await godwit(dir, 'u_main', ['migrate']);
    expectExit(again, 0);
    expect(again.stdout).toContain('Migrating schema "u_main" to version "3 - Create c"');
    expect(await scenarios.tables('u_main')).toEqual(['a', 'b', 'c']);
    expect((await rows('u_main')).map((r) => `${r.version}|${r.type}`)).toEqual(['1|SQL', '2|SQL', '3|SQL', '3|UNDO_SQL', '3|SQL']);

    // -target=2: undo in reverse applied order down to version 2 included.
    const down = await godwit(dir, 'u_main', ['undo', '-target=2', '-outputType=json']);
    expectExit(down, 0);
    const result = json<Record<string, unknown>>(down);
    expect(result).toMatchObject({
      operation: 'undo',
      initialSchemaVersion: '3',
      targetSchemaVersion: '1',
      schemaName: 'u_main',
      migrationsUndone: 2,
      undoneMigrations: [
        { version: '3', description: 'Create c', filepath: join(dir, 'U3__Create_c.sql') },
        { version: '2', description: 'Create b', filepath: join(dir, 'U2__Create_b.sql') },
      ],
    });
    expect(await scenarios.tables('u_main')).toEqual(['a']);

    // Version 1 has no undo file: refused, naming the file to create, and nothing recorded.
    const before = await rows('u_main');
    const refused = await godwit(dir, 'u_main', ['undo']);
    expectExit(refused, 1);
    expect(refused.stderr).toContain('ERROR: Unable to undo migration to version 1 (Create a): no undo migration U1__Create_a.sql found.');
    expect(refused.stderr).toContain('Hint: Create U1__Create_a.sql in one of the locations (beside V1__Create_a.sql)');
    expectNoStackTrace(refused);
    expect(await rows('u_main')).toEqual(before);
  });

  it('with -target, stops at the first migration without an undo file', async () => {
    const dir = writeSet('stop', {
      'V1__One.sql': 'CREATE TABLE one (id INT);\n',
      'U1__One.sql': 'DROP TABLE one;\n',
      'V2__Two.sql': 'CREATE TABLE two (id INT);\n',
      'V3__Three.sql': 'CREATE TABLE three (id INT);\n',
      'U3__Three.sql': 'DROP TABLE three;\n',
    });
    expectExit(await godwit(dir, 'u_stop', ['migrate']), 0);
    const result = await godwit(dir, 'u_stop', ['undo', '-target=1']);
    expectExit(result, 0);
    expect(result.stdout).toContain('Undoing migration of schema "u_stop" to version 3 - Three');
    expect(result.stdout).toContain('Stopping at version 2: it has no undo migration.');
    expect(result.stdout).toMatch(new RegExp(`Successfully undid 1 migration to schema "u_stop", now at version v2 ${DURATION}`));
    expect(await scenarios.tables('u_stop')).toEqual(['one', 'two']);

    // An undo file changed after it ran no longer matches its UNDO_SQL row: validation refuses.
    writeFileSync(join(dir, 'U3__Three.sql'), 'DROP TABLE three CASCADE;\n');
    const changed = await godwit(dir, 'u_stop', ['undo', '-target=1']);
    expectExit(changed, 1);
    expect(changed.stderr).toContain('Migration checksum mismatch for migration version 3');
    expect(await scenarios.tables('u_stop')).toEqual(['one', 'two']);
  });

  it('rolls a failing undo back whole and records nothing', async () => {
    const dir = writeSet('fail', {
      'V1__Create_t.sql': 'CREATE TABLE t (id INT);\n',
      'U1__Create_t.sql': 'DROP TABLE t;\nSELECT * FROM no_such_table;\n',
    });
    expectExit(await godwit(dir, 'u_fail', ['migrate']), 0);
    const before = await rows('u_fail');
    const result = await godwit(dir, 'u_fail', ['undo']);
    expectExit(result, 1);
    expect(result.stderr).toContain('ERROR: Undo of migration of schema "u_fail" to version 1 - Create t failed! Changes successfully rolled back.');
    expect(result.stderr).toContain('Migration U1__Create_t.sql failed');
    expect(result.stderr).toContain('SQL State  : 42P01');
    expect(result.stderr).toContain('Line       : 2');
    expectNoStackTrace(result);
    expect(await scenarios.tables('u_fail')).toEqual(['t']);
    expect(await rows('u_fail')).toEqual(before);
  });

  it('refuses to undo when the latest migration failed', async () => {
    // Outside a transaction PostgreSQL keeps the failed row (a script config header turns it off).
    const dir = writeSet('failed', {
      'V1__Broken.sql': '-- flyway:executeInTransaction=false\nCREATE TABLE half (id INT);\nSELECT * FROM no_such_table;\n',
      'U1__Broken.sql': 'DROP TABLE half;\n',
    });
    expectExit(await godwit(dir, 'u_failed', ['migrate']), 1);
    expect((await rows('u_failed')).map((r) => `${r.version}|${r.success}`)).toEqual(['1|false']);
    const result = await godwit(dir, 'u_failed', ['undo', '-validateOnMigrate=false']);
    expectExit(result, 1);
    expect(result.stderr).toContain('ERROR: Unable to undo: schema "u_failed" contains a failed migration to version 1 !');
    expect(await scenarios.tables('u_failed')).toEqual(['half']);
    expect(await rows('u_failed')).toHaveLength(1);
  });

  it('has no effect when nothing was applied, as Flyway documents', async () => {
    const dir = writeSet('empty', { 'V1__One.sql': 'CREATE TABLE one (id INT);\n', 'U1__One.sql': 'DROP TABLE one;\n' });
    const result = await godwit(dir, 'u_empty', ['undo', '-outputType=json']);
    expectExit(result, 0);
    expect(json<Record<string, unknown>>(result)).toMatchObject({ operation: 'undo', initialSchemaVersion: null, targetSchemaVersion: null, migrationsUndone: 0, undoneMigrations: [] });
    expect(result.stderr).toContain('nothing to undo');
  });
});
