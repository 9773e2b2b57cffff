/**
 * Stopping godwit from outside, as Kubernetes, Docker and CI runners do: SIGTERM/SIGINT in the middle of
 * a migration must cancel the statement on the server, roll the migration back, free the lock and exit
 * 143/130; a second signal exits at once; and a SIGKILLed run (nothing godwit can do) must leave a
 * database that the next run completes. Everything is checked on the database itself: the table the
 * interrupted migration created, its history row, the server's sessions and the lock.
 *
 * Server-only (the other PostgreSQL suites also run on PGlite, test/helpers/drivers.ts): the cases cancel
 * a statement on the server and look at its sessions and locks from a second one; PGlite has neither.
 * A run killed on PGlite is tested in pglite-writer.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import * as mysqlHelper from '../helpers/mysql.js';
import { startCli, type RunningCli } from '../helpers/pglite.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';

const server = await requirePostgres();
const mysqlServers = await mysqlHelper.requireMysqlServers();

/** V1 is quick; V2 creates a table and then sleeps for `${sleep}` seconds: the statement to interrupt. */
const MIGRATIONS = {
  'V1__Quick.sql': 'CREATE TABLE quick (id int);\n',
  'V2__Slow.sql': 'CREATE TABLE slow (id int);\nINSERT INTO slow VALUES (1);\nSELECT pg_sleep(${sleep});\n',
};

/** Waits for the process to end; `at` is when it did. */
async function ended(run: RunningCli): Promise<CliResult & { at: number }> {
  const result = await run.done;
  return { ...result, at: performance.now() };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.skipIf(server === null)('signals during a migration on PostgreSQL', () => {
  let db: TestDatabase;
  let root: string;

  beforeAll(async () => {
    db = await createTestDatabase(server!, 'signals');
    root = mkdtempSync(join(tmpdir(), 'godwit-signals-'));
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function project(name: string): string[] {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, content] of Object.entries(MIGRATIONS)) writeFileSync(join(dir, file), content);
    return [...db.args, `-schemas=${name}`, `-locations=filesystem:${dir}`];
  }

  async function tableExists(qualified: string): Promise<boolean> {
    const { rows } = await db.client.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [qualified]);
    return rows[0]!.oid !== null;
  }

  async function historyVersions(schema: string): Promise<string[]> {
    if (!(await tableExists(`${schema}.flyway_schema_history`))) return [];
    const { rows } = await db.client.query<{ version: string; success: boolean }>(
      `SELECT version, success FROM "${schema}".flyway_schema_history WHERE version IS NOT NULL ORDER BY installed_rank`,
    );
    return rows.map((r) => `${r.version}:${r.success ? 'ok' : 'failed'}`);
  }

  /** godwit's sessions on the test database (application_name is godwit's), with what each runs. */
  async function godwitSessions(): Promise<Array<{ pid: number; query: string }>> {
    const { rows } = await db.client.query<{ pid: number; query: string }>(
      "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'godwit' AND pid <> pg_backend_pid()",
    );
    return rows;
  }

  async function advisoryLocksHeld(): Promise<number> {
    const { rows } = await db.client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    return rows[0]!.n;
  }

  /** Waits until godwit's session is inside pg_sleep: the signal then has a statement in flight to cancel. */
  async function waitForSleep(run: RunningCli): Promise<void> {
    await until('the Migrating line', () => /Migrating schema .* to version "2 - Slow"/.test(run.stdout + run.stderr));
    await until('pg_sleep on the server', async () => (await godwitSessions()).some((s) => s.query.includes('pg_sleep')));
  }

  it('SIGTERM cancels the running statement, rolls the migration back, frees the lock and exits 143', async () => {
    const args = project('term');
    const run = startCli([...args, '-placeholders.sleep=30', 'migrate']);
    await waitForSleep(run);
    const signalled = performance.now();
    process.kill(run.pid, 'SIGTERM');
    const { code, signal, at } = await ended(run);
    const output = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;

    expect(signal, output).toBeNull();
    expect(code, output).toBe(143);
    expect(at - signalled, output).toBeLessThan(5_000);
    expect(run.stderr).toContain('SIGTERM received: cancelling the running statement');
    expect(run.stderr).toMatch(/SQL State\s+: 57014/);
    expect(run.stderr).toContain('godwit stopped on SIGTERM (exit 143): migration V2__Slow.sql was cancelled and rolled back');
    expect(run.stderr).not.toContain('Fix the script');
    expect(run.stderr + run.stdout).not.toMatch(/^\s+at /m);

    expect(await tableExists('term.quick')).toBe(true);
    expect(await tableExists('term.slow')).toBe(false);
    expect(await historyVersions('term')).toEqual(['1:ok']);
    // The session ended (no query left running on the server) and with it every lock.
    await until('godwit sessions to end', async () => (await godwitSessions()).length === 0, 3_000);
    expect(await advisoryLocksHeld()).toBe(0);

    // A new run that would give up at once on a held lock applies V2.
    const again = await runCli([...args, '-placeholders.sleep=0', '-lockRetryCount=0', 'migrate']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Successfully applied 1 migration');
    expect(await tableExists('term.slow')).toBe(true);
    expect(await historyVersions('term')).toEqual(['1:ok', '2:ok']);
  });

  it('SIGINT exits 130, and -outputType=json prints the migrate result so far plus the error', async () => {
    const args = project('int');
    const run = startCli([...args, '-placeholders.sleep=30', '-outputType=json', 'migrate']);
    await waitForSleep(run);
    process.kill(run.pid, 'SIGINT');
    const { code } = await ended(run);

    expect(code, run.stderr).toBe(130);
    const doc = JSON.parse(run.stdout) as Record<string, unknown> & { migrations: Array<{ version: string }>; error: Record<string, unknown> };
    expect(doc.operation).toBe('migrate');
    expect(doc.success).toBe(false);
    expect(doc.migrationsExecuted).toBe(1);
    expect(doc.migrations.map((m) => m.version)).toEqual(['1']);
    expect(doc.initialSchemaVersion).toBeNull();
    expect(doc.targetSchemaVersion).toBe('1');
    expect(doc.error.errorCode).toBe('FAILED_VERSIONED_MIGRATION');
    expect(doc.error.sqlState).toBe('57014');
    expect(doc.error.path).toBe(join(root, 'int', 'V2__Slow.sql'));
    expect(doc.error.lineNumber).toBe(3);
    expect(run.stderr).toContain('godwit stopped on SIGINT (exit 130)');
    expect(await tableExists('int.slow')).toBe(false);
    expect(await historyVersions('int')).toEqual(['1:ok']);
  });

  it('a SIGKILLed run leaves nothing half-applied, and the next run completes', async () => {
    const args = project('kill');
    const run = startCli([...args, '-placeholders.sleep=3', 'migrate']);
    await waitForSleep(run);
    process.kill(run.pid, 'SIGKILL');
    expect((await ended(run)).signal).toBe('SIGKILL');

    // The orphaned server session still sleeps in its open transaction: none of it is visible.
    expect(await tableExists('kill.slow')).toBe(false);
    expect(await historyVersions('kill')).toEqual(['1:ok']);

    // The next run waits for the orphan's lock to go with its transaction, then applies V2 once.
    const again = await runCli([...args, '-placeholders.sleep=0', 'migrate']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Successfully applied 1 migration');
    expect(await tableExists('kill.slow')).toBe(true);
    const { rows } = await db.client.query<{ n: number }>('SELECT count(*)::int AS n FROM kill.slow');
    expect(rows[0]!.n).toBe(1);
    expect(await historyVersions('kill')).toEqual(['1:ok', '2:ok']);
  });
});

describe.skipIf(mysqlServers.length === 0).each(mysqlServers)('SIGTERM during a migration on $label', (mysqlServer) => {
  let db: mysqlHelper.TestDatabase;
  let root: string;

  beforeAll(async () => {
    db = await mysqlHelper.createTestDatabase(mysqlServer, 'signals');
    root = mkdtempSync(join(tmpdir(), 'godwit-signals-mysql-'));
    writeFileSync(join(root, 'V1__Quick.sql'), 'CREATE TABLE quick (id INT);\n');
    // MySQL commits DDL at once: the table survives the interruption, so the script tolerates a rerun.
    writeFileSync(join(root, 'V2__Slow.sql'), 'CREATE TABLE IF NOT EXISTS slow (id INT);\nDO SLEEP(${sleep});\nINSERT INTO slow VALUES (1);\n');
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function rows(sql: string): Promise<Array<Record<string, unknown>>> {
    return (await db.client.query(sql))[0] as Array<Record<string, unknown>>;
  }

  it('exits 143 at once, leaving the failed row that repair removes, after which migrate completes', async () => {
    const args = [...db.args, `-locations=filesystem:${root}`];
    const run = startCli([...args, '-placeholders.sleep=30', 'migrate']);
    await until('SLEEP on the server', async () => (await rows('SHOW FULL PROCESSLIST')).some((r) => String(r.Info ?? '').includes('SLEEP(30)')));
    const signalled = performance.now();
    process.kill(run.pid, 'SIGTERM');
    const { code, at } = await ended(run);
    expect(code, run.stderr).toBe(143);
    expect(at - signalled).toBeLessThan(5_000);
    expect(run.stderr).toContain('godwit stopped on SIGTERM (exit 143): migration V2__Slow.sql was cancelled part-way');

    const history = async () => (await rows('SELECT version, success FROM flyway_schema_history ORDER BY installed_rank')).map((r) => `${String(r.version)}:${Number(r.success)}`);
    expect(await history()).toEqual(['1:1', '2:0']);
    expect(await rows('SELECT * FROM slow')).toEqual([]);
    // Only this file's database: other test files sleep on the same server meanwhile.
    expect((await rows('SHOW FULL PROCESSLIST')).filter((r) => r.db === db.name && String(r.Info ?? '').includes('SLEEP'))).toEqual([]);

    const refused = await runCli([...args, '-placeholders.sleep=0', 'migrate']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Detected failed migration to version 2 (Slow).');
    expect((await runCli([...args, 'repair'])).code).toBe(0);
    const again = await runCli([...args, '-placeholders.sleep=0', '-lockRetryCount=0', 'migrate']);
    expect(again.code, again.stderr).toBe(0);
    expect(await history()).toEqual(['1:1', '2:1']);
    expect(await rows('SELECT id FROM slow')).toEqual([{ id: 1 }]);
  });
});

describe('a second signal', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let port = 0;

  beforeAll(async () => {
    // Accepts connections and never answers: a database that hangs while godwit connects.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('exits at once with 143 while the first one is still winding down', async () => {
    const run = startCli([`-url=jdbc:postgresql://127.0.0.1:${port}/x`, '-user=postgres', 'migrate']);
    await until('godwit to connect', () => sockets.length > 0);
    process.kill(run.pid, 'SIGTERM');
    await until('the first signal to be reported', () => run.stderr.includes('SIGTERM received'));
    // The connection attempt cannot be interrupted, so the first signal alone does not end the run.
    const first = await Promise.race([run.done.then(() => 'exited'), sleep(700).then(() => 'running')]);
    expect(first, run.stderr).toBe('running');

    const signalled = performance.now();
    process.kill(run.pid, 'SIGTERM');
    const { code, at } = await ended(run);
    expect(code, run.stderr).toBe(143);
    expect(at - signalled).toBeLessThan(2_000);
    expect(run.stderr).toContain('SIGTERM received again: exiting at once');
  });
});
