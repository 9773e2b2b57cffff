/**
 * Flyway's MySQL lock (flyway-compat.md §4): the name must be Flyway's to the character, so it is checked
 * against the shared vectors; the retry loop is godwit's own rule (lockRetryCount counts seconds, as on
 * PostgreSQL), checked here on a scripted session that answers GET_LOCK as told.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { acquireNamedLock, mysqlLockName } from '../../src/dialects/mysql/named-lock.js';
import { LockTimeoutError } from '../../src/errors.js';

interface MysqlLockVector {
  dialect: string;
  schema: string;
  table: string;
  hashed: string;
  lock_name: string;
}

const vectors = (JSON.parse(readFileSync(new URL('../fixtures/flyway-vectors.json', import.meta.url), 'utf8')) as { locks: MysqlLockVector[] }).locks.filter(
  (v) => v.dialect === 'mysql',
);

describe('mysqlLockName', () => {
  it('has vectors to check', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(3);
  });

  it.each(vectors.map((v) => [v.hashed, v] as const))('%s', (_name, v) => {
    expect(mysqlLockName(`\`${v.schema}\`.\`${v.table}\``)).toBe(v.lock_name);
  });

  it('keeps the minus of a negative hash after the dash', () => {
    expect(mysqlLockName('`shop`.`flyway_schema_history`')).toBe('Flyway--1695041341');
  });
});

/** A session whose GET_LOCK answers come from `answers` (1 granted, 0 timed out, null interrupted). */
function scriptedSession(answers: Array<number | null>) {
  const calls: Array<{ sql: string; params: unknown[] }> = [];
  const select = async (sql: string, params: unknown[]) => {
    calls.push({ sql, params });
    if (sql.includes('IS_USED_LOCK')) return [{ holder: 77 }];
    if (answers.length === 0) throw new Error('GET_LOCK asked more often than scripted');
    return [{ locked: answers.shift() }];
  };
  return { select, calls, getLockTimeouts: () => calls.filter((c) => c.sql.includes('GET_LOCK')).map((c) => c.params[1]) };
}

describe('acquireNamedLock', () => {
  it('takes a free lock with one non-waiting GET_LOCK on Flyway\'s name', async () => {
    const session = scriptedSession([1]);
    await acquireNamedLock(session.select, 'Flyway-1', '`db`.`t`', { retryCount: 50 });
    expect(session.calls).toEqual([{ sql: 'SELECT GET_LOCK(?, ?) AS locked', params: ['Flyway-1', 0] }]);
  });

  it('retries with one-second server-side waits, reporting each wait, until granted', async () => {
    const session = scriptedSession([0, 0, null, 1]);
    const waits: number[] = [];
    await acquireNamedLock(session.select, 'Flyway-1', '`db`.`t`', { retryCount: 50, onWait: (attempt) => waits.push(attempt) });
    expect(session.getLockTimeouts()).toEqual([0, 1, 1, 1]);
    expect(waits).toEqual([1, 2, 3]);
  });

  it('gives up after lockRetryCount retries, naming the lock and the session that holds it', async () => {
    const session = scriptedSession([0, 0, 0]);
    const error = await acquireNamedLock(session.select, 'Flyway--5', '`db`.`t`', { retryCount: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).message).toBe(
      "Number of retries exceeded while attempting to acquire MySQL named lock Flyway--5. Configure the number of retries with the 'lockRetryCount' configuration option",
    );
    expect((error as LockTimeoutError).hint).toContain('`db`.`t` (server connection 77)');
    expect(session.getLockTimeouts()).toEqual([0, 1, 1]);
  });

  it('with lockRetryCount=0 tries once without waiting', async () => {
    const session = scriptedSession([0]);
    await expect(acquireNamedLock(session.select, 'Flyway-1', '`db`.`t`', { retryCount: 0 })).rejects.toBeInstanceOf(LockTimeoutError);
    expect(session.getLockTimeouts()).toEqual([0]);
  });

  it('with lockRetryCount=-1 keeps trying', async () => {
    const session = scriptedSession([...Array<number>(200).fill(0), 1]);
    await acquireNamedLock(session.select, 'Flyway-1', '`db`.`t`', { retryCount: -1 });
    expect(session.getLockTimeouts()).toHaveLength(201);
  });

  it('treats a wait killed on MySQL (ER_QUERY_INTERRUPTED) as not granted, and other errors as errors', async () => {
    let first = true;
    const interrupted = async (sql: string) => {
      if (first) {
        first = false;
        throw Object.assign(new Error('Query execution was interrupted'), { errno: 1317 });
      }
      return sql.includes('GET_LOCK') ? [{ locked: 1 }] : [];
    };
    const waits: number[] = [];
    await acquireNamedLock(interrupted, 'Flyway-1', '`db`.`t`', { retryCount: 5, onWait: (a) => waits.push(a) });
    expect(waits).toEqual([1]);

    const broken = async () => {
      throw Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' });
    };
    await expect(acquireNamedLock(broken, 'Flyway-1', '`db`.`t`', { retryCount: 5 })).rejects.toThrow('Connection lost');
  });
});
