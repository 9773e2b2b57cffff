/**
 * How runScript keeps PostgreSQL busy on a large script: the next batch goes out, queued on the
 * connection, while the one before still runs, unless it holds a statement that a failed transaction
 * would still run. The batches are answered by a stand-in connection that says when; what the server
 * does with queued batches is covered in test/integration/pg-batches.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { SqlStatement } from '../../src/dialects/dialect.js';
import type { PgConnection, QueryResult } from '../../src/dialects/postgres/connection.js';
import { PostgresDialect } from '../../src/dialects/postgres/postgres-dialect.js';
import { runScript, ScriptStatementError } from '../../src/engine/script.js';

/** A batch sent to the stand-in, answered when the test says. */
interface Sent {
  statements: string[];
  /** Batches sent and not answered when this one was sent, itself included. */
  outstanding: number;
  answer(): void;
  refuse(completed: number, code: string): void;
}

function standIn() {
  const sent: Sent[] = [];
  let outstanding = 0;
  let onSend: (() => void) | undefined;
  const connection: PgConnection = {
    query: async () => ({ rows: [{ server_version_num: '150000' }], rowCount: 1 }),
    queryBatch: (sql) =>
      new Promise<QueryResult[]>((resolve, reject) => {
        outstanding++;
        const statements = sql.split(';\n');
        const done = () => outstanding--;
        sent.push({
          statements,
          outstanding,
          answer: () => {
            done();
            resolve(statements.map(() => ({ rows: [], rowCount: 1 })));
          },
          refuse: (completed, code) => {
            done();
            reject(Object.assign(new Error(`refused with ${code}`), { code, completed }));
          },
        });
        onSend?.();
      }),
    copyFrom: async () => undefined,
    cancel: async () => undefined,
    close: async () => undefined,
  };
  return {
    sent,
    dialect: new PostgresDialect(async () => connection),
    /** Resolves once `count` batches have been sent in all. */
    sentCount: (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (sent.length >= count) resolve();
        };
        onSend = check;
        check();
      }),
  };
}

/** Statements of 20,000 characters: two make a batch. */
function statements(...heads: string[]): SqlStatement[] {
  return heads.map((head, n) => ({ sql: `${head} ${'x'.repeat(20_000)}`, line: n + 1, nonTransactional: false }));
}

const heads = (batch: Sent | undefined) => batch?.statements.map((s) => s.split(' ')[0]);

/** Lets the engine run until it waits on a batch. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('batches queued behind a running one', () => {
  it('sends the next batch while the one before runs, and never more than two', async () => {
    const { sent, dialect, sentCount } = standIn();
    await dialect.connect();
    const run = runScript({ dialect }, { statements: statements('INSERT', 'INSERT', 'INSERT', 'INSERT', 'INSERT', 'INSERT'), transactional: true });
    await sentCount(2);
    await settled();
    expect(sent.map((b) => b.outstanding)).toEqual([1, 2]);
    sent[0]!.answer();
    await sentCount(3);
    expect(sent[2]!.outstanding).toBe(2);
    sent[1]!.answer();
    sent[2]!.answer();
    await run;
    expect(sent).toHaveLength(3);
  });

  it.each(['COMMIT', 'end', 'ROLLBACK', 'Abort', 'PREPARE'])('sends a batch holding %s alone: not behind a running batch, nor with one behind it', async (ending) => {
    const { sent, dialect, sentCount } = standIn();
    await dialect.connect();
    const run = runScript({ dialect }, { statements: statements('INSERT', 'INSERT', 'INSERT', ending, 'INSERT', 'INSERT'), transactional: true });
    await sentCount(1);
    await settled();
    expect(sent).toHaveLength(1);
    sent[0]!.answer();
    await sentCount(2);
    await settled();
    expect(heads(sent[1])).toEqual(['INSERT', ending]);
    expect(sent.map((b) => b.outstanding)).toEqual([1, 1]);
    sent[1]!.answer();
    await sentCount(3);
    expect(sent[2]!.outstanding).toBe(1);
    sent[2]!.answer();
    await run;
  });

  it('reports the first batch’s failure, once the batch queued behind it has been refused too', async () => {
    const { sent, dialect, sentCount } = standIn();
    await dialect.connect();
    const run = runScript({ dialect }, { statements: statements('INSERT', 'UPDATE', 'INSERT', 'INSERT', 'INSERT', 'INSERT'), transactional: true });
    let ended = false;
    const outcome = run.then(
      () => null,
      (error: unknown) => {
        ended = true;
        return error;
      },
    );
    await sentCount(2);
    sent[0]!.refuse(1, '22012');
    await settled();
    expect(ended, 'the queued batch is still running').toBe(false);
    sent[1]!.refuse(0, '25P02');
    const error = await outcome;
    expect(error).toBeInstanceOf(ScriptStatementError);
    expect((error as ScriptStatementError).statement.sql).toMatch(/^UPDATE /);
    expect((error as ScriptStatementError).error.sqlState).toBe('22012');
    expect(sent, 'nothing is sent after the failure').toHaveLength(2);
  });
});
