/**
 * Flyway's MySQL/MariaDB lock (flyway-compat.md §4): the named lock `Flyway-<hash>` taken with GET_LOCK.
 * A named lock belongs to the session, not to a transaction, so DDL's implicit commits don't drop it,
 * and the server frees it when the session ends: a killed godwit never leaves the history table locked.
 */
import { LockTimeoutError } from '../../errors.js';
import type { LockOptions } from '../dialect.js';
import { javaStringHash } from '../java-hash.js';
import type { Select } from './mysql-client.js';

/** `Flyway-` + Java hashCode of `` `db`.`table` ``; a negative hash gives a double dash, as in Flyway. */
export function mysqlLockName(quotedTable: string): string {
  return `Flyway-${javaStringHash(quotedTable)}`;
}


/**
 * Flyway calls GET_LOCK(name, 10) until it returns 1, without limit. godwit keeps the name and the
 * function but honours lockRetryCount the way it does on PostgreSQL, where it counts seconds: the first
 * attempt does not wait (GET_LOCK(name, 0)), each retry waits up to one second inside the server
 * (GET_LOCK(name, 1)), so `-lockRetryCount=N` gives up after about N seconds and -1 waits forever. The
 * wait happens in the server, so the lock is granted the moment its holder lets go.
 */
export async function acquireNamedLock(select: Select, name: string, table: string, options: Pick<LockOptions, 'retryCount' | 'onWait'>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if ((await tryLock(select, name, attempt === 0 ? 0 : 1)) === 1) return;
    if (options.retryCount >= 0 && attempt >= options.retryCount) {
      const holder = await select('SELECT IS_USED_LOCK(?) AS holder', [name]);
      const connection = holder[0]?.holder;
      throw new LockTimeoutError(
        `Number of retries exceeded while attempting to acquire MySQL named lock ${name}. Configure the number of retries with the 'lockRetryCount' configuration option`,
        {
          hint: `Another migration holds the lock on ${table}${connection == null ? '' : ` (server connection ${String(connection)})`}. Flyway and godwit both take this lock.`,
        },
      );
    }
    options.onWait?.(attempt + 1);
  }
}

/** ER_QUERY_INTERRUPTED: a KILL QUERY (godwit's own cancel) ended the wait. */
const QUERY_INTERRUPTED = 1317;

/**
 * 1 when granted. 0 when the wait timed out; NULL (MariaDB) or ER_QUERY_INTERRUPTED (MySQL) when it was
 * killed, which also just means "not granted": the caller's onWait then sees the cancellation.
 */
async function tryLock(select: Select, name: string, waitSeconds: number): Promise<number> {
  try {
    const rows = await select('SELECT GET_LOCK(?, ?) AS locked', [name, waitSeconds]);
    return Number(rows[0]?.locked ?? 0);
  } catch (error) {
    if ((error as { errno?: number }).errno === QUERY_INTERRUPTED) return 0;
    throw error;
  }
}

export async function releaseNamedLock(select: Select, name: string): Promise<void> {
  await select('SELECT RELEASE_LOCK(?) AS released', [name]);
}
