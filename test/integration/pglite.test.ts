/**
 * The engine on PGlite (`pglite:memory`, `pglite:PATH`), end to end: the built CLI is spawned as a user
 * runs it, and once it has exited the data directory is opened in this process with PGlite to see what
 * the database holds. The expectations are the ones the PostgreSQL integration tests hold godwit to
 * (flyway-compat.md §2 checksums, §3 history rows, §6 migrate, §8 placeholders, §10 transactions), since
 * on PGlite it is the same PostgreSQL that decides.
 *
 * PGlite starts are the cost here (initdb takes seconds; loading the cached initdb about one), so the
 * whole file shares one GODWIT_CACHE_DIR, empty at first: the cache tests come first and fill it.
 *
 * What the engine does on PGlite (failures rolled back, placeholders, non-transactional statements,
 * validate, repair, baseline, …) is proven by the PostgreSQL suites, which run on both drivers
 * (test/helpers/drivers.ts); this file keeps what only PGlite has: the initdb cache, pglite:PATH
 * directories, and the shop fixture compared with a server.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, type CliOptions, type CliResult } from '../helpers/cli.js';
import {
  connectedMs,
  expectExit,
  expectNoStackTrace,
  expectUserError,
  flywayChecksum,
  history,
  infoStates,
  inspect,
  migratingLines,
  rows,
  tempDirectory,
  writeFiles,
} from '../helpers/pglite.js';
import { createTestDatabase, findPostgres, type TestDatabase } from '../helpers/postgres.js';
import type { HistoryRow } from '../helpers/output.js';

const SHOP = join(REPO_ROOT, 'fixtures/shop/sql');
const SHOP_LOCATION = `-locations=filesystem:${SHOP}`;
const PGLITE_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string }).version;
const CACHE_FILE = `pglite-${PGLITE_VERSION}-initdb.tar`;

/** Shared by the whole file; empty until the first PGlite start fills it. */
const cacheDir = tempDirectory('pglite-cache');
const root = tempDirectory('pglite');

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

function godwit(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runCli(args, { timeoutMs: 60_000, ...options, env: { GODWIT_CACHE_DIR: cacheDir, ...options.env } });
}

const shopFile = (name: string) => readFileSync(join(SHOP, name), 'utf8');

/** The shop's history as Flyway writes it, from the file names and texts. */
const SHOP_HISTORY = [
  { version: '1', description: 'Create users', script: 'V1__Create_users.sql' },
  { version: '1.1', description: 'Add phone', script: 'V1.1__Add_phone.sql' },
  { version: '2', description: 'Create orders', script: 'V2__Create_orders.sql' },
  { version: '3', description: 'Audit trigger', script: 'V3__Audit_trigger.sql' },
  { version: '4', description: 'Seed data', script: 'V4__Seed_data.sql' },
  { version: null, description: 'Reporting views', script: 'R__Reporting_views.sql' },
];

const ALL_SUCCESS: Array<[string, string]> = [
  ['1', 'Success'],
  ['1.1', 'Success'],
  ['2', 'Success'],
  ['3', 'Success'],
  ['4', 'Success'],
  ['Reporting views', 'Success'],
];

/** What the comparison with a server leaves out: when and how fast, and who (the server's user may differ). */
const comparable = ({ execution_time: _time, installed_by: _by, ...rest }: HistoryRow): Omit<HistoryRow, 'execution_time' | 'installed_by'> => rest;

describe('the initdb cache', () => {
  const cachePath = join(cacheDir, CACHE_FILE);
  let first: CliResult;

  it('is filled by the first start, and `migrate info` on pglite:memory lists every migration as Success', async () => {
    expect(readdirSync(cacheDir)).toEqual([]);
    const cwd = tempDirectory('pglite-memory-cwd');
    try {
      first = await godwit(['-X', '-url=pglite:memory', SHOP_LOCATION, 'migrate', 'info'], { cwd });
      expectExit(first, 0);
      expectNoStackTrace(first);
      // An in-memory database leaves nothing behind in the working directory.
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
    expect(first.stdout).toMatch(/Successfully applied 6 migrations to schema "public", now at version v4 \(execution time /);
    expect(infoStates(first.stdout)).toEqual(ALL_SUCCESS);
    expect(readdirSync(cacheDir)).toEqual([CACHE_FILE]);
    expect(statSync(cachePath).size).toBeGreaterThan(1_000_000);
    connectedMs(first);
  }, 90_000);

  it('is loaded, not rebuilt, by the next start: the file stays untouched and connecting is quicker', async () => {
    const before = statSync(cachePath);
    const second = await godwit(['-X', '-url=pglite:memory', SHOP_LOCATION, 'info']);
    expectExit(second, 0);
    // A new in-memory database: what the first run migrated went with its process.
    expect(second.stdout).toContain('Schema version: << Empty Schema >>');
    expect(infoStates(second.stdout).map(([, state]) => state)).toEqual(Array(6).fill('Pending'));
    const after = statSync(cachePath);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.size).toBe(before.size);
    expect(readdirSync(cacheDir)).toEqual([CACHE_FILE]);
    expect(connectedMs(second)).toBeLessThan(connectedMs(first));
  });

  it('is what a later start loads: a table put into the cached initdb is in the new pglite:memory database', async () => {
    const marked = tempDirectory('pglite-marked-cache');
    try {
      const db = await PGlite.create({ loadDataDir: new Blob([readFileSync(cachePath)]) });
      await db.exec('CREATE SCHEMA cache_marker; CREATE TABLE cache_marker.t (id INT); INSERT INTO cache_marker.t VALUES (42);');
      const dump = await db.dumpDataDir('none');
      await db.close();
      writeFileSync(join(marked, CACHE_FILE), Buffer.from(await dump.arrayBuffer()));
      const sql = writeFiles(join(root, 'marker-sql'), { 'V1__Read_marker.sql': 'CREATE TABLE seen AS SELECT id FROM cache_marker.t;\n' });
      const result = await godwit(['-url=pglite:memory', `-locations=filesystem:${sql}`, 'migrate'], { env: { GODWIT_CACHE_DIR: marked } });
      expectExit(result, 0);
      expect(result.stdout).toContain('Successfully applied 1 migration to schema "public", now at version v1 ');
    } finally {
      rmSync(marked, { recursive: true, force: true });
    }
  }, 60_000);

  it('a damaged cache file is not fatal: the start falls back to initdb and replaces the file', async () => {
    const damaged = tempDirectory('pglite-damaged-cache');
    try {
      writeFileSync(join(damaged, CACHE_FILE), 'not a tar archive\n');
      const result = await godwit(['-url=pglite:memory', SHOP_LOCATION, 'info'], { env: { GODWIT_CACHE_DIR: damaged } });
      expectExit(result, 0);
      expect(infoStates(result.stdout).map(([, state]) => state)).toEqual(Array(6).fill('Pending'));
      expect(statSync(join(damaged, CACHE_FILE)).size).toBeGreaterThan(1_000_000);
    } finally {
      rmSync(damaged, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the example shop migrated into pglite:PATH', () => {
  // A relative PATH resolves against the working directory.
  const dataDir = join(root, 'shop/db');
  const shopArgs = ['-url=pglite:shop/db', SHOP_LOCATION];
  let migrated: CliResult;
  let db: PGlite | undefined;
  let server: { db: TestDatabase; history: HistoryRow[]; users: unknown[] } | undefined;

  async function onServer(): Promise<typeof server> {
    const found = await findPostgres();
    if (!found) {
      console.warn('\n*** SKIPPING the PostgreSQL comparison of the PGlite shop: no PostgreSQL server found. ***\n');
      return undefined;
    }
    const reference = await createTestDatabase(found, 'pglite_shop_reference');
    const result = await runCli([...reference.args, SHOP_LOCATION, 'migrate']);
    expectExit(result, 0);
    const { rows: historyRows } = await reference.client.query<HistoryRow>(
      'SELECT installed_rank, version, description, type, script, checksum, installed_by, execution_time, success FROM public.flyway_schema_history ORDER BY installed_rank',
    );
    const { rows: users } = await reference.client.query('SELECT id::int, email, full_name, phone FROM users ORDER BY id');
    return { db: reference, history: historyRows, users };
  }

  beforeAll(async () => {
    [migrated, server] = await Promise.all([godwit([...shopArgs, 'migrate'], { cwd: root }), onServer()]);
    if (migrated.code === 0) db = await PGlite.create({ dataDir });
  }, 90_000);

  afterAll(async () => {
    await db?.close();
    await server?.db.drop();
  });

  function shopDb(): PGlite {
    expect(db, `migrate failed:\n${migrated.stdout}\n${migrated.stderr}`).toBeDefined();
    return db!;
  }

  it('migrate exits 0 and applies the six migrations in order, creating the data directory', () => {
    expectExit(migrated, 0);
    expectNoStackTrace(migrated);
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(migrated.stdout).toContain('Creating Schema History table "public"."flyway_schema_history" ...');
    expect(migratingLines(migrated.stdout)).toEqual([
      'Migrating schema "public" to version "1 - Create users"',
      'Migrating schema "public" to version "1.1 - Add phone"',
      'Migrating schema "public" to version "2 - Create orders"',
      'Migrating schema "public" to version "3 - Audit trigger"',
      'Migrating schema "public" to version "4 - Seed data"',
      'Migrating schema "public" with repeatable migration "Reporting views"',
    ]);
    expect(migrated.stdout).toMatch(/Successfully applied 6 migrations to schema "public", now at version v4 \(execution time \d\d:\d\d\.\d{3}s\)/);
    // The process has ended: its claim on the directory is gone with it.
    expect(existsSync(join(dataDir, 'godwit.pid'))).toBe(false);
  });

  it('writes Flyway\'s history rows: ranks, versions, types, checksums of the file texts, the session user', async () => {
    const [session] = await rows<{ user: string }>(shopDb(), 'SELECT current_user AS "user"');
    const written = await history(shopDb());
    expect(written.map(({ execution_time: _time, ...rest }) => rest)).toEqual(
      SHOP_HISTORY.map((row, i) => ({
        installed_rank: i + 1,
        ...row,
        type: 'SQL',
        checksum: flywayChecksum(shopFile(row.script)),
        installed_by: session!.user,
        success: true,
      })),
    );
    for (const row of written) expect(Number.isInteger(row.execution_time) && row.execution_time >= 0, `execution_time ${row.execution_time}`).toBe(true);
  });

  it('writes the same history rows and data as godwit on a PostgreSQL server', async (context) => {
    // Our CI rule: a missing database fails there, and only skips on a developer's machine.
    if (!server && process.env.CI === 'true') throw new Error('No PostgreSQL server found: CI requires one for this comparison.');
    if (!server) context.skip();
    expect(server!.history).toHaveLength(6);
    expect((await history(shopDb())).map(comparable)).toEqual(server!.history.map(comparable));
    expect(await rows(shopDb(), 'SELECT id::int, email, full_name, phone FROM users ORDER BY id')).toEqual(server!.users);
  });

  it('loads the COPY rows exactly, \\N as NULL and non-ASCII intact', async () => {
    expect(await rows(shopDb(), 'SELECT id::int, email, full_name, phone FROM users ORDER BY id')).toEqual([
      { id: 1, email: 'ada@example.com', full_name: 'Ada Lovelace', phone: '+44 20 7946 0001' },
      { id: 2, email: 'grace@example.com', full_name: 'Grace Hopper', phone: null },
      { id: 3, email: 'zoe@example.com', full_name: 'Zoé Ångström', phone: '+46 8 123 456' },
    ]);
  });

  it('creates the tables, the enum, the foreign key and the trigger', async () => {
    const tables = await rows<{ table_name: string }>(
      shopDb(),
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual(['flyway_schema_history', 'order_audit', 'orders', 'users']);
    const [labels] = await rows<{ labels: string }>(shopDb(), "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) AS labels FROM pg_enum WHERE enumtypid = 'order_status'::regtype");
    expect(labels!.labels).toBe('new,paid,shipped,cancelled');
    const fks = await rows(shopDb(), "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'f'");
    expect(fks).toEqual([{ def: 'FOREIGN KEY (user_id) REFERENCES users(id)' }]);
    const triggers = await rows(shopDb(), "SELECT tgname, tgfoid::regproc::text AS fn FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal");
    expect(triggers).toEqual([{ tgname: 'orders_audit', fn: 'audit_order_change' }]);
  });

  it('the audit trigger fired for the seed data, and fires for a new order and its status change', async () => {
    const audit = 'SELECT order_id::int, operation, old_status::text, new_status::text FROM order_audit ORDER BY id';
    expect(await rows(shopDb(), audit)).toEqual([
      { order_id: 1, operation: 'insert', old_status: null, new_status: 'new' },
      { order_id: 1, operation: 'status', old_status: 'new', new_status: 'paid' },
    ]);
    await shopDb().exec('BEGIN');
    try {
      const [order] = await rows<{ id: number }>(shopDb(), "INSERT INTO orders (user_id, total_cents) SELECT id, 999 FROM users WHERE email = 'zoe@example.com' RETURNING id::int");
      await shopDb().query("UPDATE orders SET status = 'shipped' WHERE id = $1", [order!.id]);
      expect((await rows(shopDb(), audit)).slice(2)).toEqual([
        { order_id: order!.id, operation: 'insert', old_status: null, new_status: 'new' },
        { order_id: order!.id, operation: 'status', old_status: 'new', new_status: 'shipped' },
      ]);
    } finally {
      await shopDb().exec('ROLLBACK');
    }
  });

  it('creates the repeatable view over the seed data', async () => {
    expect(await rows(shopDb(), 'SELECT user_id::int, email, orders::int, total_cents::int FROM customer_order_totals ORDER BY user_id')).toEqual([
      { user_id: 1, email: 'ada@example.com', orders: 1, total_cents: 4200 },
      { user_id: 2, email: 'grace@example.com', orders: 0, total_cents: 0 },
      { user_id: 3, email: 'zoe@example.com', orders: 0, total_cents: 0 },
    ]);
  });

  it('has nothing to do on a second migrate', async () => {
    const before = await history(shopDb());
    await db!.close();
    db = undefined;
    const again = await godwit([...shopArgs, 'migrate'], { cwd: root });
    expectExit(again, 0);
    expect(again.stdout).toContain('Current version of schema "public": 4');
    expect(again.stdout).toContain('Schema "public" is up to date. No migration necessary.');
    expect(again.stdout).not.toContain('Migrating schema');
    expect(await inspect(dataDir, (reopened) => history(reopened))).toEqual(before);
  });

  it('clean -cleanDisabled=false empties "public" (tables, view, enum, trigger function, history) and keeps the schema', async () => {
    const result = await godwit([...shopArgs, '-cleanDisabled=false', 'clean'], { cwd: root });
    expectExit(result, 0);
    expect(result.stdout).toMatch(/^Successfully cleaned schema "public" \(execution time \d\d:\d\d\.\d{3}s\)$/m);
    const left = await inspect(dataDir, (reopened) =>
      rows<{ object: string }>(
        reopened,
        `SELECT 'relation ' || c.relname AS object FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
         UNION ALL SELECT 'routine ' || p.proname FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
         UNION ALL SELECT 'type ' || t.typname FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace
         UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname = 'public'`,
      ),
    );
    expect(left.map((r) => r.object)).toEqual(['schema public']);
  });
});

describe('pglite:PATH naming an existing directory that is not a data directory', () => {
  it('is refused, naming the directory, and nothing is written into it (as initdb refuses a non-empty directory)', async () => {
    const project = writeFiles(join(root, 'project'), { 'README.md': '# my project\n', 'sql/V1__First.sql': 'CREATE TABLE first (id INT);\n' });
    const result = await godwit([`-url=pglite:${project}`, `-locations=filesystem:${join(project, 'sql')}`, 'migrate']);
    expectUserError(result);
    expect(result.stderr).toContain(project);
    expect(readdirSync(project).sort()).toEqual(['README.md', 'sql']);
  });
});
