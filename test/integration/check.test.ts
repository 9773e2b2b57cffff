/**
 * `godwit check` and migrate's `-check` against real servers: the pending set comes from the history
 * table, tables created by applied migrations count as existing, their sizes come from the server, and
 * `-check=error` refuses before anything runs. The built CLI is spawned as a user runs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/check/types.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { writeLocation } from '../helpers/locations.js';
import { requireMysqlServers, useWorkspace } from '../helpers/mysql.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
const CHECK_FAILED = 2;

function expectExit(result: CliResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
  expect(result.stderr + result.stdout).not.toMatch(STACK_FRAME);
}

const APPLIED = `CREATE TABLE users (id bigint PRIMARY KEY, email text);
INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 50) g;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, status text, total numeric);
INSERT INTO orders SELECT g, g % 50 + 1, 'new', g FROM generate_series(1, 200000) g;
ANALYZE users;
ANALYZE orders;
`;

const PENDING = `SET lock_timeout = '5s';
CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint);
CREATE INDEX shipments_order ON shipments (order_id);

CREATE INDEX orders_user ON orders (user_id);
UPDATE users SET email = lower(email);
UPDATE orders SET status = 'open';
`;

const server = await requirePostgres();

describe.skipIf(!server)('godwit check on PostgreSQL', () => {
  let db: TestDatabase;
  let root: string;
  let location: string;
  const godwit = (args: string[]) => runCli([...db.args, location, ...args], { timeoutMs: 60_000 });

  beforeAll(async () => {
    db = await createTestDatabase(server!, 'check');
    root = mkdtempSync(join(tmpdir(), 'godwit-check-'));
    location = writeLocation(root, 'sql', { 'V1__Orders.sql': APPLIED });
    expectExit(await godwit(['migrate']), 0);
    writeLocation(root, 'sql', { 'V2__Pending.sql': PENDING });
  });
  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('checks only the pending migration, knows applied tables exist, and sizes them from the server', async () => {
    const result = await godwit(['check']);
    expectExit(result, CHECK_FAILED);
    const lines = result.stdout.split('\n').filter((l) => /^\S+:\d+ /.test(l));
    expect(lines.map((l) => l.split(' ').slice(0, 2).join(' ').replace(/^.*\//, ''))).toEqual(['V2__Pending.sql:5 index-not-concurrent', 'V2__Pending.sql:7 dml-without-where']);
    expect(lines[0]).toMatch(/table orders: [\d.]+ MB, ~200000 rows; a SHARE lock held for .+, assuming the server rewrites or scans 100 MB\/s/);
    expect(lines[1]).toContain('(~200000 rows)');
    expect(result.stdout).toMatch(/fix: CREATE INDEX CONCURRENTLY orders_user ON orders/);
    expect(result.stdout).toContain('Checked 1 migration with the postgresql rules: 1 error, 1 warning; failed (failOn=error).');
  });

  it('prints the findings as JSON and as SARIF 2.1.0', async () => {
    const json = await godwit(['-outputType=json', 'check']);
    expectExit(json, CHECK_FAILED);
    const document = JSON.parse(json.stdout) as CheckResult;
    expect(document).toMatchObject({ operation: 'check', ruleSet: 'postgresql', connected: true, filesChecked: ['V2__Pending.sql'], passed: false, failOn: 'error', suppressed: 0 });
    expect(document.database).toBe(db.name);
    expect(document.findings[0]).toMatchObject({ file: 'V2__Pending.sql', line: 5, column: 1, rule: 'index-not-concurrent', severity: 'error' });

    const sarif = await godwit(['-outputType=sarif', 'check']);
    expectExit(sarif, CHECK_FAILED);
    const log = JSON.parse(sarif.stdout) as { version: string; runs: Array<{ tool: { driver: { name: string; rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }> }> };
    expect(log.version).toBe('2.1.0');
    const [run] = log.runs;
    expect(run?.tool.driver.name).toBe('godwit');
    expect(run?.tool.driver.rules.map((r) => r.id)).toEqual(['index-not-concurrent', 'dml-without-where']);
    expect(run?.results.map((r) => [r.ruleId, r.level, r.locations[0]?.physicalLocation.region.startLine])).toEqual([
      ['index-not-concurrent', 'error', 5],
      ['dml-without-where', 'warning', 7],
    ]);
    expect(run?.results[0]?.locations[0]?.physicalLocation.artifactLocation.uri).toMatch(/sql\/V2__Pending\.sql$/);
  });

  it('-check=error makes migrate refuse before anything runs', async () => {
    const result = await godwit(['-check=error', 'migrate']);
    expectExit(result, 1);
    expect(result.stderr).toMatch(/index-not-concurrent/);
    expect(result.stderr).toMatch(/ERROR: godwit check found 1 error in the pending migrations \(first: index-not-concurrent in V2__Pending\.sql at line 5\); nothing was migrated\./);
    const history = await db.client.query<{ version: string }>('SELECT version FROM flyway_schema_history ORDER BY installed_rank');
    expect(history.rows.map((r) => r.version)).toEqual(['1']);
    const tables = await db.client.query("SELECT 1 FROM pg_class WHERE relname IN ('shipments', 'orders_user')");
    expect(tables.rowCount).toBe(0);
    const json = await godwit(['-check=error', '-outputType=json', 'migrate']);
    expect((JSON.parse(json.stdout) as { error: { errorCode: string } }).error.errorCode).toBe('CHECK_FAILED');
  });

  it('-check=error lets a migration through once the finding is marked deliberate', async () => {
    const other = writeLocation(root, 'ignored', {
      'V1__Orders.sql': APPLIED,
      'V2__Pending.sql': PENDING.replace('CREATE INDEX orders_user', '-- godwit:ignore index-not-concurrent orders is only written by the nightly batch\nCREATE INDEX orders_user'),
    });
    const result = await runCli([...db.args, other, '-check=error', 'migrate'], { timeoutMs: 60_000 });
    expectExit(result, 0);
    expect(result.stdout + result.stderr).toContain('Successfully applied 1 migration');
    const index = await db.client.query("SELECT 1 FROM pg_class WHERE relname = 'orders_user'");
    expect(index.rowCount).toBe(1);
    const check = await runCli([...db.args, other, 'check'], { timeoutMs: 60_000 });
    expectExit(check, 0);
    expect(check.stdout).toContain('Checked 0 migrations');
  });

  it('without a connection needs -all or files, and then treats tables the set creates as new', async () => {
    const noUrl = await runCli([location, 'check'], { timeoutMs: 30_000 });
    expectExit(noUrl, 1);
    expect(noUrl.stderr).toMatch(/ERROR: godwit check needs a database connection to know which migrations are pending/);
    expect(noUrl.stderr).toMatch(/-all/);

    const all = await runCli([...db.args, location, '-offline', '-lockTimeout=5', '-outputType=json', 'check', '-all'], { timeoutMs: 30_000 });
    const document = JSON.parse(all.stdout) as CheckResult;
    expect(document).toMatchObject({ connected: false, filesChecked: ['V1__Orders.sql', 'V2__Pending.sql'] });
    // orders is created by V1, so V2's index on it is on a new table; the UPDATEs are on new tables too.
    expect(document.findings).toEqual([]);
    expectExit(all, 0);

    const named = await runCli([...db.args, '-offline', 'check', join(root, 'sql', 'V2__Pending.sql')], { timeoutMs: 30_000 });
    expectExit(named, CHECK_FAILED);
    expect(named.stdout).toContain('(offline: tables not created by these migrations are taken as existing)');
    expect(named.stdout).toMatch(/V2__Pending\.sql:6 dml-without-where/);
  });

  it('leaves code migrations out: it reads SQL only', async () => {
    const mixed = writeLocation(root, 'mixed', {
      'V1__Table.sql': 'CREATE TABLE t (id INT);\n',
      'V2__Fill.mjs': "export default async (ctx) => { await ctx.query('INSERT INTO t VALUES (1)'); };\n",
    });
    const all = await runCli([mixed, '-offline', '-lockTimeout=5', '-outputType=json', 'check', '-all'], { timeoutMs: 30_000 });
    expectExit(all, 0);
    expect(JSON.parse(all.stdout)).toMatchObject({ filesChecked: ['V1__Table.sql'], findings: [] });
    expect(all.stderr).toContain('Not checking V2__Fill.mjs: a code migration');
  });
});

const mysqlServers = await requireMysqlServers();

describe.each(mysqlServers)('godwit check on $label', (mysqlServer) => {
  const { database, location } = useWorkspace(mysqlServer, 'godwit-mysql-check-');

  it('reads pending migrations and table sizes from the server, and guards migrate', async () => {
    const db = await database('check');
    const v1 = 'CREATE TABLE orders (id BIGINT PRIMARY KEY, note VARCHAR(20));\nINSERT INTO orders VALUES (1, \'a\'), (2, \'b\'), (3, \'c\');\nANALYZE TABLE orders;\n';
    const applied = location('sql', { 'V1__Orders.sql': v1 });
    expectExit(await runCli([...db.args, applied, 'migrate'], { timeoutMs: 60_000 }), 0);
    location('sql', { 'V2__Add_column.sql': "SET SESSION lock_wait_timeout = 5;\nCREATE TABLE items (id INT);\nALTER TABLE items ADD COLUMN sku INT;\nALTER TABLE orders ADD COLUMN memo TEXT;\nUPDATE orders SET note = 'x';\n" });

    const result = await runCli([...db.args, applied, 'check'], { timeoutMs: 60_000 });
    expectExit(result, 0);
    expect(result.stdout).toMatch(/V2__Add_column\.sql:4 alter-not-online warning: ALTER TABLE orders .*\(table orders: [\d.]+ kB, ~3 rows; the write lock held for under a second, assuming/);
    // Three rows is not a large table, so the UPDATE without WHERE passes with a connection.
    expect(result.stdout).not.toContain('dml-without-where');
    expect(result.stdout).toContain('with the mysql rules: 0 errors, 1 warning; passed.');

    expectExit(await runCli([...db.args, applied, '-godwit.check.failOn=warning', 'check'], { timeoutMs: 60_000 }), CHECK_FAILED);

    const refused = await runCli([...db.args, applied, '-check=warning', 'migrate'], { timeoutMs: 60_000 });
    expectExit(refused, 1);
    expect(refused.stderr).toMatch(/godwit check found 1 finding in the pending migrations \(first: alter-not-online in V2__Add_column\.sql at line 4\)/);
    const [rows] = await db.client.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'items'");
    expect(Number(rows[0]?.n)).toBe(0);

    expectExit(await runCli([...db.args, applied, '-check=error', 'migrate'], { timeoutMs: 60_000 }), 0);
  });
});
