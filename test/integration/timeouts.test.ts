/**
 * -statementTimeout and -lockTimeout: a migration stuck behind a long transaction, or running away,
 * fails clearly after the configured time instead of blocking production traffic.
 *
 * Server-only (the other PostgreSQL suites also run on PGlite, test/helpers/drivers.ts): a lock wait needs
 * a second session holding the lock, and PGlite has one; and PGlite does not enforce statement_timeout
 * (`SELECT pg_sleep(1.5)` under a 200 ms timeout completes), so there is no cancel to observe.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { requireMysqlServers, useWorkspace } from '../helpers/mysql.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';
import { writeLocation } from '../helpers/locations.js';

const STACK_LINE = /^\s+at /m;
/** The busy table exists before godwit does: baseline below V1 so that V1 still runs. */
const BASELINE_EXISTING = ['-baselineOnMigrate=true', '-baselineVersion=0'];
const pgServer = await requirePostgres();
const mysqlServers = await requireMysqlServers();

describe.skipIf(pgServer === null)('timeouts on PostgreSQL', () => {
  let db: TestDatabase;
  let root: string;

  beforeAll(async () => {
    db = await createTestDatabase(pgServer!, 'timeouts');
    root = mkdtempSync(join(tmpdir(), 'godwit-timeouts-'));
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const location = (name: string, files: Record<string, Buffer | string>): string => writeLocation(root, name, files);

  it('-lockTimeout: DDL queued behind another transaction fails with 55P03 instead of waiting', async () => {
    await db.client.query('CREATE SCHEMA lt; CREATE TABLE lt.busy (id INT)');
    const holder = new pg.Client({ host: pgServer!.host, port: pgServer!.port, user: pgServer!.user, password: pgServer!.password, database: db.name });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE lt.busy IN ACCESS SHARE MODE');
      const locations = location('lt', { 'V1__Add_column.sql': 'ALTER TABLE lt.busy ADD COLUMN name TEXT;\n' });
      const started = performance.now();
      const result = await runCli([...db.args, locations, '-schemas=lt', ...BASELINE_EXISTING, '-lockTimeout=1', 'migrate']);
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('55P03');
      expect(result.stderr).toContain('lock timeout');
      expect(result.stdout + result.stderr).not.toMatch(STACK_LINE);
      const { rows } = await db.client.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'lt' AND column_name = 'name'");
      expect(rows[0]!.n).toBe(0);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    const after = await runCli([...db.args, location('lt', {}), '-schemas=lt', ...BASELINE_EXISTING, '-lockTimeout=1', 'migrate']);
    expect(after.code, after.stderr).toBe(0);
  });

  it('-statementTimeout: a statement running longer is cancelled by the server with 57014', async () => {
    const locations = location('st', { 'V1__Slow.sql': 'CREATE TABLE st_made (id INT);\nSELECT pg_sleep(10);\n' });
    const started = performance.now();
    const result = await runCli([...db.args, locations, '-schemas=st', '-statementTimeout=1', 'migrate']);
    expect(performance.now() - started).toBeLessThan(8_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('57014');
    expect(result.stderr).toContain('statement timeout');
    const { rows } = await db.client.query<{ t: string | null }>("SELECT to_regclass('st.st_made')::text AS t");
    expect(rows[0]!.t).toBeNull();
  });

  it('refuses a negative timeout, naming the setting', async () => {
    const result = await runCli([...db.args, '-statementTimeout=-1', 'info']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('statementTimeout');
  });
});

describe.each(mysqlServers)('timeouts on $label', (server) => {
  const { database, location } = useWorkspace(server, 'godwit-mysql-timeouts-');

  it('-lockTimeout: ALTER TABLE waiting on a metadata lock fails after the timeout', async () => {
    const db = await database('timeouts');
    await db.client.query('CREATE TABLE busy (id INT)');
    const holder = await import('mysql2/promise').then((m) =>
      m.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, database: db.name }),
    );
    try {
      await holder.query('START TRANSACTION');
      await holder.query('SELECT * FROM busy');
      const locations = location('lt', { 'V1__Add_column.sql': 'ALTER TABLE busy ADD COLUMN name VARCHAR(20);\n' });
      const started = performance.now();
      const result = await runCli([...db.args, locations, ...BASELINE_EXISTING, '-lockTimeout=1', 'migrate']);
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Lock wait timeout exceeded/i);
      expect(result.stdout + result.stderr).not.toMatch(STACK_LINE);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });
});
