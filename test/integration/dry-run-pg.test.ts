/**
 * `-dryRunOutput` against a real PostgreSQL, through the built CLI: the dry run must leave the database as
 * it was, and its script, replayed by psql on an empty database, must reach what a real migrate (undo,
 * clean) reaches: the same objects, the same data, the same history rows but for installed_on and
 * execution_time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult, expectExit, expectNoStackTrace } from '../helpers/cli.js';
import { writeLocation } from '../helpers/locations.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';

const server = await requirePostgres();

/** A shop's first migrations: plpgsql bodies, a trigger, COPY data, placeholders, a concurrent index. */
const MIGRATIONS: Record<string, string> = {
  'V1__Customers.sql': [
    'CREATE TABLE customers (',
    '  id SERIAL PRIMARY KEY,',
    '  email TEXT NOT NULL UNIQUE,',
    '  name TEXT NOT NULL',
    ');',
    '',
    'CREATE FUNCTION normalise_email() RETURNS trigger AS $$',
    'BEGIN',
    "  NEW.email := lower(trim(NEW.email)); -- a ';' inside the body",
    '  RETURN NEW;',
    'END;',
    '$$ LANGUAGE plpgsql;',
    '',
    'CREATE TRIGGER customers_email BEFORE INSERT OR UPDATE ON customers',
    '  FOR EACH ROW EXECUTE FUNCTION normalise_email();',
    '',
  ].join('\n'),
  'V1_1__Load_customers.sql': [
    'COPY customers (email, name) FROM STDIN;',
    "  Ann@Example.com \tAnn O'Neill",
    'bob@example.com\tBob \\\\ Backslash',
    '\\.',
    '',
    "INSERT INTO customers (email, name) VALUES ('carol@example.com', 'Carol ${greeting}');",
    '',
  ].join('\n'),
  'V2__Orders.sql': [
    'CREATE TABLE orders (',
    '  id SERIAL PRIMARY KEY,',
    '  customer_id INT NOT NULL REFERENCES customers (id),',
    "  currency CHAR(3) NOT NULL DEFAULT '${currency}',",
    '  total NUMERIC(10, 2) NOT NULL',
    ');',
    '',
    'DO $body$',
    'DECLARE c RECORD;',
    'BEGIN',
    '  FOR c IN SELECT id FROM customers ORDER BY id LOOP',
    '    INSERT INTO orders (customer_id, total) VALUES (c.id, 10 * c.id);',
    '  END LOOP;',
    'END',
    '$body$;',
    '',
  ].join('\n'),
  'V3__Order_index.sql': 'CREATE INDEX CONCURRENTLY orders_customer ON orders (customer_id);\n',
  'R__Customer_totals.sql': [
    'CREATE OR REPLACE VIEW customer_totals AS',
    '  SELECT c.email, sum(o.total) AS total FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.email;',
    '',
  ].join('\n'),
  'beforeMigrate.sql': 'CREATE TABLE IF NOT EXISTS audit (id SERIAL PRIMARY KEY, note TEXT NOT NULL);\n',
  'afterEachMigrate.sql': "INSERT INTO audit (note) VALUES ('after a migration, in ${currency}');\n",
  'U3__Order_index.sql': 'DROP INDEX orders_customer;\n',
  'U2__Orders.sql': 'DROP VIEW customer_totals;\nDROP TABLE orders;\n',
};

const PLACEHOLDERS = ['-placeholders.currency=EUR', '-placeholders.greeting=Hello'];

/** flyway-compat.md §3 for "public", character for character, as the script must carry it. */
const FLYWAY_DDL = `CREATE TABLE "public"."flyway_schema_history" (
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
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");
`;

describe.skipIf(server === null)('-dryRunOutput on PostgreSQL', () => {
  const databases: TestDatabase[] = [];
  let root = '';
  let locations = '';

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'godwit-dry-run-pg-'));
    locations = writeLocation(root, 'sql', MIGRATIONS);
  });

  afterAll(async () => {
    for (const db of databases) await db.drop();
    rmSync(root, { recursive: true, force: true });
  });

  async function database(prefix: string): Promise<TestDatabase> {
    if (server === null) throw new Error('skipped without a server');
    const db = await createTestDatabase(server, prefix);
    databases.push(db);
    return db;
  }

  function godwit(db: TestDatabase, args: string[]): Promise<CliResult> {
    return runCli([...db.args, locations, ...PLACEHOLDERS, ...args], { timeoutMs: 60_000 });
  }

  /** Replays a script as the contract promises it can be: psql, stopping at the first error. */
  function psql(db: TestDatabase, file: string): void {
    const result = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', server?.host ?? '', '-p', String(server?.port), '-U', db.user, '-d', db.name, '-f', file], {
      encoding: 'utf8',
      env: { ...process.env, PGPASSWORD: db.password ?? '' },
    });
    expect(result.status, `psql failed:\n${result.stderr}`).toBe(0);
  }

  /** Every object of the public schema with its definition, and every row of the shop's tables. */
  async function state(db: TestDatabase): Promise<Record<string, unknown>> {
    const query = async (sql: string) => (await db.client.query(sql)).rows;
    const catalogue = await query(`
      SELECT c.relkind::text AS kind, c.relname AS name,
             CASE c.relkind WHEN 'v' THEN pg_get_viewdef(c.oid) WHEN 'i' THEN pg_get_indexdef(c.oid) ELSE '' END AS definition
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
      UNION ALL SELECT 'function', p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
      UNION ALL SELECT 'trigger', t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND NOT t.tgisinternal
      ORDER BY 1, 2`);
    const tables = new Set(catalogue.filter((o) => o.kind === 'r').map((o) => String(o.name)));
    const rows = async (table: string, sql: string) => (tables.has(table) ? query(sql) : null);
    return {
      catalogue,
      history: await rows(
        'flyway_schema_history',
        'SELECT installed_rank, version, description, type, script, checksum, installed_by, success FROM flyway_schema_history ORDER BY installed_rank',
      ),
      customers: await rows('customers', 'SELECT * FROM customers ORDER BY id'),
      orders: await rows('orders', 'SELECT * FROM orders ORDER BY id'),
      audit: await rows('audit', 'SELECT * FROM audit ORDER BY id'),
    };
  }

  it('migrate: changes nothing, and psql replaying the script reaches what migrate reaches', async () => {
    const dry = await database('dry_migrate');
    const real = await database('real_migrate');
    const empty = await state(dry);
    expect(empty.catalogue).toEqual([]);

    const plan = join(root, 'migrate.sql');
    const result = await godwit(dry, ['migrate', `-dryRunOutput=${plan}`]);
    expectExit(result, 0);
    expect(result.stdout).toContain(`Dry run: the SQL is in ${plan}; the database was not changed.`);
    expect(await state(dry)).toEqual(empty);

    const script = readFileSync(plan, 'utf8');
    expect(script).toContain(FLYWAY_DDL);
    expect(script).toContain('-- Migrating schema "public" to version "1.1 - Load customers"\n');
    expect(script).toContain('-- Migrating schema "public" with repeatable migration "Customer totals"\n');
    expect(script).toContain('-- Executing SQL callback: afterEachMigrate - \n');
    // Placeholders replaced; the COPY rows and psql's end-of-data line; the real history values.
    expect(script).not.toContain('${');
    expect(script).toContain("INSERT INTO audit (note) VALUES ('after a migration, in EUR');\n");
    expect(script).toContain("COPY customers (email, name) FROM STDIN;\n  Ann@Example.com \tAnn O'Neill\nbob@example.com\tBob \\\\ Backslash\n\\.\n");
    expect(script).toMatch(/VALUES \(2, '1\.1', 'Load customers', 'SQL', 'V1_1__Load_customers\.sql', -?\d+, COALESCE\(NULL, current_user\), \d+, TRUE\);\n/);
    // A transactional migration between BEGIN and COMMIT under the transaction lock; the concurrent
    // index under a session lock, outside any transaction.
    expect(script).toMatch(/BEGIN;\nSELECT pg_advisory_xact_lock\(\d+\);\n-- Migrating schema "public" to version "2 - Orders"\n[^]*?COMMIT;\n/);
    expect(script).toMatch(/SELECT pg_advisory_lock\(\d+\);\n-- Migrating schema "public" to version "3 - Order index" \[non-transactional\]\nCREATE INDEX CONCURRENTLY[^]*?SELECT pg_advisory_unlock\(\d+\);\n/);

    psql(dry, plan);
    expectExit(await godwit(real, ['migrate']), 0);
    const replayed = await state(dry);
    expect(replayed.history).toHaveLength(5);
    expect(replayed).toEqual(await state(real));

    // What psql wrote is a history godwit accepts as its own.
    const info = await godwit(dry, ['validate']);
    expectExit(info, 0);
  });

  it('-dryRunOutput=- prints the script on stdout and the log on stderr', async () => {
    const db = await database('dry_stdout');
    const result = await godwit(db, ['migrate', '-dryRunOutput=-']);
    expectExit(result, 0);
    expect(result.stdout).toMatch(/^-- =+\n-- godwit dry run, /);
    expect(result.stdout).toContain(FLYWAY_DDL);
    expect(result.stdout).toContain('CREATE INDEX CONCURRENTLY orders_customer ON orders (customer_id);\n');
    // Only comments and SQL on stdout: every log line went to stderr.
    expect(result.stdout).not.toMatch(/^(Successfully|Migrating|Database:)/m);
    expect(result.stderr).toContain('Migrating schema "public" to version "2 - Orders"');
    expect((await state(db)).catalogue).toEqual([]);
  });

  it('undo: changes nothing, and the replayed script undoes as undo does', async () => {
    const dry = await database('dry_undo');
    const real = await database('real_undo');
    for (const db of [dry, real]) expectExit(await godwit(db, ['migrate']), 0);
    const before = await state(dry);

    const plan = join(root, 'undo.sql');
    expectExit(await godwit(dry, ['undo', '-target=2', `-dryRunOutput=${plan}`]), 0);
    expect(await state(dry)).toEqual(before);
    const script = readFileSync(plan, 'utf8');
    expect(script).toContain('-- Undoing migration of schema "public" to version 2 - Orders\n');
    expect(script).toMatch(/DROP VIEW customer_totals;\nDROP TABLE orders;\n[^]*VALUES \(7, '2', 'Orders', 'UNDO_SQL', 'U2__Orders\.sql'/);

    psql(dry, plan);
    expectExit(await godwit(real, ['undo', '-target=2']), 0);
    const undone = await state(dry);
    expect(undone.orders).toBeNull();
    expect(undone).toEqual(await state(real));
  });

  it('clean: changes nothing, and the replayed script empties the schema', async () => {
    const db = await database('dry_clean');
    expectExit(await godwit(db, ['migrate']), 0);
    const before = await state(db);
    const plan = join(root, 'clean.sql');
    expectExit(await godwit(db, ['clean', '-cleanDisabled=false', `-dryRunOutput=${plan}`]), 0);
    expect(await state(db)).toEqual(before);
    const script = readFileSync(plan, 'utf8');
    expect(script).toContain('DROP TABLE IF EXISTS "public"."flyway_schema_history" CASCADE;\n');

    psql(db, plan);
    expect((await state(db)).catalogue).toEqual([]);
  });

  it('clean migrate: the second command sees what the first would leave, and initSql opens the script', async () => {
    const db = await database('dry_clean_migrate');
    expectExit(await godwit(db, ['migrate']), 0);
    const before = await state(db);
    const plan = join(root, 'clean-migrate.sql');
    const args = ['clean', 'migrate', '-cleanDisabled=false', "-initSql=SET application_name = 'dry run'", `-dryRunOutput=${plan}`];
    expectExit(await godwit(db, args), 0);
    expect(await state(db)).toEqual(before);
    const script = readFileSync(plan, 'utf8');
    expect(script).toContain("-- initSql\nSET application_name = 'dry run';\n");
    // After the clean the history is gone, so migrate creates it and applies everything again.
    expect(script.indexOf(FLYWAY_DDL)).toBeGreaterThan(script.indexOf('DROP TABLE IF EXISTS "public"."flyway_schema_history" CASCADE;'));
    expect(script.match(/^-- Migrating schema /gm)).toHaveLength(5);

    psql(db, plan);
    expect(await state(db)).toEqual(before);
  });

  it('names an unwritable output path, exits 1 and touches nothing', async () => {
    const db = await database('dry_errors');
    const missing = join(root, 'no-such-folder', 'plan.sql');
    const result = await godwit(db, ['migrate', `-dryRunOutput=${missing}`]);
    expectExit(result, 1);
    expect(result.stderr).toContain(`ERROR: Unable to write the dry run output to ${missing} (ENOENT).`);
    expect(result.stderr).toContain('Hint: Set -dryRunOutput to a file');
    expectNoStackTrace(result);
    expect((await state(db)).catalogue).toEqual([]);

    const both = await godwit(db, ['migrate', '-dryRunOutput=-', '-outputType=json']);
    expectExit(both, 1);
    expect(JSON.parse(both.stdout)).toMatchObject({ error: { errorCode: 'CONFIGURATION', message: '-dryRunOutput=- and -outputType=json both want stdout.' } });

    // A dry run that fails leaves no script behind: half a plan is not what would run.
    const plan = join(root, 'failed.sql');
    const unknown = await runCli([...db.args, locations, '-placeholders.currency=EUR', 'migrate', `-dryRunOutput=${plan}`], { timeoutMs: 60_000 });
    expectExit(unknown, 1);
    expect(unknown.stderr).toContain('greeting');
    expect(existsSync(plan)).toBe(false);
    expect((await state(db)).catalogue).toEqual([]);
  });

  it('refuses a pending code migration by name: its queries cannot be rendered', async () => {
    const db = await database('dry_code');
    const code = writeLocation(root, 'code', {
      'V1__Table.sql': 'CREATE TABLE t (id INT);\n',
      'V2__Fill.mjs': "export default async (ctx) => { await ctx.query('INSERT INTO t VALUES (1)'); };\n",
    });
    const plan = join(root, 'code.sql');
    const result = await runCli([...db.args, code, 'migrate', `-dryRunOutput=${plan}`], { timeoutMs: 60_000 });
    expectExit(result, 1);
    expect(result.stderr).toContain('V2__Fill.mjs');
    expect(result.stderr).toContain('A dry run cannot render a code migration');
    expectNoStackTrace(result);
    expect(existsSync(plan)).toBe(false);
    expect((await state(db)).catalogue).toEqual([]);
  });
});
