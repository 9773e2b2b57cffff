/**
 * `godwit migrate`, `info`, `validate` and `repair` end to end on MySQL-family servers: the built CLI is
 * spawned as a user runs it, and every test checks the exit status, the output and what the database
 * holds. The expected values come from flyway-compat.md (§3 history table, §6 migrate and the
 * non-transactional failure path, §8 placeholders, §9 splitting), written out here by hand rather than
 * taken from godwit's code. Runs once per server that test/helpers/mysql.ts finds.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliOptions, type CliResult, expectExit, expectNoStackTrace } from '../helpers/cli.js';
import { flywayMysqlDdl, requireMysqlServers, useWorkspace, type TestDatabase } from '../helpers/mysql.js';
import { infoRows, type HistoryRow as StoredRow, flywayChecksum } from '../helpers/output.js';

const servers = await requireMysqlServers();

/** As mysql2 returns it: success is the tinyint, and the row's age stands in for installed_on. */
interface HistoryRow extends RowDataPacket, Omit<StoredRow, 'installed_on' | 'success'> {
  success: number;
  age_seconds: number;
}

describe.each(servers)('godwit migrate on $label', (server) => {
  const { database, location } = useWorkspace(server, 'godwit-mysql-migrate-');

  function godwit(db: TestDatabase, args: string[], options: CliOptions = {}): Promise<CliResult> {
    return runCli([...db.args, ...args], { timeoutMs: 30_000, ...options });
  }

  async function history(db: TestDatabase, schema = db.name): Promise<HistoryRow[]> {
    const [rows] = await db.client.query<HistoryRow[]>(
      `SELECT installed_rank, version, description, type, script, checksum, installed_by, execution_time, success,
              UNIX_TIMESTAMP() - UNIX_TIMESTAMP(installed_on) AS age_seconds
       FROM \`${schema}\`.flyway_schema_history ORDER BY installed_rank`,
    );
    return rows;
  }

  async function tableExists(db: TestDatabase, schema: string, table: string): Promise<boolean> {
    const [rows] = await db.client.query<RowDataPacket[]>('SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [schema, table]);
    return rows.length === 1;
  }

  describe('a first migrate: history table, rows, stored programs through DELIMITER', () => {
    const V1 = 'CREATE TABLE t (id INT);\n';
    const V1_1 = [
      '-- stored programs, each ended by the custom delimiter',
      'CREATE TABLE audit (msg VARCHAR(100));',
      'DELIMITER $$',
      'CREATE PROCEDURE add_pair(IN n INT)',
      'BEGIN',
      '  INSERT INTO t VALUES (n);',
      '  INSERT INTO t VALUES (n + 1);',
      'END$$',
      'CREATE FUNCTION twice(n INT) RETURNS INT DETERMINISTIC',
      'BEGIN',
      '  RETURN n * 2;',
      'END$$',
      'CREATE TRIGGER t_audit AFTER INSERT ON t FOR EACH ROW',
      'BEGIN',
      "  INSERT INTO audit VALUES (CONCAT('inserted ', NEW.id));",
      'END$$',
      'CREATE EVENT tidy_audit ON SCHEDULE EVERY 1 DAY DISABLE DO',
      'BEGIN',
      '  DELETE FROM audit;',
      'END$$',
      'DELIMITER ;',
      'CALL add_pair(twice(5));',
      '',
    ].join('\n');
    const V2 = 'SELECT 1;\nSELECT 2;\n';
    let db: TestDatabase;
    let locations: string;
    let first: CliResult;

    beforeAll(async () => {
      db = await database('my_first');
      locations = location('first', { 'V1__Create_t.sql': V1, 'V1_1__Stored_programs.sql': V1_1, 'V2__Two_selects.sql': V2 });
      first = await godwit(db, [locations, 'migrate']);
    });

    it('logs the table creation, each migration with the backtick-quoted schema, and the summary', () => {
      expectExit(first, 0);
      expectNoStackTrace(first);
      expect(first.stdout).toContain(`Creating Schema History table \`${db.name}\`.\`flyway_schema_history\` ...`);
      expect(first.stdout).toContain(`Current version of schema \`${db.name}\`: << Empty Schema >>`);
      expect(first.stdout.split(/\r?\n/).filter((line) => line.startsWith('Migrating schema'))).toEqual([
        `Migrating schema \`${db.name}\` to version "1 - Create t"`,
        `Migrating schema \`${db.name}\` to version "1.1 - Stored programs"`,
        `Migrating schema \`${db.name}\` to version "2 - Two selects"`,
      ]);
      expect(first.stdout).toMatch(new RegExp(`Successfully applied 3 migrations to schema \`${db.name}\`, now at version v2 \\(execution time \\d\\d:\\d\\d\\.\\d{3}s\\)`));
    });

    it('ran the procedure, the function and the trigger, and created the event', async () => {
      const [t] = await db.client.query<RowDataPacket[]>('SELECT id FROM t ORDER BY id');
      expect(t.map((r) => r.id)).toEqual([10, 11]);
      const [audit] = await db.client.query<RowDataPacket[]>('SELECT msg FROM audit ORDER BY msg');
      expect(audit.map((r) => r.msg)).toEqual(['inserted 10', 'inserted 11']);
      const [routines] = await db.client.query<RowDataPacket[]>('SELECT routine_name AS name, routine_type AS kind FROM information_schema.routines WHERE routine_schema = ? ORDER BY 1', [db.name]);
      expect(routines.map((r) => `${r.kind} ${r.name}`)).toEqual(['PROCEDURE add_pair', 'FUNCTION twice']);
      const [events] = await db.client.query<RowDataPacket[]>('SELECT event_name AS name FROM information_schema.events WHERE event_schema = ?', [db.name]);
      expect(events.map((r) => r.name)).toEqual(['tidy_audit']);
    });

    it('creates the history table exactly as Flyway\'s DDL does (compared with a table made from that DDL)', async () => {
      const reference = `${db.name}_ref`;
      const admin = db.client;
      await admin.query(`CREATE DATABASE \`${reference}\``);
      try {
        for (const statement of flywayMysqlDdl(reference, server.flavour)) await admin.query(statement);
        const showCreate = async (schema: string) => {
          const [rows] = await admin.query<RowDataPacket[]>(`SHOW CREATE TABLE \`${schema}\`.flyway_schema_history`);
          return String(rows[0]!['Create Table']);
        };
        expect(await showCreate(db.name)).toBe(await showCreate(reference));
      } finally {
        await admin.query(`DROP DATABASE \`${reference}\``);
      }
    });

    it('has Flyway\'s columns, types, nullability and default', async () => {
      const [columns] = await db.client.query<RowDataPacket[]>(
        `SELECT column_name AS name, data_type AS type, character_maximum_length AS length, is_nullable AS nullable, column_default AS def
         FROM information_schema.columns WHERE table_schema = ? AND table_name = 'flyway_schema_history' ORDER BY ordinal_position`,
        [db.name],
      );
      const currentTimestamp = server.flavour === 'mariadb' ? 'current_timestamp()' : 'CURRENT_TIMESTAMP';
      expect(columns.map((c) => ({ ...c }))).toEqual([
        { name: 'installed_rank', type: 'int', length: null, nullable: 'NO', def: null },
        { name: 'version', type: 'varchar', length: 50, nullable: 'YES', def: server.flavour === 'mariadb' ? 'NULL' : null },
        { name: 'description', type: 'varchar', length: 200, nullable: 'NO', def: null },
        { name: 'type', type: 'varchar', length: 20, nullable: 'NO', def: null },
        { name: 'script', type: 'varchar', length: 1000, nullable: 'NO', def: null },
        { name: 'checksum', type: 'int', length: null, nullable: 'YES', def: server.flavour === 'mariadb' ? 'NULL' : null },
        { name: 'installed_by', type: 'varchar', length: 100, nullable: 'NO', def: null },
        { name: 'installed_on', type: 'timestamp', length: null, nullable: 'NO', def: currentTimestamp },
        { name: 'execution_time', type: 'int', length: null, nullable: 'NO', def: null },
        { name: 'success', type: 'tinyint', length: null, nullable: 'NO', def: null },
      ]);
    });

    it('keys installed_rank as PRIMARY and indexes success as flyway_schema_history_s_idx', async () => {
      const [indexes] = await db.client.query<RowDataPacket[]>(
        `SELECT index_name AS name, non_unique AS nonUnique, column_name AS col FROM information_schema.statistics
         WHERE table_schema = ? AND table_name = 'flyway_schema_history' ORDER BY non_unique, index_name, seq_in_index`,
        [db.name],
      );
      expect(indexes.map((i) => ({ ...i }))).toEqual([
        { name: 'PRIMARY', nonUnique: 0, col: 'installed_rank' },
        { name: 'flyway_schema_history_s_idx', nonUnique: 1, col: 'success' },
      ]);
    });

    it('writes Flyway\'s rows: ranks from 1, installed_by from USER() before the @, the same checksums as on PostgreSQL', async () => {
      const rows = await history(db);
      expect(rows.map(({ execution_time: _t, age_seconds: _a, ...rest }) => ({ ...rest }))).toEqual([
        { installed_rank: 1, version: '1', description: 'Create t', type: 'SQL', script: 'V1__Create_t.sql', checksum: 1556295178, installed_by: server.user, success: 1 },
        { installed_rank: 2, version: '1.1', description: 'Stored programs', type: 'SQL', script: 'V1_1__Stored_programs.sql', checksum: flywayChecksum(V1_1), installed_by: server.user, success: 1 },
        { installed_rank: 3, version: '2', description: 'Two selects', type: 'SQL', script: 'V2__Two_selects.sql', checksum: -1665099012, installed_by: server.user, success: 1 },
      ]);
      for (const row of rows) {
        expect(row.execution_time).toBeGreaterThanOrEqual(0);
        expect(Number(row.age_seconds)).toBeLessThan(600);
      }
    });

    it('reports info as JSON with the true instants, also when the client runs in another time zone than the server', async () => {
      const result = await godwit(db, [locations, '-outputType=json', 'info'], { env: { TZ: 'Pacific/Kiritimati' } });
      expectExit(result, 0);
      const doc = JSON.parse(result.stdout) as {
        database: string;
        schemaVersion: string;
        schemaName: string;
        migrations: Array<{ category: string; version: string; state: string; installedBy: string; installedOnUTC: string }>;
      };
      expect(doc.database).toBe(db.name);
      expect(doc.schemaVersion).toBe('2');
      expect(doc.schemaName).toBe(db.name);
      expect(doc.migrations.map((m) => `${m.category} ${m.version} ${m.state} ${m.installedBy}`)).toEqual([
        `Versioned 1 Success ${server.user}`,
        `Versioned 1.1 Success ${server.user}`,
        `Versioned 2 Success ${server.user}`,
      ]);
      for (const m of doc.migrations) {
        expect(m.installedOnUTC).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        // Kiritimati is UTC+14: reading the server's wall clock as local time would be 14 hours off.
        expect(Math.abs(Date.parse(m.installedOnUTC) - Date.now()), m.installedOnUTC).toBeLessThan(10 * 60_000);
      }
    });

    it('accepts the jdbc:mysql://, jdbc:mariadb:// and mysql://user@ forms of the URL for the same database', async () => {
      const hostPort = `${server.host}:${server.port}`;
      const credentials = server.password === undefined ? [] : [`-password=${server.password}`];
      for (const url of [`jdbc:mysql://${hostPort}/${db.name}`, `jdbc:mariadb://${hostPort}/${db.name}`]) {
        const result = await runCli([`-url=${url}`, `-user=${server.user}`, ...credentials, locations, 'info'], { timeoutMs: 30_000 });
        expectExit(result, 0);
        expect(result.stdout, url).toContain('Schema version: 2');
        expect(result.stdout).toContain(server.flavour === 'mariadb' ? '(MariaDB ' : '(MySQL ');
      }
      const userInUrl = await runCli([`-url=mysql://${server.user}@${hostPort}/${db.name}`, ...credentials, locations, 'validate'], { timeoutMs: 30_000 });
      expectExit(userInUrl, 0);
      expect(userInUrl.stdout).toContain('Successfully validated 3 migrations');
    });

    it('has nothing to do on the next run', async () => {
      const before = await history(db);
      const result = await godwit(db, [locations, 'migrate']);
      expectExit(result, 0);
      expect(result.stdout).toContain(`Schema \`${db.name}\` is up to date. No migration necessary.`);
      expect((await history(db)).map((r) => r.installed_rank)).toEqual(before.map((r) => r.installed_rank));

      const json = await godwit(db, [locations, '-outputType=json', 'migrate']);
      expectExit(json, 0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        operation: 'migrate',
        database: db.name,
        databaseType: server.flavour === 'mariadb' ? 'MariaDB' : 'MySQL',
        schemaName: db.name,
        initialSchemaVersion: '2',
        targetSchemaVersion: '2',
        migrationsExecuted: 0,
        success: true,
      });
    });
  });

  it('rolls back the rows a failing migration wrote after its DDL, as Flyway does with autocommit off', async () => {
    const db = await database('my_rows');
    const script = ['CREATE TABLE kept (id INT);', 'INSERT INTO kept VALUES (1);', 'INSERT INTO kept VALUES (2);', 'INSERT INTO no_such_table VALUES (3);', ''].join('\n');
    const result = await godwit(db, [location('rows', { 'V1__Rows.sql': script }), 'migrate']);
    expectExit(result, 1);
    expect(result.stderr).toContain('Line       : 4');
    // The CREATE TABLE committed itself; the INSERTs after it were one transaction, rolled back.
    expect(await tableExists(db, db.name, 'kept')).toBe(true);
    const [rows] = await db.client.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${db.name}\`.kept`);
    expect(Number(rows[0]?.['n'])).toBe(0);
    expect((await history(db)).map((r) => [r.version, r.success])).toEqual([['1', 0]]);
  });

  describe('a migration that fails in the middle of a set (MySQL cannot roll back DDL)', () => {
    const V2_BROKEN = ['-- V2 creates a table, then fails', 'CREATE TABLE two_made (id INT);', '', 'INSERT INTO no_such_table VALUES (1);', ''].join('\n');
    const V2_FIXED = ['-- V2, fixed', 'CREATE TABLE IF NOT EXISTS two_made (id INT);', 'INSERT INTO two_made VALUES (2);', ''].join('\n');
    let db: TestDatabase;
    let locations: string;
    let failed: CliResult;

    beforeAll(async () => {
      db = await database('my_fail');
      locations = location('fail', {
        'V1__One.sql': 'CREATE TABLE one (id INT);\n',
        'V2__Breaks.sql': V2_BROKEN,
        'V3__Three.sql': 'CREATE TABLE three (id INT);\n',
      });
      failed = await godwit(db, [locations, 'migrate']);
    });

    it('exits 1 with Flyway\'s report: cannot roll back, the file line, SQL state and error code, no stack', () => {
      expectExit(failed, 1);
      expectNoStackTrace(failed);
      expect(failed.stderr).toContain(`Migration of schema \`${db.name}\` to version "2 - Breaks" failed! Please restore backups and roll back database and code!`);
      expect(failed.stderr).not.toContain('successfully rolled back');
      expect(failed.stderr).toContain('SQL State  : 42S02');
      expect(failed.stderr).toContain('Error Code : 1146');
      expect(failed.stderr).toContain('Line       : 4');
      expect(failed.stderr).toContain('Statement  : INSERT INTO no_such_table VALUES (1)');
      expect(failed.stderr).toContain('The database could not roll back: what ran before line 4 stays applied.');
      expect(failed.stdout).not.toContain('to version "3 - Three"');
    });

    it('records the failed row with success = 0 and keeps what V2 committed before it failed', async () => {
      const rows = await history(db);
      expect(rows.map((r) => [r.installed_rank, r.version, r.success, r.checksum])).toEqual([
        [1, '1', 1, flywayChecksum('CREATE TABLE one (id INT);\n')],
        [2, '2', 0, flywayChecksum(V2_BROKEN)],
      ]);
      expect(await tableExists(db, db.name, 'two_made')).toBe(true);
      expect(await tableExists(db, db.name, 'three')).toBe(false);
    });

    it('shows V2 as Failed in info, and migrate and validate refuse to go on', async () => {
      const info = await godwit(db, [locations, 'info']);
      expectExit(info, 0);
      expect(infoRows(info.stdout).map((r) => `${r.version} ${r.state}`)).toEqual(['1 Success', '2 Failed', '3 Pending']);

      const validate = await godwit(db, [locations, 'validate']);
      expectExit(validate, 1);
      expect(validate.stderr).toContain('Detected failed migration to version 2 (Breaks).\nPlease remove any half-completed changes then run repair to fix the schema history.');

      const migrate = await godwit(db, [locations, '-validateOnMigrate=false', 'migrate']);
      expectExit(migrate, 1);
      expect(migrate.stderr).toContain(`Schema \`${db.name}\` contains a failed migration to version 2 !`);
      expectNoStackTrace(migrate);
      expect(await tableExists(db, db.name, 'three')).toBe(false);
    });

    it('repair removes the failed row; with the file fixed, migrate completes the set', async () => {
      const repair = await godwit(db, [locations, 'repair']);
      expectExit(repair, 0);
      expect((await history(db)).map((r) => r.version)).toEqual(['1']);

      location('fail', { 'V2__Breaks.sql': V2_FIXED });
      const migrate = await godwit(db, [locations, 'migrate']);
      expectExit(migrate, 0);
      expect(migrate.stdout).toMatch(/Successfully applied 2 migrations to schema `[^`]+`, now at version v3/);
      const rows = await history(db);
      expect(rows.map((r) => [r.installed_rank, r.version, r.success, r.checksum])).toEqual([
        [1, '1', 1, flywayChecksum('CREATE TABLE one (id INT);\n')],
        [2, '2', 1, flywayChecksum(V2_FIXED)],
        [3, '3', 1, flywayChecksum('CREATE TABLE three (id INT);\n')],
      ]);
      const [two] = await db.client.query<RowDataPacket[]>('SELECT id FROM two_made');
      expect(two.map((r) => r.id)).toEqual([2]);
    });
  });

  describe('-schemas=a,b and placeholders', () => {
    let db: TestDatabase;
    let a: string;
    let b: string;
    let result: CliResult;

    beforeAll(async () => {
      db = await database('my_schemas');
      a = db.extraName('a');
      b = db.extraName('b');
      const locations = location('schemas', {
        'V1__In_default.sql': 'CREATE TABLE in_default (id INT);\n',
        'V2__Placeholders.sql': [
          'CREATE TABLE `${flyway:defaultSchema}`.ph (who VARCHAR(100), db VARCHAR(100), tbl VARCHAR(100), greeting VARCHAR(100));',
          "INSERT INTO ph VALUES ('${flyway:user}', '${flyway:database}', '${flyway:table}', '${greeting}');",
          'CREATE TABLE `${other}`.in_b (id INT);',
          '',
        ].join('\n'),
      });
      result = await godwit(db, [locations, `-schemas=${a},${b}`, '-placeholders.greeting=hello', `-placeholders.other=${b}`, 'migrate']);
    });

    it('creates both databases and writes the schema-creation marker at rank 0 in the first', async () => {
      expectExit(result, 0);
      expect(result.stdout).toContain(`Creating schema \`${a}\` ...`);
      expect(result.stdout).toContain(`Creating schema \`${b}\` ...`);
      const rows = await history(db, a);
      expect(rows.map((r) => [r.installed_rank, r.version, r.description, r.type, r.script, r.checksum, r.success])).toEqual([
        [0, null, '<< Flyway Schema Creation >>', 'SCHEMA', `\`${a}\`,\`${b}\``, null, 1],
        [1, '1', 'In default', 'SQL', 'V1__In_default.sql', flywayChecksum('CREATE TABLE in_default (id INT);\n'), 1],
        [2, '2', 'Placeholders', 'SQL', 'V2__Placeholders.sql', expect.any(Number), 1],
      ]);
      expect(await tableExists(db, b, 'flyway_schema_history')).toBe(false);
    });

    it('runs unqualified statements in the first schema, which did not exist when godwit connected', async () => {
      expect(await tableExists(db, a, 'in_default')).toBe(true);
      expect(await tableExists(db, db.name, 'in_default')).toBe(false);
      expect(await tableExists(db, b, 'in_b')).toBe(true);
    });

    it('replaces ${flyway:defaultSchema}, ${flyway:user}, ${flyway:database}, ${flyway:table} and user placeholders', async () => {
      const [rows] = await db.client.query<RowDataPacket[]>(`SELECT who, db, tbl, greeting FROM \`${a}\`.ph`);
      expect(rows.map((r) => ({ ...r }))).toEqual([{ who: server.user, db: db.name, tbl: 'flyway_schema_history', greeting: 'hello' }]);
    });
  });

  describe('connection errors', () => {
    it('names host, port, database and user for a wrong login, and never shows the password or a stack', async () => {
      const db = await database('my_login');
      const url = `jdbc:${server.flavour}://${server.host}:${server.port}/${db.name}`;
      const result = await runCli([`-url=${url}`, '-user=godwit_nobody', '-password=Sup3r-Secret-Pw', 'info'], { timeoutMs: 30_000 });
      expectExit(result, 1);
      expectNoStackTrace(result);
      const product = server.flavour === 'mariadb' ? 'MariaDB' : 'MySQL';
      expect(result.stderr).toContain(
        `ERROR: Unable to connect to ${product} at ${server.host}:${server.port}/${db.name}: authentication failed for user "godwit_nobody". Check -user and -password`,
      );
      expect(result.stdout + result.stderr).not.toContain('Sup3r-Secret-Pw');

      const json = await runCli([`-url=${url}`, '-user=godwit_nobody', '-password=Sup3r-Secret-Pw', '-outputType=json', 'info'], { timeoutMs: 30_000 });
      expectExit(json, 1);
      expect(json.stdout).not.toContain('Sup3r-Secret-Pw');
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { errorCode: 'DB_CONNECTION' } });
    });

    it('says when the database in the URL does not exist, and when the URL names none', async () => {
      const credentials = server.password === undefined ? [] : [`-password=${server.password}`];
      const missing = await runCli([`-url=jdbc:mysql://${server.host}:${server.port}/godwit_no_such_db`, `-user=${server.user}`, ...credentials, 'info'], { timeoutMs: 30_000 });
      expectExit(missing, 1);
      expect(missing.stderr).toContain('database "godwit_no_such_db" does not exist');
      expectNoStackTrace(missing);

      const none = await runCli([`-url=jdbc:mysql://${server.host}:${server.port}`, `-user=${server.user}`, ...credentials, 'info'], { timeoutMs: 30_000 });
      expectExit(none, 1);
      expect(none.stderr).toContain('ERROR: Unable to determine schema for the schema history table.');
      expectNoStackTrace(none);
    });
  });
});
