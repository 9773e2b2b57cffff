/**
 * clean, baseline and Flyway-written histories on MySQL-family servers (flyway-compat.md §3, §6): clean
 * must empty a database of every kind of object MySQL and MariaDB have, whatever the foreign keys between
 * tables, and drop the databases a schema marker says were created; a history table that Flyway wrote
 * must validate and carry on under godwit. Runs once per server that test/helpers/mysql.ts finds.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult, expectExit as expectStatus, expectNoStackTrace } from '../helpers/cli.js';
import { flywayMysqlDdl, requireMysqlServers, useWorkspace, type TestDatabase } from '../helpers/mysql.js';
import { flywayChecksum } from '../helpers/output.js';

const servers = await requireMysqlServers();

/** Every command here must also end without a stack trace. */
function expectExit(result: CliResult, code: number): void {
  expectStatus(result, code);
  expectNoStackTrace(result);
}

describe.each(servers)('clean, baseline and Flyway histories on $label', (server) => {
  const { database, location } = useWorkspace(server, 'godwit-mysql-commands-');

  function godwit(db: TestDatabase, args: string[]): Promise<CliResult> {
    return runCli([...db.args, ...args], { timeoutMs: 30_000 });
  }

  async function rows<T = Record<string, unknown>>(db: TestDatabase, sql: string, params: unknown[] = []): Promise<T[]> {
    const [result] = await db.client.query<RowDataPacket[]>(sql, params);
    return result.map((row) => ({ ...row }) as T);
  }

  /** Every object clean must remove, by kind: `TABLE t`, `VIEW v`, `PROCEDURE p`, … */
  async function objects(db: TestDatabase, schema = db.name): Promise<string[]> {
    const found = await rows<{ o: string }>(
      db,
      `SELECT CONCAT(table_type, ' ', table_name) AS o FROM information_schema.tables WHERE table_schema = ?
       UNION ALL SELECT CONCAT(routine_type, ' ', routine_name) FROM information_schema.routines WHERE routine_schema = ?
       UNION ALL SELECT CONCAT('TRIGGER ', trigger_name) FROM information_schema.triggers WHERE trigger_schema = ?
       UNION ALL SELECT CONCAT('EVENT ', event_name) FROM information_schema.events WHERE event_schema = ?`,
      [schema, schema, schema, schema],
    );
    return found.map((r) => r.o).sort();
  }

  async function schemaExists(db: TestDatabase, schema: string): Promise<boolean> {
    return (await rows(db, 'SELECT 1 FROM information_schema.schemata WHERE schema_name = ?', [schema])).length === 1;
  }

  describe('clean', () => {
    const EVERYTHING = [
      'CREATE TABLE parent (id INT PRIMARY KEY, child_id INT);',
      'CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES parent (id));',
      '-- a cycle: no order of DROP TABLE works with foreign-key checks on',
      'ALTER TABLE parent ADD FOREIGN KEY (child_id) REFERENCES child (id);',
      'INSERT INTO parent VALUES (1, NULL);',
      'INSERT INTO child VALUES (1, 1);',
      'UPDATE parent SET child_id = 1;',
      'CREATE VIEW parent_view AS SELECT id FROM parent;',
      'CREATE VIEW view_of_view AS SELECT id FROM parent_view;',
      'DELIMITER //',
      'CREATE PROCEDURE touch_parent() BEGIN UPDATE parent SET child_id = child_id; END//',
      'CREATE FUNCTION plus_one(n INT) RETURNS INT DETERMINISTIC RETURN n + 1//',
      'CREATE TRIGGER child_check BEFORE INSERT ON child FOR EACH ROW BEGIN SET NEW.id = NEW.id; END//',
      'CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DISABLE DO BEGIN DELETE FROM child WHERE id < 0; END//',
      'DELIMITER ;',
      '',
    ];
    let db: TestDatabase;
    let locations: string;
    let before: string[];

    beforeAll(async () => {
      db = await database('my_clean');
      const statements = server.flavour === 'mariadb' ? [...EVERYTHING, 'CREATE SEQUENCE order_numbers;', ''] : EVERYTHING;
      locations = location('clean', { 'V1__Everything.sql': statements.join('\n') });
      expectExit(await godwit(db, [locations, 'migrate']), 0);
      before = await objects(db);
    });

    it('starts from a database with every kind of object', () => {
      expect(before).toEqual(
        [
          'BASE TABLE child',
          'BASE TABLE flyway_schema_history',
          'BASE TABLE parent',
          'EVENT nightly',
          'FUNCTION plus_one',
          'PROCEDURE touch_parent',
          'TRIGGER child_check',
          'VIEW parent_view',
          'VIEW view_of_view',
          ...(server.flavour === 'mariadb' ? ['SEQUENCE order_numbers'] : []),
        ].sort(),
      );
    });

    it('is refused by default, and then drops nothing', async () => {
      const result = await godwit(db, [locations, 'clean']);
      expectExit(result, 1);
      expect(result.stderr).toContain("ERROR: Unable to execute clean as it has been disabled with the 'flyway.cleanDisabled' property.");
      expect(await objects(db)).toEqual(before);
    });

    it('-cleanDisabled=false drops all of it but keeps the database, and leaves foreign-key checks on for what follows', async () => {
      // The V1 that follows in the same session violates a foreign key: it must fail, so the checks are back on.
      const after = location('after_clean', {
        'V1__Checked.sql': 'CREATE TABLE p (id INT PRIMARY KEY);\nCREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\nINSERT INTO c VALUES (42);\n',
      });
      const result = await godwit(db, [after, '-cleanDisabled=false', 'clean', 'migrate']);
      expect(result.stdout).toMatch(new RegExp(`Successfully cleaned schema \`${db.name}\` \\(execution time \\d\\d:\\d\\d\\.\\d{3}s\\)`));
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain('SQL State  : 23000');
      expect(await schemaExists(db, db.name)).toBe(true);
      expect(await objects(db)).toEqual(['BASE TABLE c', 'BASE TABLE flyway_schema_history', 'BASE TABLE p']);
      const history = await rows<{ installed_rank: number; version: string; success: number }>(db, 'SELECT installed_rank, version, success FROM flyway_schema_history');
      expect(history).toEqual([{ installed_rank: 1, version: '1', success: 0 }]);
    });

    it('drops the databases that a schema marker says godwit created', async () => {
      const a = db.extraName('a');
      const b = db.extraName('b');
      const created = location('created', { 'V1__T.sql': 'CREATE TABLE t (id INT);\n' });
      expectExit(await godwit(db, [created, `-schemas=${a},${b}`, 'migrate']), 0);
      expect(await schemaExists(db, a)).toBe(true);
      expect(await schemaExists(db, b)).toBe(true);

      const result = await godwit(db, [created, `-schemas=${a},${b}`, '-cleanDisabled=false', 'clean']);
      expectExit(result, 0);
      expect(result.stdout).toContain(`Successfully dropped schema \`${a}\``);
      expect(result.stdout).toContain(`Successfully dropped schema \`${b}\``);
      expect(await schemaExists(db, a)).toBe(false);
      expect(await schemaExists(db, b)).toBe(false);
    });
  });

  describe('a history table that Flyway wrote', () => {
    const V1 = 'CREATE TABLE t (id INT);\r\n';
    const V2 = 'SELECT 1;\nSELECT 2;\n';
    const VIEW = 'CREATE OR REPLACE VIEW t_view AS SELECT id FROM t;\n';
    let db: TestDatabase;
    let locations: string;

    beforeAll(async () => {
      db = await database('my_flyway');
      for (const statement of flywayMysqlDdl(db.name, server.flavour)) await db.client.query(statement);
      await db.client.query('CREATE TABLE t (id INT)');
      await db.client.query('CREATE VIEW t_view AS SELECT id FROM t');
      const written: Array<[number, string | null, string, string, number, number]> = [
        [1, '1', 'Create t', 'V1__Create_t.sql', 1556295178, 12],
        [2, '2', 'Two selects', 'V2__Two_selects.sql', -1665099012, 3],
        [3, null, 'View', 'R__View.sql', flywayChecksum(VIEW), 5],
      ];
      for (const [rank, version, description, script, checksum, time] of written) {
        await db.client.query(
          `INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
           VALUES (?, ?, ?, 'SQL', ?, ?, 'flyway', ?, 1)`,
          [rank, version, description, script, checksum, time],
        );
      }
      locations = location('flyway', { 'V1__Create_t.sql': V1, 'V2__Two_selects.sql': V2, 'R__View.sql': VIEW });
    });

    it('validates', async () => {
      const result = await godwit(db, [locations, 'validate']);
      expectExit(result, 0);
      expect(result.stdout).toMatch(/Successfully validated 3 migrations/);
    });

    it('shows Flyway\'s rows as applied, by Flyway', async () => {
      const result = await godwit(db, [locations, '-outputType=json', 'info']);
      expectExit(result, 0);
      const doc = JSON.parse(result.stdout) as { schemaVersion: string; migrations: Array<{ version: string; description: string; state: string; installedBy: string; executionTime: number }> };
      expect(doc.schemaVersion).toBe('2');
      expect(doc.migrations.map((m) => [m.version, m.description, m.state, m.installedBy, m.executionTime])).toEqual([
        ['1', 'Create t', 'Success', 'flyway', 12],
        ['2', 'Two selects', 'Success', 'flyway', 3],
        ['', 'View', 'Success', 'flyway', 5],
      ]);
    });

    it('carries on: a new migration gets the next rank, and Flyway\'s rows stay as they were', async () => {
      const before = await rows(db, 'SELECT * FROM flyway_schema_history ORDER BY installed_rank');
      location('flyway', { 'V3__Add_name.sql': 'ALTER TABLE t ADD COLUMN name VARCHAR(20);\n' });
      const result = await godwit(db, [locations, 'migrate']);
      expectExit(result, 0);
      expect(result.stdout).toContain(`Migrating schema \`${db.name}\` to version "3 - Add name"`);
      const after = await rows<{ installed_rank: number; version: string; installed_by: string; success: number }>(db, 'SELECT * FROM flyway_schema_history ORDER BY installed_rank');
      expect(after.slice(0, 3)).toEqual(before);
      expect(after[3]).toMatchObject({ installed_rank: 4, version: '3', installed_by: server.user, success: 1 });
    });
  });

  describe('baseline', () => {
    it('refuses a non-empty database without a history table, then baselineOnMigrate writes Flyway\'s table with the BASELINE row', async () => {
      const db = await database('my_baseline');
      await db.client.query('CREATE TABLE legacy (id INT)');
      const locations = location('baseline', { 'V1__Old.sql': 'CREATE TABLE legacy (id INT);\n', 'V2__New.sql': 'CREATE TABLE fresh (id INT);\n' });

      const refused = await godwit(db, [locations, 'migrate']);
      expectExit(refused, 1);
      expect(refused.stderr).toContain(`Found non-empty schema(s) \`${db.name}\` but no schema history table. Use baseline() or set baselineOnMigrate to true to initialize the schema history table.`);

      const result = await godwit(db, [locations, '-baselineOnMigrate=true', 'migrate']);
      expectExit(result, 0);
      const history = await rows(db, 'SELECT installed_rank, version, description, type, script, checksum, installed_by, execution_time, success FROM flyway_schema_history ORDER BY installed_rank');
      expect(history).toEqual([
        { installed_rank: 1, version: '1', description: '<< Flyway Baseline >>', type: 'BASELINE', script: '<< Flyway Baseline >>', checksum: null, installed_by: server.user, execution_time: 0, success: 1 },
        { installed_rank: 2, version: '2', description: 'New', type: 'SQL', script: 'V2__New.sql', checksum: flywayChecksum('CREATE TABLE fresh (id INT);\n'), installed_by: server.user, execution_time: expect.any(Number), success: 1 },
      ]);

      // Created together with its row, the table is still exactly Flyway's, index included.
      const reference = db.extraName('ref');
      await db.client.query(`CREATE DATABASE \`${reference}\``);
      for (const statement of flywayMysqlDdl(reference, server.flavour)) await db.client.query(statement);
      const showCreate = async (schema: string) => String((await rows<Record<string, string>>(db, `SHOW CREATE TABLE \`${schema}\`.flyway_schema_history`))[0]!['Create Table']);
      expect(await showCreate(db.name)).toBe(await showCreate(reference));
    });
  });
});
