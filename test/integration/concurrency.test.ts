/**
 * Many pods starting at once: twelve `godwit migrate` processes, started together against one fresh
 * schema, must apply each of fifteen migrations exactly once between them and all exit 0; those that
 * found the work done say the schema is up to date. Exactly-once is checked twice: in the history table,
 * and by each migration inserting its version into a table with a primary key, so a second application
 * would itself fail.
 *
 * Server-only (the other PostgreSQL suites also run on PGlite, test/helpers/drivers.ts): PGlite serves
 * one process at a time, so the race cannot happen there; godwit's writer lock refuses the second process
 * (pglite-writer.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import * as mysqlHelper from '../helpers/mysql.js';
import * as pgHelper from '../helpers/postgres.js';

const PROCESSES = 12;
const MIGRATIONS = 15;

interface Target {
  label: string;
  /** A short pause inside each migration, so that the processes really overlap. */
  pause: string;
  quote(name: string): string;
  /** The type to sort the logged versions by as numbers. */
  integer: string;
  setUp(): Promise<{ args: string[]; schema: string; query(sql: string): Promise<Array<Record<string, unknown>>>; drop(): Promise<void> }>;
}

const pgServer = await pgHelper.requirePostgres();
const mysqlServers = await mysqlHelper.requireMysqlServers();

const targets: Target[] = [];
if (pgServer) {
  targets.push({
    label: 'PostgreSQL',
    pause: 'SELECT pg_sleep(0.05);',
    quote: (name) => `"${name}"`,
    integer: 'INT',
    setUp: async () => {
      const db = await pgHelper.createTestDatabase(pgServer, 'concurrency');
      return {
        args: db.args,
        schema: 'race',
        query: async (sql) => (await db.client.query(sql)).rows as Array<Record<string, unknown>>,
        drop: () => db.drop(),
      };
    },
  });
}
for (const server of mysqlServers) {
  targets.push({
    label: server.label,
    pause: 'DO SLEEP(0.05);',
    quote: (name) => `\`${name}\``,
    integer: 'UNSIGNED',
    setUp: async () => {
      const db = await mysqlHelper.createTestDatabase(server, 'concurrency');
      const schema = db.extraName('race');
      return {
        args: db.args,
        schema,
        query: async (sql) => (await db.client.query(sql))[0] as Array<Record<string, unknown>>,
        drop: () => db.drop(),
      };
    },
  });
}

describe.skipIf(targets.length === 0).each(targets)('$label: concurrent migrate processes', (target) => {
  let root: string;
  let db: Awaited<ReturnType<Target['setUp']>>;

  beforeAll(async () => {
    db = await target.setUp();
    root = mkdtempSync(join(tmpdir(), 'godwit-concurrency-'));
    writeFileSync(join(root, 'V1__Applied_log.sql'), `CREATE TABLE applied_log (version VARCHAR(10) PRIMARY KEY);\nINSERT INTO applied_log VALUES ('1');\n`);
    for (let v = 2; v <= MIGRATIONS; v++) {
      writeFileSync(join(root, `V${v}__Step_${v}.sql`), `${target.pause}\nINSERT INTO applied_log VALUES ('${v}');\nCREATE TABLE step_${v} (id INT);\n`);
    }
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it(`${PROCESSES} processes apply ${MIGRATIONS} migrations exactly once and all exit 0`, { timeout: 90_000 }, async () => {
    const args = [...db.args, `-schemas=${db.schema}`, `-locations=filesystem:${root}`, 'migrate'];
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => runCli(args, { timeoutMs: 80_000 })));

    const applied: number[] = [];
    for (const result of results) {
      expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
      const count = /Successfully applied (\d+) migrations?/.exec(result.stdout);
      if (count) {
        applied.push(Number(count[1]));
      } else {
        expect(result.stdout).toContain(' is up to date. No migration necessary.');
        applied.push(0);
      }
    }
    expect(applied.reduce((a, b) => a + b, 0)).toBe(MIGRATIONS);
    // Not one process did everything while the others never started: somebody found nothing to do.
    expect(applied.filter((n) => n === 0).length).toBeGreaterThan(0);

    const q = target.quote;
    const history = await db.query(`SELECT version, success FROM ${q(db.schema)}.${q('flyway_schema_history')} WHERE version IS NOT NULL ORDER BY installed_rank`);
    expect(history.map((r) => `${String(r.version)}:${Number(r.success)}`)).toEqual(Array.from({ length: MIGRATIONS }, (_, i) => `${i + 1}:1`));
    const log = await db.query(`SELECT version FROM ${q(db.schema)}.${q('applied_log')} ORDER BY CAST(version AS ${target.integer})`);
    expect(log.map((r) => String(r.version))).toEqual(Array.from({ length: MIGRATIONS }, (_, i) => String(i + 1)));
  });
});
