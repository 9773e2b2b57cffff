/**
 * runOwnBatch on MySQL-family servers: godwit's own statements in one round trip, multi-statement text
 * allowed just for them, on a session godwit opens as it opens every session (multi-statements off).
 * What must hold: the statements run in order and stop at the first failure, which is the error thrown;
 * afterwards the session refuses multi-statement text again, whether the batch succeeded or not; and the
 * session goes on answering in step (mysql2 warns about packets out of order otherwise).
 */
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/jdbc-url.js';
import { connectionOptions, connectMysql } from '../../src/dialects/mysql/mysql-client.js';
import { runOwnBatch } from '../../src/dialects/mysql/own-batch.js';
import { createTestDatabase, requireMysqlServers, type TestDatabase } from '../helpers/mysql.js';

const servers = await requireMysqlServers();

describe.each(servers)('runOwnBatch on $label', (server) => {
  let db: TestDatabase;
  let session: mysql.Connection;
  const warnings: Error[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(server, 'own_batch');
    session = await connectMysql(connectionOptions({ target: parseDatabaseUrl(db.jdbcUrl), user: server.user, password: server.password }), server.label);
    (session as unknown as { connection: NodeJS.EventEmitter }).connection.on('warn', (warning: Error) => warnings.push(warning));
    await session.query('CREATE TABLE t (id INT PRIMARY KEY)');
  });

  afterAll(async () => {
    await session?.end();
    await db?.drop();
  });

  async function ids(): Promise<number[]> {
    const [rows] = await session.query<RowDataPacket[]>('SELECT id FROM t ORDER BY id');
    return rows.map((row) => Number(row.id));
  }

  async function expectMultiStatementsRefused(): Promise<void> {
    await expect(session.query('SELECT 1; SELECT 2')).rejects.toMatchObject({ code: 'ER_PARSE_ERROR' });
  }

  it('runs the statements in order in one round trip and returns the OK result of each', async () => {
    const results = await runOwnBatch(session, ['INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (2), (3)']);
    expect(results.map((result) => (result as { affectedRows?: number }).affectedRows)).toEqual([1, 2]);
    expect(await ids()).toEqual([1, 2, 3]);
    await expectMultiStatementsRefused();
  });

  it('stops at the first statement that fails and throws its error, with a stack that names the caller', async () => {
    async function failingCaller(): Promise<void> {
      await runOwnBatch(session, ['INSERT INTO t VALUES (4)', 'INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (5)']);
    }
    const error = await failingCaller().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ER_DUP_ENTRY', errno: 1062 });
    expect((error as Error).stack).toContain('failingCaller');
    expect(await ids()).toEqual([1, 2, 3, 4]);
    await expectMultiStatementsRefused();
  });

  it('keeps the session in step: single statements and further batches answer as before, without warnings', async () => {
    await runOwnBatch(session, ['DELETE FROM t WHERE id > 3', 'INSERT INTO t VALUES (6)']);
    const [rows] = await session.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM t WHERE id > ?', [0]);
    expect(Number(rows[0]?.n)).toBe(4);
    expect(await ids()).toEqual([1, 2, 3, 6]);
    expect(warnings).toEqual([]);
  });
});
