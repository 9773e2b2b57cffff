/**
 * A `CREATE INDEX CONCURRENTLY` migration on a table that another session keeps writing to, on the
 * PostgreSQL server (PGlite has one session). godwit must run it outside a transaction and hold nothing
 * that makes the build wait for, or block, the writer: the writer's short autocommit transactions go on
 * while the index is built, and the build finishes.
 *
 * A third session watches pg_stat_activity for the build, so "while the index was being built" is what
 * the server said, not the CLI's wall time (which includes Node's start-up).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, expectExit, expectNoStackTrace } from '../helpers/cli.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';

const server = await requirePostgres();

interface Write {
  started: number;
  ended: number;
}

describe.skipIf(server === null)('CREATE INDEX CONCURRENTLY while another session writes', () => {
  let db: TestDatabase;
  let dir: string;
  const sessions: pg.Client[] = [];

  beforeAll(async () => {
    if (server === null) return;
    db = await createTestDatabase(server, 'ci_writers');
    dir = mkdtempSync(join(tmpdir(), 'godwit-ci-writers-'));
  });

  afterAll(async () => {
    for (const session of sessions) await session.end().catch(() => undefined);
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function session(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: `postgresql://${db.user}@${server!.host}:${server!.port}/${db.name}`, password: db.password });
    await client.connect();
    sessions.push(client);
    return client;
  }

  it('builds the index outside a transaction while the writer keeps committing, none of its writes failing or waiting long', async () => {
    writeFileSync(
      join(dir, 'V1__Items.sql'),
      'CREATE TABLE items (id SERIAL PRIMARY KEY, n INT NOT NULL, touched TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());\n' +
        'INSERT INTO items (n) SELECT g FROM generate_series(1, 400000) g;\n',
    );
    const godwit = (args: string[]) => runCli([...db.args, `-locations=filesystem:${dir}`, '-schemas=ci', ...args], { timeoutMs: 120_000 });
    expectExit(await godwit(['migrate']), 0);

    // An expression index, so that building it takes long enough for the writer and the watcher to see.
    writeFileSync(join(dir, 'V2__Index_items.sql'), 'CREATE INDEX CONCURRENTLY items_digest_idx ON ci.items (md5(id::text || n::text));\n');

    const writer = await session();
    const watcher = await session();
    const writes: Write[] = [];
    const failures: unknown[] = [];
    const building: number[] = [];
    let running = true;

    const writing = (async () => {
      for (let i = 0; running; i++) {
        const started = performance.now();
        try {
          if (i % 2 === 0) await writer.query('INSERT INTO ci.items (n) VALUES ($1)', [-i]);
          else await writer.query('UPDATE ci.items SET n = n + 1, touched = clock_timestamp() WHERE id = $1', [1 + ((i * 7919) % 400000)]);
          writes.push({ started, ended: performance.now() });
        } catch (error) {
          failures.push(error);
        }
      }
    })();
    const watching = (async () => {
      while (running) {
        const { rows } = await watcher.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query ILIKE 'CREATE INDEX CONCURRENTLY%'",
        );
        if (rows[0]!.n > 0) building.push(performance.now());
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    const migrateStarted = performance.now();
    const result = await godwit(['migrate']);
    const migrateEnded = performance.now();
    running = false;
    await Promise.all([writing, watching]);

    expectExit(result, 0);
    expectNoStackTrace(result);
    expect(result.stdout).toContain('Migrating schema "ci" to version "2 - Index items" [non-transactional]');
    const { rows: index } = await db.client.query<{ valid: boolean; ready: boolean }>(
      "SELECT i.indisvalid AS valid, i.indisready AS ready FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'ci' AND c.relname = 'items_digest_idx'",
    );
    expect(index).toEqual([{ valid: true, ready: true }]);
    const { rows: history } = await db.client.query<{ version: string; type: string; success: boolean }>(
      "SELECT version, type, success FROM ci.flyway_schema_history WHERE type <> 'SCHEMA' ORDER BY installed_rank",
    );
    expect(history).toEqual([
      { version: '1', type: 'SQL', success: true },
      { version: '2', type: 'SQL', success: true },
    ]);

    expect(failures).toEqual([]);
    // The server showed the build running at least twice, and writes committed in between.
    expect(building.length).toBeGreaterThanOrEqual(2);
    const buildFrom = building[0]!;
    const buildTo = building.at(-1)!;
    const duringBuild = writes.filter((w) => w.started > buildFrom && w.ended < buildTo);
    expect(duringBuild.length).toBeGreaterThan(0);
    const duringMigrate = writes.filter((w) => w.started >= migrateStarted && w.ended <= migrateEnded);
    // A plain CREATE INDEX would hold every write for the whole build; here none waits for more than a
    // fraction of it (generous, for a loaded machine).
    const longest = Math.max(...duringMigrate.map((w) => w.ended - w.started));
    expect(longest).toBeLessThan((migrateEnded - migrateStarted) / 2);

    const { rows: written } = await db.client.query<{ inserted: number }>('SELECT count(*)::int AS inserted FROM ci.items WHERE n <= 0');
    expect(written[0]!.inserted).toBeGreaterThan(0);
  }, 180_000);
});
