/**
 * JavaScript and TypeScript migrations beside SQL files, end to end through the built CLI on a real
 * PostgreSQL and on the MySQL-family servers: ordering with the SQL files, `JDBC` / `UNDO_JDBC` rows
 * with the file's checksum (Flyway's CRC over the source, which Flyway itself leaves empty), the
 * transaction a code migration runs in (or not), rollback of a failing one, and validate noticing an
 * edited file. Expected values are written out here, not taken from godwit's code.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult, expectExit, expectNoStackTrace } from '../helpers/cli.js';
import { writeLocation } from '../helpers/locations.js';
import { flywayChecksum, type HistoryRow } from '../helpers/output.js';
import { requireMysqlServers, useWorkspace } from '../helpers/mysql.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';

const pgServer = await requirePostgres();
const mysqlServers = await requireMysqlServers();

/** success is a boolean on PostgreSQL and a tinyint on MySQL. */
type Row = Pick<HistoryRow, 'version' | 'description' | 'type' | 'script' | 'checksum'> & { success: boolean | number };

/** One location mixing all kinds of file; `$1` or `?` depending on the database. */
function mixedFiles(param: (n: number) => string): Record<string, string> {
  return {
    'V1__Create_person.sql': 'CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR(50), email VARCHAR(100));\nINSERT INTO person (id, name) VALUES (1, \'Ann\'), (2, \'Bob\');\n',
    'V2__Backfill_emails.ts': [
      "import type { MigrationContext } from 'godwit';",
      '',
      'export default async function backfill(ctx: MigrationContext): Promise<void> {',
      "  const people = await ctx.query<{ id: number; name: string }>('SELECT id, name FROM person ORDER BY id');",
      '  for (const person of people) {',
      `    const email: string = \`\${person.name.toLowerCase()}@\${ctx.placeholders.domain}\`;`,
      `    await ctx.query('UPDATE person SET email = ${param(1)} WHERE id = ${param(2)}', [email, person.id]);`,
      '  }',
      '  ctx.logger.info(`Backfilled ${people.length} emails on ${ctx.dialect.name}, in a transaction: ${ctx.inTransaction}`);',
      '}',
      '',
    ].join('\n'),
    'V3__Add_audit.sql': 'CREATE TABLE audit (note VARCHAR(200));\n',
    'V4__Note_count.cjs': [
      'module.exports = async function (ctx) {',
      "  const rows = await ctx.query('SELECT COUNT(*) AS n FROM person');",
      `  await ctx.query('INSERT INTO audit (note) VALUES (${param(1)})', ['people: ' + Number(rows[0].n) + ' v' + ctx.migration.version + ' ' + ctx.migration.type]);`,
      '};',
      '',
    ].join('\n'),
    'R__Person_view.mjs': "export default async function (ctx) {\n  await ctx.query('CREATE OR REPLACE VIEW person_view AS SELECT id, email FROM person');\n}\n",
    'U2__Backfill_emails.js': "export default async (ctx) => {\n  await ctx.query('UPDATE person SET email = NULL');\n};\n",
    // A helper the migrations could import: not a migration, and no naming warning.
    'helpers.ts': 'export const unused = 1;\n',
  };
}

describe.skipIf(pgServer === null)('code migrations on PostgreSQL', () => {
  let db: TestDatabase;
  let root: string;
  const files = mixedFiles((n) => `$${n}`);

  beforeAll(async () => {
    db = await createTestDatabase(pgServer!, 'code_migrations');
    root = mkdtempSync(join(tmpdir(), 'godwit-code-pg-'));
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function godwit(schema: string, location: string, args: string[]): Promise<CliResult> {
    return runCli([...db.args, `-schemas=${schema}`, location, '-placeholders.domain=example.com', ...args], { timeoutMs: 60_000 });
  }

  async function history(schema: string): Promise<Row[]> {
    const { rows } = await db.client.query<Row>(`SELECT version, description, type, script, checksum, success FROM "${schema}".flyway_schema_history WHERE type <> 'SCHEMA' ORDER BY installed_rank`);
    return rows;
  }

  describe('SQL, TypeScript, CommonJS and ES module files in one location', () => {
    let migrate: CliResult;
    const location = () => `-locations=filesystem:${join(root, 'mixed')}`;

    beforeAll(async () => {
      writeLocation(root, 'mixed', files);
      migrate = await godwit('mixed', location(), ['migrate']);
    });

    it('runs them in version order, then the repeatable, each logged as a migration', () => {
      expectExit(migrate, 0);
      const lines = migrate.stdout.split('\n').filter((l) => l.startsWith('Migrating schema'));
      expect(lines).toEqual([
        'Migrating schema "mixed" to version "1 - Create person"',
        'Migrating schema "mixed" to version "2 - Backfill emails"',
        'Migrating schema "mixed" to version "3 - Add audit"',
        'Migrating schema "mixed" to version "4 - Note count"',
        'Migrating schema "mixed" with repeatable migration "Person view"',
      ]);
      expect(migrate.stdout).toContain('Backfilled 2 emails on postgresql, in a transaction: true');
      expect(migrate.stdout + migrate.stderr).not.toMatch(/did not follow the filename convention/);
    });

    it('records JDBC rows carrying the checksum of the source file', async () => {
      expect(await history('mixed')).toEqual([
        { version: '1', description: 'Create person', type: 'SQL', script: 'V1__Create_person.sql', checksum: flywayChecksum(files['V1__Create_person.sql']!), success: true },
        { version: '2', description: 'Backfill emails', type: 'JDBC', script: 'V2__Backfill_emails.ts', checksum: flywayChecksum(files['V2__Backfill_emails.ts']!), success: true },
        { version: '3', description: 'Add audit', type: 'SQL', script: 'V3__Add_audit.sql', checksum: flywayChecksum(files['V3__Add_audit.sql']!), success: true },
        { version: '4', description: 'Note count', type: 'JDBC', script: 'V4__Note_count.cjs', checksum: flywayChecksum(files['V4__Note_count.cjs']!), success: true },
        { version: null, description: 'Person view', type: 'JDBC', script: 'R__Person_view.mjs', checksum: flywayChecksum(files['R__Person_view.mjs']!), success: true },
      ]);
    });

    it('gave the code the placeholders, parameters and migration it ran for', async () => {
      const people = await db.client.query('SELECT id, email FROM mixed.person_view ORDER BY id');
      expect(people.rows).toEqual([{ id: 1, email: 'ann@example.com' }, { id: 2, email: 'bob@example.com' }]);
      const audit = await db.client.query('SELECT note FROM mixed.audit');
      expect(audit.rows).toEqual([{ note: 'people: 2 v4 JDBC' }]);
    });

    it('lists code migrations in info with their type', async () => {
      const info = await godwit('mixed', location(), ['info', '-outputType=json']);
      expectExit(info, 0);
      const listed = (JSON.parse(info.stdout) as { migrations: Array<{ version: string; type: string; state: string }> }).migrations;
      expect(listed.filter((m) => m.type !== 'SCHEMA').map((m) => [m.version, m.type, m.state])).toEqual([
        ['1', 'SQL', 'Success'],
        ['2', 'JDBC', 'Success'],
        ['3', 'SQL', 'Success'],
        ['4', 'JDBC', 'Success'],
        ['', 'JDBC', 'Success'],
      ]);
    });

    it('undoes with a code undo file, recorded as UNDO_JDBC', async () => {
      // Undo goes back to the latest versioned migration; take V3 and V4 off the plan first by targeting 2.
      const ledger = writeLocation(root, 'undo', {
        'V1__Create_person.sql': files['V1__Create_person.sql']!,
        'V2__Backfill_emails.ts': files['V2__Backfill_emails.ts']!,
        'U2__Backfill_emails.js': files['U2__Backfill_emails.js']!,
      });
      expectExit(await godwit('undo_code', ledger, ['migrate']), 0);
      const undo = await godwit('undo_code', ledger, ['undo']);
      expectExit(undo, 0);
      expect(undo.stdout).toContain('Undoing migration of schema "undo_code" to version 2 - Backfill emails');
      const rows = await history('undo_code');
      expect(rows.at(-1)).toEqual({ version: '2', description: 'Backfill emails', type: 'UNDO_JDBC', script: 'U2__Backfill_emails.js', checksum: flywayChecksum(files['U2__Backfill_emails.js']!), success: true });
      const emails = await db.client.query('SELECT email FROM undo_code.person');
      expect(emails.rows).toEqual([{ email: null }, { email: null }]);
    });

    it('fails validate once a code migration is edited, naming it', async () => {
      writeFileSync(join(root, 'mixed', 'V4__Note_count.cjs'), `${files['V4__Note_count.cjs']!}// edited\n`);
      const validate = await godwit('mixed', location(), ['validate']);
      expectExit(validate, 1);
      expect(validate.stderr).toContain('Migration checksum mismatch for migration version 4');
      expectNoStackTrace(validate);
    });
  });

  describe('executeInTransaction = false', () => {
    it('runs on a plain connection, where CREATE INDEX CONCURRENTLY is allowed', async () => {
      const location = writeLocation(root, 'plain', {
        'V1__Table.sql': 'CREATE TABLE item (id INT);\n',
        'V2__Index.mts': [
          'export const executeInTransaction = false;',
          'export default async function (ctx: { query(sql: string): Promise<unknown[]>; inTransaction: boolean }) {',
          "  if (ctx.inTransaction) throw new Error('expected no transaction');",
          "  await ctx.query('CREATE INDEX CONCURRENTLY item_id ON item (id)');",
          '}',
          '',
        ].join('\n'),
      });
      const result = await godwit('plain', location, ['migrate']);
      expectExit(result, 0);
      expect(result.stdout).toContain('Migrating schema "plain" to version "2 - Index" [non-transactional]');
      const index = await db.client.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'plain' AND indexname = 'item_id'");
      expect(index.rows).toHaveLength(1);
    });
  });

  describe('a failing code migration', () => {
    const failing = [
      "import type { MigrationContext } from 'godwit';",
      'export default async function (ctx: MigrationContext): Promise<void> {',
      "  await ctx.query('CREATE TABLE half_done (id INT)');",
      "  await ctx.query(\"INSERT INTO ledger (entry) VALUES ('from V2')\");",
      "  await ctx.query('SELECT no_such_column FROM ledger');",
      '}',
      '',
    ].join('\n');
    let result: CliResult;
    const location = () => `-locations=filesystem:${join(root, 'failing')}`;

    beforeAll(async () => {
      writeLocation(root, 'failing', { 'V1__Ledger.sql': 'CREATE TABLE ledger (entry TEXT);\n', 'V2__Break.ts': failing });
      result = await godwit('failing', location(), ['migrate']);
    });

    it('exits 1 with the query, its line in the file and the SQL state, and no stack trace', () => {
      expectExit(result, 1);
      expect(result.stderr).toContain('Migration V2__Break.ts failed');
      expect(result.stderr).toContain('SQL State  : 42703');
      expect(result.stderr).toContain('Line       : 5');
      expect(result.stderr).toContain('Statement  : SELECT no_such_column FROM ledger');
      expectNoStackTrace(result);
      expect(result.stdout + result.stderr).toContain('Changes successfully rolled back.');
    });

    it('keeps nothing of it: no table, no row in the data, no history row', async () => {
      expect((await db.client.query("SELECT to_regclass('failing.half_done') AS t")).rows[0].t).toBeNull();
      expect((await db.client.query('SELECT entry FROM failing.ledger')).rows).toEqual([]);
      expect((await history('failing')).map((r) => r.script)).toEqual(['V1__Ledger.sql']);
    });

    it('reports an exception thrown by the code itself, with its line, as a failed migration', async () => {
      writeLocation(root, 'failing', {
        'V2__Break.ts': "export default async function (ctx: { query(sql: string): Promise<unknown[]> }) {\n  await ctx.query('CREATE TABLE half_done (id INT)');\n  throw new RangeError('no rows to backfill');\n}\n",
      });
      const thrown = await godwit('failing', location(), ['migrate', '-outputType=json']);
      expectExit(thrown, 1);
      const json = JSON.parse(thrown.stdout) as { error: { errorCode: string; message: string } };
      expect(json.error.errorCode).toBe('FAILED_VERSIONED_MIGRATION');
      expect(json.error.message).toContain('RangeError: no rows to backfill');
      expect(json.error.message).toContain('Line       : 3');
      expect((await db.client.query("SELECT to_regclass('failing.half_done') AS t")).rows[0].t).toBeNull();
    });

    it('refuses a module without a default export before touching the database', async () => {
      writeLocation(root, 'failing', { 'V2__Break.ts': 'export const nothing = 1;\n' });
      const refused = await godwit('failing', location(), ['migrate']);
      expectExit(refused, 1);
      expect(refused.stderr).toContain('Code migration V2__Break.ts has no default export function');
      expectNoStackTrace(refused);
      expect((await history('failing')).map((r) => r.script)).toEqual(['V1__Ledger.sql']);
    });

    it('refuses a module with a syntax error, naming the file', async () => {
      writeLocation(root, 'failing', { 'V2__Break.ts': 'export default async function (ctx) {\n  await ctx.query(\n}\n' });
      const refused = await godwit('failing', location(), ['migrate']);
      expectExit(refused, 1);
      expect(refused.stderr).toContain('Unable to load code migration V2__Break.ts');
      expectNoStackTrace(refused);
    });
  });
});

describe.each(mysqlServers)('code migrations on $label', (server) => {
  const { database, location } = useWorkspace(server, 'godwit-code-mysql-');
  const files = mixedFiles(() => '?');

  it('mixes SQL and code files, records JDBC rows, and passes parameters as ?', async () => {
    const db = await database('code_mix');
    const result = await runCli([...db.args, location('mixed', files), '-placeholders.domain=example.org', 'migrate'], { timeoutMs: 60_000 });
    expectExit(result, 0);
    expect(result.stdout).toContain(`Backfilled 2 emails on ${server.flavour}, in a transaction: true`);
    const [rows] = await db.client.query<RowDataPacket[]>('SELECT version, type, script, checksum, success FROM flyway_schema_history ORDER BY installed_rank');
    expect(rows.map((r) => [r.version, r.type, r.script, r.checksum, r.success])).toEqual([
      ['1', 'SQL', 'V1__Create_person.sql', flywayChecksum(files['V1__Create_person.sql']!), 1],
      ['2', 'JDBC', 'V2__Backfill_emails.ts', flywayChecksum(files['V2__Backfill_emails.ts']!), 1],
      ['3', 'SQL', 'V3__Add_audit.sql', flywayChecksum(files['V3__Add_audit.sql']!), 1],
      ['4', 'JDBC', 'V4__Note_count.cjs', flywayChecksum(files['V4__Note_count.cjs']!), 1],
      [null, 'JDBC', 'R__Person_view.mjs', flywayChecksum(files['R__Person_view.mjs']!), 1],
    ]);
    const [people] = await db.client.query<RowDataPacket[]>('SELECT id, email FROM person_view ORDER BY id');
    expect(people.map((p) => [p.id, p.email])).toEqual([[1, 'ann@example.org'], [2, 'bob@example.org']]);
    const [audit] = await db.client.query<RowDataPacket[]>('SELECT note FROM audit');
    expect(audit.map((a) => a.note)).toEqual(['people: 2 v4 JDBC']);
  });

  it('records a failed row when a code migration fails after DDL, which MySQL cannot roll back', async () => {
    const db = await database('code_fail');
    const result = await runCli([
      ...db.args,
      location('failing', {
        'V1__Ledger.sql': 'CREATE TABLE ledger (entry VARCHAR(50));\n',
        'V2__Break.js': "export default async (ctx) => {\n  await ctx.query('CREATE TABLE kept (id INT)');\n  await ctx.query('SELECT no_such_column FROM ledger');\n};\n",
      }),
      'migrate',
    ], { timeoutMs: 60_000 });
    expectExit(result, 1);
    expect(result.stderr).toContain('Statement  : SELECT no_such_column FROM ledger');
    expect(result.stderr).toContain('Line       : 3');
    const [rows] = await db.client.query<RowDataPacket[]>('SELECT version, type, success FROM flyway_schema_history ORDER BY installed_rank');
    expect(rows.map((r) => [r.version, r.type, r.success])).toEqual([['1', 'SQL', 1], ['2', 'JDBC', 0]]);
  });
});
