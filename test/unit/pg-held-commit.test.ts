/**
 * What PostgresDialect sends when a COMMIT is held back (commitLater): the texts it hands the driver,
 * recorded by a stand-in connection. What the server then does with them is covered against real
 * servers in test/integration/pg-commit-failure.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { HeldCommitError } from '../../src/dialects/dialect.js';
import type { PgConnection, QueryResult } from '../../src/dialects/postgres/connection.js';
import { PostgresDialect } from '../../src/dialects/postgres/postgres-dialect.js';
import type { NewHistoryRow } from '../../src/engine/types.js';
import type { EngineContext } from '../../src/engine/context.js';
import { inTransaction } from '../../src/engine/lock.js';

const TABLE = ['public', 'flyway_schema_history'] as const;
const ROW: NewHistoryRow = { installedRank: 1, version: '1', description: 'one', type: 'SQL', script: 'V1__one.sql', checksum: 7, installedBy: null, executionTime: 3, success: true };

/** Records every batch; `refuse` makes the next batch fail after that many statements completed. */
function recorder() {
  const batches: string[][] = [];
  let refuse: number | null = null;
  const connection: PgConnection = {
    query: async (sql) => (sql === 'SHOW server_version_num' ? { rows: [{ server_version_num: '150000' }], rowCount: 1 } : { rows: [], rowCount: 0 }),
    queryBatch: async (sql) => {
      const statements = sql.split(';\n');
      batches.push(statements);
      if (refuse !== null) {
        const completed = refuse;
        refuse = null;
        throw Object.assign(new Error('violates foreign key constraint'), { code: '23503', completed });
      }
      return statements.map((s): QueryResult => (s.includes('advisory') ? { rows: [{ locked: true }], rowCount: 1 } : { rows: [], rowCount: 0 }));
    },
    copyFrom: async () => undefined,
    cancel: async () => undefined,
    close: async () => undefined,
  };
  return {
    batches,
    refuseNext(completed: number) {
      refuse = completed;
    },
    dialect: new PostgresDialect(async () => connection),
  };
}

/** The first word of each statement of a batch. */
function verbs(batch: string[] | undefined): string[] {
  return (batch ?? []).map((statement) => statement.split(' ')[0]!);
}

/** One migration's transaction up to its held-back COMMIT. */
async function migrated(dialect: PostgresDialect, landed: () => void): Promise<void> {
  await dialect.begin();
  await dialect.acquireLock(...TABLE, { mode: 'transaction', retryCount: 0 });
  await dialect.readHistory(...TABLE, 0);
  await dialect.insertHistoryRow(...TABLE, ROW);
  await dialect.commitLater!(landed);
}

/** The next migration's start: BEGIN, the lock, and the read of newer rows. */
async function nextStart(dialect: PostgresDialect): Promise<void> {
  await dialect.begin();
  await dialect.acquireLock(...TABLE, { mode: 'transaction', retryCount: 0 });
  await dialect.readHistory(...TABLE, 1);
}

describe('PostgresDialect.commitLater', () => {
  it('sends the row and the COMMIT with the next BEGIN, lock and read, in one round trip, then calls landed', async () => {
    const { batches, dialect } = recorder();
    await dialect.connect();
    const landed: string[] = [];
    await migrated(dialect, () => landed.push('1'));
    expect(batches).toHaveLength(1);
    expect(landed).toEqual([]);

    await nextStart(dialect);
    expect(batches).toHaveLength(2);
    expect(verbs(batches[1])).toEqual(['INSERT', 'COMMIT', 'BEGIN', 'SELECT', 'SELECT']);
    expect(batches[1]![3]).toMatch(/^SELECT pg_try_advisory_xact_lock\(\d+\)/);
    expect(batches[1]![4]).toMatch(/"installed_rank" > 1 /);
    expect(landed).toEqual(['1']);
  });

  it('fails the carrying call with a HeldCommitError when the COMMIT is refused, and has nothing to roll back after it', async () => {
    const { batches, dialect, refuseNext } = recorder();
    await dialect.connect();
    const landed: string[] = [];
    await migrated(dialect, () => landed.push('1'));
    refuseNext(1);
    const failure = await nextStart(dialect).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HeldCommitError);
    expect(failure).toMatchObject({ sqlState: '23503', error: { sqlState: '23503', message: 'violates foreign key constraint' } });
    expect(landed).toEqual([]);

    // The BEGIN travelled after the refused COMMIT and never ran: no ROLLBACK is sent for it.
    await dialect.rollback();
    expect(batches).toHaveLength(2);
  });

  it('counts the COMMIT as landed when a statement after it is refused, and throws that refusal as it is', async () => {
    const { dialect, refuseNext } = recorder();
    await dialect.connect();
    const landed: string[] = [];
    await migrated(dialect, () => landed.push('1'));
    refuseNext(4);
    const failure = await nextStart(dialect).catch((error: unknown) => error);
    expect(failure).not.toBeInstanceOf(HeldCommitError);
    expect(failure).toMatchObject({ code: '23503', completed: 4 });
    expect(landed).toEqual(['1']);
  });

  it('sends a held COMMIT alone on flush, or ahead of a rollback of the next transaction, which then sends nothing of its own', async () => {
    const flushed = recorder();
    await flushed.dialect.connect();
    const landed: string[] = [];
    await migrated(flushed.dialect, () => landed.push('flush'));
    await flushed.dialect.flush();
    expect(verbs(flushed.batches.at(-1))).toEqual(['INSERT', 'COMMIT']);

    const rolledBack = recorder();
    await rolledBack.dialect.connect();
    await migrated(rolledBack.dialect, () => landed.push('rollback'));
    await rolledBack.dialect.begin();
    await rolledBack.dialect.acquireLock(...TABLE, { mode: 'transaction', retryCount: 0 });
    await rolledBack.dialect.rollback();
    expect(verbs(rolledBack.batches.at(-1))).toEqual(['INSERT', 'COMMIT']);
    expect(landed).toEqual(['flush', 'rollback']);
  });

  it('lets a refusal of the held COMMIT, sent by the rollback of a transaction that failed before sending anything, win over that failure', async () => {
    const { batches, dialect, refuseNext } = recorder();
    await dialect.connect();
    await migrated(dialect, () => undefined);
    refuseNext(1);
    const ctx = { dialect } as unknown as EngineContext;
    const failure = await inTransaction(ctx, async () => {
      throw new Error('the next script could not be read');
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HeldCommitError);
    expect(verbs(batches.at(-1))).toEqual(['INSERT', 'COMMIT']);
  });
});
