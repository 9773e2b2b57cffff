/**
 * info, validate, baseline, repair and clean end to end: the built CLI against a real PostgreSQL, checked
 * against flyway-compat.md §3, §5, §6 and §11. The whole file shares one database; each describe block
 * works in schemas of its own (`-schemas=<name>`), so blocks don't see each other. Within a block the
 * tests run in order and build on each other's state, as a user's sessions would.
 *
 * The suite runs on both drivers (test/helpers/drivers.ts), the PostgreSQL server and PGlite: every case
 * is the database's behaviour, none is server-only.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { DRIVERS, SUITE_OPTIONS, type Target } from '../helpers/drivers.js';
import type { HistoryRow } from '../helpers/output.js';

/** flyway-compat.md §2: signed CRC-32 of the UTF-8 text without a leading BOM and without any CR or LF. */
function flywayChecksum(content: string): number {
  return crc32(Buffer.from(content.replace(/^\uFEFF/, '').replace(/[\r\n]/g, ''), 'utf8')) | 0;
}

const STACK_LINE = /^\s+at /m;
const DURATION = /\(execution time \d\d:\d\d\.\d{3}s\)/;
const BORDER = /^\+(-+\+){7}$/;
const HEADER = /^\| Category +\| Version +\| Description +\| Type +\| Installed On +\| State +\| Undoable +\|$/;
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;

const V1 = 'CREATE TABLE users (id INT PRIMARY KEY);\n';
const U1 = 'DROP TABLE users;\n';
const V2 = 'ALTER TABLE users ADD COLUMN email TEXT;\n';
const V3 = 'ALTER TABLE users ADD COLUMN phone TEXT;\n';
const R_VIEWS = 'CREATE OR REPLACE VIEW user_ids AS SELECT id FROM users;\n';


interface InfoRow {
  category: string;
  version: string;
  description: string;
  type: string;
  installedOn: string;
  state: string;
  undoable: string;
}

interface ParsedInfo {
  schemaVersion: string;
  rows: InfoRow[];
  /** The table's lines, from the top border to the bottom one. */
  table: string[];
}

/**
 * Reads the `info` block out of stdout: `Schema version: X`, an empty line, then Flyway's table. Log lines
 * that Flyway also prints first (`Database: …`) may precede it.
 */
function parseInfo(stdout: string): ParsedInfo {
  const lines = stdout.split(/\r?\n/);
  const start = lines.findIndex((line) => line.startsWith('Schema version: '));
  expect(start, `no "Schema version: " line in:\n${stdout}`).toBeGreaterThanOrEqual(0);
  expect(lines[start + 1], 'an empty line follows "Schema version:"').toBe('');
  const table: string[] = [];
  for (let i = start + 2; i < lines.length && /^[+|]/.test(lines[i]!); i++) table.push(lines[i]!);
  expect(table[0], `table top border in:\n${stdout}`).toMatch(BORDER);
  expect(table[1]).toMatch(HEADER);
  expect(table[2]).toMatch(BORDER);
  expect(table.at(-1), 'table bottom border').toMatch(/^\+-+(\+-+)*\+$/);
  const rows = table
    .slice(3, -1)
    .filter((line) => !/^\| No migrations found/.test(line))
    .map((line) => {
      const cells = line.slice(1, -1).split('|').map((cell) => cell.trim());
      expect(cells, line).toHaveLength(7);
      const [category, version, description, type, installedOn, state, undoable] = cells as [string, string, string, string, string, string, string];
      return { category, version, description, type, installedOn, state, undoable };
    });
  return { schemaVersion: lines[start]!.slice('Schema version: '.length), rows, table };
}

/** The row shape most assertions compare: what identifies the migration, and what info says of it. */
function summary(rows: InfoRow[]): string[] {
  return rows.map((r) => [r.category, r.version, r.description, r.type, r.state, r.undoable].join(' | '));
}

function expectSuccess(result: CliResult): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
  expect(result.stdout + result.stderr).not.toMatch(STACK_LINE);
}

/** A user error: exit 1, `ERROR: ` on stderr, and no stack trace anywhere. */
function expectUserError(result: CliResult): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(1);
  expect(result.stderr).toMatch(/^ERROR: /m);
  expect(result.stderr).not.toMatch(STACK_LINE);
  expect(result.stdout).not.toMatch(STACK_LINE);
}

/** Parses the whole of stdout: JSON mode prints one document and nothing else there. */
function json<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** `yyyy-MM-dd HH:mm:ss` of an instant as a wall clock in `timeZone` shows it. */
function wallClock(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

describe.each(DRIVERS)('godwit commands on $name', SUITE_OPTIONS, (driver) => {
  let db: Target;
  const dirs: string[] = [];

  beforeAll(async () => {
    db = await driver.target('pg_commands');
  });

  afterAll(async () => {
    await db?.drop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function migrationDir(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'godwit-pg-commands-'));
    dirs.push(dir);
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    return dir;
  }

  function godwit(schema: string, dir: string, args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
    return db.cli([`-schemas=${schema}`, `-locations=filesystem:${dir}`, ...args], { env });
  }

  async function history(schema: string): Promise<HistoryRow[]> {
    const { rows } = await db.client.query<HistoryRow>(
      `SELECT installed_rank, version, description, type, script, checksum, installed_by, execution_time, success
       FROM "${schema}"."flyway_schema_history" ORDER BY installed_rank`,
    );
    return rows;
  }

  /** Appends a row the way another Flyway process would have written it. */
  async function insertRow(schema: string, row: { version: string | null; description: string; script: string; checksum: number | null; success: boolean }): Promise<number> {
    const { rows } = await db.client.query<{ rank: number }>(
      `INSERT INTO "${schema}"."flyway_schema_history"
         (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
       SELECT coalesce(max(installed_rank), 0) + 1, $1, $2, 'SQL', $3, $4, current_user, 7, $5 FROM "${schema}"."flyway_schema_history"
       RETURNING installed_rank AS rank`,
      [row.version, row.description, row.script, row.checksum, row.success],
    );
    return rows[0]!.rank;
  }

  async function schemaExists(schema: string): Promise<boolean> {
    const { rows } = await db.client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    return rows.length === 1;
  }

  async function tableExists(schema: string, table: string): Promise<boolean> {
    const { rows } = await db.client.query('SELECT to_regclass($1) IS NOT NULL AS present', [`"${schema}"."${table}"`]);
    return rows[0].present as boolean;
  }

  describe('info', () => {
    const schema = 'info_states';
    let dir: string;

    beforeAll(async () => {
      dir = await migrationDir({
        'V1__Create_users.sql': V1,
        'U1__Create_users.sql': U1,
        'V2__Add_email.sql': V2,
        'V3__Add_phone.sql': V3,
        'R__Views.sql': R_VIEWS,
      });
    });

    it('shows << Empty Schema >> and every file as Pending before the first migrate, Undoable Yes only where an undo file exists', async () => {
      const result = await godwit(schema, dir, ['info']);
      expectSuccess(result);
      expect(result.stdout).toMatch(/^Schema version: << Empty Schema >>\n\n\+-/m);
      const info = parseInfo(result.stdout);
      expect(info.schemaVersion).toBe('<< Empty Schema >>');
      expect(summary(info.rows)).toEqual([
        'Versioned | 1 | Create users | SQL | Pending | Yes',
        'Versioned | 2 | Add email | SQL | Pending | No',
        'Versioned | 3 | Add phone | SQL | Pending | No',
        'Repeatable |  | Views | SQL | Pending | ',
      ]);
      expect(info.rows.map((r) => r.installedOn)).toEqual(['', '', '', '']);
      expect(result.stdout).not.toContain('No migrations found');
      // info only looks: it creates neither the schema nor the history table.
      expect(await schemaExists(schema)).toBe(false);
    });

    it('shows Outdated for the applied run of a changed repeatable, its file again as Pending, and Above Target beyond -target', async () => {
      expectSuccess(await godwit(schema, dir, ['migrate', '-target=2']));
      await writeFile(join(dir, 'R__Views.sql'), 'CREATE OR REPLACE VIEW user_ids AS SELECT id, email FROM users;\n');
      const result = await godwit(schema, dir, ['info', '-target=2']);
      expectSuccess(result);
      const info = parseInfo(result.stdout);
      expect(info.schemaVersion).toBe('2');
      expect(summary(info.rows)).toEqual([
        ' |  | << Flyway Schema Creation >> | SCHEMA | Success | ',
        'Versioned | 1 | Create users | SQL | Success | Yes',
        'Versioned | 2 | Add email | SQL | Success | No',
        'Repeatable |  | Views | SQL | Outdated | ',
        'Versioned | 3 | Add phone | SQL | Above Target | No',
        'Repeatable |  | Views | SQL | Pending | ',
      ]);
      for (const row of info.rows.slice(0, 4)) expect(row.installedOn).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(info.rows[4]!.installedOn).toBe('');
      // Without -target the same file is simply Pending.
      const untargeted = parseInfo((await godwit(schema, dir, ['info'])).stdout);
      expect(untargeted.rows.find((r) => r.version === '3')?.state).toBe('Pending');
    });

    it('shows Superseded for the earlier run of a repeatable once it has run again', async () => {
      expectSuccess(await godwit(schema, dir, ['migrate']));
      const info = parseInfo((await godwit(schema, dir, ['info'])).stdout);
      expect(info.schemaVersion).toBe('3');
      expect(summary(info.rows)).toEqual([
        ' |  | << Flyway Schema Creation >> | SCHEMA | Success | ',
        'Versioned | 1 | Create users | SQL | Success | Yes',
        'Versioned | 2 | Add email | SQL | Success | No',
        'Repeatable |  | Views | SQL | Superseded | ',
        'Versioned | 3 | Add phone | SQL | Success | No',
        'Repeatable |  | Views | SQL | Success | ',
      ]);
    });

    it('shows Failed, Missing, Future and Ignored, and a failed migration is not undoable', async () => {
      await writeFile(join(dir, 'V4__Broken.sql'), 'ALTER TABLE users ADD COLUMN broken;\n');
      await writeFile(join(dir, 'U4__Broken.sql'), 'ALTER TABLE users DROP COLUMN broken;\n');
      await insertRow(schema, { version: '4', description: 'Broken', script: 'V4__Broken.sql', checksum: flywayChecksum('ALTER TABLE users ADD COLUMN broken;\n'), success: false });
      await insertRow(schema, { version: '9', description: 'From the future', script: 'V9__From_the_future.sql', checksum: 42, success: true });
      await rm(join(dir, 'V2__Add_email.sql'));
      await writeFile(join(dir, 'V2_5__Late.sql'), 'SELECT 1;\n');

      const result = await godwit(schema, dir, ['info']);
      expectSuccess(result);
      const info = parseInfo(result.stdout);
      expect(info.schemaVersion).toBe('9');
      const state = (version: string) => info.rows.filter((r) => r.version === version).map((r) => `${r.state} / ${r.undoable}`);
      expect(state('1')).toEqual(['Success / Yes']);
      expect(state('2')).toEqual(['Missing / No']);
      expect(state('2.5')).toEqual(['Ignored / No']);
      expect(state('4')).toEqual(['Failed / No']);
      expect(state('9')).toEqual(['Future / No']);
      expect(info.rows).toHaveLength(9);
      // Applied rows keep installed_rank order.
      expect(info.rows.filter((r) => r.installedOn !== '').map((r) => r.version)).toEqual(['', '1', '2', '', '3', '', '4', '9']);
    });

    it('prints valid JSON on stdout only, with Flyway field names and values', async () => {
      const result = await godwit(schema, dir, ['info', '-outputType=json']);
      expectSuccess(result);
      expect(result.stdout).not.toContain('Schema version');
      const doc = json<{
        schemaVersion: string | null;
        schemaName: string;
        allSchemasEmpty: boolean;
        migrations: Array<Record<string, unknown>>;
        flywayVersion: string;
        database: string;
        warnings: unknown[];
        operation: string;
      }>(result);
      expect(doc.operation).toBe('info');
      expect(doc.schemaVersion).toBe('9');
      expect(doc.schemaName).toBe(schema);
      expect(doc.allSchemasEmpty).toBe(false);
      expect(typeof doc.flywayVersion).toBe('string');
      expect(doc.flywayVersion).not.toBe('');
      expect(doc.database).toBe(db.database);
      expect(Array.isArray(doc.warnings)).toBe(true);
      expect(doc.migrations).toHaveLength(9);

      const fields = ['category', 'version', 'rawVersion', 'description', 'type', 'installedOnUTC', 'state', 'undoable', 'filepath', 'undoFilepath', 'installedBy', 'shouldExecuteExpression', 'executionTime'];
      for (const m of doc.migrations) {
        expect(Object.keys(m)).toEqual(expect.arrayContaining(fields));
        expect(typeof m.executionTime).toBe('number');
        if (m.installedOnUTC !== '') expect(m.installedOnUTC).toMatch(ISO_UTC);
      }

      const v1 = doc.migrations.find((m) => m.version === '1')!;
      expect(v1).toMatchObject({
        category: 'Versioned',
        rawVersion: '1',
        description: 'Create users',
        type: 'SQL',
        state: 'Success',
        undoable: 'Yes',
        filepath: join(dir, 'V1__Create_users.sql'),
        undoFilepath: join(dir, 'U1__Create_users.sql'),
        installedBy: db.user,
      });
      // installed_on is now(): the instant must be the real one, give or take the test's own duration.
      expect(Math.abs(Date.parse(v1.installedOnUTC as string) - Date.now())).toBeLessThan(5 * 60_000);

      expect(doc.migrations.find((m) => m.version === '2.5')).toMatchObject({
        category: 'Versioned',
        rawVersion: '2_5',
        description: 'Late',
        state: 'Ignored',
        installedOnUTC: '',
        installedBy: '',
        filepath: join(dir, 'V2_5__Late.sql'),
        undoFilepath: '',
      });
      expect(doc.migrations.find((m) => m.version === '9')).toMatchObject({ state: 'Future', filepath: '', installedBy: db.user, executionTime: 7 });
      expect(doc.migrations.find((m) => m.type === 'SCHEMA')).toMatchObject({ category: '', version: '', description: '<< Flyway Schema Creation >>', state: 'Success' });
      const repeatables = doc.migrations.filter((m) => m.category === 'Repeatable');
      expect(repeatables.map((m) => [m.version, m.state, m.undoable, m.filepath])).toEqual([
        ['', 'Superseded', '', join(dir, 'R__Views.sql')],
        ['', 'Success', '', join(dir, 'R__Views.sql')],
      ]);
    });

    it('still lists the rows, and says "No migrations found on disk.", when the location is empty', async () => {
      const empty = await migrationDir({});
      const result = await godwit(schema, empty, ['info']);
      expectSuccess(result);
      const info = parseInfo(result.stdout);
      expect(info.rows.length).toBeGreaterThan(0);
      expect(result.stdout).not.toMatch(/^\| No migrations found/m);
      expect(result.stdout).toMatch(/^No migrations found on disk\.$/m);
    });

    it('prints "| No migrations found |" and "No migrations found on disk." with neither rows nor files', async () => {
      const empty = await migrationDir({});
      const result = await godwit('info_nothing', empty, ['info']);
      expectSuccess(result);
      const info = parseInfo(result.stdout);
      expect(info.schemaVersion).toBe('<< Empty Schema >>');
      expect(info.rows).toEqual([]);
      expect(info.table.join('\n')).toMatch(/^\| No migrations found +\|$/m);
      expect(result.stdout).toMatch(/^No migrations found on disk\.$/m);

      const doc = json<{ schemaVersion: string | null; migrations: unknown[] }>(await godwit('info_nothing', empty, ['info', '-outputType=json']));
      expect(doc.schemaVersion).toBeNull();
      expect(doc.migrations).toEqual([]);
    });

    it('reports allSchemasEmpty for an existing schema without objects', async () => {
      await db.client.query('CREATE SCHEMA info_empty_schema');
      const dir2 = await migrationDir({ 'V1__Create_users.sql': V1 });
      const doc = json<{ allSchemasEmpty: boolean; schemaVersion: string | null }>(await godwit('info_empty_schema', dir2, ['info', '-outputType=json']));
      expect(doc.allSchemasEmpty).toBe(true);
      expect(doc.schemaVersion).toBeNull();
    });

    it('shows Below Baseline, Ignored (Baseline) and Baseline entries first, then what is pending', async () => {
      const s = 'info_baseline';
      await db.client.query(`CREATE SCHEMA ${s}; CREATE TABLE ${s}.legacy (id INT)`);
      const dir2 = await migrationDir({ 'V1__Create_users.sql': V1, 'V2__Add_email.sql': V2, 'V3__Add_phone.sql': V3 });
      expectSuccess(await godwit(s, dir2, ['baseline', '-baselineVersion=2']));
      const info = parseInfo((await godwit(s, dir2, ['info'])).stdout);
      expect(info.schemaVersion).toBe('2');
      expect(summary(info.rows)).toEqual([
        'Versioned | 1 | Create users | SQL | Below Baseline | No',
        'Versioned | 2 | Add email | SQL | Ignored (Baseline) | No',
        ' | 2 | << Flyway Baseline >> | BASELINE | Baseline | No',
        'Versioned | 3 | Add phone | SQL | Pending | No',
      ]);
    });

    it('answers `migrate info` in one JSON call with {"individualResults": [migrate, info]}', async () => {
      const dir2 = await migrationDir({ 'V1__Create_users.sql': V1, 'V2__Add_email.sql': V2 });
      const result = await godwit('info_combined', dir2, ['migrate', 'info', '-outputType=json']);
      expectSuccess(result);
      const doc = json<{ individualResults: Array<Record<string, unknown>> }>(result);
      expect(Object.keys(doc)).toEqual(['individualResults']);
      expect(doc.individualResults.map((r) => r.operation)).toEqual(['migrate', 'info']);
      expect(doc.individualResults[0]).toMatchObject({ migrationsExecuted: 2, success: true, targetSchemaVersion: '2' });
      const migrations = doc.individualResults[1]!.migrations as Array<Record<string, unknown>>;
      expect(migrations.filter((m) => m.category === 'Versioned').map((m) => `${m.version} ${m.state}`)).toEqual(['1 Success', '2 Success']);
    });

    it('reports the real instant in installedOnUTC, and local wall-clock time in the table, when TZ differs from the server', async () => {
      const s = 'info_timezone';
      const dir2 = await migrationDir({ 'V1__Create_users.sql': V1 });
      const env = { TZ: 'America/New_York' };
      expectSuccess(await godwit(s, dir2, ['migrate'], env));
      const doc = json<{ migrations: Array<{ version: string; installedOnUTC: string }> }>(await godwit(s, dir2, ['info', '-outputType=json'], env));
      const installed = doc.migrations.find((m) => m.version === '1')!.installedOnUTC;
      expect(installed).toMatch(ISO_UTC);
      expect(Math.abs(Date.parse(installed) - Date.now()), `installedOnUTC ${installed} vs now ${new Date().toISOString()}`).toBeLessThan(5 * 60_000);
      const table = parseInfo((await godwit(s, dir2, ['info'], env)).stdout);
      expect(table.rows.find((r) => r.version === '1')!.installedOn).toBe(wallClock(installed, 'America/New_York'));
    });
  });

  describe('validate', () => {
    const PENDING_2 =
      "Detected resolved migration not applied to database: 2.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.";

    it('succeeds on an up-to-date schema, counting every migration info info lists', async () => {
      const dir = await migrationDir({ 'V1__Create_users.sql': V1, 'R__Views.sql': R_VIEWS });
      expectSuccess(await godwit('val_ok', dir, ['migrate']));
      const result = await godwit('val_ok', dir, ['validate']);
      expectSuccess(result);
      // The schema marker, V1 and R.
      expect(result.stdout).toMatch(/^Successfully validated 3 migrations \(execution time 00:00\.\d{3}s\)$/m);
    });

    it('fails on a pending file, passes with -ignoreMigrationPatterns=*:pending, and reports the failure as JSON', async () => {
      const s = 'val_pending';
      const dir = await migrationDir({ 'V1__Create_users.sql': V1 });
      expectSuccess(await godwit(s, dir, ['migrate']));
      await writeFile(join(dir, 'V2__Add_email.sql'), V2);

      const failed = await godwit(s, dir, ['validate']);
      expectUserError(failed);
      expect(failed.stderr).toContain(`ERROR: Validate failed: Migrations have failed validation\n${PENDING_2}`);

      const ignored = await godwit(s, dir, ['validate', '-ignoreMigrationPatterns=*:pending']);
      expectSuccess(ignored);
      expect(ignored.stdout).toMatch(/^Successfully validated 3 migrations \(execution time 00:00\.\d{3}s\)$/m);

      const asJson = await godwit(s, dir, ['validate', '-outputType=json']);
      expect(asJson.code).toBe(1);
      expect(asJson.stdout + asJson.stderr).not.toMatch(STACK_LINE);
      const doc = json<{ error: { errorCode: string; message: string } }>(asJson);
      expect(doc.error.errorCode).toBe('VALIDATE_ERROR');
      expect(doc.error.message).toBe(`Validate failed: Migrations have failed validation\n${PENDING_2}`);

      const okJson = json<Record<string, unknown>>(await godwit(s, dir, ['validate', '-outputType=json', '-ignoreMigrationPatterns=*:pending']));
      expect(okJson).toMatchObject({ operation: 'validate', validationSuccessful: true, validateCount: 3 });
    });

    it('reports a checksum mismatch with both numbers, then a description mismatch', async () => {
      const s = 'val_mismatch';
      const dir = await migrationDir({ 'V1__Create_users.sql': V1, 'V2__Add_email.sql': V2 });
      expectSuccess(await godwit(s, dir, ['migrate']));
      const applied = (await history(s)).find((r) => r.version === '1')!.checksum;
      expect(applied).toBe(flywayChecksum(V1));

      const edited = 'CREATE TABLE users (id BIGINT PRIMARY KEY);\n';
      await writeFile(join(dir, 'V1__Create_users.sql'), edited);
      const checksum = await godwit(s, dir, ['validate']);
      expectUserError(checksum);
      expect(checksum.stderr).toContain(
        'ERROR: Validate failed: Migrations have failed validation\n' +
          `Migration checksum mismatch for migration version 1\n-> Applied to database : ${applied}\n-> Resolved locally    : ${flywayChecksum(edited)}\n` +
          'Either revert the changes to the migration, or run repair to update the schema history.',
      );

      await writeFile(join(dir, 'V1__Create_users.sql'), V1);
      await rename(join(dir, 'V2__Add_email.sql'), join(dir, 'V2__Add_mail.sql'));
      const description = await godwit(s, dir, ['validate']);
      expectUserError(description);
      expect(description.stderr).toContain(
        'Migration description mismatch for migration version 2\n-> Applied to database : Add email\n-> Resolved locally    : Add mail\n' +
          'Either revert the changes to the migration, or run repair to update the schema history.',
      );
      expect(description.stderr).not.toContain('checksum mismatch');
    });

    it('reports an applied migration whose file is gone, unless -ignoreMigrationPatterns=*:missing', async () => {
      const s = 'val_missing';
      const dir = await migrationDir({ 'V1__Create_users.sql': V1, 'V2__Add_email.sql': V2, 'V3__Add_phone.sql': V3 });
      expectSuccess(await godwit(s, dir, ['migrate']));
      await rm(join(dir, 'V2__Add_email.sql'));

      const failed = await godwit(s, dir, ['validate']);
      expectUserError(failed);
      expect(failed.stderr).toContain(
        'ERROR: Validate failed: Migrations have failed validation\n' +
          'Detected applied migration not resolved locally: 2.\nIf you removed this migration intentionally, run repair to mark the migration as deleted.',
      );
      expectSuccess(await godwit(s, dir, ['validate', '-ignoreMigrationPatterns=*:missing']));
    });

    it('reports a failed migration row, and migrate refuses to run over it', async () => {
      const s = 'val_failed';
      const dir = await migrationDir({ 'V1__Create_users.sql': V1 });
      expectSuccess(await godwit(s, dir, ['migrate']));
      await writeFile(join(dir, 'V2__Add_email.sql'), V2);
      await insertRow(s, { version: '2', description: 'Add email', script: 'V2__Add_email.sql', checksum: flywayChecksum(V2), success: false });

      const failed = await godwit(s, dir, ['validate']);
      expectUserError(failed);
      expect(failed.stderr).toContain(
        'Detected failed migration to version 2 (Add email).\nPlease remove any half-completed changes then run repair to fix the schema history.',
      );

      const before = await history(s);
      const migrate = await godwit(s, dir, ['migrate']);
      expectUserError(migrate);
      expect(migrate.stderr).toMatch(/failed migration to version 2/);
      expect(await history(s)).toEqual(before);
    });

    it('ignores future rows by default (*:future), and reports them when the patterns leave future out', async () => {
      const s = 'val_future';
      const dir = await migrationDir({ 'V1__Create_users.sql': V1 });
      expectSuccess(await godwit(s, dir, ['migrate']));
      await insertRow(s, { version: '2', description: 'Newer', script: 'V2__Newer.sql', checksum: 1, success: true });

      const info = parseInfo((await godwit(s, dir, ['info'])).stdout);
      expect(info.rows.find((r) => r.version === '2')?.state).toBe('Future');
      const ok = await godwit(s, dir, ['validate']);
      expectSuccess(ok);
      expect(ok.stdout).toMatch(/^Successfully validated 3 migrations /m);

      const strict = await godwit(s, dir, ['validate', '-ignoreMigrationPatterns=*:pending']);
      expectUserError(strict);
      expect(strict.stderr).toContain('Detected applied migration not resolved locally: 2.');
    });
  });

  describe('baseline', () => {
    it('baselines a fresh database at version 1 with Flyway\'s row', async () => {
      const s = 'bl_fresh';
      const dir = await migrationDir({ 'V1__Create_users.sql': V1 });
      const result = await godwit(s, dir, ['baseline']);
      expectSuccess(result);
      expect(result.stdout).toMatch(/^Successfully baselined schema with version: 1$/m);
      const baselines = (await history(s)).filter((r) => r.type !== 'SCHEMA');
      expect(baselines).toEqual([
        {
          installed_rank: 1,
          version: '1',
          description: '<< Flyway Baseline >>',
          type: 'BASELINE',
          script: '<< Flyway Baseline >>',
          checksum: null,
          installed_by: db.user,
          execution_time: 0,
          success: true,
        },
      ]);
    });

    it('skips a second identical baseline with exit 0', async () => {
      const s = 'bl_fresh';
      const dir = await migrationDir({});
      const before = await history(s);
      const result = await godwit(s, dir, ['baseline']);
      expectSuccess(result);
      expect(result.stdout).toContain(`Schema history table "${s}"."flyway_schema_history" already initialized with (1,<< Flyway Baseline >>). Skipping.`);
      expect(await history(s)).toEqual(before);
    });

    it('refuses a different baseline version', async () => {
      const s = 'bl_fresh';
      const dir = await migrationDir({});
      const before = await history(s);
      const result = await godwit(s, dir, ['baseline', '-baselineVersion=2']);
      expectUserError(result);
      expect(result.stderr).toContain(
        `ERROR: Unable to baseline schema history table "${s}"."flyway_schema_history" with (2,<< Flyway Baseline >>) as it has already been baselined with (1,<< Flyway Baseline >>)`,
      );
      expect(await history(s)).toEqual(before);
    });

    it('honours -baselineVersion and -baselineDescription, and migrate then applies only later versions', async () => {
      const s = 'bl_custom';
      await db.client.query(`CREATE SCHEMA ${s}; CREATE TABLE ${s}.legacy (id INT)`);
      const dir = await migrationDir({
        'V4__Four.sql': `CREATE TABLE ${s}.four (id INT);\n`,
        'V5__Five.sql': `CREATE TABLE ${s}.five (id INT);\n`,
        'V6__Six.sql': `CREATE TABLE ${s}.six (id INT);\n`,
      });
      const result = await godwit(s, dir, ['baseline', '-baselineVersion=5', '-baselineDescription=Legacy', '-outputType=json']);
      expectSuccess(result);
      expect(json(result)).toMatchObject({ operation: 'baseline', successfullyBaselined: true, baselineVersion: '5' });
      expect(await history(s)).toEqual([
        { installed_rank: 1, version: '5', description: 'Legacy', type: 'BASELINE', script: 'Legacy', checksum: null, installed_by: db.user, execution_time: 0, success: true },
      ]);

      const migrate = await godwit(s, dir, ['migrate']);
      expectSuccess(migrate);
      expect(migrate.stdout).toContain(`Successfully applied 1 migration to schema "${s}", now at version v6 `);
      expect((await history(s)).map((r) => `${r.installed_rank} ${r.version} ${r.type}`)).toEqual(['1 5 BASELINE', '2 6 SQL']);
      expect(await tableExists(s, 'four')).toBe(false);
      expect(await tableExists(s, 'five')).toBe(false);
      expect(await tableExists(s, 'six')).toBe(true);
    });

    it('refuses to baseline a schema history that already contains migrations', async () => {
      const s = 'bl_migrated';
      const dir = await migrationDir({ 'V1__Create_users.sql': V1 });
      expectSuccess(await godwit(s, dir, ['migrate']));
      const result = await godwit(s, dir, ['baseline']);
      expectUserError(result);
      expect(result.stderr).toContain(
        `ERROR: Unable to baseline schema history table "${s}"."flyway_schema_history" with (1,<< Flyway Baseline >>) as it already contains migrations`,
      );
      expect((await history(s)).some((r) => r.type === 'BASELINE')).toBe(false);
    });
  });

  describe('repair', () => {
    it('removes a failed row, reports it as JSON, and migrate then applies the migration', async () => {
      const s = 'rp_failed';
      const dir = await migrationDir({ 'V1__Create_users.sql': V1, 'V2__Add_email.sql': V2 });
      expectSuccess(await godwit(s, dir, ['migrate', '-target=1']));
      const before = await history(s);
      await insertRow(s, { version: '2', description: 'Add email', script: 'V2__Add_email.sql', checksum: flywayChecksum(V2), success: false });

      const result = await godwit(s, dir, ['repair', '-outputType=json']);
      expectSuccess(result);
      const doc = json<{ operation: string; repairActions: string[]; migrationsRemoved: unknown[]; migrationsDeleted: unknown[]; migrationsAligned: unknown[] }>(result);
      expect(doc.operation).toBe('repair');
      expect(doc.repairActions).toHaveLength(1);
      expect(doc.migrationsRemoved).toEqual([{ version: '2', description: 'Add email', filepath: 'V2__Add_email.sql' }]);
      expect(doc.migrationsDeleted).toEqual([]);
      expect(doc.migrationsAligned).toEqual([]);
      expect(await history(s)).toEqual(before);

      const migrate = await godwit(s, dir, ['migrate']);
      expectSuccess(migrate);
      expect((await history(s)).map((r) => `${r.version} ${r.success}`)).toEqual(['null true', '1 true', '2 true']);
    });

    it('realigns a changed checksum and description in place, after which validate passes', async () => {
      const s = 'rp_align';
      const dir = await migrationDir({ 'V1__Create_users.sql': V1, 'V2__Add_email.sql': V2 });
      expectSuccess(await godwit(s, dir, ['migrate']));
      const before = await history(s);
      const edited = 'CREATE TABLE users (id BIGINT PRIMARY KEY);\n';
      await writeFile(join(dir, 'V1__Create_users.sql'), edited);
      await rename(join(dir, 'V2__Add_email.sql'), join(dir, 'V2__Add_mail.sql'));
      expectUserError(await godwit(s, dir, ['validate']));

      const result = await godwit(s, dir, ['repair']);
      expectSuccess(result);
      expect(result.stdout).toContain(`Repairing Schema History table for version 1 (Description: Create users, Type: SQL, Checksum: ${flywayChecksum(edited)})`);
      expect(result.stdout).toContain(`Repairing Schema History table for version 2 (Description: Add mail, Type: SQL, Checksum: ${flywayChecksum(V2)})`);
      expect(result.stdout).toMatch(new RegExp(`^Successfully repaired schema history table "${s}"\\."flyway_schema_history" ${DURATION.source}\\.$`, 'm'));

      const after = await history(s);
      expect(after).toHaveLength(before.length);
      const v1Before = before.find((r) => r.version === '1')!;
      expect(after.find((r) => r.version === '1')).toEqual({ ...v1Before, checksum: flywayChecksum(edited) });
      const v2Before = before.find((r) => r.version === '2')!;
      // Only description, type and checksum follow the file: the script column keeps what was applied.
      expect(after.find((r) => r.version === '2')).toEqual({ ...v2Before, description: 'Add mail' });

      const validate = await godwit(s, dir, ['validate']);
      expectSuccess(validate);
      expect(validate.stdout).toMatch(/^Successfully validated 3 migrations /m);
    });

    it('marks a missing migration deleted with an appended DELETE row, then has nothing left to repair', async () => {
      const s = 'rp_missing';
      const dir = await migrationDir({ 'V1__Create_users.sql': V1, 'V2__Add_email.sql': V2, 'V3__Add_phone.sql': V3 });
      expectSuccess(await godwit(s, dir, ['migrate']));
      const before = await history(s);
      await rm(join(dir, 'V2__Add_email.sql'));

      const result = await godwit(s, dir, ['repair', '-outputType=json']);
      expectSuccess(result);
      const doc = json<{ repairActions: string[]; migrationsRemoved: unknown[]; migrationsDeleted: unknown[]; migrationsAligned: unknown[] }>(result);
      expect(doc.repairActions).toHaveLength(1);
      expect(doc.migrationsRemoved).toEqual([]);
      expect(doc.migrationsDeleted).toEqual([{ version: '2', description: 'Add email', filepath: 'V2__Add_email.sql' }]);
      expect(doc.migrationsAligned).toEqual([]);

      const after = await history(s);
      const original = before.find((r) => r.version === '2')!;
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after.slice(before.length)).toEqual([
        {
          installed_rank: before.at(-1)!.installed_rank + 1,
          version: '2',
          description: 'Add email',
          type: 'DELETE',
          script: 'V2__Add_email.sql',
          checksum: original.checksum,
          installed_by: db.user,
          execution_time: 0,
          success: true,
        },
      ]);

      const info = parseInfo((await godwit(s, dir, ['info'])).stdout);
      expect(summary(info.rows.filter((r) => r.version === '2'))).toEqual([
        'Versioned | 2 | Add email | SQL | Deleted | ',
        ' | 2 | Add email | DELETE | Success | ',
      ]);
      expectSuccess(await godwit(s, dir, ['validate']));

      const again = await godwit(s, dir, ['repair']);
      expectSuccess(again);
      expect(again.stdout).toContain(`Repair of failed migration in Schema History table "${s}"."flyway_schema_history" not necessary.`);
      expect(await history(s)).toEqual(after);
    });
  });

  describe('clean', () => {
    const bystander = 'cl_bystander';

    beforeAll(async () => {
      await db.client.query(`CREATE SCHEMA ${bystander}; CREATE TABLE ${bystander}.keep (id INT); INSERT INTO ${bystander}.keep VALUES (1)`);
    });

    afterAll(async () => {
      // Clean must stay inside -schemas.
      const { rows } = await db.client.query(`SELECT count(*)::int AS n FROM ${bystander}.keep`);
      expect(rows[0].n).toBe(1);
    });

    it('is refused by default and leaves the database untouched', async () => {
      const s = 'cl_refused';
      const dir = await migrationDir({ 'V1__Create_users.sql': V1 });
      expectSuccess(await godwit(s, dir, ['migrate']));
      const before = await history(s);

      const result = await godwit(s, dir, ['clean']);
      expectUserError(result);
      expect(result.stderr).toContain("ERROR: Unable to execute clean as it has been disabled with the 'flyway.cleanDisabled' property.");
      expect(await tableExists(s, 'users')).toBe(true);
      expect(await history(s)).toEqual(before);

      const asJson = await godwit(s, dir, ['clean', '-outputType=json']);
      expect(asJson.code).toBe(1);
      expect(json<{ error: { message: string } }>(asJson).error.message).toBe(
        "Unable to execute clean as it has been disabled with the 'flyway.cleanDisabled' property.",
      );
      expect(await tableExists(s, 'users')).toBe(true);
    });

    it('empties a schema it did not create, every kind of object included, and keeps the schema', async () => {
      const s = 'cl_foreign';
      await db.client.query(`
        CREATE SCHEMA ${s};
        CREATE TYPE ${s}.mood AS ENUM ('happy', 'sad');
        CREATE DOMAIN ${s}.positive AS INT CHECK (VALUE > 0);
        CREATE SEQUENCE ${s}.ticket_seq;
        CREATE TABLE ${s}.parent (id INT PRIMARY KEY, mood ${s}.mood, score ${s}.positive, ticket BIGINT DEFAULT nextval('${s}.ticket_seq'));
        CREATE TABLE ${s}.child (id SERIAL PRIMARY KEY, parent_id INT NOT NULL REFERENCES ${s}.parent (id));
        CREATE VIEW ${s}.parent_view AS SELECT p.id, count(c.id) AS children FROM ${s}.parent p LEFT JOIN ${s}.child c ON c.parent_id = p.id GROUP BY p.id;
        CREATE MATERIALIZED VIEW ${s}.parent_matview AS SELECT * FROM ${s}.parent_view;
        CREATE FUNCTION ${s}.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.score := coalesce(NEW.score, 1); RETURN NEW; END $$;
        CREATE PROCEDURE ${s}.reset_all() LANGUAGE sql AS $$ DELETE FROM ${s}.child $$;
        CREATE TRIGGER parent_touch BEFORE INSERT ON ${s}.parent FOR EACH ROW EXECUTE FUNCTION ${s}.touch();
        INSERT INTO ${s}.parent (id, mood) VALUES (1, 'happy');
        INSERT INTO ${s}.child (parent_id) VALUES (1);
      `);
      const dir = await migrationDir({ 'V1__Create_users.sql': V1, 'V2__Add_email.sql': V2 });
      // Put a history table in it as well, the way an existing database is adopted.
      expectSuccess(await godwit(s, dir, ['baseline']));
      expect(await tableExists(s, 'flyway_schema_history')).toBe(true);

      const result = await godwit(s, dir, ['clean', '-cleanDisabled=false']);
      expectSuccess(result);
      expect(result.stdout).toMatch(new RegExp(`^Successfully cleaned schema "${s}" ${DURATION.source}$`, 'm'));
      expect(result.stdout).not.toContain('dropped');

      expect(await schemaExists(s)).toBe(true);
      const { rows } = await db.client.query(
        `SELECT 'relation ' || c.relname AS object FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
         UNION ALL SELECT 'routine ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
         UNION ALL SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1
         UNION ALL SELECT 'constraint ' || co.conname FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE n.nspname = $1
         UNION ALL SELECT 'trigger ' || tg.tgname FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
        [s],
      );
      expect(rows.map((r) => r.object)).toEqual([]);

      const migrate = await godwit(s, dir, ['migrate']);
      expectSuccess(migrate);
      expect(migrate.stdout).toContain(`Successfully applied 2 migrations to schema "${s}", now at version v2 `);
      expect((await history(s)).map((r) => `${r.installed_rank} ${r.version} ${r.type}`)).toEqual(['1 1 SQL', '2 2 SQL']);
    });

    it('drops a schema that godwit created, and migrate then rebuilds it from scratch', async () => {
      const s = 'cl_created';
      const dir = await migrationDir({ 'V1__Create_users.sql': V1, 'V2__Add_email.sql': V2 });
      expectSuccess(await godwit(s, dir, ['migrate']));
      expect((await history(s))[0]).toMatchObject({ installed_rank: 0, type: 'SCHEMA', script: `"${s}"` });

      const result = await godwit(s, dir, ['clean', '-cleanDisabled=false']);
      expectSuccess(result);
      expect(result.stdout).toMatch(new RegExp(`^Successfully dropped schema "${s}" ${DURATION.source}$`, 'm'));
      expect(await schemaExists(s)).toBe(false);

      const migrate = await godwit(s, dir, ['migrate']);
      expectSuccess(migrate);
      expect(migrate.stdout).toContain(`Creating schema "${s}" ...`);
      expect(migrate.stdout).toContain(`Successfully applied 2 migrations to schema "${s}", now at version v2 `);
      expect((await history(s)).map((r) => `${r.installed_rank} ${r.version ?? '-'} ${r.type}`)).toEqual(['0 - SCHEMA', '1 1 SQL', '2 2 SQL']);
      const { rows } = await db.client.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'users' ORDER BY ordinal_position`, [s]);
      expect(rows.map((r) => r.column_name)).toEqual(['id', 'email']);
    });
  });
});
