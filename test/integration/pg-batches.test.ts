/**
 * Transactional scripts run in multi-statement batches on PostgreSQL, and scripts over a megabyte are
 * read in pieces: a failure must still name the statement and the file line, as if each statement had
 * been sent alone, and a large script must apply exactly as written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/jdbc-url.js';
import { connectPgServer } from '../../src/dialects/postgres/pg-client.js';
import { runCli } from '../helpers/cli.js';
import { writeLocation } from '../helpers/locations.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';

const server = await requirePostgres();

describe.skipIf(server === null)('batched statements on PostgreSQL', () => {
  let db: TestDatabase;
  let root: string;

  beforeAll(async () => {
    db = await createTestDatabase(server!, 'batches');
    root = mkdtempSync(join(tmpdir(), 'godwit-batches-'));
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function failure(name: string, script: string): Promise<{ lineNumber: number; message: string; sqlState: string }> {
    const location = writeLocation(root, name, { 'V1__Fail.sql': script });
    const result = await runCli([...db.args, location, `-schemas=${name}`, '-outputType=json', 'migrate']);
    expect(result.code, result.stderr).toBe(1);
    const doc = JSON.parse(result.stdout) as { error: { lineNumber: number; message: string; sqlState: string } };
    const { rows } = await db.client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [name, 't']);
    expect(rows, 'the failed migration was rolled back').toHaveLength(0);
    return doc.error;
  }

  it('names the statement of an error without a position by the statements that completed', async () => {
    const error = await failure('nopos', 'CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1);\n\nINSERT INTO t VALUES (2);\nINSERT INTO t\n  VALUES (1);\nINSERT INTO t VALUES (3);\n');
    expect(error.sqlState).toBe('23505');
    expect(error.lineNumber).toBe(5);
    expect(error.message).toContain('Key (id)=(1) already exists');
  });

  it('maps an error position in the batch text to the line within its statement', async () => {
    const error = await failure('pos', 'CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nSELECT id,\n  nope\nFROM t;\nINSERT INTO t VALUES (2);\n');
    expect(error.sqlState).toBe('42703');
    expect(error.lineNumber).toBe(4);
  });

  it('applies a script of several megabytes read in pieces, and reports a failure near its end at its line', async () => {
    const rows = 60_000;
    const inserts = Array.from({ length: rows }, (_, n) => `INSERT INTO big VALUES (${n}, 'row ${n}; with a semicolon and ''quotes''');`).join('\n');
    const good = `CREATE TABLE big (id int PRIMARY KEY, note text);\n${inserts}\n`;
    expect(good.length).toBeGreaterThan(4 << 20);
    const location = writeLocation(root, 'large', { 'V1__Big.sql': good });
    const result = await runCli([...db.args, location, '-schemas=large', 'migrate']);
    expect(result.code, result.stderr).toBe(0);
    const { rows: counted } = await db.client.query<{ n: number; notes: number }>("SELECT count(*)::int AS n, count(*) FILTER (WHERE note LIKE '%; with a semicolon and ''quotes''')::int AS notes FROM large.big");
    expect(counted[0]).toEqual({ n: rows, notes: rows });

    const bad = `CREATE TABLE t (id int PRIMARY KEY, note text);\n${inserts.replaceAll('big', 't').replace(/\(\d+, '[^\n]*\);$/, "(5, 'again');")}\n`;
    const error = await failure('largefail', bad);
    expect(error.sqlState).toBe('23505');
    expect(error.lineNumber).toBe(rows + 1);
  });

  // Over a megabyte: a large script, read in pieces.
  const rowInserts = (table: string, rows = 60_000, padding = 'with some padding text') =>
    Array.from({ length: rows }, (_, n) => `INSERT INTO ${table} VALUES (${n}, 'row ${n} ${padding}');`).join('\n');

  /** Runs a script alone in a schema of its own; returns the CLI's result and whether table t is left. */
  async function runLarge(name: string, script: string, ...options: string[]) {
    const location = writeLocation(root, name, { 'V1__Big.sql': script });
    const result = await runCli([...db.args, location, `-schemas=${name}`, ...options, 'migrate']);
    const { rows } = await db.client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [name, 't']);
    return { ...result, kept: rows.length > 0 };
  }

  it('refuses an unknown placeholder near the end of a large script, naming its line, and keeps nothing of it', async () => {
    const result = await runLarge('largeplaceholder', `CREATE TABLE t (id int, note text);\n${rowInserts('t')}\nINSERT INTO t VALUES (0, '\${nobody}');\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ERROR: No value provided for placeholder: ${nobody}.');
    expect(result.stderr).toContain('V1__Big.sql at line 60002');
    expect(result.kept).toBe(false);
  });

  it('prints nothing of a dry run whose large script fails near its end', async () => {
    const result = await runLarge('largedry', `CREATE TABLE t (id int, note text);\n${rowInserts('t')}\nINSERT INTO t VALUES (0, '\${nobody}');\n`, '-dryRunOutput=-');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('V1__Big.sql at line 60002');
    expect(result.stdout).not.toContain('INSERT INTO t');
  });

  it('runs a large transactional script as it checks it, and rolls it all back on a fault near its end', async () => {
    const result = await runLarge('largeunterminated', `CREATE TABLE t (id int, note text);\n${rowInserts('t')}\nINSERT INTO t VALUES (0, 'never closed);\n`);
    expect(result.code).toBe(1);
    expect(result.stdout, 'the script started to run').toContain('Migrating schema "largeunterminated" to version "1 - Big"');
    expect(result.stderr).toMatch(/Unterminated .*line 60002/);
    expect(result.kept).toBe(false);
  });

  it('refuses a large script that turns non-transactional near its end before that statement is sent, keeping nothing', async () => {
    const result = await runLarge('largemixed', `CREATE TABLE t (id int, note text);\n${rowInserts('t')}\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Detected both transactional and non-transactional statements within the same migration (even though mixed is false). Offending statement found at line 60002');
    expect(result.kept).toBe(false);
  });

  it('checks a large script before it runs when it starts with a statement that cannot run in a transaction', async () => {
    await db.client.query('CREATE TABLE public.firstmixed_u (id int)');
    const result = await runLarge('firstmixed', `CREATE INDEX CONCURRENTLY firstmixed_u_id ON public.firstmixed_u (id);\nCREATE TABLE t (id int, note text);\n${rowInserts('t')}\n`);
    expect(result.code).toBe(1);
    expect(result.stdout, 'nothing ran').not.toContain('Migrating schema');
    expect(result.stderr).toContain('Offending statement found at line 1: CREATE INDEX CONCURRENTLY firstmixed_u_id ON public.firstmixed_u (id) [non-transactional]');
    const { rows } = await db.client.query("SELECT 1 FROM pg_indexes WHERE indexname = 'firstmixed_u_id'");
    expect(rows).toHaveLength(0);
  });

  it('with -mixed=true, runs a large script that turns non-transactional outside a transaction, as the check says', async () => {
    // Outside a transaction each INSERT commits on its own: fewer, longer rows keep the script over a
    // megabyte without 60,000 commits.
    const script = `CREATE TABLE t (id int, note text);\n${rowInserts('t', 2_000, 'x'.repeat(600))}\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n`;
    expect(script.length).toBeGreaterThan(1 << 20);
    const result = await runLarge('largemixedok', script, '-mixed=true');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('[non-transactional]');
    expect(result.kept).toBe(true);
    const { rows } = await db.client.query("SELECT 1 FROM pg_indexes WHERE schemaname = 'largemixedok' AND indexname = 't_id'");
    expect(rows).toHaveLength(1);
  });

  it('answers batches queued on one session in order, each with its own results and count of completed statements', async () => {
    const session = await connectPgServer({ target: parseDatabaseUrl(db.jdbcUrl), user: db.user, password: db.password });
    try {
      const [slow, quick] = await Promise.all([session.queryBatch!('SELECT pg_sleep(0.2);\nSELECT 1 AS a'), session.queryBatch!('SELECT 2 AS b;\nSELECT 3 AS c')]);
      expect(slow.map((r) => r.rows)).toEqual([[{ pg_sleep: '' }], [{ a: 1 }]]);
      expect(quick.map((r) => r.rows)).toEqual([[{ b: 2 }], [{ c: 3 }]]);

      // The second batch is written at once, not when the answer to the first has been read: with this
      // process kept busy past the first's end, the server still starts the second right after it.
      const first = session.queryBatch!('SELECT pg_sleep(0.2);\nSELECT clock_timestamp() AS at');
      const second = session.queryBatch!('SELECT clock_timestamp() AS at');
      const busyUntil = Date.now() + 700;
      while (Date.now() < busyUntil);
      const [ended, started] = await Promise.all([first, second]);
      const gap = (started[0]!.rows[0]!.at as Date).getTime() - (ended[1]!.rows[0]!.at as Date).getTime();
      expect(gap).toBeLessThan(300);

      await session.query('BEGIN');
      const failing = session.queryBatch!('SELECT pg_sleep(0.2);\nSELECT 1/0;\nSELECT 2');
      const behind = session.queryBatch!('SELECT 3;\nSELECT 4');
      await expect(failing).rejects.toMatchObject({ code: '22012', completed: 1 });
      await expect(behind).rejects.toMatchObject({ code: '25P02', completed: 0 });
      await session.query('ROLLBACK');

      // COPY, which node-postgres refuses while batches are queued, works again once they are answered.
      await session.query('CREATE TEMP TABLE copied (n int)');
      await session.copyFrom('COPY copied FROM STDIN', '1\n2\n');
      expect((await session.query('SELECT sum(n)::int AS total FROM copied')).rows).toEqual([{ total: 3 }]);
    } finally {
      await session.close();
    }
  });

  // A statement that fills a batch by itself: the statement after it starts the next one.
  const fill = `SELECT '${'x'.repeat(33_000)}';`;

  it('reports the failure of a batch, not that of the batch queued behind it, and keeps nothing of either', async () => {
    const script = ['CREATE TABLE t (id int PRIMARY KEY);', 'INSERT INTO t VALUES (1);', 'SELECT pg_sleep(0.5);', 'INSERT INTO t VALUES (1);', fill, 'CREATE TABLE queued (id int);', fill, 'SELECT 1;'];
    const error = await failure('queued', script.join('\n'));
    expect(error.sqlState).toBe('23505');
    expect(error.lineNumber).toBe(4);
    const { rows } = await db.client.query("SELECT 1 FROM pg_tables WHERE tablename = 'queued'");
    expect(rows).toHaveLength(0);
  });

  it('does not queue a batch that starts by ending the failed transaction: what follows would run outside it', async () => {
    const script = ['CREATE TABLE t (id int PRIMARY KEY);', 'INSERT INTO t VALUES (1);', 'SELECT pg_sleep(0.5);', 'INSERT INTO t VALUES (1);', fill, 'COMMIT;', 'CREATE TABLE escaped (id int);', fill, 'SELECT 1;'];
    const error = await failure('ending', script.join('\n'));
    expect(error.sqlState).toBe('23505');
    expect(error.lineNumber).toBe(4);
    const { rows } = await db.client.query("SELECT 1 FROM pg_tables WHERE tablename = 'escaped'");
    expect(rows, 'nothing after the failure ran').toHaveLength(0);
  });

  it('queues nothing behind a batch that ended the transaction: its failure must still stop the script', async () => {
    const script = ['CREATE TABLE kept (id int);', 'COMMIT;', 'SELECT pg_sleep(0.5);', 'SELECT 1/0;', fill, 'CREATE TABLE escaped_after (id int);', fill, 'SELECT 1;'];
    const location = writeLocation(root, 'ended', { 'V1__Ended.sql': script.join('\n') });
    const result = await runCli([...db.args, location, '-schemas=ended', '-outputType=json', 'migrate']);
    expect(result.code, result.stderr).toBe(1);
    const { error } = JSON.parse(result.stdout) as { error: { lineNumber: number; sqlState: string } };
    expect(error).toMatchObject({ sqlState: '22012', lineNumber: 4 });
    const { rows } = await db.client.query("SELECT 1 FROM pg_tables WHERE tablename = 'escaped_after'");
    expect(rows, 'nothing after the failure ran').toHaveLength(0);
  });
});
