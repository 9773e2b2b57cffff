/**
 * On MySQL-family servers a small migration's text is not waited for either: the next migration's text
 * waits in the process and is written the moment the one ahead has answered, without a turn through
 * the engine. The server would run that text even after the one ahead failed, so it must never go out
 * then. What users see must not change: each history row carries the time its script took, and the
 * JSON output the same number; a script that fails is reported and recorded as itself, with its line,
 * its rows rolled back and nothing of the next migration run; a cancelled one likewise; and the
 * session is left out of any transaction, without the lock, for the next command of an API user.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Godwit, type ProgressEvent } from '../../src/index.js';
import { expectExit, runCli } from '../helpers/cli.js';
import { migrateFailure } from '../helpers/errors.js';
import { writeLocation } from '../helpers/locations.js';
import { createTestDatabase, flywayLockName, requireMysqlServers, type TestDatabase } from '../helpers/mysql.js';
import { startCli } from '../helpers/pglite.js';

const servers = await requireMysqlServers();

describe.each(servers)('migrations sent before the one ahead has answered on $label', (server) => {
  let db: TestDatabase;
  let root: string;

  beforeAll(async () => {
    db = await createTestDatabase(server, 'my_detached');
    root = mkdtempSync(join(tmpdir(), 'godwit-mysql-detached-'));
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function column(sql: string): Promise<string[]> {
    const [rows] = await db.client.query<RowDataPacket[]>(sql);
    return rows.map((row) => Object.values(row).map(String).join('|'));
  }

  const tables = (schema: string) =>
    column(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name <> 'flyway_schema_history' ORDER BY 1`);

  const history = (schema: string) => column(`SELECT version, success FROM \`${schema}\`.flyway_schema_history WHERE version IS NOT NULL ORDER BY installed_rank`);

  it('records the time each script took, in the row and in the JSON output alike', async () => {
    const schema = db.extraName('timed');
    const location = writeLocation(root, 'timed', {
      'V1__Slow.sql': 'CREATE TABLE one (id INT);\nDO SLEEP(0.4);\n',
      'V2__Quick.sql': 'CREATE TABLE two (id INT);\n',
      'V3__Slow_last.sql': 'DO SLEEP(0.3);\n',
    });
    const result = await runCli([...db.args, location, `-schemas=${schema}`, '-outputType=json', 'migrate']);
    expectExit(result, 0);
    const output = JSON.parse(result.stdout) as { migrations: Array<{ version: string; executionTime: number }> };
    const rows = (await column(`SELECT version, execution_time FROM \`${schema}\`.flyway_schema_history WHERE version IS NOT NULL ORDER BY installed_rank`)).map((row) => row.split('|'));
    expect(rows.map(([version]) => version)).toEqual(['1', '2', '3']);
    expect(output.migrations.map((m) => [m.version, String(m.executionTime)])).toEqual(rows);
    // godwit times a detached script from the guard's answer to the script's, as they reach it: the
    // server's own time give or take how late each answer was read.
    const [slow, quick, last] = rows.map(([, time]) => Number(time));
    expect(slow).toBeGreaterThanOrEqual(390);
    expect(slow).toBeLessThan(10_000);
    expect(quick).toBeLessThan(390);
    expect(last).toBeGreaterThanOrEqual(290);
  });

  it('reports and records a script that fails with the next one waiting as itself, and runs nothing of the next', async () => {
    const schema = db.extraName('late');
    const location = writeLocation(root, 'late', {
      'V1__One.sql': 'CREATE TABLE one (id INT);\n',
      'V2__Two.sql': 'CREATE TABLE two (id INT);\nINSERT INTO two VALUES (1);\nINSERT INTO no_such_table VALUES (1);\n',
      'V3__Three.sql': 'CREATE TABLE three (id INT);\n',
    });
    const events: ProgressEvent[] = [];
    const godwit = Godwit.create(
      { url: db.jdbcUrl, user: server.user, ...(server.password === undefined ? {} : { password: server.password }), schemas: [schema], locations: [location.replace(/^-locations=/, '')] },
      { onProgress: (event) => events.push(event) },
    );
    try {
      const error = await migrateFailure(godwit);
      const failure = error.failure;
      expect(failure).toMatchObject({ version: '2', line: 3, sqlState: '42S02', rolledBack: false, statement: 'INSERT INTO no_such_table VALUES (1)' });
      expect(error.partialResult?.migrations.map((m) => m.version)).toEqual(['1']);
      expect(events.map((e) => [e.event, e.version])).toEqual([
        ['started', '1'],
        ['succeeded', '1'],
        ['started', '2'],
        ['failed', '2'],
      ]);
      // The DDL committed itself; the row it inserted rolled back; the failure is recorded.
      expect(await tables(schema)).toEqual(['one', 'two']);
      expect(await column(`SELECT count(*) FROM \`${schema}\`.two`)).toEqual(['0']);
      expect(await history(schema)).toEqual(['1|1', '2|0']);
      // The session godwit keeps open is out of any transaction and has let the lock go.
      expect(await column(`SELECT count(*) FROM information_schema.innodb_trx t JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id WHERE p.id <> CONNECTION_ID() AND p.db = '${schema}'`)).toEqual(['0']);
      expect(await column(`SELECT IS_USED_LOCK('${flywayLockName(schema)}') IS NULL`)).toEqual(['1']);
      const info = await godwit.info();
      expect(info.migrations.filter((m) => m.version !== '').map((m) => [m.version, m.state])).toEqual([
        ['1', 'Success'],
        ['2', 'Failed'],
        ['3', 'Pending'],
      ]);
    } finally {
      await godwit.close();
    }
  });

  it('runs nothing of the next migration once the one ahead is cancelled, though its SLEEP returned normally', async () => {
    const schema = db.extraName('cancelled');
    const location = writeLocation(root, 'cancelled', {
      'V1__One.sql': 'CREATE TABLE one (id INT);\n',
      'V2__Slow.sql': 'INSERT INTO one VALUES (1);\nDO SLEEP(30);\nINSERT INTO one VALUES (2);\n',
      'V3__Three.sql': 'CREATE TABLE three (id INT);\n',
    });
    const run = startCli([...db.args, location, `-schemas=${schema}`, 'migrate']);
    const sleeping = async () => (await column(`SELECT info FROM information_schema.processlist WHERE db = '${schema}'`)).some((info) => info.includes('SLEEP(30)'));
    for (let waited = 0; !(await sleeping()); waited += 50) {
      if (waited > 15_000) throw new Error(`timed out waiting for the SLEEP: ${run.stderr}`);
      await sleep(50);
    }
    process.kill(run.pid, 'SIGTERM');
    const result = await run.done;
    expect(result.code, run.stderr).toBe(143);
    expect(run.stderr).toContain('migration V2__Slow.sql was cancelled part-way');
    expect(await tables(schema)).toEqual(['one']);
    expect(await column(`SELECT count(*) FROM \`${schema}\`.one`)).toEqual(['0']);
    expect(await history(schema)).toEqual(['1|1', '2|0']);
  });
});
