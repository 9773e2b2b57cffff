import { setTimeout as delay } from 'node:timers/promises';
import type { Config } from '../config/config.js';
import { parseDatabaseUrl } from '../config/jdbc-url.js';
import type { Dialect, GuardedRun, LockOptions, SqlStatement } from '../dialects/dialect.js';
import { StatementError } from '../dialects/dialect.js';
import { createDialect } from '../dialects/index.js';
import { CancelledError, ConfigError, ConnectionError, GodwitError } from '../errors.js';
import type { Logger } from './logger.js';

const NON_RETRYABLE = /authentication failed|does not exist/;

export interface StatementObserver {
  started(statement: SqlStatement): void;
  finished(statement: SqlStatement): void;
}

export interface OpenOptions {
  /** Aborting it stops the retries and makes the session refuse further statements (see cancellable). */
  signal?: AbortSignal;
  /** Told about every migration statement sent and returned, for progress display. */
  statements?: StatementObserver;
  /** Waits between attempts; rejects when the signal aborts. Tests replace it. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

const abortableSleep = (ms: number, signal: AbortSignal | undefined) => delay(ms, undefined, { signal });

function reasonOf(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'the run was cancelled';
}

/**
 * Opens the connection, retrying as Flyway's connectRetries does: 1 + N attempts, waiting 1, 2, 4 … s,
 * each wait capped at connectRetriesInterval. Authentication and unknown-database failures won't fix
 * themselves, so they fail at once.
 */
export async function openDialect(config: Config, log: Logger, options: OpenOptions = {}): Promise<Dialect> {
  const { signal, sleep = abortableSleep } = options;
  if (!config.url) {
    throw new ConfigError('Unable to connect to the database. Configure the url, user and password!', {
      hint: 'Set -url=jdbc:postgresql://host:5432/database (or FLYWAY_URL), plus -user and -password.',
      location: 'url',
    });
  }
  const target = parseDatabaseUrl(config.url);
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw new CancelledError(reasonOf(signal));
    const dialect = await createDialect(target, { user: config.user, password: config.password, workingDirectory: config.workingDirectory });
    try {
      const started = performance.now();
      await dialect.connect();
      log.debug(`Connected in ${Math.round(performance.now() - started)} ms`);
      if (config.initSql) await dialect.executeScript(config.initSql, 'initSql');
      if (signal?.aborted) throw new CancelledError(reasonOf(signal));
      return signal || options.statements ? observed(dialect, signal ?? new AbortController().signal, options.statements) : dialect;
    } catch (error) {
      await dialect.close();
      const retryable = error instanceof ConnectionError && !NON_RETRYABLE.test(error.message);
      if (!retryable || attempt >= config.connectRetries) throw asConnectionError(error);
      const seconds = Math.min(2 ** attempt, config.connectRetriesInterval);
      log.warn(`Connection error: ${error.message}\nRetrying in ${seconds} sec...`);
      try {
        await sleep(seconds * 1000, signal);
      } catch (interrupted) {
        if (signal?.aborted) throw new CancelledError(reasonOf(signal), { cause: error });
        throw interrupted;
      }
    }
  }
}

function asConnectionError(error: unknown): GodwitError {
  if (error instanceof GodwitError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectionError(`Unable to run initSql: ${message}`, { cause: error, location: 'initSql' });
}

/** SQLSTATE query_canceled: what the server reports for a cancelled statement, used for one never sent. */
const QUERY_CANCELED = '57014';

/**
 * The session, wired to a cancellation signal. When it aborts, the statement in flight is cancelled on
 * the server (dialect.cancel()) and every later migration statement fails before it is sent; so the
 * running migration ends in a statement error wherever the signal caught it, and the engine's usual
 * failure path rolls it back and releases the lock. Rollback, history writes, unlock and close still
 * work, and so does taking a free lock: they are how the run winds down. A wait for a held lock stops
 * at its next attempt.
 *
 * The observer, when given, hears of every statement sent through execute() (progress display).
 * A Proxy rather than a wrapper class, so that methods added to Dialect pass through unchanged.
 */
function observed(dialect: Dialect, signal: AbortSignal, statements: StatementObserver | undefined): Dialect {
  const onAbort = () => {
    dialect.cancel().catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const refuse = () => {
    if (signal.aborted) throw new StatementError(`canceling statement: ${reasonOf(signal)}`, QUERY_CANCELED, null, null);
  };
  // Progress counts every statement of a batch once it begins; the one it names while the batch runs
  // is the batch's last.
  const batchProgress = (batch: SqlStatement[]) => {
    let begun = false;
    return {
      begin: () => {
        begun = true;
        for (const statement of batch) statements?.started(statement);
      },
      end: () => {
        const last = batch.at(-1);
        if (begun && last) statements?.finished(last);
      },
    };
  };
  const executeBatch = dialect.executeBatch?.bind(dialect);
  const executeIfHistoryUnchanged = dialect.executeIfHistoryUnchanged?.bind(dialect);
  const wrapped: Partial<Dialect> = {
    execute: async (statement) => {
      refuse();
      statements?.started(statement);
      try {
        return await dialect.execute(statement);
      } finally {
        statements?.finished(statement);
      }
    },
    query: async (sql, params) => {
      refuse();
      return dialect.query(sql, params);
    },
    ...(executeBatch && {
      executeBatch: async (batch: SqlStatement[]) => {
        refuse();
        const progress = batchProgress(batch);
        progress.begin();
        try {
          await executeBatch(batch);
        } finally {
          progress.end();
        }
      },
    }),
    ...(executeIfHistoryUnchanged && {
      executeIfHistoryUnchanged: async (schema: string, table: string, afterRank: number, batch: SqlStatement[], run: GuardedRun) => {
        refuse();
        const progress = batchProgress(batch);
        return executeIfHistoryUnchanged(schema, table, afterRank, batch, {
          detach: run.detach,
          started: () => {
            run.started();
            progress.begin();
          },
          finished: () => {
            run.finished?.();
            progress.end();
          },
        });
      },
    }),
    executeScript: async (text, file) => {
      refuse();
      return dialect.executeScript(text, file);
    },
    // Only waiting for a held lock stops: a free one may still be taken, so the run can wind down.
    acquireLock: async (schema, table, options: LockOptions) =>
      dialect.acquireLock(schema, table, {
        ...options,
        onWait: (attempt) => {
          if (signal.aborted) throw new CancelledError(`${reasonOf(signal)} while waiting for the lock on ${schema}.${table}`);
          options.onWait?.(attempt);
        },
      }),
    close: async () => {
      signal.removeEventListener('abort', onAbort);
      return dialect.close();
    },
  };
  return new Proxy(dialect, {
    get(target, property, receiver) {
      if (Object.hasOwn(wrapped, property)) return wrapped[property as keyof Dialect];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
