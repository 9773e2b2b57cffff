/**
 * The transaction around each migration on MySQL-family servers, through the built CLI. godwit runs a
 * migration as Flyway does, with autocommit off, and turns it back on only when something other than the
 * lock needs it, so that a run of many migrations does not pay two SET statements for each one. What a
 * user must see regardless: every migration is its own transaction, whatever the one before did; a
 * non-transactional one commits as it goes; a history row that cannot be written takes its migration's
 * rows with it. DDL commits itself on these servers, so the transaction shows in rows.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { Godwit, MigrationFailedError } from '../../src/index.js';
import { expectExit, expectNoStackTrace } from '../helpers/cli.js';
import { requireMysqlServers, rowsOf as rows, useWorkspace, type TestDatabase } from '../helpers/mysql.js';

const servers = await requireMysqlServers();

describe.concurrent.each(servers)('migration transactions on $label', (server) => {
  const workspace = useWorkspace(server, 'godwit-mysql-transactions-');

  const place = (name: string, files: Record<string, string>) => workspace.place('tx', name, files, 30_000);

  const history = (db: TestDatabase) => rows(db, 'SELECT version, success FROM flyway_schema_history ORDER BY installed_rank');

  /** Makes the server refuse the history row of `version`, as a failing constraint would. */
  const refuseHistoryRow = (db: TestDatabase, version: string) =>
    db.client.query(
      `CREATE TRIGGER refuse_row BEFORE INSERT ON flyway_schema_history FOR EACH ROW BEGIN IF NEW.version = '${version}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'history row refused'; END IF; END`,
    );

  /** Creates a table, then inserts into it and fails: only the insert can be rolled back. */
  const HALF = 'CREATE TABLE half (id INT);\nINSERT INTO half VALUES (1);\nINSERT INTO no_such_table VALUES (1);\n';

  it('runs a migration that follows a committed one in a transaction of its own: its rows roll back when it fails', async () => {
    const { db, godwit } = await place('after', { 'V1__One.sql': 'CREATE TABLE one (id INT);\nINSERT INTO one VALUES (1);\n', 'V2__Half.sql': HALF });
    expectExit(await godwit(['migrate']), 1);
    expect(await rows(db, 'SELECT id FROM one')).toEqual(['1']);
    expect(await rows(db, 'SELECT id FROM half')).toEqual([]);
    expect(await history(db)).toEqual(['1|1', '2|0']);
  });

  it('still does when the migration before it turned autocommit on', async () => {
    const { db, godwit } = await place('autocommit_on', { 'V1__On.sql': 'SET autocommit = 1;\nCREATE TABLE one (id INT);\n', 'V2__Half.sql': HALF });
    expectExit(await godwit(['migrate']), 1);
    expect(await rows(db, 'SELECT id FROM half')).toEqual([]);
    expect(await history(db)).toEqual(['1|1', '2|0']);
  });

  it('runs a non-transactional migration with autocommit on, the transactional ones around it and the callbacks with it off', async () => {
    const record = (what: string) => `INSERT INTO seen VALUES ('${what}', @@autocommit);\n`;
    const { db, godwit } = await place('outside', {
      'V1__Seen.sql': 'CREATE TABLE seen (what VARCHAR(20), autocommit INT);\n',
      'V2__In.sql': record('V2'),
      'V3__Out.sql': `-- flyway:executeInTransaction=false\n${record('V3')}`,
      'V4__In.sql': record('V4'),
      'afterMigrate.sql': record('afterMigrate'),
    });
    expectExit(await godwit(['migrate']), 0);
    // Rows written with autocommit off and never committed would have gone with the session.
    expect(await rows(db, 'SELECT what, autocommit FROM seen')).toEqual(['V2|0', 'V3|1', 'V4|0', 'afterMigrate|0']);
  });

  it('writes one row per migration, in order, when -group=true runs them all in one transaction', async () => {
    const { db, godwit } = await place('group', {
      'V1__One.sql': 'CREATE TABLE one (id INT);\nINSERT INTO one VALUES (1);\n',
      'V2__Two.sql': 'INSERT INTO one VALUES (2);\n',
      'V3__Three.sql': 'INSERT INTO one VALUES (3);\n',
    });
    expectExit(await godwit(['-group=true', 'migrate']), 0);
    expect(await rows(db, 'SELECT id FROM one ORDER BY id')).toEqual(['1', '2', '3']);
    expect(await rows(db, 'SELECT installed_rank, version, success FROM flyway_schema_history ORDER BY installed_rank')).toEqual(['1|1|1', '2|2|1', '3|3|1']);
  });

  it('records every migration with -skipExecutingMigrations=true, running none', async () => {
    const { db, godwit } = await place('skip', { 'V1__One.sql': 'CREATE TABLE one (id INT);\n', 'V2__Two.sql': 'CREATE TABLE two (id INT);\n' });
    expectExit(await godwit(['-skipExecutingMigrations=true', 'migrate']), 0);
    expect(await rows(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'flyway_schema_history'")).toEqual([]);
    expect(await rows(db, 'SELECT installed_rank, version, execution_time, success FROM flyway_schema_history ORDER BY installed_rank')).toEqual(['1|1|0|1', '2|2|0|1']);
  });

  it.each([
    ['the default SQL mode', []],
    ['NO_BACKSLASH_ESCAPES', ["-initSql=SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')"]],
  ])('writes quotes, backslashes and non-ASCII text into the history row as they are, under %s', async (_mode, args) => {
    const script = "V1__O'Brien's_back\\slash_café_☕.sql";
    const { db, godwit } = await place(`text_${args.length}`, { [script]: 'CREATE TABLE one (id INT);\n' });
    expectExit(await godwit([...args, 'migrate']), 0);
    const [found] = await db.client.query<RowDataPacket[]>('SELECT description, script FROM flyway_schema_history');
    expect(found.map((row) => ({ ...row }))).toEqual([{ description: "O'Brien's back\\slash café ☕", script }]);
  });

  it('runs nothing of the next migration when the history row of the one before is refused behind it', async () => {
    const { db, godwit } = await place('refused_mid', {
      'V1__One.sql': 'CREATE TABLE one (id INT);\n',
      'V2__Half.sql': 'CREATE TABLE half (id INT);\nINSERT INTO half VALUES (1);\n',
      'V3__Three.sql': 'CREATE TABLE three (id INT);\n',
    });
    expectExit(await godwit(['-target=1', 'migrate']), 0);
    await refuseHistoryRow(db, '2');
    const result = await godwit(['migrate']);
    expectExit(result, 1);
    expect(result.stderr).toContain('Migration V2__Half.sql failed');
    expect(result.stderr).toContain('Message    : history row refused');
    expect(result.stdout).not.toContain('to version "3 - Three"');
    expect(await rows(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('half', 'three')")).toEqual(['half']);
    expect(await rows(db, 'SELECT id FROM half')).toEqual([]);
    expect(await history(db)).toEqual(['1|1']);
  });

  it('leaves the refused last migration rolled back for the next command of a session kept open', async () => {
    const db = await workspace.database('tx_refused_api');
    const folder = workspace.location('refused_api', {
      'V1__One.sql': 'CREATE TABLE one (id INT);\n',
      'V2__Two.sql': 'CREATE TABLE two (id INT);\n',
      'V3__Half.sql': 'CREATE TABLE half (id INT);\nINSERT INTO half VALUES (1);\n',
    });
    const settings = { url: db.jdbcUrl, user: server.user, ...(server.password === undefined ? {} : { password: server.password }), locations: [folder.replace(/^-locations=/, '')] };
    const first = Godwit.create({ ...settings, target: '1' });
    await first.migrate().finally(() => first.close());
    await refuseHistoryRow(db, '3');
    const godwit = Godwit.create(settings);
    try {
      // V2 applies; V3's row and COMMIT, held back, go alone at the end and are refused.
      await expect(godwit.migrate()).rejects.toThrow(MigrationFailedError);
      // No transaction of the session stays open with V3's row in it, for a later command to commit.
      expect(await rows(db, `SELECT count(*) FROM information_schema.innodb_trx t JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id WHERE p.db = '${db.name}' AND p.id <> CONNECTION_ID()`)).toEqual(['0']);
      expect((await godwit.info()).schemaVersion).toBe('2');
      expect(await rows(db, 'SELECT id FROM half')).toEqual([]);
    } finally {
      await godwit.close();
    }
  });

  it('rolls back a migration whose history row the server refuses, and records nothing of it', async () => {
    const { db, godwit } = await place('refused', { 'V1__One.sql': 'CREATE TABLE one (id INT);\n', 'V2__Half.sql': 'CREATE TABLE half (id INT);\nINSERT INTO half VALUES (1);\n' });
    expectExit(await godwit(['-target=1', 'migrate']), 0);
    await refuseHistoryRow(db, '2');
    const result = await godwit(['migrate']);
    expectExit(result, 1);
    // The failure of the migration whose row it was, with the database's refusal: no "Unexpected
    // error", no stack unless asked for.
    expect(result.stderr).toContain('to version "2 - Half" failed!');
    expect(result.stderr).toContain('Migration V2__Half.sql failed');
    expect(result.stderr).toContain('SQL State  : 45000');
    expect(result.stderr).toContain('Message    : history row refused');
    expect(result.stderr).toContain('Statement  : COMMIT');
    expect(result.stderr).toContain('what ran before the failure stays applied');
    expectNoStackTrace(result);
    expect(await rows(db, 'SELECT id FROM half')).toEqual([]);
    expect(await history(db)).toEqual(['1|1']);
    // With -X, the stack names godwit's callers, not only the driver's packet parser.
    const debug = await godwit(['-X', 'migrate']);
    expectExit(debug, 1);
    expect(debug.stderr).toMatch(/^\s+at async withLock /m);
    expect(await history(db)).toEqual(['1|1']);
  });
});
