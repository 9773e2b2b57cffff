/**
 * Locking on a real PostgreSQL (flyway-compat.md §4): godwit must contend for the very advisory lock
 * Flyway takes, so that a Flyway and a godwit run, or several godwit runs, never migrate one schema at
 * the same time; and its own lock must not make non-transactional statements hang.
 *
 * Server-only (the other PostgreSQL suites also run on PGlite, test/helpers/drivers.ts): every case needs
 * a second session, to hold the advisory lock, to wait for it or to look at pg_locks while godwit runs,
 * and PGlite serves one process with one session (godwit's writer lock turns a second one away).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';
import { writeLocation } from '../helpers/locations.js';
import { flywayChecksum } from '../helpers/output.js';

/** Flyway's ids, checked on a JVM (test/fixtures/flyway-vectors.json): not computed by godwit's code. */
const PUBLIC_LOCK_ID = 77433833903597n; // "public"."flyway_schema_history"
const APP_LOCK_ID = 77431436970681n; // "app"."flyway_schema_history"
const TENANT_LOCK_ID = 77430810854722n; // "Tenant_1"."my_history"

const LOCK_RETRIES_EXCEEDED =
  "Number of retries exceeded while attempting to acquire PostgreSQL advisory lock. Configure the number of retries with the 'lockRetryCount' configuration option";
const STACK_LINE = /^\s+at /m;

const server = await requirePostgres();

describe.skipIf(server === null)('PostgreSQL locking', () => {
  let db: TestDatabase;
  let root: string;
  const holders: pg.Client[] = [];

  /** A second session, standing in for a Flyway process that holds the lock. */
  async function holder(): Promise<pg.Client> {
    const client = new pg.Client({ host: server!.host, port: server!.port, user: server!.user, password: server!.password, database: db.name });
    await client.connect();
    holders.push(client);
    return client;
  }

  /** A folder of migrations: file name → content. */
  const location = (name: string, files: Record<string, Buffer | string>): string => writeLocation(root, name, files);

  async function tableExists(qualified: string): Promise<boolean> {
    const { rows } = await db.client.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [qualified]);
    return rows[0]!.oid !== null;
  }

  /** Whether some session of this database holds the advisory lock with this bigint key. */
  async function lockHeld(id: bigint): Promise<boolean> {
    const { rows } = await db.client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND objsubid = 1
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
      [id.toString()],
    );
    return rows[0]!.n > 0;
  }

  /** Polls pg_locks until `run` ends; returns how often the key was seen held. */
  async function watchLock(id: bigint, run: Promise<CliResult>): Promise<{ result: CliResult; seen: number }> {
    let done = false;
    const finished = run.finally(() => {
      done = true;
    });
    let seen = 0;
    while (!done) {
      if (await lockHeld(id)) seen++;
      await sleep(50);
    }
    return { result: await finished, seen };
  }

  function expectCleanFailure(result: CliResult): void {
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr + result.stdout).not.toMatch(STACK_LINE);
    expect(result.stderr.split(/\r?\n/).filter((line) => line.startsWith('ERROR:'))).toHaveLength(1);
  }

  beforeAll(async () => {
    db = await createTestDatabase(server!, 'pg_lock');
    root = mkdtempSync(join(tmpdir(), 'godwit-pg-lock-'));
  });

  afterAll(async () => {
    for (const client of holders) await client.end().catch(() => undefined);
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  describe('Flyway\'s lock on "public"."flyway_schema_history" (id 77433833903597)', () => {
    let locations: string;

    beforeAll(() => {
      locations = location('public', { 'V1__Create_lock_a.sql': 'CREATE TABLE public.lock_a (id INT);\n' });
    });

    it('held elsewhere: migrate -lockRetryCount=2 gives up after about 2 s with Flyway\'s message and applies nothing', async () => {
      const flyway = await holder();
      await flyway.query('SELECT pg_advisory_lock($1::bigint)', [PUBLIC_LOCK_ID.toString()]);
      try {
        const started = performance.now();
        const result = await runCli([...db.args, locations, '-lockRetryCount=2', 'migrate'], { timeoutMs: 20_000 });
        const elapsed = performance.now() - started;

        expectCleanFailure(result);
        expect(result.stderr).toContain(`ERROR: ${LOCK_RETRIES_EXCEEDED}`);
        // Two retries, one second apart.
        expect(elapsed).toBeGreaterThanOrEqual(1900);
        expect(elapsed).toBeLessThan(10_000);
        expect(await tableExists('public.flyway_schema_history')).toBe(false);
        expect(await tableExists('public.lock_a')).toBe(false);
      } finally {
        await flyway.end();
      }
    });

    it('released while a run waits (default retries): the run completes, and -X logs "Waiting for lock"', async () => {
      const flyway = await holder();
      await flyway.query('SELECT pg_advisory_lock($1::bigint)', [PUBLIC_LOCK_ID.toString()]);
      // A neighbouring key stays held throughout: only the exact id may block godwit.
      await flyway.query('SELECT pg_advisory_lock($1::bigint)', [(PUBLIC_LOCK_ID + 1n).toString()]);
      const started = performance.now();
      const run = runCli([...db.args, locations, '-X', 'migrate'], { timeoutMs: 30_000 });

      await sleep(2500);
      expect(await tableExists('public.flyway_schema_history')).toBe(false);
      await flyway.query('SELECT pg_advisory_unlock($1::bigint)', [PUBLIC_LOCK_ID.toString()]);
      const result = await run;

      expect(result.code, result.stderr).toBe(0);
      expect(performance.now() - started).toBeGreaterThanOrEqual(2500);
      expect(result.stdout).toMatch(/^DEBUG: .*Waiting for lock/m);
      expect(result.stdout).toContain('Successfully applied 1 migration to schema "public", now at version v1');
      expect(await tableExists('public.lock_a')).toBe(true);
      const { rows } = await db.client.query('SELECT version, success FROM public.flyway_schema_history ORDER BY installed_rank');
      expect(rows).toEqual([{ version: '1', success: true }]);
      await flyway.end();
    }, 40_000);

    it('baseline and repair contend for the same lock (-lockRetryCount=0 fails at once), and change nothing', async () => {
      const before = await db.client.query('SELECT * FROM public.flyway_schema_history ORDER BY installed_rank');
      expect(before.rows).toHaveLength(1);
      const flyway = await holder();
      await flyway.query('SELECT pg_advisory_lock($1::bigint)', [PUBLIC_LOCK_ID.toString()]);
      try {
        for (const command of ['baseline', 'repair', 'migrate']) {
          const started = performance.now();
          const result = await runCli([...db.args, locations, '-lockRetryCount=0', command], { timeoutMs: 20_000 });
          expectCleanFailure(result);
          expect(result.stderr, command).toContain(`ERROR: ${LOCK_RETRIES_EXCEEDED}`);
          // No retry means no one-second wait.
          expect(performance.now() - started, command).toBeLessThan(1500);
        }
      } finally {
        await flyway.end();
      }
      const after = await db.client.query('SELECT * FROM public.flyway_schema_history ORDER BY installed_rank');
      expect(after.rows).toEqual(before.rows);
    });
  });

  it('a migration applied by the lock holder while a run waits is seen once the lock is granted, and not run again', async () => {
    // godwit sends its history read in the lock's round trip; the read made while the lock was refused
    // must be thrown away, or the run would apply V1 a second time and fail on the existing table.
    const own = await createTestDatabase(server!, 'pg_lock_reread');
    const flyway = new pg.Client({ host: server!.host, port: server!.port, user: server!.user, password: server!.password, database: own.name });
    await flyway.connect();
    try {
      const first = 'CREATE TABLE public.race_a (id INT);';
      const locations = location('reread', { 'V1__Race_a.sql': `${first}\n`, 'V2__Race_b.sql': 'CREATE TABLE public.race_b (id INT);\n' });
      expect((await runCli([...own.args, locations, '-baselineVersion=0', 'baseline'])).code).toBe(0);
      await flyway.query('SELECT pg_advisory_lock($1::bigint)', [PUBLIC_LOCK_ID.toString()]);
      const run = runCli([...own.args, locations, '-X', 'migrate'], { timeoutMs: 30_000 });

      await sleep(1500);
      await flyway.query(first);
      await flyway.query(
        `INSERT INTO public.flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
         VALUES (2, '1', 'Race a', 'SQL', 'V1__Race_a.sql', $1, 'flyway', 3, true)`,
        [flywayChecksum(first)],
      );
      await flyway.query('SELECT pg_advisory_unlock($1::bigint)', [PUBLIC_LOCK_ID.toString()]);
      const result = await run;

      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^DEBUG: .*Waiting for lock/m);
      expect(result.stdout).toContain('Successfully applied 1 migration to schema "public", now at version v2');
      const { rows } = await own.client.query('SELECT installed_rank, version, installed_by, success FROM public.flyway_schema_history ORDER BY installed_rank');
      expect(rows).toEqual([
        { installed_rank: 1, version: '0', installed_by: own.user, success: true },
        { installed_rank: 2, version: '1', installed_by: 'flyway', success: true },
        { installed_rank: 3, version: '2', installed_by: own.user, success: true },
      ]);
    } finally {
      await flyway.end();
      await own.drop();
    }
  }, 40_000);

  it('holds exactly Flyway\'s id while it migrates "app", and releases it afterwards', async () => {
    const locations = location('app', { 'V1__Slow.sql': 'CREATE TABLE app.slow (id INT);\nSELECT pg_sleep(2);\n' });
    expect(await lockHeld(APP_LOCK_ID)).toBe(false);

    const { result, seen } = await watchLock(APP_LOCK_ID, runCli([...db.args, locations, '-schemas=app', 'migrate'], { timeoutMs: 30_000 }));

    expect(result.code, result.stderr).toBe(0);
    expect(seen).toBeGreaterThan(0);
    expect(await lockHeld(APP_LOCK_ID)).toBe(false);
    const flyway = await holder();
    const { rows } = await flyway.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [APP_LOCK_ID.toString()]);
    expect(rows[0]!.locked).toBe(true);
    await flyway.end();
  });

  it('four processes racing on a fresh schema apply each of 10 migrations exactly once', async () => {
    const files: Record<string, string> = {
      'V1__Create_log.sql': 'CREATE TABLE race.applied_log (version TEXT NOT NULL, pid INT NOT NULL DEFAULT pg_backend_pid());\nINSERT INTO race.applied_log (version) VALUES (\'1\');\nSELECT pg_sleep(0.05);\n',
    };
    for (let v = 2; v <= 10; v++) {
      files[`V${v}__Step_${v}.sql`] = `INSERT INTO race.applied_log (version) VALUES ('${v}');\nSELECT pg_sleep(0.05);\n`;
    }
    const locations = location('race', files);

    const results = await Promise.all(
      Array.from({ length: 4 }, () => runCli([...db.args, locations, '-schemas=race', 'migrate'], { timeoutMs: 90_000 })),
    );

    for (const result of results) {
      expect(result.code, result.stderr || result.stdout).toBe(0);
      expect(result.stderr).toBe('');
    }
    const history = await db.client.query<{ installed_rank: number; version: string | null; type: string; success: boolean }>(
      'SELECT installed_rank, version, type, success FROM race.flyway_schema_history ORDER BY installed_rank',
    );
    // One schema marker at rank 0 (the schema was created once), then one row per migration.
    expect(history.rows.filter((r) => r.type === 'SCHEMA')).toHaveLength(1);
    expect(history.rows.map((r) => r.installed_rank)).toEqual(Array.from({ length: 11 }, (_, i) => i));
    const applied = history.rows.filter((r) => r.type === 'SQL');
    expect(applied.map((r) => r.version)).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));
    expect(applied.every((r) => r.success)).toBe(true);

    const log = await db.client.query<{ version: string }>('SELECT version FROM race.applied_log ORDER BY version::int');
    expect(log.rows.map((r) => r.version)).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));

    const counts = results.map((r) => {
      if (/Schema "race" is up to date\. No migration necessary\./.test(r.stdout)) return 0;
      const match = /Successfully applied (\d+) migrations? to schema "race"/.exec(r.stdout);
      expect(match, r.stdout).not.toBeNull();
      return Number(match![1]);
    });
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10);
    expect(counts.some((n) => n < 10)).toBe(true);
  }, 120_000);

  it('four processes racing on an existing empty schema all succeed: none mistakes the new history table for user objects', async () => {
    await db.client.query('CREATE SCHEMA existing_empty');
    const locations = location('existing_empty', {
      'V1__Create_t.sql': 'CREATE TABLE existing_empty.t (id INT);\n',
      'V2__Fill_t.sql': 'INSERT INTO existing_empty.t VALUES (1);\n',
    });
    for (let round = 0; round < 3; round++) {
      if (round > 0) {
        await db.client.query('DROP SCHEMA existing_empty CASCADE');
        await db.client.query('CREATE SCHEMA existing_empty');
      }
      const results = await Promise.all(
        Array.from({ length: 4 }, () => runCli([...db.args, locations, '-schemas=existing_empty', 'migrate'], { timeoutMs: 60_000 })),
      );
      for (const result of results) expect(result.code, result.stderr || result.stdout).toBe(0);
      const { rows } = await db.client.query<{ version: string | null }>('SELECT version FROM existing_empty.flyway_schema_history ORDER BY installed_rank');
      expect(rows.map((r) => r.version)).toEqual(['1', '2']);
    }
  }, 120_000);

  it('applies CREATE INDEX CONCURRENTLY under its own lock without hanging', async () => {
    const locations = location('cic', {
      'V1__Create_items.sql': 'CREATE TABLE cic.items (id INT, name TEXT);\nINSERT INTO cic.items SELECT g, md5(g::text) FROM generate_series(1, 1000) g;\n',
      'V2__Index_items.sql': 'CREATE INDEX CONCURRENTLY items_name_idx ON cic.items (name);\n',
    });

    const result = await runCli([...db.args, locations, '-schemas=cic', 'migrate'], { timeoutMs: 15_000 });

    expect(result.signal, 'killed after 15 s: the migration hung').toBeNull();
    expect(result.code, result.stderr || result.stdout).toBe(0);
    expect(result.stdout).toContain('Migrating schema "cic" to version "2 - Index items" [non-transactional]');
    const index = await db.client.query<{ indisvalid: boolean }>(
      "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'cic' AND c.relname = 'items_name_idx'",
    );
    expect(index.rows).toEqual([{ indisvalid: true }]);
    const history = await db.client.query("SELECT version, success FROM cic.flyway_schema_history WHERE type = 'SQL' ORDER BY installed_rank");
    expect(history.rows).toEqual([
      { version: '1', success: true },
      { version: '2', success: true },
    ]);
  }, 30_000);

  // CREATE INDEX CONCURRENTLY waits for every transaction that holds an older snapshot. A second run that
  // waits for the lock must therefore not sit in one open transaction for its whole wait: the index would
  // wait for the waiter, the waiter for the lock held by the index's run, until lockRetryCount runs out.
  it('applies CREATE INDEX CONCURRENTLY while a second default run waits for the lock (no cross-process hang)', async () => {
    const locations = location('cic_race', {
      'V1__Create_items.sql': 'CREATE TABLE cic_race.items (id INT, name TEXT);\nINSERT INTO cic_race.items SELECT g, md5(g::text) FROM generate_series(1, 1000) g;\nSELECT pg_sleep(1.5);\n',
      'V2__Index_items.sql': 'CREATE INDEX CONCURRENTLY items_name_idx ON cic_race.items (name);\n',
    });
    const run = () => runCli([...db.args, locations, '-schemas=cic_race', 'migrate'], { timeoutMs: 15_000 });

    const first = run();
    // The second run starts while the first is inside V1, so it is still waiting when V2 runs.
    await sleep(500);
    const results = await Promise.all([first, run()]);

    for (const result of results) {
      expect(result.signal, 'killed after 15 s: CREATE INDEX CONCURRENTLY and the waiting run blocked each other').toBeNull();
      expect(result.code, result.stderr || result.stdout).toBe(0);
    }
    const output = results.map((r) => r.stdout).join('\n');
    expect(output.match(/Migrating schema "cic_race" to version "2 - Index items" \[non-transactional\]/g)).toHaveLength(1);
    const history = await db.client.query("SELECT version, success FROM cic_race.flyway_schema_history WHERE type = 'SQL' ORDER BY installed_rank");
    expect(history.rows).toEqual([
      { version: '1', success: true },
      { version: '2', success: true },
    ]);
  }, 40_000);

  it('-postgresql.transactional.lock=false: migrations work, the session lock on Flyway\'s id excludes a racing default run, and is released', async () => {
    const locations = location('tenant', {
      'V1__Slow.sql': 'CREATE TABLE "Tenant_1".runs (version TEXT NOT NULL);\nINSERT INTO "Tenant_1".runs VALUES (\'1\');\nSELECT pg_sleep(1.5);\n',
      'V2__Second.sql': 'INSERT INTO "Tenant_1".runs VALUES (\'2\');\nSELECT pg_sleep(0.3);\n',
      'V3__Third.sql': 'CREATE TABLE "Tenant_1".third (id INT);\n',
    });
    const args = [...db.args, locations, '-schemas=Tenant_1', '-table=my_history'];

    const sessionRun = runCli([...args, '-postgresql.transactional.lock=false', 'migrate'], { timeoutMs: 30_000 });
    const watched = watchLock(TENANT_LOCK_ID, sessionRun);
    await sleep(300);
    const transactionalRun = runCli([...args, 'migrate'], { timeoutMs: 30_000 });
    const [{ result, seen }, other] = await Promise.all([watched, transactionalRun]);

    for (const r of [result, other]) {
      expect(r.signal).toBeNull();
      expect(r.code, r.stderr || r.stdout).toBe(0);
    }
    expect(seen).toBeGreaterThan(0);
    const applied = [result, other].map((r) => Number(/Successfully applied (\d+) migrations? to schema "Tenant_1"/.exec(r.stdout)?.[1] ?? 0));
    expect(applied[0]! + applied[1]!).toBe(3);
    const runs = await db.client.query('SELECT version FROM "Tenant_1".runs ORDER BY version');
    expect(runs.rows).toEqual([{ version: '1' }, { version: '2' }]);
    const history = await db.client.query(`SELECT version, success FROM "Tenant_1".my_history WHERE type = 'SQL' ORDER BY installed_rank`);
    expect(history.rows).toEqual([
      { version: '1', success: true },
      { version: '2', success: true },
      { version: '3', success: true },
    ]);
    // The session lock must not outlive the run.
    expect(await lockHeld(TENANT_LOCK_ID)).toBe(false);
  }, 60_000);
});
