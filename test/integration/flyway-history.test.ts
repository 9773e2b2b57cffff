/**
 * Golden tests for the history table (flyway-compat.md §3, §5, §6): a database whose history Flyway 10
 * wrote must validate, show and migrate under godwit, and godwit's own table and rows must be what Flyway
 * writes. The Flyway side is built here by hand with Flyway's DDL and rows as Flyway writes them; the
 * migration files are the shared checksum vectors, whose checksums were computed by Flyway's algorithm.
 *
 * The suite runs on both drivers (test/helpers/drivers.ts), the PostgreSQL server and PGlite: every case
 * is the database's behaviour, none is server-only.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { DRIVERS, SUITE_OPTIONS, type Target } from '../helpers/drivers.js';
import { writeLocation } from '../helpers/locations.js';

interface ChecksumVector {
  case: string;
  content_base64: string;
  checksum: number;
}
const vectors = JSON.parse(readFileSync(new URL('../fixtures/flyway-vectors.json', import.meta.url), 'utf8')) as { checksums: ChecksumVector[] };

function vector(name: string): { content: Buffer; checksum: number } {
  const found = vectors.checksums.find((v) => v.case === name);
  if (!found) throw new Error(`no checksum vector named '${name}'`);
  return { content: Buffer.from(found.content_base64, 'base64'), checksum: found.checksum };
}

// Files with the content of a vector, so the checksum Flyway stored for them is known independently of godwit.
const CREATE_T_CRLF = vector('same, CRLF'); // CREATE TABLE t (id INT);\r\n
const FUNCTION_F = vector('dollar-quoted body'); // CREATE FUNCTION f() … $$ LANGUAGE plpgsql;
const TWO_SELECTS = vector('two statements'); // SELECT 1;\nSELECT 2;\n
const TRAILING_SPACES = vector('trailing spaces count'); // CREATE TABLE t (id INT);   \n
const TABS = vector('tabs count'); // CREATE TABLE t\t(id INT);\n
const NON_ASCII = vector('non-ASCII');

/** §3, character for character, for the schema given (the contract shows it for "public"). */
function flywayDdl(schema: string): string {
  return `CREATE TABLE "${schema}"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "${schema}"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "${schema}"."flyway_schema_history" ("success");`;
}

interface FlywayRow {
  rank: number;
  version: string | null;
  description: string;
  type: string;
  script: string;
  checksum: number | null;
  executionTime: number;
  success?: boolean;
}

/** Three files and the rows Flyway 10 wrote for them. */
const MAIN_FILES = {
  'V1__Create_t.sql': CREATE_T_CRLF.content,
  'V2__Create_function.sql': FUNCTION_F.content,
  'V2.1__Two_selects.sql': TWO_SELECTS.content,
};
const MAIN_ROWS: FlywayRow[] = [
  { rank: 1, version: '1', description: 'Create t', type: 'SQL', script: 'V1__Create_t.sql', checksum: CREATE_T_CRLF.checksum, executionTime: 12 },
  { rank: 2, version: '2', description: 'Create function', type: 'SQL', script: 'V2__Create_function.sql', checksum: FUNCTION_F.checksum, executionTime: 31 },
  { rank: 3, version: '2.1', description: 'Two selects', type: 'SQL', script: 'V2.1__Two_selects.sql', checksum: TWO_SELECTS.checksum, executionTime: 4 },
];

const STACK_LINE = /^\s+at /m;

describe.each(DRIVERS)('history tables written by Flyway, and by godwit for Flyway, on $name', SUITE_OPTIONS, (driver) => {
  let db: Target;
  let root: string;

  const location = (name: string, files: Record<string, Buffer | string>): string => writeLocation(root, name, files);

  /** The table and rows as Flyway 10 leaves them: installed_by is Flyway's user, installed_on the column default. */
  async function writeFlywayHistory(schema: string, rows: FlywayRow[]): Promise<void> {
    await db.client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await db.client.query(flywayDdl(schema));
    for (const row of rows) {
      await db.client.query(
        `INSERT INTO "${schema}"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success")
         VALUES ($1, $2, $3, $4, $5, $6, 'flyway', $7, $8)`,
        [row.rank, row.version, row.description, row.type, row.script, row.checksum, row.executionTime, row.success ?? true],
      );
    }
  }

  async function historyRows(schema: string): Promise<Array<Record<string, unknown>>> {
    const { rows } = await db.client.query(`SELECT * FROM "${schema}"."flyway_schema_history" ORDER BY installed_rank`);
    return rows;
  }

  function godwit(args: string[]): Promise<CliResult> {
    return db.cli(args);
  }

  interface InfoJson {
    schemaVersion: string | null;
    migrations: Array<{ category: string; version: string; description: string; type: string; state: string; installedBy: string; executionTime: number; installedOnUTC: string }>;
  }

  async function infoJson(args: string[]): Promise<InfoJson> {
    const result = await godwit([...args, '-outputType=json', 'info']);
    expect(result.code, result.stderr || result.stdout).toBe(0);
    return JSON.parse(result.stdout) as InfoJson;
  }

  function expectCleanError(result: CliResult, ...needles: string[]): void {
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr + result.stdout).not.toMatch(STACK_LINE);
    const errors = result.stderr.split(/\r?\n/).filter((line) => line.startsWith('ERROR:'));
    expect(errors, result.stderr).toHaveLength(1);
    for (const needle of needles) expect(result.stderr).toContain(needle);
  }

  beforeAll(async () => {
    db = await driver.target('flyway_history');
    root = mkdtempSync(join(tmpdir(), 'godwit-flyway-history-'));
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  describe('three migrations applied by Flyway 10 to "public"', () => {
    const files = MAIN_FILES;
    const flywayRows = MAIN_ROWS;
    let applied: string;
    let withV3: string;

    beforeAll(async () => {
      applied = location('main', files);
      withV3 = location('main_v3', { ...files, 'V3__Create_t3.sql': 'CREATE TABLE t3 (id INT);\n' });
      // The contract's DDL verbatim, then what the three files created, then Flyway's rows.
      await writeFlywayHistory('public', []);
      await db.client.query(CREATE_T_CRLF.content.toString('utf8'));
      await db.client.query(FUNCTION_F.content.toString('utf8'));
      for (const row of flywayRows) {
        await db.client.query(
          `INSERT INTO "public"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "installed_on", "execution_time", "success")
           VALUES ($1, $2, $3, $4, $5, $6, 'flyway', now() - interval '1 day' + $1::int * interval '1 second', $7, true)`,
          [row.rank, row.version, row.description, row.type, row.script, row.checksum, row.executionTime],
        );
      }
    });

    it('validate passes', async () => {
      const result = await godwit([applied, 'validate']);
      expect(result.code, result.stderr || result.stdout).toBe(0);
      expect(result.stdout).toMatch(/^Successfully validated 3 migrations \(execution time \d\d:\d\d\.\d{3}s\)$/m);
      expect(result.stderr).toBe('');
    });

    it('info shows each row as Success, as Flyway recorded it', async () => {
      const text = await godwit([applied, 'info']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain('Schema version: 2.1');
      for (const row of flywayRows) {
        const line = new RegExp(`^\\| Versioned \\| ${row.version!.replace('.', '\\.')} +\\| ${row.description} +\\| SQL +\\| \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\| Success +\\| No +\\|$`, 'm');
        expect(text.stdout).toMatch(line);
      }

      const json = await infoJson([applied]);
      expect(json.schemaVersion).toBe('2.1');
      expect(json.migrations.map((m) => [m.category, m.version, m.description, m.type, m.state, m.installedBy, m.executionTime])).toEqual(
        flywayRows.map((r) => ['Versioned', r.version, r.description, 'SQL', 'Success', 'flyway', r.executionTime]),
      );
      for (const m of json.migrations) expect(m.installedOnUTC).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    });

    it('migrate with a new V3 applies only V3, at the rank after Flyway\'s, and leaves Flyway\'s rows alone', async () => {
      const before = await historyRows('public');
      const result = await godwit([withV3, 'migrate']);

      expect(result.code, result.stderr || result.stdout).toBe(0);
      expect(result.stdout).toContain('Current version of schema "public": 2.1');
      expect(result.stdout.match(/^Migrating schema .*$/gm)).toEqual(['Migrating schema "public" to version "3 - Create t3"']);
      expect(result.stdout).toContain('Successfully applied 1 migration to schema "public", now at version v3');
      const after = await historyRows('public');
      expect(after.slice(0, 3)).toEqual(before);
      expect(after).toHaveLength(4);
      expect(after[3]).toMatchObject({
        installed_rank: 4,
        version: '3',
        description: 'Create t3',
        type: 'SQL',
        script: 'V3__Create_t3.sql',
        checksum: -1018616847, // signed CRC-32 of "CREATE TABLE t3 (id INT);" (zlib)
        installed_by: db.user,
        success: true,
      });
      const t3 = await db.client.query(`SELECT to_regclass('public.t3')::text AS t3`);
      expect(t3.rows[0]).toEqual({ t3: 't3' });

      const validate = await godwit([withV3, 'validate']);
      expect(validate.code, validate.stderr).toBe(0);
      expect(validate.stdout).toContain('Successfully validated 4 migrations');
    });
  });

  describe('a Flyway history that starts with a schema marker (rank 0) and a baseline (rank 1)', () => {
    const schema = 'fw_base';
    const files = {
      'V1__Legacy.sql': TRAILING_SPACES.content,
      'V2__Create_t.sql': TABS.content,
    };
    let applied: string;
    let withV3: string;

    beforeAll(async () => {
      applied = location('base', files);
      withV3 = location('base_v3', { ...files, 'V3__Create_t3.sql': `CREATE TABLE ${schema}.t3 (id INT);\n` });
      await writeFlywayHistory(schema, [
        { rank: 0, version: null, description: '<< Flyway Schema Creation >>', type: 'SCHEMA', script: `"${schema}"`, checksum: null, executionTime: 0 },
        { rank: 1, version: '1', description: '<< Flyway Baseline >>', type: 'BASELINE', script: '<< Flyway Baseline >>', checksum: null, executionTime: 0 },
        { rank: 2, version: '2', description: 'Create t', type: 'SQL', script: 'V2__Create_t.sql', checksum: TABS.checksum, executionTime: 9 },
      ]);
      await db.client.query(`CREATE TABLE ${schema}.t (id INT)`);
    });

    it('validate passes', async () => {
      const result = await godwit([applied, `-schemas=${schema}`, 'validate']);
      expect(result.code, result.stderr || result.stdout).toBe(0);
      expect(result.stdout).toContain('Successfully validated');
    });

    it('info shows the marker as Success, the baseline as Baseline, V1 as Ignored (Baseline), V2 as Success', async () => {
      const json = await infoJson([applied, `-schemas=${schema}`]);
      expect(json.schemaVersion).toBe('2');
      expect(json.migrations.map((m) => [m.category, m.version, m.description, m.type, m.state])).toEqual([
        ['Versioned', '1', 'Legacy', 'SQL', 'Ignored (Baseline)'],
        ['', '', '<< Flyway Schema Creation >>', 'SCHEMA', 'Success'],
        ['', '1', '<< Flyway Baseline >>', 'BASELINE', 'Baseline'],
        ['Versioned', '2', 'Create t', 'SQL', 'Success'],
      ]);
    });

    it('migrate applies V3 only, at rank 3', async () => {
      const before = await historyRows(schema);
      const result = await godwit([withV3, `-schemas=${schema}`, 'migrate']);
      expect(result.code, result.stderr || result.stdout).toBe(0);
      expect(result.stdout.match(/^Migrating schema .*$/gm)).toEqual([`Migrating schema "${schema}" to version "3 - Create t3"`]);
      const after = await historyRows(schema);
      expect(after.slice(0, 3)).toEqual(before);
      expect(after.map((r) => [r.installed_rank, r.version, r.type])).toEqual([
        [0, null, 'SCHEMA'],
        [1, '1', 'BASELINE'],
        [2, '2', 'SQL'],
        [3, '3', 'SQL'],
      ]);
    });
  });

  describe('row types written by other Flyway features', () => {
    it('reads a JDBC migration that repair later marked deleted (DELETE row): validate passes, info shows Deleted and Success', async () => {
      const schema = 'fw_deleted';
      const locations = location('deleted', { 'V1__Two_selects.sql': TWO_SELECTS.content, 'V3__Comment.sql': NON_ASCII.content });
      await writeFlywayHistory(schema, [
        { rank: 1, version: '1', description: 'Two selects', type: 'SQL', script: 'V1__Two_selects.sql', checksum: TWO_SELECTS.checksum, executionTime: 3 },
        { rank: 2, version: '2', description: 'Backfill', type: 'JDBC', script: 'db.migration.V2__Backfill', checksum: null, executionTime: 40 },
        { rank: 3, version: '3', description: 'Comment', type: 'SQL', script: 'V3__Comment.sql', checksum: NON_ASCII.checksum, executionTime: 5 },
        // What Flyway's repair appends once the Java migration is gone: the row copied, type DELETE.
        { rank: 4, version: '2', description: 'Backfill', type: 'DELETE', script: 'db.migration.V2__Backfill', checksum: null, executionTime: 40 },
      ]);

      const validate = await godwit([locations, `-schemas=${schema}`, 'validate']);
      expect(validate.code, validate.stderr || validate.stdout).toBe(0);

      const json = await infoJson([locations, `-schemas=${schema}`]);
      expect(json.schemaVersion).toBe('3');
      expect(json.migrations.map((m) => [m.category, m.version, m.type, m.state])).toEqual([
        ['Versioned', '1', 'SQL', 'Success'],
        ['Versioned', '2', 'JDBC', 'Deleted'],
        ['Versioned', '3', 'SQL', 'Success'],
        ['', '2', 'DELETE', 'Success'],
      ]);
    });

    it('reads a JDBC row without a local file as Missing, and validate names it', async () => {
      const schema = 'fw_jdbc';
      const locations = location('jdbc', { 'V1__Two_selects.sql': TWO_SELECTS.content, 'V3__Comment.sql': NON_ASCII.content });
      await writeFlywayHistory(schema, [
        { rank: 1, version: '1', description: 'Two selects', type: 'SQL', script: 'V1__Two_selects.sql', checksum: TWO_SELECTS.checksum, executionTime: 3 },
        { rank: 2, version: '2', description: 'Backfill', type: 'JDBC', script: 'db.migration.V2__Backfill', checksum: null, executionTime: 40 },
        { rank: 3, version: '3', description: 'Comment', type: 'SQL', script: 'V3__Comment.sql', checksum: NON_ASCII.checksum, executionTime: 5 },
      ]);

      const json = await infoJson([locations, `-schemas=${schema}`]);
      expect(json.migrations.map((m) => [m.version, m.type, m.state])).toEqual([
        ['1', 'SQL', 'Success'],
        ['2', 'JDBC', 'Missing'],
        ['3', 'SQL', 'Success'],
      ]);
      const validate = await godwit([locations, `-schemas=${schema}`, 'validate']);
      expectCleanError(validate, 'Detected applied migration not resolved locally: 2.');
      const ignored = await godwit([locations, `-schemas=${schema}`, '-ignoreMigrationPatterns=*:missing', 'validate']);
      expect(ignored.code, ignored.stderr).toBe(0);
    });

    it('fails clearly on a row of an unknown type, naming the type, and changes nothing', async () => {
      const schema = 'fw_foo';
      const locations = location('foo', { 'V1__Two_selects.sql': TWO_SELECTS.content, 'V3__Create_t3.sql': `CREATE TABLE ${schema}.t3 (id INT);\n` });
      await writeFlywayHistory(schema, [
        { rank: 1, version: '1', description: 'Two selects', type: 'SQL', script: 'V1__Two_selects.sql', checksum: TWO_SELECTS.checksum, executionTime: 3 },
        { rank: 2, version: '2', description: 'Mystery', type: 'FOO', script: 'V2__Mystery.foo', checksum: null, executionTime: 1 },
      ]);
      const before = await historyRows(schema);

      for (const command of ['info', 'validate', 'migrate']) {
        const result = await godwit([locations, `-schemas=${schema}`, command]);
        expectCleanError(result, 'FOO');
        expect(result.stderr, command).toMatch(/^ERROR: .*\bFOO\b/m);
      }
      expect(await historyRows(schema)).toEqual(before);
      const t3 = await db.client.query(`SELECT to_regclass('${schema}.t3') AS t3`);
      expect(t3.rows[0]).toEqual({ t3: null });
    });
  });

  describe('what godwit writes, compared with what Flyway writes', () => {
    const schema = 'gw';
    const reference = 'fw_reference';
    let migrate: CliResult;

    beforeAll(async () => {
      // The reference: Flyway's DDL and Flyway's rows for the same files, in a schema of its own.
      await writeFlywayHistory(reference, MAIN_ROWS);
      // The same files, applied by godwit to a schema it creates.
      migrate = await godwit([location('gw', MAIN_FILES), `-schemas=${schema}`, 'migrate']);
    });

    it('migrate succeeds', () => {
      expect(migrate.code, migrate.stderr || migrate.stdout).toBe(0);
      expect(migrate.stdout).toContain(`Successfully applied 3 migrations to schema "${schema}", now at version v2.1`);
    });

    it('creates the table with Flyway\'s columns, types, defaults, key and index', async () => {
      const columns = (s: string) =>
        db.client
          .query(
            `SELECT column_name, ordinal_position, data_type, character_maximum_length, is_nullable, column_default
             FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'flyway_schema_history' ORDER BY ordinal_position`,
            [s],
          )
          .then((r) => r.rows);
      const flyway = await columns(reference);
      expect(flyway).toHaveLength(10);
      expect(await columns(schema)).toEqual(flyway);

      // PostgreSQL 18 (PGlite's) lists each NOT NULL as a constraint too; the columns above hold nullability.
      const constraints = (s: string) =>
        db.client
          .query(
            `SELECT c.conname, c.contype, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
             WHERE c.conrelid = format('%I.flyway_schema_history', $1::text)::regclass AND c.contype <> 'n' ORDER BY c.conname`,
            [s],
          )
          .then((r) => r.rows);
      expect(await constraints(schema)).toEqual([{ conname: 'flyway_schema_history_pk', contype: 'p', def: 'PRIMARY KEY (installed_rank)' }]);
      expect(await constraints(schema)).toEqual(await constraints(reference));

      const indexes = (s: string) =>
        db.client
          .query(`SELECT indexname, replace(indexdef, $1 || '.', 'SCHEMA.') AS def FROM pg_indexes WHERE schemaname = $1 AND tablename = 'flyway_schema_history' ORDER BY indexname`, [s])
          .then((r) => r.rows);
      const flywayIndexes = await indexes(reference);
      expect(flywayIndexes.map((i) => i.indexname)).toEqual(['flyway_schema_history_pk', 'flyway_schema_history_s_idx']);
      expect(await indexes(schema)).toEqual(flywayIndexes);
    });

    it('writes the rows Flyway writes: marker at rank 0, then one SQL row per file with Flyway\'s checksum', async () => {
      const rows = await historyRows(schema);
      expect(rows.map((r) => ({ ...r, installed_on: undefined, execution_time: undefined }))).toEqual([
        { installed_rank: 0, version: null, description: '<< Flyway Schema Creation >>', type: 'SCHEMA', script: `"${schema}"`, checksum: null, installed_by: db.user, installed_on: undefined, execution_time: undefined, success: true },
        { installed_rank: 1, version: '1', description: 'Create t', type: 'SQL', script: 'V1__Create_t.sql', checksum: CREATE_T_CRLF.checksum, installed_by: db.user, installed_on: undefined, execution_time: undefined, success: true },
        { installed_rank: 2, version: '2', description: 'Create function', type: 'SQL', script: 'V2__Create_function.sql', checksum: FUNCTION_F.checksum, installed_by: db.user, installed_on: undefined, execution_time: undefined, success: true },
        { installed_rank: 3, version: '2.1', description: 'Two selects', type: 'SQL', script: 'V2.1__Two_selects.sql', checksum: TWO_SELECTS.checksum, installed_by: db.user, installed_on: undefined, execution_time: undefined, success: true },
      ]);
      expect(rows[0]!.execution_time).toBe(0);
      for (const row of rows) {
        expect(Number.isInteger(row.execution_time)).toBe(true);
        // Milliseconds: these three scripts take well under a minute.
        expect(row.execution_time as number).toBeGreaterThanOrEqual(0);
        expect(row.execution_time as number).toBeLessThan(60_000);
      }
      // installed_on comes from the column default, now(), in the session's time zone like Flyway's.
      const recent = await db.client.query(`SELECT bool_and(installed_on BETWEEN localtimestamp - interval '5 minutes' AND localtimestamp) AS ok FROM "${schema}"."flyway_schema_history"`);
      expect(recent.rows[0]).toEqual({ ok: true });

      // Column for column, the rows of the same files match the ones Flyway wrote.
      const comparable = (s: string) => `SELECT installed_rank, version, description, type, script, checksum, success FROM "${s}".flyway_schema_history WHERE type = 'SQL' ORDER BY installed_rank`;
      const theirs = await db.client.query(comparable(reference));
      expect(theirs.rows).toHaveLength(3);
      expect((await db.client.query(comparable(schema))).rows).toEqual(theirs.rows);
    });

    it('the objects the files create land in the managed schema', async () => {
      const { rows } = await db.client.query(`SELECT to_regclass('gw.t')::text AS t, to_regprocedure('gw.f()')::text AS f`);
      expect(rows[0]).toEqual({ t: 'gw.t', f: 'gw.f()' });
    });
  });
});
