/**
 * SQL callbacks on PostgreSQL, through the built CLI: scripts named after Flyway's events in
 * the locations (or named by -callbacks), run in description order with placeholders. Every callback
 * writes its event to cb_audit.log, a table outside the migrated schemas, so the order and the
 * transactions they ran in can be read back.
 *
 * The suite runs on both drivers (test/helpers/drivers.ts), the PostgreSQL server and PGlite: every case
 * is the database's behaviour, none is server-only.
 */
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { everyEventProject, FIRST_MIGRATE_EVENTS, INFO_THEN_UNDO_EVENTS } from '../helpers/callback-events.js';
import { expectExit, type CliResult } from '../helpers/cli.js';
import { useScenarios } from '../helpers/pg-scenarios.js';
import { DRIVERS, scenarioIt, SUITE_OPTIONS } from '../helpers/drivers.js';

/** A callback script that records `what` for the scenario named by the `scenario` placeholder. */
const record = (what: string) => `INSERT INTO cb_audit.log (scenario, event) VALUES ('\${scenario}', '${what}');\n`;

describe.each(DRIVERS)('SQL callbacks on $name', SUITE_OPTIONS, (driver) => {
  const it = scenarioIt(driver);
  const scenarios = useScenarios(driver, 'callbacks', async (db) => {
    await db.client.query('CREATE SCHEMA cb_audit; CREATE TABLE cb_audit.log (id SERIAL PRIMARY KEY, scenario TEXT, event TEXT)');
  });
  const { writeSet } = scenarios;

  function godwit(dir: string, scenario: string, args: string[]): Promise<CliResult> {
    return scenarios.godwit(dir, `cb_${scenario}`, [`-placeholders.scenario=${scenario}`, ...args]);
  }

  async function events(scenario: string): Promise<string[]> {
    const { rows } = await scenarios.db.client.query<{ event: string }>('SELECT event FROM cb_audit.log WHERE scenario = $1 ORDER BY id', [scenario]);
    return rows.map((r) => r.event);
  }

  it('runs the migrate, validate, info and undo events in order, several per event by description', async () => {
    const dir = writeSet('order', everyEventProject(record));
    const migrated = await godwit(dir, 'order', ['migrate']);
    expectExit(migrated, 0);
    expect(await events('order')).toEqual(FIRST_MIGRATE_EVENTS);
    const lines = migrated.stdout.split('\n');
    expect(lines).toContain('Executing SQL callback: beforeMigrate - ');
    expect(lines).toContain('Executing SQL callback: afterMigrate - a first');
    // Flyway's order: the beforeEach callback, then the migration's own line.
    expect(lines.indexOf('Migrating schema "cb_order" to version "1 - One"')).toBe(lines.indexOf('Executing SQL callback: beforeEachMigrate - ') + 1);

    await scenarios.db.client.query("DELETE FROM cb_audit.log WHERE scenario = 'order'");
    expectExit(await godwit(dir, 'order', ['info', 'undo']), 0);
    expect(await events('order')).toEqual(INFO_THEN_UNDO_EVENTS);

    await scenarios.db.client.query("DELETE FROM cb_audit.log WHERE scenario = 'order'");
    const upToDate = await godwit(dir, 'order', ['migrate', '-validateOnMigrate=false']);
    expectExit(upToDate, 0);
    expect(await events('order')).toEqual(['beforeMigrate', 'beforeEachMigrate', 'afterEachMigrate', 'afterMigrateApplied', 'afterMigrate', 'afterMigrate a', 'afterMigrate b']);
  });

  it('runs beforeEachMigrate inside the migration transaction, and the error events after the rollback', async () => {
    const dir = writeSet('error', {
      'V1__Broken.sql': 'CREATE TABLE broken (id INT);\nSELECT * FROM no_such_table;\n',
      'beforeEachMigrate.sql': record('beforeEachMigrate'),
      'afterEachMigrateError.sql': record('afterEachMigrateError'),
      'afterMigrateError.sql': record('afterMigrateError'),
      'afterMigrate.sql': record('afterMigrate'),
    });
    const result = await godwit(dir, 'error', ['migrate']);
    expectExit(result, 1);
    expect(result.stdout).toContain('Executing SQL callback: beforeEachMigrate - ');
    // beforeEachMigrate's row went with the rolled-back migration; the error events kept theirs.
    expect(await events('error')).toEqual(['afterEachMigrateError', 'afterMigrateError']);
  });

  it('reads -callbacks folders, and only those with -skipDefaultCallbacks', async () => {
    const dir = writeSet('extra_locations', { 'V1__One.sql': 'CREATE TABLE one (id INT);\n', 'beforeMigrate.sql': record('location') });
    const extra = writeSet('extra_callbacks', { 'beforeMigrate__Extra.sql': record('extra'), 'notes.txt': 'not a callback\n' });
    expectExit(await godwit(dir, 'extra', ['migrate', `-callbacks=filesystem:${extra}`, '-skipDefaultCallbacks=true']), 0);
    expect(await events('extra')).toEqual(['extra']);
    expectExit(await godwit(dir, 'extra', ['migrate', `-callbacks=filesystem:${extra}`]), 0);
    expect(await events('extra')).toEqual(['extra', 'location', 'extra']);

    const refused = await godwit(dir, 'extra', ['migrate', '-callbacks=com.example.AuditCallback']);
    expectExit(refused, 1);
    expect(refused.stderr).toContain("ERROR: Unable to load callback 'com.example.AuditCallback': godwit runs SQL callback scripts only, not Java classes.");
  });

  it('stops the command when a callback fails, naming the callback script and line', async () => {
    const dir = writeSet('failing', {
      'V1__One.sql': 'CREATE TABLE one (id INT);\n',
      'beforeMigrate.sql': `${record('beforeMigrate')}SELECT * FROM no_such_table;\n`,
    });
    const result = await godwit(dir, 'failing', ['migrate']);
    expectExit(result, 1);
    expect(result.stderr).toContain('ERROR: Callback beforeMigrate.sql (beforeMigrate) failed');
    expect(result.stderr).toContain('Line       : 2');
    expect(await events('failing')).toEqual([]);
    const { rows } = await scenarios.db.client.query<{ found: boolean }>("SELECT to_regclass('cb_failing.one') IS NOT NULL AS found");
    expect(rows[0]!.found).toBe(false);
  });

  it('warns about a callback for an event godwit never fires', async () => {
    const dir = writeSet('unfired', { 'V1__One.sql': 'CREATE TABLE one (id INT);\n', 'beforeConnect.sql': record('beforeConnect') });
    const result = await godwit(dir, 'unfired', ['migrate']);
    expectExit(result, 0);
    expect(result.stdout).toContain(`WARNING: godwit does not fire the beforeConnect event: callback ${join(dir, 'beforeConnect.sql')} is never run.`);
  });
});
