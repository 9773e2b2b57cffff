/**
 * `godwit undo` on MySQL-family servers, through the built CLI: the cases undo.test.ts proves on
 * PostgreSQL (flyway-compat.md §6 undo, §5 Undone state), with MySQL's backtick-quoted schema and its
 * DDL that commits as it runs. A failing undo cannot be rolled back there, so, as Flyway does for a
 * failing migration on MySQL, godwit keeps what ran, records a failed UNDO_SQL row and says so.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult, expectExit, expectNoStackTrace } from '../helpers/cli.js';
import { requireMysqlServers, useWorkspace, type TestDatabase } from '../helpers/mysql.js';
import { flywayChecksum, type HistoryRow as StoredRow } from '../helpers/output.js';

const servers = await requireMysqlServers();

const DURATION = /\(execution time \d\d:\d\d\.\d{3}s\)/.source;

type HistoryRow = Pick<StoredRow, 'installed_rank' | 'version' | 'description' | 'type' | 'script' | 'checksum' | 'success'>;

interface InfoJson {
  schemaVersion: string | null;
  migrations: { category: string; version: string; type: string; state: string; undoable: string }[];
}

describe.concurrent.each(servers)('godwit undo on $label', (server) => {
  const workspace = useWorkspace(server, 'godwit-undo-mysql-');

  async function place(name: string, files: Record<string, string>): Promise<{ db: TestDatabase; dir: string; godwit: (args: string[]) => Promise<CliResult> }> {
    const db = await workspace.database(`undo_${name}`);
    const location = workspace.location(name, files);
    return { db, dir: location.slice('-locations=filesystem:'.length), godwit: (args) => runCli([...db.args, location, ...args], { timeoutMs: 30_000 }) };
  }

  async function rows(db: TestDatabase): Promise<HistoryRow[]> {
    const [found] = await db.client.query<RowDataPacket[]>(
      'SELECT installed_rank, version, description, type, script, checksum, success FROM flyway_schema_history ORDER BY installed_rank',
    );
    return found.map((r) => ({ ...(r as HistoryRow), success: Boolean(r.success) }));
  }

  async function tables(db: TestDatabase): Promise<string[]> {
    const [found] = await db.client.query<RowDataPacket[]>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'flyway_schema_history' ORDER BY 1",
    );
    return found.map((r) => String(r.t));
  }

  it('undoes the latest migration, records UNDO_SQL, shows it Undone and Pending, migrate re-applies it, and -target undoes several', async () => {
    const U3 = 'DROP TABLE c;\n';
    const { db, dir, godwit } = await place('main', {
      'V1__Create_a.sql': 'CREATE TABLE a (id INT);\n',
      'V2__Create_b.sql': 'CREATE TABLE b (id INT);\n',
      'U2__Create_b.sql': 'DROP TABLE b;\n',
      'V3__Create_c.sql': 'CREATE TABLE c (id INT);\n',
      'U3__Create_c.sql': U3,
    });
    const schema = `\`${db.name}\``;
    expectExit(await godwit(['migrate']), 0);

    const undone = await godwit(['undo']);
    expectExit(undone, 0);
    expect(undone.stdout).toContain(`Current version of schema ${schema}: 3\n`);
    expect(undone.stdout).toContain(`Undoing migration of schema ${schema} to version 3 - Create c\n`);
    expect(undone.stdout).toMatch(new RegExp(`Successfully undid 1 migration to schema ${schema}, now at version v2 ${DURATION}`));
    expect(await tables(db)).toEqual(['a', 'b']);
    const history = await rows(db);
    expect(history).toHaveLength(4);
    expect(history[3]).toEqual({ installed_rank: 4, version: '3', description: 'Create c', type: 'UNDO_SQL', script: 'U3__Create_c.sql', checksum: flywayChecksum(U3), success: true });

    const info = JSON.parse((await godwit(['info', '-outputType=json'])).stdout) as InfoJson;
    expect(info.schemaVersion).toBe('2');
    expect(info.migrations.map((m) => `${m.version}|${m.category}|${m.type}|${m.state}|${m.undoable}`)).toEqual([
      '1|Versioned|SQL|Success|No',
      '2|Versioned|SQL|Success|Yes',
      '3|Versioned|SQL|Undone|',
      '3|Undo|UNDO_SQL|Success|',
      '3|Versioned|SQL|Pending|Yes',
    ]);
    const table = await godwit(['info']);
    expectExit(table, 0);
    expect(table.stdout).toMatch(/\| Undoable \|/);
    expect(table.stdout).toMatch(/\| Versioned \| 3 +\| Create c +\| SQL +\| .*\| Undone +\| +\|/);

    const again = await godwit(['migrate']);
    expectExit(again, 0);
    expect(again.stdout).toContain(`Migrating schema ${schema} to version "3 - Create c"`);
    expect(await tables(db)).toEqual(['a', 'b', 'c']);
    expect((await rows(db)).map((r) => `${r.version}|${r.type}`)).toEqual(['1|SQL', '2|SQL', '3|SQL', '3|UNDO_SQL', '3|SQL']);

    const down = await godwit(['undo', '-target=2', '-outputType=json']);
    expectExit(down, 0);
    expect(JSON.parse(down.stdout)).toMatchObject({
      operation: 'undo',
      initialSchemaVersion: '3',
      targetSchemaVersion: '1',
      schemaName: db.name,
      migrationsUndone: 2,
      undoneMigrations: [
        { version: '3', description: 'Create c', filepath: join(dir, 'U3__Create_c.sql') },
        { version: '2', description: 'Create b', filepath: join(dir, 'U2__Create_b.sql') },
      ],
    });
    expect(await tables(db)).toEqual(['a']);
    expect((await rows(db)).slice(5).map((r) => `${r.installed_rank}|${r.version}|${r.type}|${r.script}|${r.success}`)).toEqual([
      '6|3|UNDO_SQL|U3__Create_c.sql|true',
      '7|2|UNDO_SQL|U2__Create_b.sql|true',
    ]);

    // Version 1 has no undo file: refused, naming the file to create, and nothing recorded.
    const before = await rows(db);
    const refused = await godwit(['undo', '-outputType=json']);
    expectExit(refused, 1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { errorCode: 'UNDO_MIGRATION_NOT_FOUND' } });
    const plain = await godwit(['undo']);
    expectExit(plain, 1);
    expect(plain.stderr).toContain('ERROR: Unable to undo migration to version 1 (Create a): no undo migration U1__Create_a.sql found.');
    expect(plain.stderr).toContain('Hint: Create U1__Create_a.sql in one of the locations (beside V1__Create_a.sql)');
    expectNoStackTrace(plain);
    expect(await rows(db)).toEqual(before);
    expect(await tables(db)).toEqual(['a']);
  });

  it('with -target, stops at the first migration without an undo file; a changed undo file is refused', async () => {
    const { db, dir, godwit } = await place('stop', {
      'V1__One.sql': 'CREATE TABLE one (id INT);\n',
      'U1__One.sql': 'DROP TABLE one;\n',
      'V2__Two.sql': 'CREATE TABLE two (id INT);\n',
      'V3__Three.sql': 'CREATE TABLE three (id INT);\n',
      'U3__Three.sql': 'DROP TABLE three;\n',
    });
    const schema = `\`${db.name}\``;
    expectExit(await godwit(['migrate']), 0);
    const result = await godwit(['undo', '-target=1']);
    expectExit(result, 0);
    expect(result.stdout).toContain(`Undoing migration of schema ${schema} to version 3 - Three`);
    expect(result.stdout).toContain('Stopping at version 2: it has no undo migration.');
    expect(result.stdout).toMatch(new RegExp(`Successfully undid 1 migration to schema ${schema}, now at version v2 ${DURATION}`));
    expect(await tables(db)).toEqual(['one', 'two']);

    // An undo file changed after it ran no longer matches its UNDO_SQL row: validation refuses.
    const before = await rows(db);
    writeFileSync(join(dir, 'U3__Three.sql'), 'DROP TABLE IF EXISTS three;\n');
    const changed = await godwit(['undo', '-target=1']);
    expectExit(changed, 1);
    expect(changed.stderr).toContain('Migration checksum mismatch for migration version 3');
    expectNoStackTrace(changed);
    expect(await tables(db)).toEqual(['one', 'two']);
    expect(await rows(db)).toEqual(before);
  });

  it('keeps what a failing undo ran before the failure (MySQL DDL commits), with a failed UNDO_SQL row naming file and line', async () => {
    const U1 = 'DROP TABLE t;\nSELECT * FROM no_such_table;\n';
    const { db, godwit } = await place('fail', {
      'V1__Create_t.sql': 'CREATE TABLE t (id INT);\nCREATE TABLE u (id INT);\n',
      'U1__Create_t.sql': U1,
    });
    const schema = `\`${db.name}\``;
    expectExit(await godwit(['migrate']), 0);
    const result = await godwit(['undo']);
    expectExit(result, 1);
    expect(result.stderr).toContain(`ERROR: Undo of migration of schema ${schema} to version 1 - Create t failed! Please restore backups and roll back database and code!`);
    expect(result.stderr).toContain('Migration U1__Create_t.sql failed');
    expect(result.stderr).toContain('SQL State  : 42S02');
    expect(result.stderr).toContain('Line       : 2');
    expectNoStackTrace(result);
    // The DROP TABLE committed as it ran; the failure is on record so that nothing runs on top of it.
    expect(await tables(db)).toEqual(['u']);
    const history = await rows(db);
    expect(history.slice(1)).toEqual([
      { installed_rank: 2, version: '1', description: 'Create t', type: 'UNDO_SQL', script: 'U1__Create_t.sql', checksum: flywayChecksum(U1), success: false },
    ]);

    const info = JSON.parse((await godwit(['info', '-outputType=json'])).stdout) as InfoJson;
    expect(info.migrations.map((m) => `${m.version}|${m.category}|${m.type}|${m.state}`)).toEqual(['1|Versioned|SQL|Success', '1|Undo|UNDO_SQL|Failed']);
    const blocked = await godwit(['migrate']);
    expectExit(blocked, 1);
    expect(blocked.stderr).toContain('Detected failed migration to version 1 (Create t).');
    expectNoStackTrace(blocked);
    expect(await rows(db)).toEqual(history);

    // Once the half-done undo is dealt with by hand, repair removes the failed row, as for a migration.
    expectExit(await godwit(['repair']), 0);
    expect(await rows(db)).toEqual(history.slice(0, 1));
  });

  it('refuses to undo when the latest migration failed', async () => {
    const { db, godwit } = await place('failed', {
      'V1__Broken.sql': 'CREATE TABLE half (id INT);\nSELECT * FROM no_such_table;\n',
      'U1__Broken.sql': 'DROP TABLE half;\n',
    });
    expectExit(await godwit(['migrate']), 1);
    expect((await rows(db)).map((r) => `${r.version}|${r.success}`)).toEqual(['1|false']);
    const result = await godwit(['undo', '-validateOnMigrate=false']);
    expectExit(result, 1);
    expect(result.stderr).toContain(`ERROR: Unable to undo: schema \`${db.name}\` contains a failed migration to version 1 !`);
    expect(await tables(db)).toEqual(['half']);
    expect(await rows(db)).toHaveLength(1);
  });
});
