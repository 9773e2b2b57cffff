import { HeldCommitError } from '../dialects/dialect.js';
import type { EngineContext } from './context.js';

export interface LockedWorkOptions {
  /** Run `work` inside one transaction that commits only if it succeeds. */
  transaction: boolean;
  /**
   * With a transaction: its COMMIT may be held back to travel with whatever is sent next
   * (Dialect.commitLater), and this is called once it went through, with the execution time the
   * database measured if it did; so may a session lock's release (Dialect.releaseLock's `later`). The
   * caller flushes the dialect when nothing else follows.
   */
  landed?: (measuredMs?: number) => void;
}

/**
 * Runs `work` while holding Flyway's lock on the history table, so that concurrent godwit or Flyway
 * processes take turns. Where the database can, the lock belongs to the work's own transaction and ends
 * with it (nothing to release if the process dies); work that must not run in a transaction, or a user
 * who turned transactional locks off, gets a session lock instead. Taking the transactional lock for
 * non-transactional work would make statements like CREATE INDEX CONCURRENTLY wait forever on the lock's
 * own open transaction.
 */
export async function withLock<T>(ctx: EngineContext, options: LockedWorkOptions, work: () => Promise<T>): Promise<T> {
  const { dialect, config, history } = ctx;
  const transactionLock = options.transaction && dialect.supportsTransactionalLock && config.postgresqlTransactionalLock;
  const lockOptions = {
    retryCount: config.lockRetryCount,
    onWait: (attempt: number) => ctx.log.debug(`Waiting for lock on ${history.qualifiedName} (attempt ${attempt})...`),
  };

  if (transactionLock) {
    return inTransaction(ctx, async () => {
      await dialect.acquireLock(history.schema, history.table, { ...lockOptions, mode: 'transaction' });
      return work();
    }, options.landed);
  }

  await dialect.acquireLock(history.schema, history.table, { ...lockOptions, mode: 'session' });
  try {
    if (options.transaction) return await inTransaction(ctx, work, options.landed);
    const result = await work();
    options.landed?.();
    return result;
  } finally {
    await dialect.releaseLock(history.schema, history.table, { later: options.landed !== undefined });
  }
}

/** Commits what `work` did (see LockedWorkOptions.landed), or rolls all of it back and rethrows. */
export async function inTransaction<T>(ctx: EngineContext, work: () => Promise<T>, landed?: (measuredMs?: number) => void): Promise<T> {
  await ctx.dialect.begin();
  try {
    const result = await work();
    if (landed !== undefined && ctx.dialect.commitLater) {
      await ctx.dialect.commitLater(landed);
    } else {
      await ctx.dialect.commit();
      landed?.();
    }
    return result;
  } catch (error) {
    // A rollback's own failure is dropped, except an earlier migration's held-back COMMIT refused on
    // the way (it goes ahead of the rollback): that failure came first, and must be reported as its own.
    await ctx.dialect.rollback().catch((refused: unknown) => {
      if (refused instanceof HeldCommitError) throw refused;
    });
    throw error;
  }
}
