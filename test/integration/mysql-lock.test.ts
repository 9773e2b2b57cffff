/**
 * Locking on MySQL-family servers (flyway-compat.md §4): godwit must take the very named lock Flyway
 * takes, `Flyway-<Java hash of `db`.`table`>` via GET_LOCK, so that Flyway and godwit runs, or several
 * godwit runs, never migrate one database at the same time. The lock name is computed here by the test
 * helper, independently of godwit's code; a session of the test plays the Flyway process holding it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Godwit, MigrationFailedError } from '../../src/index.js';
import { REPO_ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { connectTo, createTestDatabase, flywayLockName, requireMysqlServers, type TestDatabase } from '../helpers/mysql.js';
import { writeLocation } from '../helpers/locations.js';

const servers = await requireMysqlServers();

const STACK_LINE = /^\s+at /m;

/** A query that runs for hours and fails (rather than returning early, as SLEEP does) when killed. */
const ENDLESS_QUERY = 'SELECT COUNT(*) FROM information_schema.collations a, information_schema.collations b, information_schema.collations c, information_schema.collations d';

describe.each(servers)('MySQL named lock on $label', (server) => {
  let db: TestDatabase;
  let root: string;
  const sessions: Connection[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(server, 'my_lock');
    root = mkdtempSync(join(tmpdir(), 'godwit-mysql-lock-'));
  });

  afterAll(async () => {
    for (const session of sessions) await session.end().catch(() => undefined);
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Another session on the server: the Flyway process of these tests. */
  async function flyway(): Promise<Connection> {
    const session = await connectTo(server);
    sessions.push(session);
    return session;
  }

  async function getLock(session: Connection, name: string): Promise<number> {
    const [rows] = await session.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS locked', [name]);
    return Number(rows[0]!.locked);
  }

  async function lockHolder(name: string): Promise<number | null> {
    const [rows] = await db.client.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS holder', [name]);
    return rows[0]!.holder === null ? null : Number(rows[0]!.holder);
  }

  /** Polls the process list until some other session waits in GET_LOCK. */
  async function waitForLockWaiter(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const [rows] = await db.client.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND info LIKE 'SELECT GET\\_LOCK%'",
      );
      if (Number(rows[0]!.n) > 0) return;
      await sleep(50);
    }
    throw new Error('no session ever waited for a named lock');
  }

  const location = (name: string, files: Record<string, Buffer | string>): string => writeLocation(root, name, files);

  async function tableExists(schema: string, table: string): Promise<boolean> {
    const [rows] = await db.client.query<RowDataPacket[]>('SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [schema, table]);
    return rows.length === 1;
  }

  function expectCleanFailure(result: CliResult): void {
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr + result.stdout).not.toMatch(STACK_LINE);
    expect(result.stderr.split(/\r?\n/).filter((line) => line.startsWith('ERROR:'))).toHaveLength(1);
  }

  describe('held by another session', () => {
    let locations: string;
    let lockName: string;

    beforeAll(() => {
      lockName = flywayLockName(db.name);
      locations = location('held', { 'V1__Create_lock_a.sql': 'CREATE TABLE lock_a (id INT);\n' });
    });

    it('-lockRetryCount=1 gives up after about a second with a clear message, and touches nothing', async () => {
      const holder = await flyway();
      expect(await getLock(holder, lockName)).toBe(1);
      try {
        const started = performance.now();
        const result = await runCli([...db.args, locations, '-lockRetryCount=1', 'migrate'], { timeoutMs: 20_000 });
        const elapsed = performance.now() - started;

        expectCleanFailure(result);
        expect(result.stderr).toContain(
          `ERROR: Number of retries exceeded while attempting to acquire MySQL named lock ${lockName}. Configure the number of retries with the 'lockRetryCount' configuration option`,
        );
        expect(result.stderr).toContain(`(server connection ${holder.threadId})`);
        expect(elapsed).toBeGreaterThanOrEqual(1000);
        expect(elapsed).toBeLessThan(8000);
        expect(await tableExists(db.name, 'flyway_schema_history')).toBe(false);
        expect(await tableExists(db.name, 'lock_a')).toBe(false);
      } finally {
        await holder.query('SELECT RELEASE_LOCK(?)', [lockName]);
      }
    });

    it('-lockRetryCount=0 fails at once', async () => {
      const holder = await flyway();
      expect(await getLock(holder, lockName)).toBe(1);
      try {
        const started = performance.now();
        const result = await runCli([...db.args, locations, '-lockRetryCount=0', 'migrate'], { timeoutMs: 20_000 });
        expectCleanFailure(result);
        expect(result.stderr).toContain(`MySQL named lock ${lockName}`);
        expect(performance.now() - started).toBeLessThan(2500);
      } finally {
        await holder.query('SELECT RELEASE_LOCK(?)', [lockName]);
      }
    });

    it('released while a run waits: the run proceeds, and -X logs the waits', async () => {
      const holder = await flyway();
      expect(await getLock(holder, lockName)).toBe(1);
      // A neighbouring name stays held throughout: only the exact name may block godwit.
      expect(await getLock(holder, `${lockName}0`)).toBe(1);
      const started = performance.now();
      const run = runCli([...db.args, locations, '-X', 'migrate'], { timeoutMs: 30_000 });

      // Started processes take a while on a busy machine: wait until godwit sits in GET_LOCK, then long
      // enough for a retry or two.
      await waitForLockWaiter();
      await sleep(1500);
      expect(await tableExists(db.name, 'flyway_schema_history')).toBe(false);
      await holder.query('SELECT RELEASE_LOCK(?)', [lockName]);
      const result = await run;

      expect(result.code, result.stderr).toBe(0);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1500);
      expect(result.stdout).toMatch(/^DEBUG: Waiting for lock on `[^`]+`\.`flyway_schema_history` \(attempt 2\)/m);
      expect(result.stdout).toContain(`Successfully applied 1 migration to schema \`${db.name}\`, now at version v1`);
      expect(await tableExists(db.name, 'lock_a')).toBe(true);
      await holder.query('SELECT RELEASE_LOCK(?)', [`${lockName}0`]);
    });
  });

  it('holds exactly Flyway\'s name while it migrates, and frees it afterwards', async () => {
    const slow = db.extraName('slow');
    const lockName = flywayLockName(slow);
    const locations = location('slow', { 'V1__Slow.sql': 'CREATE TABLE slow (id INT);\nDO SLEEP(2);\n' });
    const run = runCli([...db.args, locations, `-schemas=${slow}`, 'migrate'], { timeoutMs: 30_000 });

    let seen = 0;
    let done = false;
    const finished = run.finally(() => {
      done = true;
    });
    while (!done) {
      if ((await lockHolder(lockName)) !== null) seen++;
      await sleep(100);
    }
    const result = await finished;

    expect(result.code, result.stderr).toBe(0);
    expect(seen).toBeGreaterThan(0);
    expect(await lockHolder(lockName)).toBeNull();
    expect(await getLock(await flyway(), lockName)).toBe(1);
  });

  it('frees it when migrate returns or fails, while the session stays open for the next command', async () => {
    const open = db.extraName('open');
    const lockName = flywayLockName(open);
    const settings = {
      url: db.jdbcUrl,
      user: server.user,
      ...(server.password === undefined ? {} : { password: server.password }),
      schemas: [open],
    };
    const applied = Godwit.create({ ...settings, locations: [location('open', { 'V1__One.sql': 'CREATE TABLE one (id INT);\n', 'V2__Two.sql': 'CREATE TABLE two (id INT);\n' }).replace(/^-locations=/, '')] });
    try {
      expect((await applied.migrate()).migrationsExecuted).toBe(2);
      expect(await lockHolder(lockName)).toBeNull();
    } finally {
      await applied.close();
    }
    const failing = Godwit.create({ ...settings, locations: [location('open', { 'V3__Broken.sql': 'CREATE TABLE three (id INT);\nINSERT INTO nowhere VALUES (1);\n' }).replace(/^-locations=/, '')] });
    try {
      await expect(failing.migrate()).rejects.toThrow(MigrationFailedError);
      expect(await lockHolder(lockName)).toBeNull();
    } finally {
      await failing.close();
    }
  });

  it('SIGTERM kills the running statement on the server (KILL QUERY from a second session) and frees the lock', async () => {
    const stopped = db.extraName('stopped');
    const lockName = flywayLockName(stopped);
    const locations = location('stopped', { 'V1__Endless.sql': `${ENDLESS_QUERY};\n` });
    const child = spawn(process.execPath, [`${REPO_ROOT}bin/godwit.js`, ...db.args, locations, `-schemas=${stopped}`, 'migrate'], { cwd: REPO_ROOT, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Only this test's database: a query left running by an earlier, interrupted run must not count.
    const endless = async () => {
      const [rows] = await db.client.query<RowDataPacket[]>(
        "SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND db = ? AND info LIKE 'SELECT COUNT(*) FROM information\\_schema.collations a%'",
        [stopped],
      );
      return rows.map((row) => Number(row.id));
    };
    const running = async () => (await endless()).length > 0;
    try {
      for (let i = 0; i < 300 && !(await running()); i++) await sleep(50);
      expect(await running()).toBe(true);
      expect(await lockHolder(lockName)).not.toBeNull();
      const signalled = performance.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(performance.now() - signalled).toBeLessThan(5000);
      expect(await running()).toBe(false);
      expect(await lockHolder(lockName)).toBeNull();
    } finally {
      child.kill('SIGKILL');
      for (const id of await endless()) await db.client.query(`KILL QUERY ${id}`);
    }
  });

  it('four processes racing on a database none of them has created apply each of 10 migrations exactly once', async () => {
    const race = db.extraName('race');
    const files: Record<string, string> = {
      'V1__Create_log.sql': 'CREATE TABLE applied_log (version INT NOT NULL, conn BIGINT NOT NULL);\nINSERT INTO applied_log VALUES (1, CONNECTION_ID());\nDO SLEEP(0.05);\n',
    };
    for (let v = 2; v <= 10; v++) files[`V${v}__Step_${v}.sql`] = `INSERT INTO applied_log VALUES (${v}, CONNECTION_ID());\nDO SLEEP(0.05);\n`;
    const locations = location('race', files);

    const results = await Promise.all(Array.from({ length: 4 }, () => runCli([...db.args, locations, `-schemas=${race}`, 'migrate'], { timeoutMs: 60_000 })));

    for (const result of results) {
      expect(result.code, result.stderr || result.stdout).toBe(0);
      expect(result.stderr).toBe('');
    }
    const [history] = await db.client.query<RowDataPacket[]>(`SELECT installed_rank, version, type, success FROM \`${race}\`.flyway_schema_history ORDER BY installed_rank`);
    expect(history.filter((r) => r.type === 'SCHEMA')).toHaveLength(1);
    expect(history.map((r) => r.installed_rank)).toEqual(Array.from({ length: 11 }, (_, i) => i));
    const applied = history.filter((r) => r.type === 'SQL');
    expect(applied.map((r) => r.version)).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));
    expect(applied.every((r) => r.success === 1)).toBe(true);

    const [log] = await db.client.query<RowDataPacket[]>(`SELECT version FROM \`${race}\`.applied_log ORDER BY version`);
    expect(log.map((r) => r.version)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));

    const counts = results.map((r) => {
      if (r.stdout.includes('is up to date. No migration necessary.')) return 0;
      const match = /Successfully applied (\d+) migrations? to schema/.exec(r.stdout);
      expect(match, r.stdout).not.toBeNull();
      return Number(match![1]);
    });
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10);
  }, 90_000);
});
