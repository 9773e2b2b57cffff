/**
 * `godwit migrate` end to end against a real PostgreSQL: the built CLI is spawned as a user runs it, and
 * every test checks the exit status, the text on stdout/stderr and what the database holds afterwards.
 * The expected values come from flyway-compat.md (§3 history table, §6 migrate, §8 placeholders, §9
 * splitting, §10 transactions), written out here by hand rather than taken from godwit's own code.
 *
 * One database serves the file; each scenario works in a schema of its own (`-schemas=t_<name>`), so the
 * scenarios stay independent. Only the `public`-schema scenarios need the whole schema: the history
 * table scenario owns `public` of the shared database, the baselineOnMigrate scenario gets a database of
 * its own.
 *
 * The suite runs on both drivers (test/helpers/drivers.ts), the PostgreSQL server and PGlite: every case
 * is the database's behaviour, none is server-only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliOptions, CliResult } from '../helpers/cli.js';
import { DRIVERS, SUITE_OPTIONS, type Target } from '../helpers/drivers.js';
import { FAILS_ON_THIRD_STATEMENT, type HistoryRow, infoRows } from '../helpers/output.js';

const HISTORY = 'flyway_schema_history';



/** flyway-compat.md §2: signed CRC-32 of the UTF-8 text without a leading BOM and without any CR or LF. */
function flywayChecksum(text: string): number {
  return crc32(Buffer.from(text.replace(/^\uFEFF/, '').replace(/[\r\n]/g, ''), 'utf8')) | 0;
}

/** The 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at === -1) throw new Error(`fixture does not contain ${needle}`);
  return text.slice(0, at).split('\n').length;
}


const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

function expectNoStackTrace(result: CliResult): void {
  expect(result.stderr).not.toContain('    at ');
  expect(result.stdout).not.toContain('    at ');
  expect(result.stderr + result.stdout).not.toMatch(STACK_FRAME);
}

/** The exit status with the output attached, so a failing assertion shows what godwit said. */
function expectExit(result: CliResult, code: number): void {
  expect(result.signal, `killed: ${result.stdout}\n${result.stderr}`).toBeNull();
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

describe.each(DRIVERS)('godwit migrate on $name', SUITE_OPTIONS, (driver) => {
  let db: Target;
  const databases: Target[] = [];
  let root: string;

  beforeAll(async () => {
    db = await driver.target('pg_migrate');
    databases.push(db);
    root = mkdtempSync(join(tmpdir(), 'godwit-pg-migrate-'));
  });

  afterAll(async () => {
    for (const database of databases) await database.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Writes (or overwrites) files of a migration folder; returns the folder. */
  function writeSet(name: string, files: Record<string, string | Buffer>): string {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    for (const [relative, content] of Object.entries(files)) {
      const path = join(dir, relative);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
    return dir;
  }

  function godwit(dir: string, args: string[], options: CliOptions = {}, database: Target = db): Promise<CliResult> {
    return database.cli([`-locations=filesystem:${dir}`, ...args], options);
  }

  async function history(schema: string, table = HISTORY, database: Target = db): Promise<HistoryRow[]> {
    const { rows } = await database.client.query<HistoryRow>(`SELECT * FROM "${schema}"."${table}" ORDER BY installed_rank`);
    return rows;
  }

  async function exists(qualified: string, database: Target = db): Promise<boolean> {
    const { rows } = await database.client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [qualified]);
    return rows[0]!.found;
  }

  async function schemaExists(schema: string): Promise<boolean> {
    const { rows } = await db.client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    return rows.length === 1;
  }

  /** Just the rows written for migrations (the schema marker at rank 0 left out). */
  async function sqlRows(schema: string): Promise<HistoryRow[]> {
    return (await history(schema)).filter((row) => row.type !== 'SCHEMA');
  }

  describe('the history table and its rows, in "public"', () => {
    const V1 = 'CREATE TABLE t (id INT);\n';
    const V1_1 = '-- a migration in a subfolder\nALTER TABLE t ADD COLUMN phone TEXT;\n';
    const V2 = 'SELECT 1;\nSELECT 2;\n';
    const VIEWS = 'CREATE OR REPLACE VIEW t_view AS SELECT id, phone FROM t;\n';
    let dir: string;
    let first: CliResult;

    beforeAll(async () => {
      dir = writeSet('public', { 'V1__Create_table.sql': V1, 'sub/V1_1__Add_phone.sql': V1_1, 'V2__Two_selects.sql': V2 });
      first = await godwit(dir, ['migrate']);
    });

    it('logs the table creation, the empty start, each migration and the summary', () => {
      expectExit(first, 0);
      expectNoStackTrace(first);
      expect(first.stdout).toContain('Creating Schema History table "public"."flyway_schema_history" ...');
      expect(first.stdout).toContain('Current version of schema "public": << Empty Schema >>');
      const migrating = first.stdout.split(/\r?\n/).filter((line) => line.startsWith('Migrating schema'));
      expect(migrating).toEqual([
        'Migrating schema "public" to version "1 - Create table"',
        'Migrating schema "public" to version "1.1 - Add phone"',
        'Migrating schema "public" to version "2 - Two selects"',
      ]);
      expect(first.stdout).toMatch(/Successfully applied 3 migrations to schema "public", now at version v2 \(execution time \d\d:\d\d\.\d{3}s\)/);
    });

    it('creates the history table with Flyway\'s columns, types, nullability and default', async () => {
      const { rows } = await db.client.query(
        `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
        [HISTORY],
      );
      const column = (name: string, type: string, length: number | null, nullable: 'YES' | 'NO', def: string | null = null) => ({
        column_name: name,
        data_type: type,
        character_maximum_length: length,
        is_nullable: nullable,
        column_default: def,
      });
      expect(rows).toEqual([
        column('installed_rank', 'integer', null, 'NO'),
        column('version', 'character varying', 50, 'YES'),
        column('description', 'character varying', 200, 'NO'),
        column('type', 'character varying', 20, 'NO'),
        column('script', 'character varying', 1000, 'NO'),
        column('checksum', 'integer', null, 'YES'),
        column('installed_by', 'character varying', 100, 'NO'),
        column('installed_on', 'timestamp without time zone', null, 'NO', 'now()'),
        column('execution_time', 'integer', null, 'NO'),
        column('success', 'boolean', null, 'NO'),
      ]);
    });

    it('names the primary key flyway_schema_history_pk and indexes success as flyway_schema_history_s_idx', async () => {
      // PostgreSQL 18 (PGlite's) lists each NOT NULL as a constraint too; the columns test holds nullability.
      const constraints = await db.client.query(
        `SELECT conname, contype, pg_get_constraintdef(oid) AS def FROM pg_constraint
         WHERE conrelid = 'public.flyway_schema_history'::regclass AND contype <> 'n' ORDER BY conname`,
      );
      expect(constraints.rows).toEqual([{ conname: 'flyway_schema_history_pk', contype: 'p', def: 'PRIMARY KEY (installed_rank)' }]);
      const indexes = await db.client.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 ORDER BY indexname`, [HISTORY]);
      expect(indexes.rows).toEqual([
        { indexname: 'flyway_schema_history_pk', indexdef: 'CREATE UNIQUE INDEX flyway_schema_history_pk ON public.flyway_schema_history USING btree (installed_rank)' },
        { indexname: 'flyway_schema_history_s_idx', indexdef: 'CREATE INDEX flyway_schema_history_s_idx ON public.flyway_schema_history USING btree (success)' },
      ]);
    });

    it('writes one row per migration as Flyway does: ranks from 1, normalised version, script path with /, Flyway checksum', async () => {
      const rows = await history('public');
      expect(rows.map(({ installed_on: _on, execution_time: _time, ...rest }) => rest)).toEqual([
        { installed_rank: 1, version: '1', description: 'Create table', type: 'SQL', script: 'V1__Create_table.sql', checksum: 1556295178, installed_by: db.user, success: true },
        { installed_rank: 2, version: '1.1', description: 'Add phone', type: 'SQL', script: 'sub/V1_1__Add_phone.sql', checksum: flywayChecksum(V1_1), installed_by: db.user, success: true },
        { installed_rank: 3, version: '2', description: 'Two selects', type: 'SQL', script: 'V2__Two_selects.sql', checksum: -1665099012, installed_by: db.user, success: true },
      ]);
      for (const row of rows) {
        expect(Number.isInteger(row.execution_time) && row.execution_time >= 0, `execution_time ${row.execution_time}`).toBe(true);
      }
      const { rows: recent } = await db.client.query<{ recent: boolean }>(
        `SELECT bool_and(installed_on BETWEEN localtimestamp - interval '10 minutes' AND localtimestamp) AS recent FROM public.${HISTORY}`,
      );
      expect(recent[0]!.recent).toBe(true);
      expect(await exists('public.t')).toBe(true);
      const { rows: columns } = await db.client.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 't' ORDER BY ordinal_position`);
      expect(columns.map((c) => c.column_name)).toEqual(['id', 'phone']);
    });

    it('runs a new repeatable alone: singular summary without a version, installedBy override in the row', async () => {
      writeSet('public', { 'R__Views.sql': VIEWS });
      const result = await godwit(dir, ['-installedBy=deployer', 'migrate']);
      expectExit(result, 0);
      expect(result.stdout).toContain('Current version of schema "public": 2');
      expect(result.stdout).toContain('Migrating schema "public" with repeatable migration "Views"');
      expect(result.stdout).toMatch(/Successfully applied 1 migration to schema "public" \(execution time \d\d:\d\d\.\d{3}s\)/);
      expect(result.stdout).not.toContain('1 migrations');
      const rows = await history('public');
      expect(rows).toHaveLength(4);
      expect(rows[3]).toMatchObject({ installed_rank: 4, version: null, description: 'Views', type: 'SQL', script: 'R__Views.sql', checksum: flywayChecksum(VIEWS), installed_by: 'deployer', success: true });
      expect(await exists('public.t_view')).toBe(true);
    });

    it('has nothing to do on the next run', async () => {
      const before = await history('public');
      const result = await godwit(dir, ['migrate']);
      expectExit(result, 0);
      expect(result.stdout).toContain('Schema "public" is up to date. No migration necessary.');
      expect(result.stdout).not.toContain('Migrating schema');
      expect(await history('public')).toEqual(before);
    });

    it('says "1 migration" and the new version when one versioned migration is added', async () => {
      writeSet('public', { 'V3__Add_email.sql': 'ALTER TABLE t ADD COLUMN email TEXT;\n' });
      const result = await godwit(dir, ['migrate']);
      expectExit(result, 0);
      expect(result.stdout).toMatch(/Successfully applied 1 migration to schema "public", now at version v3 \(execution time \d\d:\d\d\.\d{3}s\)/);
      expect((await history('public')).at(-1)).toMatchObject({ installed_rank: 5, version: '3', script: 'V3__Add_email.sql', installed_by: db.user });
    });
  });

  describe('schema creation', () => {
    it('-schemas=newschema: creates it and writes the schema marker at rank 0', async () => {
      const dir = writeSet('newschema', { 'V1__First.sql': 'CREATE TABLE first_table (id INT);\n' });
      const result = await godwit(dir, ['-schemas=newschema', 'migrate']);
      expectExit(result, 0);
      expect(await schemaExists('newschema')).toBe(true);
      expect(result.stdout).toContain('Creating Schema History table "newschema"."flyway_schema_history" ...');
      expect(result.stdout).toContain('Current version of schema "newschema": << Empty Schema >>');
      const rows = await history('newschema');
      expect(rows.map(({ installed_on: _on, ...rest }) => rest)).toEqual([
        { installed_rank: 0, version: null, description: '<< Flyway Schema Creation >>', type: 'SCHEMA', script: '"newschema"', checksum: null, installed_by: db.user, execution_time: 0, success: true },
        { installed_rank: 1, version: '1', description: 'First', type: 'SQL', script: 'V1__First.sql', checksum: flywayChecksum('CREATE TABLE first_table (id INT);\n'), installed_by: db.user, execution_time: rows[1]?.execution_time, success: true },
      ]);
      expect(await exists('newschema.first_table')).toBe(true);
    });

    it('-schemas=a,b: creates both, marker lists both, history and unqualified tables go to the first', async () => {
      const dir = writeSet('multi', { 'V1__Multi.sql': 'CREATE TABLE multi (id INT);\n' });
      const result = await godwit(dir, ['-schemas=ms_a,ms_b', 'migrate']);
      expectExit(result, 0);
      expect(await schemaExists('ms_a')).toBe(true);
      expect(await schemaExists('ms_b')).toBe(true);
      expect(result.stdout).toContain('Creating Schema History table "ms_a"."flyway_schema_history" ...');
      expect(await exists(`ms_a.${HISTORY}`)).toBe(true);
      expect(await exists(`ms_b.${HISTORY}`)).toBe(false);
      const rows = await history('ms_a');
      expect(rows[0]).toMatchObject({ installed_rank: 0, version: null, type: 'SCHEMA', description: '<< Flyway Schema Creation >>', script: '"ms_a","ms_b"', checksum: null });
      expect(rows[1]).toMatchObject({ installed_rank: 1, version: '1', script: 'V1__Multi.sql', success: true });
      expect(await exists('ms_a.multi')).toBe(true);
      expect(await exists('ms_b.multi')).toBe(false);
      expect(await exists('public.multi')).toBe(false);
    });

    it('-table=my_history: the key and index are named after the table', async () => {
      const dir = writeSet('custom-table', { 'V1__One.sql': 'CREATE TABLE one (id INT);\n' });
      const result = await godwit(dir, ['-schemas=t_custom', '-table=my_history', 'migrate']);
      expectExit(result, 0);
      expect(result.stdout).toContain('Creating Schema History table "t_custom"."my_history" ...');
      expect(await exists(`t_custom.${HISTORY}`)).toBe(false);
      const constraints = await db.client.query(`SELECT conname, contype FROM pg_constraint WHERE conrelid = 't_custom.my_history'::regclass AND contype <> 'n'`);
      expect(constraints.rows).toEqual([{ conname: 'my_history_pk', contype: 'p' }]);
      const indexes = await db.client.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 't_custom' AND tablename = 'my_history' ORDER BY indexname`);
      expect(indexes.rows.map((r) => r.indexname)).toEqual(['my_history_pk', 'my_history_s_idx']);
      expect(indexes.rows[1].indexdef).toContain('(success)');
      expect((await history('t_custom', 'my_history')).map((r) => r.script)).toEqual(['"t_custom"', 'V1__One.sql']);
    });
  });

  describe('one transaction per migration', () => {
    const V1 = 'CREATE TABLE a (id INT);\n';
    const V2_BROKEN = FAILS_ON_THIRD_STATEMENT;
    const V2_FIXED = V2_BROKEN.replace('no_such_table', 'v2_made');
    const V3 = 'CREATE TABLE v3_made (id INT);\n';
    const failingLine = lineOf(V2_BROKEN, 'INSERT INTO no_such_table');
    let dir: string;
    let failed: CliResult;

    beforeAll(async () => {
      dir = writeSet('fail', { 'V1__A.sql': V1, 'V2__Breaks.sql': V2_BROKEN, 'V3__After.sql': V3 });
      failed = await godwit(dir, ['-schemas=t_fail', 'migrate']);
    });

    it('exits 1 and keeps V1, rolls back all of V2, never starts V3', async () => {
      expect(failingLine).toBe(10);
      expectExit(failed, 1);
      expect(failed.stdout).toContain('Migrating schema "t_fail" to version "1 - A"');
      expect(failed.stdout).toContain('Migrating schema "t_fail" to version "2 - Breaks"');
      expect(failed.stdout).not.toContain('to version "3 - After"');
      expect(await exists('t_fail.a')).toBe(true);
      expect(await exists('t_fail.v2_made')).toBe(false);
      expect(await exists('t_fail.v3_made')).toBe(false);
      const rows = await sqlRows('t_fail');
      expect(rows.map((r) => [r.installed_rank, r.version, r.success])).toEqual([[1, '1', true]]);
    });

    it('reports the script, the file line, the SQLSTATE and the statement on stderr, without a stack trace', () => {
      expect(failed.stderr).toContain('ERROR:');
      expect(failed.stderr).toContain('V2__Breaks.sql');
      expect(failed.stderr).toMatch(new RegExp(`Line\\s*:\\s*${failingLine}\\b`));
      expect(failed.stderr).toContain('42P01');
      expect(failed.stderr).toContain('relation "no_such_table" does not exist');
      expect(failed.stderr).toContain('INSERT INTO no_such_table (id)');
      expectNoStackTrace(failed);
    });

    it('logs the rollback as an error on stderr, as Flyway does', () => {
      // Flyway's DbMigrate logs this with LOG.error, which its console writes to stderr as `ERROR: ...`.
      expect(failed.stderr).toContain('Migration of schema "t_fail" to version "2 - Breaks" failed! Changes successfully rolled back.');
    });

    it('shows a stack trace with -X', async () => {
      const debug = await godwit(dir, ['-schemas=t_fail', '-X', 'migrate']);
      expectExit(debug, 1);
      expect(debug.stderr).toContain('V2__Breaks.sql');
      expect(debug.stderr).toMatch(STACK_FRAME);
      expect(await exists('t_fail.v2_made')).toBe(false);
    });

    it('continues from V2 once the file is fixed', async () => {
      writeSet('fail', { 'V2__Breaks.sql': V2_FIXED });
      const result = await godwit(dir, ['-schemas=t_fail', 'migrate']);
      expectExit(result, 0);
      expect(result.stdout).toContain('Current version of schema "t_fail": 1');
      expect(result.stdout).not.toContain('to version "1 - A"');
      expect(result.stdout).toMatch(/Successfully applied 2 migrations to schema "t_fail", now at version v3 /);
      const rows = await sqlRows('t_fail');
      expect(rows.map((r) => [r.installed_rank, r.version, r.checksum, r.success])).toEqual([
        [1, '1', flywayChecksum(V1), true],
        [2, '2', flywayChecksum(V2_FIXED), true],
        [3, '3', flywayChecksum(V3), true],
      ]);
      const { rows: made } = await db.client.query('SELECT id FROM t_fail.v2_made ORDER BY id');
      expect(made).toEqual([{ id: 1 }, { id: 1 }]);
    });

    it('a runtime error without a position reports the line where the statement starts (22012)', async () => {
      const script = ['CREATE TABLE zd (id INT);', '', '-- comment', 'SELECT 1 AS one,', '       1 / 0 AS boom;', ''].join('\n');
      const zdDir = writeSet('div-zero', { 'V1__Divide.sql': script });
      const result = await godwit(zdDir, ['-schemas=t_divzero', 'migrate']);
      expectExit(result, 1);
      expect(result.stderr).toContain('22012');
      expect(result.stderr).toContain('V1__Divide.sql');
      expect(result.stderr).toMatch(new RegExp(`Line\\s*:\\s*${lineOf(script, 'SELECT 1 AS one')}\\b`));
      expect(result.stderr).toContain('SELECT 1 AS one,');
      expectNoStackTrace(result);
      expect(await exists('t_divzero.zd')).toBe(false);
      expect(await sqlRows('t_divzero')).toEqual([]);
    });
  });

  describe('repeatable migrations', () => {
    const files = {
      'V1__Runs.sql': 'CREATE TABLE runs (seq SERIAL PRIMARY KEY, name TEXT NOT NULL);\n',
      'V2__More.sql': "INSERT INTO runs (name) VALUES ('V2');\n",
      'R__beta.sql': "INSERT INTO runs (name) VALUES ('beta');\n",
      'R__alpha.sql': "INSERT INTO runs (name) VALUES ('alpha');\n",
      'R__Zeta.sql': "INSERT INTO runs (name) VALUES ('Zeta');\n",
    };
    let dir: string;

    async function runs(): Promise<string[]> {
      const { rows } = await db.client.query<{ name: string }>('SELECT name FROM t_rep.runs ORDER BY seq');
      return rows.map((r) => r.name);
    }

    it('run after the versioned ones, by description in case-sensitive UTF-16 order', async () => {
      dir = writeSet('repeatable', files);
      const result = await godwit(dir, ['-schemas=t_rep', 'migrate']);
      expectExit(result, 0);
      const migrating = result.stdout.split(/\r?\n/).filter((line) => line.startsWith('Migrating schema'));
      expect(migrating).toEqual([
        'Migrating schema "t_rep" to version "1 - Runs"',
        'Migrating schema "t_rep" to version "2 - More"',
        'Migrating schema "t_rep" with repeatable migration "Zeta"',
        'Migrating schema "t_rep" with repeatable migration "alpha"',
        'Migrating schema "t_rep" with repeatable migration "beta"',
      ]);
      expect(await runs()).toEqual(['V2', 'Zeta', 'alpha', 'beta']);
      const rows = await sqlRows('t_rep');
      expect(rows.map((r) => [r.installed_rank, r.version, r.script, r.checksum])).toEqual([
        [1, '1', 'V1__Runs.sql', flywayChecksum(files['V1__Runs.sql'])],
        [2, '2', 'V2__More.sql', flywayChecksum(files['V2__More.sql'])],
        [3, null, 'R__Zeta.sql', flywayChecksum(files['R__Zeta.sql'])],
        [4, null, 'R__alpha.sql', flywayChecksum(files['R__alpha.sql'])],
        [5, null, 'R__beta.sql', flywayChecksum(files['R__beta.sql'])],
      ]);
      expect(result.stdout).toMatch(/Successfully applied 5 migrations to schema "t_rep", now at version v2 /);
    });

    it('are re-applied when the file changes, and only the changed one; the older run becomes Superseded', async () => {
      const changed = "INSERT INTO runs (name) VALUES ('alpha2');\n";
      writeSet('repeatable', { 'R__alpha.sql': changed });
      const result = await godwit(dir, ['-schemas=t_rep', 'migrate', 'info']);
      expectExit(result, 0);
      const migrating = result.stdout.split(/\r?\n/).filter((line) => line.startsWith('Migrating schema'));
      expect(migrating).toEqual(['Migrating schema "t_rep" with repeatable migration "alpha"']);
      expect(await runs()).toEqual(['V2', 'Zeta', 'alpha', 'beta', 'alpha2']);
      const rows = await sqlRows('t_rep');
      expect(rows).toHaveLength(6);
      expect(rows[5]).toMatchObject({ installed_rank: 6, version: null, script: 'R__alpha.sql', checksum: flywayChecksum(changed), success: true });
      const alpha = infoRows(result.stdout).filter((r) => r.description === 'alpha');
      expect(alpha.map((r) => [r.category, r.state])).toEqual([
        ['Repeatable', 'Superseded'],
        ['Repeatable', 'Success'],
      ]);
    });

    it('are not re-applied when unchanged', async () => {
      const result = await godwit(dir, ['-schemas=t_rep', 'migrate']);
      expectExit(result, 0);
      expect(result.stdout).toContain('Schema "t_rep" is up to date. No migration necessary.');
      expect(await runs()).toEqual(['V2', 'Zeta', 'alpha', 'beta', 'alpha2']);
      expect(await sqlRows('t_rep')).toHaveLength(6);
    });

    it('are re-applied when a placeholder they use changes value, with the checksum taken after replacement', async () => {
      const raw = "CREATE TABLE IF NOT EXISTS seen (v TEXT);\nINSERT INTO seen VALUES ('${name}');\n";
      const phDir = writeSet('repeatable-placeholder', { 'R__Uses_name.sql': raw });
      const withX = await godwit(phDir, ['-schemas=t_rph', '-placeholders.name=x', 'migrate']);
      expectExit(withX, 0);
      const again = await godwit(phDir, ['-schemas=t_rph', '-placeholders.name=x', 'migrate']);
      expectExit(again, 0);
      expect(again.stdout).toContain('Schema "t_rph" is up to date. No migration necessary.');
      const withY = await godwit(phDir, ['-schemas=t_rph', '-placeholders.name=y', 'migrate']);
      expectExit(withY, 0);
      expect(withY.stdout).toContain('Migrating schema "t_rph" with repeatable migration "Uses name"');
      const { rows: seen } = await db.client.query('SELECT v FROM t_rph.seen');
      expect(seen.map((r) => r.v)).toEqual(['x', 'y']);
      const rows = await sqlRows('t_rph');
      expect(rows.map((r) => r.checksum)).toEqual([flywayChecksum(raw.replace('${name}', 'x')), flywayChecksum(raw.replace('${name}', 'y'))]);
    });
  });

  describe('placeholders', () => {
    it('replaces the built-ins, user placeholders (names ignore case) and FLYWAY_PLACEHOLDERS_* from the environment', async () => {
      const script = [
        'CREATE TABLE ${flyway:defaultSchema}.ph (k TEXT PRIMARY KEY, v TEXT);',
        "INSERT INTO ph VALUES ('defaultSchema', '${flyway:defaultSchema}'), ('user', '${flyway:user}'),",
        "  ('database', '${flyway:database}'), ('table', '${flyway:table}'), ('filename', '${flyway:filename}'),",
        "  ('tenant', '${tenant}'), ('TENANT', '${TeNaNt}'), ('region', '${region}');",
        '',
      ].join('\n');
      const dir = writeSet('placeholders', { 'sub/V1__Placeholders.sql': script });
      const result = await godwit(dir, ['-schemas=t_ph', '-placeholders.Tenant=acme', 'migrate'], { env: { FLYWAY_PLACEHOLDERS_REGION: 'eu' } });
      expectExit(result, 0);
      const { rows } = await db.client.query<{ k: string; v: string }>('SELECT k, v FROM t_ph.ph');
      expect(Object.fromEntries(rows.map((r) => [r.k, r.v]))).toEqual({
        defaultSchema: 't_ph',
        user: db.user,
        database: db.database,
        table: HISTORY,
        filename: 'V1__Placeholders.sql',
        tenant: 'acme',
        TENANT: 'acme',
        region: 'eu',
      });
      // A versioned checksum is taken on the raw text, before replacement.
      expect((await sqlRows('t_ph'))[0]).toMatchObject({ script: 'sub/V1__Placeholders.sql', checksum: flywayChecksum(script) });
    });

    it('fails on an unknown placeholder, naming it, the file and the line, before running anything of the script', async () => {
      const script = 'CREATE TABLE before_bad (id INT);\n\nINSERT INTO before_bad VALUES (${nope});\n';
      const dir = writeSet('placeholder-unknown', { 'V1__Bad_placeholder.sql': script });
      const result = await godwit(dir, ['-schemas=t_ph_bad', 'migrate']);
      expectExit(result, 1);
      expect(result.stderr).toContain('No value provided for placeholder: ${nope}');
      expect(result.stderr).toContain('V1__Bad_placeholder.sql');
      expect(result.stderr).toMatch(/line 3\b|V1__Bad_placeholder\.sql:3\b|Line\s*:\s*3\b/);
      expectNoStackTrace(result);
      expect(await exists('t_ph_bad.before_bad')).toBe(false);
      expect(await sqlRows('t_ph_bad')).toEqual([]);
    });

    it('-placeholderReplacement=false leaves ${x} as it is', async () => {
      const dir = writeSet('placeholder-off', { 'V1__Literal.sql': "CREATE TABLE lit (v TEXT);\nINSERT INTO lit VALUES ('${x}'), ('${flyway:user}');\n" });
      const result = await godwit(dir, ['-schemas=t_ph_off', '-placeholderReplacement=false', 'migrate']);
      expectExit(result, 0);
      const { rows } = await db.client.query('SELECT v FROM t_ph_off.lit ORDER BY v');
      expect(rows.map((r) => r.v)).toEqual(['${flyway:user}', '${x}']);
    });
  });

  describe('target', () => {
    const files = {
      'V1__One.sql': 'CREATE TABLE tg (v TEXT);\n',
      'V1_1__One_one.sql': "INSERT INTO tg VALUES ('1.1');\n",
      'V2__Two.sql': "INSERT INTO tg VALUES ('2');\n",
      'V3__Three.sql': "INSERT INTO tg VALUES ('3');\n",
    };
    let dir: string;
    const versions = async () => (await sqlRows('t_target')).map((r) => r.version);

    it('-target=1.1 applies up to 1.1; info lists the later ones as Above Target', async () => {
      dir = writeSet('target', files);
      const result = await godwit(dir, ['-schemas=t_target', '-target=1.1', 'migrate', 'info']);
      expectExit(result, 0);
      expect(await versions()).toEqual(['1', '1.1']);
      expect(result.stdout).toMatch(/Successfully applied 2 migrations to schema "t_target", now at version v1\.1 /);
      const states = infoRows(result.stdout).map((r) => [r.version, r.state]);
      expect(states).toEqual([
        ['', 'Success'],
        ['1', 'Success'],
        ['1.1', 'Success'],
        ['2', 'Above Target'],
        ['3', 'Above Target'],
      ]);
    });

    it('-target=next applies exactly one', async () => {
      const result = await godwit(dir, ['-schemas=t_target', '-target=next', 'migrate']);
      expectExit(result, 0);
      expect(await versions()).toEqual(['1', '1.1', '2']);
      expect(result.stdout).toMatch(/Successfully applied 1 migration to schema "t_target", now at version v2 /);
    });

    it('-target=current applies nothing new', async () => {
      const result = await godwit(dir, ['-schemas=t_target', '-target=current', 'migrate']);
      expectExit(result, 0);
      expect(result.stdout).toContain('Schema "t_target" is up to date. No migration necessary.');
      expect(await versions()).toEqual(['1', '1.1', '2']);
      const { rows } = await db.client.query('SELECT v FROM t_target.tg ORDER BY v');
      expect(rows.map((r) => r.v)).toEqual(['1.1', '2']);
    });
  });

  describe('outOfOrder', () => {
    let dir: string;

    beforeAll(async () => {
      dir = writeSet('out-of-order', { 'V1__One.sql': 'CREATE TABLE ooo (v INT);\n', 'V3__Three.sql': 'INSERT INTO ooo VALUES (3);\n' });
      const setup = await godwit(dir, ['-schemas=t_ooo', 'migrate']);
      expectExit(setup, 0);
      writeSet('out-of-order', { 'V2__Two.sql': 'INSERT INTO ooo VALUES (2);\n' });
    });

    it('by default, a new version below the current one fails validation as Ignored and is not applied', async () => {
      const result = await godwit(dir, ['-schemas=t_ooo', 'migrate']);
      expectExit(result, 1);
      expect(result.stderr).toContain('Validate failed: Migrations have failed validation');
      expect(result.stderr).toContain(
        'Detected resolved migration not applied to database: 2.\nTo ignore this migration, set -ignoreMigrationPatterns=\'*:ignored\'. To allow executing this migration, set -outOfOrder=true.',
      );
      expectNoStackTrace(result);
      expect((await sqlRows('t_ooo')).map((r) => r.version)).toEqual(['1', '3']);
      const { rows } = await db.client.query('SELECT v FROM t_ooo.ooo ORDER BY v');
      expect(rows.map((r) => r.v)).toEqual([3]);
    });

    it('-outOfOrder=true applies it, says so in the log, and info shows Out of Order', async () => {
      const result = await godwit(dir, ['-schemas=t_ooo', '-outOfOrder=true', 'migrate', 'info']);
      expectExit(result, 0);
      expect(result.stdout).toContain('outOfOrder mode is active. Migration of schema "t_ooo" may not be reproducible.');
      expect(result.stdout).toContain('Migrating schema "t_ooo" to version "2 - Two" [out of order]');
      expect((await sqlRows('t_ooo')).map((r) => [r.installed_rank, r.version])).toEqual([
        [1, '1'],
        [2, '3'],
        [3, '2'],
      ]);
      expect(infoRows(result.stdout).filter((r) => r.version !== '').map((r) => [r.version, r.state])).toEqual([
        ['1', 'Success'],
        ['3', 'Success'],
        ['2', 'Out of Order'],
      ]);
    });
  });

  describe('validateOnMigrate', () => {
    const original = 'CREATE TABLE val (id INT);\n';
    const edited = 'CREATE TABLE val (id BIGINT);\n';
    let dir: string;

    beforeAll(async () => {
      dir = writeSet('validate', { 'V1__Val.sql': original });
      expectExit(await godwit(dir, ['-schemas=t_val', 'migrate']), 0);
      writeSet('validate', { 'V1__Val.sql': edited, 'V2__Next.sql': 'CREATE TABLE val2 (id INT);\n' });
    });

    it('refuses to migrate after an applied file was edited', async () => {
      const result = await godwit(dir, ['-schemas=t_val', 'migrate']);
      expectExit(result, 1);
      expect(result.stderr).toContain(
        [
          'Migration checksum mismatch for migration version 1',
          `-> Applied to database : ${flywayChecksum(original)}`,
          `-> Resolved locally    : ${flywayChecksum(edited)}`,
          'Either revert the changes to the migration, or run repair to update the schema history.',
        ].join('\n'),
      );
      expectNoStackTrace(result);
      expect(await exists('t_val.val2')).toBe(false);
      expect((await sqlRows('t_val')).map((r) => r.version)).toEqual(['1']);
    });

    it('-validateOnMigrate=false proceeds', async () => {
      const result = await godwit(dir, ['-schemas=t_val', '-validateOnMigrate=false', 'migrate']);
      expectExit(result, 0);
      expect(await exists('t_val.val2')).toBe(true);
      const rows = await sqlRows('t_val');
      expect(rows.map((r) => [r.version, r.checksum])).toEqual([
        ['1', flywayChecksum(original)],
        ['2', flywayChecksum('CREATE TABLE val2 (id INT);\n')],
      ]);
    });
  });

  describe('baselineOnMigrate, on a public schema that already holds a table', () => {
    let legacy: Target;
    let dir: string;

    beforeAll(async () => {
      legacy = await driver.target('pg_migrate_baseline');
      databases.push(legacy);
      await legacy.client.query('CREATE TABLE existing (id INT)');
      dir = writeSet('baseline', {
        'V1__One.sql': 'CREATE TABLE one (id INT);\n',
        'V2__Two.sql': 'CREATE TABLE two (id INT);\n',
        'V3__Three.sql': 'CREATE TABLE three (id INT);\n',
      });
    });

    it('without it, migrate refuses and creates nothing', async () => {
      const result = await godwit(dir, ['migrate'], {}, legacy);
      expectExit(result, 1);
      expect(result.stderr).toContain(
        'Found non-empty schema(s) "public" but no schema history table. Use baseline() or set baselineOnMigrate to true to initialize the schema history table.',
      );
      expectNoStackTrace(result);
      expect(await exists(`public.${HISTORY}`, legacy)).toBe(false);
      expect(await exists('public.one', legacy)).toBe(false);
    });

    it('-baselineOnMigrate=true -baselineVersion=2 writes the baseline at rank 1, then applies only V3', async () => {
      const result = await godwit(dir, ['-baselineOnMigrate=true', '-baselineVersion=2', 'migrate', 'info'], {}, legacy);
      expectExit(result, 0);
      const rows = await history('public', HISTORY, legacy);
      expect(rows.map(({ installed_on: _on, ...rest }) => rest)).toEqual([
        { installed_rank: 1, version: '2', description: '<< Flyway Baseline >>', type: 'BASELINE', script: '<< Flyway Baseline >>', checksum: null, installed_by: legacy.user, execution_time: 0, success: true },
        { installed_rank: 2, version: '3', description: 'Three', type: 'SQL', script: 'V3__Three.sql', checksum: flywayChecksum('CREATE TABLE three (id INT);\n'), installed_by: legacy.user, execution_time: rows[1]?.execution_time, success: true },
      ]);
      expect(await exists('public.one', legacy)).toBe(false);
      expect(await exists('public.two', legacy)).toBe(false);
      expect(await exists('public.three', legacy)).toBe(true);
      expect(result.stdout).toContain('Migrating schema "public" to version "3 - Three"');
      expect(infoRows(result.stdout).map((r) => [r.version, r.state])).toEqual([
        ['1', 'Below Baseline'],
        ['2', 'Ignored (Baseline)'],
        ['2', 'Baseline'],
        ['3', 'Success'],
      ]);
    });
  });

  describe('non-transactional statements', () => {
    it('CREATE INDEX CONCURRENTLY alone in a file runs outside a transaction without hanging', async () => {
      const dir = writeSet('concurrently', {
        'V1__Table.sql': 'CREATE TABLE big (id INT);\nINSERT INTO big SELECT generate_series(1, 1000);\n',
        'V2__Index.sql': '-- must run outside a transaction\nCREATE INDEX CONCURRENTLY big_id_idx ON big (id);\n',
      });
      const result = await godwit(dir, ['-schemas=t_nt', 'migrate'], { timeoutMs: 20_000 });
      expectExit(result, 0);
      expect(result.stdout).toContain('Migrating schema "t_nt" to version "2 - Index" [non-transactional]');
      expect(result.stdout).not.toContain('to version "1 - Table" [non-transactional]');
      const { rows } = await db.client.query(
        `SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 't_nt' AND c.relname = 'big_id_idx'`,
      );
      expect(rows).toEqual([{ indisvalid: true }]);
      expect((await sqlRows('t_nt')).map((r) => [r.version, r.success])).toEqual([
        ['1', true],
        ['2', true],
      ]);
    }, 30_000);

    describe('mixed with a transactional statement in one file', () => {
      const script = '-- a table and its index in one go\nCREATE TABLE mixed_t (id INT);\n\nCREATE INDEX CONCURRENTLY mixed_idx ON mixed_t (id);\n';
      let dir: string;

      it('is refused by default, naming the line, and nothing runs', async () => {
        dir = writeSet('mixed', { 'V1__Mixed.sql': script });
        const result = await godwit(dir, ['-schemas=t_mixed', 'migrate'], { timeoutMs: 20_000 });
        expectExit(result, 1);
        expect(result.stderr).toContain('Detected both transactional and non-transactional statements within the same migration (even though mixed is false)');
        expect(result.stderr).toContain(`Offending statement found at line ${lineOf(script, 'CREATE INDEX CONCURRENTLY')}: CREATE INDEX CONCURRENTLY mixed_idx ON mixed_t (id)`);
        expect(result.stderr).toContain('[non-transactional]');
        expectNoStackTrace(result);
        expect(await exists('t_mixed.mixed_t')).toBe(false);
        expect(await sqlRows('t_mixed')).toEqual([]);
      }, 30_000);

      it('-mixed=true runs it', async () => {
        const result = await godwit(dir, ['-schemas=t_mixed', '-mixed=true', 'migrate'], { timeoutMs: 20_000 });
        expectExit(result, 0);
        expect(result.stdout).toContain('Migrating schema "t_mixed" to version "1 - Mixed" [non-transactional]');
        expect(await exists('t_mixed.mixed_t')).toBe(true);
        expect(await exists('t_mixed.mixed_idx')).toBe(true);
        expect((await sqlRows('t_mixed')).map((r) => [r.version, r.success])).toEqual([['1', true]]);
      }, 30_000);
    });
  });

  it('COPY ... FROM STDIN loads inline data exactly (tabs, \\N, ; in data, escapes, non-ASCII)', async () => {
    const script = [
      'CREATE TABLE items (id INT, name TEXT, note TEXT);',
      'COPY items (id, name, note) FROM STDIN;',
      '1\tcafé\tsemi;colon',
      '2\t\\N\tplain',
      '3\tzürich ☃\t\\N',
      '4\ttab\\there\tback\\\\slash',
      '\\.',
      "INSERT INTO items VALUES (5, 'after', 'copy');",
      '',
    ].join('\n');
    const dir = writeSet('copy', { 'V1__Copy.sql': script });
    const result = await godwit(dir, ['-schemas=t_copy', 'migrate']);
    expectExit(result, 0);
    const { rows } = await db.client.query('SELECT id, name, note FROM t_copy.items ORDER BY id');
    expect(rows).toEqual([
      { id: 1, name: 'café', note: 'semi;colon' },
      { id: 2, name: null, note: 'plain' },
      { id: 3, name: 'zürich ☃', note: null },
      { id: 4, name: 'tab\there', note: 'back\\slash' },
      { id: 5, name: 'after', note: 'copy' },
    ]);
    expect((await sqlRows('t_copy'))[0]).toMatchObject({ version: '1', checksum: flywayChecksum(script), success: true });
  });

  describe('group', () => {
    const V2 = 'CREATE TABLE grp_two (id INT);\n\nSELECT 1 / 0;\n';
    let dir: string;
    let grouped: CliResult;

    beforeAll(async () => {
      dir = writeSet('group', { 'V1__One.sql': 'CREATE TABLE grp_one (id INT);\n', 'V2__Two.sql': V2 });
      grouped = await godwit(dir, ['-schemas=t_grp', '-group=true', 'migrate']);
    });

    it('-group=true: a failure in V2 rolls back V1 as well', async () => {
      expectExit(grouped, 1);
      expect(await exists('t_grp.grp_one')).toBe(false);
      expect(await exists('t_grp.grp_two')).toBe(false);
      expect(await sqlRows('t_grp')).toEqual([]);
    });

    it('-group=true: the failure is reported like any failed migration, without a stack trace', () => {
      expect(grouped.stderr).toContain('ERROR:');
      expect(grouped.stderr).toContain('V2__Two.sql');
      expect(grouped.stderr).toContain('22012');
      expect(grouped.stderr).toMatch(new RegExp(`Line\\s*:\\s*${lineOf(V2, 'SELECT 1 / 0')}\\b`));
      expect(grouped.stderr).toContain('Migration of schema "t_grp" to version "2 - Two" failed! Changes successfully rolled back.');
      expectNoStackTrace(grouped);
    });

    it('without group the same set keeps V1', async () => {
      const result = await godwit(dir, ['-schemas=t_grp', 'migrate']);
      expectExit(result, 1);
      expect(await exists('t_grp.grp_one')).toBe(true);
      expect(await exists('t_grp.grp_two')).toBe(false);
      expect((await sqlRows('t_grp')).map((r) => [r.version, r.success])).toEqual([['1', true]]);
    });
  });

  it('a UTF-8 BOM and CRLF line endings: applied, with the same checksum as the plain file', async () => {
    const cafe = '-- café\r\nSELECT 1;\r\n';
    const multi = '\uFEFFCREATE TABLE t2 (id INT);\r\n\r\nINSERT INTO t2 VALUES (1);\r\n';
    const dir = writeSet('encoding', {
      'V1__Bom_crlf.sql': Buffer.from('\uFEFFCREATE TABLE t (id INT);\r\n', 'utf8'),
      'V2__Crlf_cafe.sql': Buffer.from(cafe, 'utf8'),
      'V3__Bom_multi.sql': Buffer.from(multi, 'utf8'),
    });
    const result = await godwit(dir, ['-schemas=t_enc', 'migrate']);
    expectExit(result, 0);
    expect(await exists('t_enc.t')).toBe(true);
    const { rows: t2 } = await db.client.query('SELECT id FROM t_enc.t2');
    expect(t2).toEqual([{ id: 1 }]);
    expect((await sqlRows('t_enc')).map((r) => [r.version, r.checksum])).toEqual([
      ['1', 1556295178],
      ['2', 139021238],
      ['3', flywayChecksum('CREATE TABLE t2 (id INT);\n\nINSERT INTO t2 VALUES (1);\n')],
    ]);
  });
});
