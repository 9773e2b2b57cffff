/**
 * SQL callbacks on MySQL-family servers, through the built CLI: the cases callbacks.test.ts proves on
 * PostgreSQL, adapted to MySQL, where DDL commits as it runs. Every callback writes its event to `log`
 * in an audit database of its own (named by the `audit` placeholder), outside the migrated database, so
 * that the order and what survived a failure can be read back.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { everyEventProject, FIRST_MIGRATE_EVENTS, INFO_THEN_UNDO_EVENTS } from '../helpers/callback-events.js';
import { runCli, type CliResult, expectExit, expectNoStackTrace } from '../helpers/cli.js';
import { requireMysqlServers, useWorkspace, type TestDatabase } from '../helpers/mysql.js';

const servers = await requireMysqlServers();

/** A callback script that records `what` in the audit database. */
const record = (what: string) => `INSERT INTO \`\${audit}\`.log (event) VALUES ('${what}');\n`;

describe.concurrent.each(servers)('SQL callbacks on $label', (server) => {
  const workspace = useWorkspace(server, 'godwit-callbacks-mysql-');

  interface Place {
    db: TestDatabase;
    location: string;
    godwit(args: string[]): Promise<CliResult>;
    events(): Promise<string[]>;
  }

  async function place(name: string, files: Record<string, string>): Promise<Place> {
    const db = await workspace.database(`cb_${name}`);
    const audit = db.extraName('audit');
    await db.client.query(`CREATE DATABASE \`${audit}\``);
    await db.client.query(`CREATE TABLE \`${audit}\`.log (id INT AUTO_INCREMENT PRIMARY KEY, event VARCHAR(100) NOT NULL)`);
    const location = workspace.location(name, files);
    return {
      db,
      location,
      godwit: (args) => runCli([...db.args, location, `-placeholders.audit=${audit}`, ...args], { timeoutMs: 30_000 }),
      events: async () => {
        const [rows] = await db.client.query<RowDataPacket[]>(`SELECT event FROM \`${audit}\`.log ORDER BY id`);
        return rows.map((r) => String(r.event));
      },
    };
  }

  async function tables(db: TestDatabase): Promise<string[]> {
    const [found] = await db.client.query<RowDataPacket[]>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'flyway_schema_history' ORDER BY 1",
    );
    return found.map((r) => String(r.t));
  }

  it('runs the migrate, validate, info and undo events in order, several per event by description, with placeholders', async () => {
    const p = await place('order', everyEventProject(record));
    const migrated = await p.godwit(['migrate']);
    expectExit(migrated, 0);
    expect(await p.events()).toEqual(FIRST_MIGRATE_EVENTS);
    const lines = migrated.stdout.split('\n');
    expect(lines).toContain('Executing SQL callback: beforeMigrate - ');
    expect(lines).toContain('Executing SQL callback: afterMigrate - a first');
    expect(lines.indexOf(`Migrating schema \`${p.db.name}\` to version "1 - One"`)).toBe(lines.indexOf('Executing SQL callback: beforeEachMigrate - ') + 1);
    expect(await tables(p.db)).toEqual(['one', 'two']);

    await p.db.client.query(`DELETE FROM \`${p.db.name}_audit\`.log`);
    expectExit(await p.godwit(['info', 'undo']), 0);
    expect(await p.events()).toEqual(INFO_THEN_UNDO_EVENTS);
    expect(await tables(p.db)).toEqual(['one']);
  });

  it('rolls beforeEachMigrate back with a failing migration that ran no DDL, and fires the error events after it', async () => {
    const p = await place('error', {
      'V1__Broken.sql': "INSERT INTO `${audit}`.log (event) VALUES ('migration');\nSELECT * FROM no_such_table;\n",
      'beforeEachMigrate.sql': record('beforeEachMigrate'),
      'afterEachMigrateError.sql': record('afterEachMigrateError'),
      'afterMigrateError.sql': record('afterMigrateError'),
      'afterMigrate.sql': record('afterMigrate'),
    });
    const result = await p.godwit(['migrate']);
    expectExit(result, 1);
    expect(result.stdout).toContain('Executing SQL callback: beforeEachMigrate - ');
    // Flyway says so on MySQL whatever ran, since the database has no transactional DDL.
    expect(result.stderr).toContain('failed! Please restore backups and roll back database and code!');
    expectNoStackTrace(result);
    // beforeEachMigrate and the migration's own row went with the rolled-back transaction.
    expect(await p.events()).toEqual(['afterEachMigrateError', 'afterMigrateError']);
    const [history] = await p.db.client.query<RowDataPacket[]>('SELECT version, success FROM flyway_schema_history ORDER BY installed_rank');
    expect(history.map((r) => `${r.version}|${r.success}`)).toEqual(['1|0']);
  });

  it('keeps what a failing migration committed through DDL, beforeEachMigrate included, and fires the error events', async () => {
    const p = await place('ddl_error', {
      'V1__Broken.sql': 'CREATE TABLE broken (id INT);\nSELECT * FROM no_such_table;\n',
      'beforeEachMigrate.sql': record('beforeEachMigrate'),
      'afterEachMigrateError.sql': record('afterEachMigrateError'),
      'afterMigrateError.sql': record('afterMigrateError'),
      'afterMigrate.sql': record('afterMigrate'),
    });
    const result = await p.godwit(['migrate']);
    expectExit(result, 1);
    expect(result.stderr).toContain('failed! Please restore backups and roll back database and code!');
    expectNoStackTrace(result);
    expect(await p.events()).toEqual(['beforeEachMigrate', 'afterEachMigrateError', 'afterMigrateError']);
    expect(await tables(p.db)).toEqual(['broken']);
  });

  it('reads -callbacks folders, and only those with -skipDefaultCallbacks', async () => {
    const p = await place('extra', { 'V1__One.sql': 'CREATE TABLE one (id INT);\n', 'beforeMigrate.sql': record('location') });
    const extra = workspace.location('extra_callbacks', { 'beforeMigrate__Extra.sql': record('extra'), 'notes.txt': 'not a callback\n' }).slice('-locations='.length);
    expectExit(await p.godwit(['migrate', `-callbacks=${extra}`, '-skipDefaultCallbacks=true']), 0);
    expect(await p.events()).toEqual(['extra']);
    expectExit(await p.godwit(['migrate', `-callbacks=${extra}`]), 0);
    expect(await p.events()).toEqual(['extra', 'location', 'extra']);
  });

  it('runs callbacks holding DELIMITER routines: a procedure made in beforeMigrate is called by afterMigrate', async () => {
    const p = await place('delimiter', {
      'V1__One.sql': 'CREATE TABLE one (id INT);\n',
      'beforeMigrate.sql': [
        'DROP PROCEDURE IF EXISTS `${audit}`.record_event;',
        'DELIMITER //',
        'CREATE PROCEDURE `${audit}`.record_event(IN what VARCHAR(100))',
        'BEGIN',
        '  INSERT INTO `${audit}`.log (event) VALUES (what);',
        '  INSERT INTO `${audit}`.log (event) VALUES (CONCAT(what, \' again\'));',
        'END//',
        'DELIMITER ;',
        "CALL `${audit}`.record_event('beforeMigrate');",
        '',
      ].join('\n'),
      'afterMigrate.sql': "CALL `${audit}`.record_event('afterMigrate');\n",
    });
    const result = await p.godwit(['migrate']);
    expectExit(result, 0);
    expect(await p.events()).toEqual(['beforeMigrate', 'beforeMigrate again', 'afterMigrate', 'afterMigrate again']);
  });

  it('stops the command when a callback fails, naming the callback script and line', async () => {
    const p = await place('failing', {
      'V1__One.sql': 'CREATE TABLE one (id INT);\n',
      'beforeMigrate.sql': `${record('beforeMigrate')}SELECT * FROM no_such_table;\n`,
    });
    const result = await p.godwit(['migrate']);
    expectExit(result, 1);
    expect(result.stderr).toContain('ERROR: Callback beforeMigrate.sql (beforeMigrate) failed');
    expect(result.stderr).toContain('Line       : 2');
    expectNoStackTrace(result);
    expect(await tables(p.db)).toEqual([]);
  });
});
