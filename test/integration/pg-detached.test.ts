/**
 * On the server, a small migration's script is not waited for: the next migration's texts go out
 * behind it, so the server goes from one to the next without waiting for godwit. What users see must
 * not change: each history row carries the time its script took (now measured by the server), and the
 * JSON output the same number; a script that fails is reported as itself, with its line, after the
 * migration before it committed and before anything of the next one ran; and the session is left out
 * of any transaction, without the lock, for the next command of an API user.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Godwit, type ProgressEvent } from '../../src/index.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';
import { writeLocation } from '../helpers/locations.js';
import { expectExit, runCli } from '../helpers/cli.js';
import { migrateFailure } from '../helpers/errors.js';

const server = await requirePostgres();

describe.skipIf(server === null)('migrations sent before the one ahead has answered (PostgreSQL)', () => {
  let db: TestDatabase;
  let root: string;

  beforeAll(async () => {
    db = await createTestDatabase(server!, 'detached');
    root = mkdtempSync(join(tmpdir(), 'godwit-detached-'));
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function history(schema: string): Promise<Array<{ version: string | null; execution_time: number; success: boolean }>> {
    const { rows } = await db.client.query(`SELECT version, execution_time, success FROM "${schema}".flyway_schema_history WHERE version IS NOT NULL ORDER BY installed_rank`);
    return rows;
  }

  async function tables(schema: string): Promise<string[]> {
    const { rows } = await db.client.query<{ t: string }>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'flyway_schema_history' ORDER BY 1",
      [schema],
    );
    return rows.map((row) => row.t);
  }

  /** Whether some session holds an advisory lock at all: godwit's, taken per migration, is the only one here. */
  async function advisoryLockHeld(): Promise<boolean> {
    const { rows } = await db.client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    return rows[0]!.n > 0;
  }

  it('records the time each script took, in the row and in the JSON output alike', async () => {
    const location = writeLocation(root, 'timed', {
      'V1__Slow.sql': 'CREATE TABLE one (id INT);\nSELECT pg_sleep(0.4);\n',
      'V2__Quick.sql': 'CREATE TABLE two (id INT);\n',
      'V3__Slow_last.sql': 'SELECT pg_sleep(0.3);\n',
    });
    const result = await runCli([...db.args, location, '-schemas=timed', '-outputType=json', 'migrate']);
    expectExit(result, 0);
    const output = JSON.parse(result.stdout) as { migrations: Array<{ version: string; executionTime: number }> };
    const rows = await history('timed');
    expect(rows.map((row) => row.version)).toEqual(['1', '2', '3']);
    expect(output.migrations.map((m) => [m.version, m.executionTime])).toEqual(rows.map((row) => [row.version, row.execution_time]));
    expect(rows[0]!.execution_time).toBeGreaterThanOrEqual(400);
    expect(rows[0]!.execution_time).toBeLessThan(10_000);
    expect(rows[1]!.execution_time).toBeLessThan(400);
    expect(rows[2]!.execution_time).toBeGreaterThanOrEqual(300);
  });

  it('reports a script that fails behind the one before as itself, keeps the one before and runs nothing after', async () => {
    const location = writeLocation(root, 'late', {
      'V1__One.sql': 'CREATE TABLE one (id INT);\n',
      'V2__Two.sql': 'CREATE TABLE two (id INT);\nINSERT INTO two VALUES (1);\nINSERT INTO two VALUES (1 / 0);\n',
      'V3__Three.sql': 'CREATE TABLE three (id INT);\n',
    });
    const events: ProgressEvent[] = [];
    const godwit = Godwit.create(
      { url: db.jdbcUrl, user: server!.user, ...(server!.password === undefined ? {} : { password: server!.password }), schemas: ['late'], locations: [location.replace(/^-locations=/, '')] },
      { onProgress: (event) => events.push(event) },
    );
    try {
      const error = await migrateFailure(godwit);
      const failure = error.failure;
      expect(failure).toMatchObject({ version: '2', line: 3, sqlState: '22012', rolledBack: true, statement: 'INSERT INTO two VALUES (1 / 0)' });
      expect(error.partialResult?.migrations.map((m) => m.version)).toEqual(['1']);
      expect(events.map((e) => [e.event, e.version])).toEqual([
        ['started', '1'],
        ['succeeded', '1'],
        ['started', '2'],
        ['failed', '2'],
      ]);
      expect(await tables('late')).toEqual(['one']);
      expect((await history('late')).map((row) => [row.version, row.success])).toEqual([['1', true]]);
      // The session godwit keeps open is out of the failed transaction and holds no lock.
      expect(await advisoryLockHeld()).toBe(false);
      expect((await godwit.info()).schemaVersion).toBe('1');
    } finally {
      await godwit.close();
    }
  });

  it('reports a failure of the last script, which nothing follows, the same way', async () => {
    const location = writeLocation(root, 'last', {
      'V1__One.sql': 'CREATE TABLE one (id INT);\n',
      'V2__Two.sql': 'CREATE TABLE two (id INT);\n\nSELECT missing FROM two;\n',
    });
    const result = await runCli([...db.args, location, '-schemas=last', 'migrate']);
    expectExit(result, 1);
    expect(result.stderr).toContain('V2__Two.sql');
    expect(result.stderr).toMatch(/Line\s*:\s*3/);
    expect(result.stderr).toContain('column "missing" does not exist');
    expect(result.stdout).toContain('Migrating schema "last" to version "2 - Two"');
    expect(await tables('last')).toEqual(['one']);
    expect((await history('last')).map((row) => row.version)).toEqual(['1']);
  });
});
