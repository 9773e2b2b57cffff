/**
 * On the server, godwit sends BEGIN together with the lock and a migration's history row as literal SQL
 * together with its COMMIT (fewer round trips). The rows must still be Flyway's, value for value, with
 * text a literal could get wrong (quotes, backslashes, `$1` in the table name), and a failed migration
 * must leave no row of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';
import { writeLocation } from '../helpers/locations.js';
import { flywayChecksum, type HistoryRow } from '../helpers/output.js';

const server = await requirePostgres();

/** The columns these tests read. */
type Row = Omit<HistoryRow, 'installed_on' | 'execution_time'>;

describe.skipIf(server === null)('PostgreSQL history rows written with the COMMIT', () => {
  let db: TestDatabase;
  let root: string;
  const table = 'hist$1_\\x';

  const rows = async (): Promise<Row[]> =>
    (await db.client.query<Row>(`SELECT installed_rank, version, description, type, script, checksum, installed_by, success FROM public."${table}" ORDER BY installed_rank`)).rows;

  beforeAll(async () => {
    db = await createTestDatabase(server!, 'pg_round_trips');
    root = mkdtempSync(join(tmpdir(), 'godwit-pg-round-trips-'));
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('writes quotes, backslashes and $1 exactly, and a failed migration leaves no row, then applies once fixed', async () => {
    const first = "CREATE TABLE it_s (note text DEFAULT 'a\\b');";
    const broken = 'CREATE TABLE two (id int);\nINSERT INTO nowhere VALUES (1);\n';
    const fixed = 'CREATE TABLE two (id int);';
    const files = { "V1__it's_a\\path_$1.sql": `${first}\n`, 'V2__two.sql': broken };
    const location = writeLocation(root, 'm', files);

    const failed = await runCli([...db.args, location, `-table=${table}`, 'migrate']);
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    const afterFailure = await rows();
    expect(afterFailure.map((r) => r.version)).toEqual(['1']);
    expect((await db.client.query("SELECT to_regclass('public.two') AS t")).rows[0].t).toBeNull();

    writeLocation(root, 'm', { 'V2__two.sql': `${fixed}\n` });
    const applied = await runCli([...db.args, location, `-table=${table}`, 'migrate']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    expect(await rows()).toEqual([
      {
        installed_rank: 1,
        version: '1',
        description: "it's a\\path $1",
        type: 'SQL',
        script: "V1__it's_a\\path_$1.sql",
        checksum: flywayChecksum(first),
        installed_by: db.user,
        success: true,
      },
      { installed_rank: 2, version: '2', description: 'two', type: 'SQL', script: 'V2__two.sql', checksum: flywayChecksum(fixed), installed_by: db.user, success: true },
    ]);
    expect((await db.client.query("SELECT column_default FROM information_schema.columns WHERE table_name = 'it_s'")).rows[0].column_default).toBe("'a\\b'::text");
  });
});
