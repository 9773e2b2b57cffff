import type { AppliedMigration, NewHistoryRow } from '../engine/types.js';
import type { SplitPass } from './statement-stream.js';

/** One statement of a script, as the dialect's splitter cut it. */
export interface SqlStatement {
  /** The text to send, without the trailing delimiter. */
  sql: string;
  /** 1-based line in the script (after placeholder replacement, which keeps lines) where it starts. */
  line: number;
  /** The statement cannot run inside a transaction on this database (CREATE INDEX CONCURRENTLY, …). */
  nonTransactional: boolean;
  /**
   * For `COPY … FROM STDIN`: the inline rows that followed the statement, up to (not including) the `\.`
   * line, each line ending with `\n`.
   */
  copyData?: string;
}

/** A statement the database refused. `position` is 1-based within `statement.sql` when the server said. */
export class StatementError extends Error {
  readonly sqlState: string | null;
  readonly position: number | null;
  readonly detail: string | null;

  constructor(message: string, sqlState: string | null, position: number | null, detail: string | null, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'StatementError';
    this.sqlState = sqlState;
    this.position = position;
    this.detail = detail;
  }
}

/** A statement of a batch the database refused: which one (0-based), and the error as if it ran alone. */
export class BatchStatementError extends Error {
  constructor(
    readonly index: number,
    readonly error: StatementError,
  ) {
    super(error.message, { cause: error });
    this.name = 'BatchStatementError';
  }
}

/**
 * A COMMIT held back by Dialect.commitLater, or the history row held back with it, was refused when it
 * travelled with a later call: that transaction rolled back, and nothing of the later call ran. Also a
 * script left running by executeIfHistoryUnchanged's `detach` that the database refused once the call
 * had returned: `statement` is the script's statement that failed, and the error's position is within
 * it. Its transaction has been rolled back too; where DDL commits itself, what ran of it stays, and
 * `elapsedMs` is how long it ran before it failed.
 */
export class HeldCommitError extends Error {
  readonly sqlState: string | null;

  constructor(
    readonly error: StatementError,
    readonly statement?: SqlStatement,
    readonly elapsedMs?: number,
  ) {
    super(error.message, { cause: error });
    this.name = 'HeldCommitError';
    this.sqlState = error.sqlState;
  }
}

/** How executeIfHistoryUnchanged reports on the statements it sends, and whether it waits for them. */
export interface GuardedRun {
  /** Called once the lock and the look came back clear, as the statements begin to run. */
  started(): void;
  /** Called once their answer came back, whether they ran or were refused. */
  finished?(): void;
  /**
   * The call may return true as soon as they started, without waiting for them: what is sent next
   * (the history row, held back, and the COMMIT) then queues behind them, so that the server goes from
   * one migration to the next without waiting for godwit. Their failure then surfaces from whatever
   * call next waits for the server, as a HeldCommitError naming the statement; the history row written
   * meanwhile gets the execution time the database measured (commitLater's `landed`). Only for a
   * transaction whose COMMIT is held back, with nothing of the caller's to run in it after them. Where
   * DDL commits itself, the caller records a failed row for such a failure (HeldCommitError.elapsedMs).
   */
  detach: boolean;
}

export interface SessionInfo {
  /** The user the server sees: installed_by and ${flyway:user}. */
  user: string;
  /** The database (catalog) the connection is in: ${flyway:database}. */
  database: string;
  /** The connection's current schema, used when neither schemas nor defaultSchema is set. */
  schema: string | null;
}

export interface LockOptions {
  /**
   * `transaction`: the lock is tied to the transaction the caller has already begun and ends with its
   * commit or rollback. `session`: held until releaseLock. A dialect whose database cannot tie locks to
   * transactions (see supportsTransactionalLock) always takes a session lock.
   */
  mode: 'transaction' | 'session';
  /** Retries after the first failed attempt; -1 waits forever. */
  retryCount: number;
  /** Called once per failed attempt, for the `Waiting for lock…` debug line. */
  onWait?: (attempt: number) => void;
}

/**
 * What the engine needs from a database. The engine holds no SQL text of its own: everything that
 * differs between databases sits behind this interface, and behaviour differences are the capability
 * flags below, never checks of `name`.
 *
 * A dialect instance owns one connection. The engine calls connect() once, then the other methods in
 * sequence (never concurrently), then close() once, also after failures.
 */
export interface Dialect {
  /** Stable lower-case id, e.g. `postgresql`: shown in output, never branched on. */
  readonly name: string;
  /** As Flyway prints it in `-outputType=json`'s `database` and `databaseType`: `PostgreSQL`. */
  readonly displayName: string;
  /** A failed transactional migration leaves nothing behind (PostgreSQL), instead of committed DDL (MySQL). */
  readonly supportsTransactionalDdl: boolean;
  /** Locks can be released by the end of a transaction (PostgreSQL advisory xact locks). */
  readonly supportsTransactionalLock: boolean;

  /** Opens the connection. Failures are ConnectionError with the password never in the message. */
  connect(): Promise<void>;
  /** Closes the connection; safe to call when connect() failed or close() already ran. */
  close(): Promise<void>;
  serverVersion(): Promise<string>;
  /**
   * The database's own estimate of a table's size, for `godwit check` to say how long a rewrite would lock
   * it; called once per table a finding names. `schema` undefined means "as an unqualified name resolves".
   * Returns null when there is no such table. `rows` is null while the database has no estimate yet.
   */
  tableSize(schema: string | undefined, table: string): Promise<{ bytes: number; rows: number | null } | null>;
  session(): Promise<SessionInfo>;

  /**
   * Makes `schema` the one that unqualified names in migrations resolve to, as Flyway does before it
   * runs any script (PostgreSQL: first on the search_path, keeping the rest).
   */
  setCurrentSchema(schema: string): Promise<void>;

  /**
   * Limits, for this session, how long one statement may run and how long it may wait for a table
   * lock (milliseconds; 0 leaves the database's setting). Called once after connect, when configured.
   */
  setTimeouts(timeouts: { statementMs: number; lockMs: number }): Promise<void>;

  /** The only path from configuration to SQL text. */
  quoteIdentifier(name: string): string;

  /**
   * Flyway's lock key for this history table, so that Flyway and godwit exclude each other. In
   * `transaction` mode the attempt is the first statement of the caller's transaction, and the dialect
   * may end and restart that transaction between attempts, so that a waiting process holds nothing.
   */
  acquireLock(schema: string, table: string, options: LockOptions): Promise<void>;
  /**
   * Releases a session lock; a no-op for transaction locks. With `later`, the dialect may hold the
   * release back to travel with whatever is sent next, or to be dropped when the next acquireLock takes
   * the same lock (between migrations); the caller then flushes the dialect when nothing else follows.
   */
  releaseLock(schema: string, table: string, options?: { later?: boolean }): Promise<void>;

  schemaExists(schema: string): Promise<boolean>;
  createSchema(schema: string): Promise<void>;
  /** True when the schema holds no objects at all (tables, views, routines, types, sequences …). */
  isSchemaEmpty(schema: string): Promise<boolean>;
  /** Drops every object in the schema but keeps the schema. */
  cleanSchema(schema: string): Promise<void>;
  dropSchema(schema: string): Promise<void>;

  historyTableExists(schema: string, table: string): Promise<boolean>;
  /** Flyway's exact DDL; `baseline`, when given, is inserted where Flyway inserts it. */
  createHistoryTable(schema: string, table: string, options: { tablespace?: string | undefined; baseline?: NewHistoryRow }): Promise<void>;
  /**
   * All rows, by installed_rank, or with `afterRank` only those ranked above it. Unknown types are
   * returned as stored: the engine names them.
   */
  readHistory(schema: string, table: string, afterRank?: number): Promise<AppliedMigration[]>;
  /** `installedBy` null means "the session user" (the database's own notion of it). */
  insertHistoryRow(schema: string, table: string, row: NewHistoryRow): Promise<void>;
  updateHistoryRow(schema: string, table: string, installedRank: number, values: { description: string; type: string; checksum: number | null }): Promise<void>;
  deleteHistoryRows(schema: string, table: string, installedRanks: number[]): Promise<void>;

  begin(): Promise<void>;
  /** A refused COMMIT is a StatementError (or a HeldCommitError, for an earlier one held back). */
  commit(): Promise<void>;
  /**
   * Ends the transaction as commit() does, but holds the COMMIT back to travel with whatever is sent
   * next (between migrations: the next one's BEGIN, lock and history read, or its guarded script),
   * which saves a round trip per migration. `landed` is called once it went through, with the
   * execution time the database measured when the history row was written while its script still ran
   * (see executeIfHistoryUnchanged's `detach`). A refused one fails the call it travelled with as a
   * HeldCommitError, before anything of that call ran; rollback() and flush() send it alone. Absent
   * where a COMMIT cannot wait: inTransaction then commits at once.
   */
  commitLater?(landed: (measuredMs?: number) => void): Promise<void>;
  /** Sends what was held back (a COMMIT by commitLater, a lock's release), if anything. Absent where nothing is. */
  flush?(): Promise<void>;
  rollback(): Promise<void>;

  /** Cuts a script into statements. Throws ScriptError naming `file` and the line for unterminated text. */
  splitScript(text: string, file: string): SqlStatement[];
  /**
   * The splitter for one script read in pieces (see StatementStream): the statements equal
   * splitScript's for the whole text. Called once per script.
   */
  splitPass(file: string): SplitPass;
  /** Runs one statement; a refusal is a StatementError. */
  execute(statement: SqlStatement): Promise<void>;
  /**
   * Runs one statement with parameters (PostgreSQL `$1`, MySQL `?`) and returns its rows, none for a
   * statement that returns none. Code migrations call it, any number of times, inside the migration's
   * transaction when it has one. A refusal is a StatementError.
   */
  query(sql: string, params?: readonly unknown[]): Promise<Array<Record<string, unknown>>>;
  /**
   * Runs statements in order in one round trip, stopping at the first refusal, which is a
   * BatchStatementError naming the statement, its error's position within that statement's text.
   * Called inside a transaction only, for statements without COPY rows that may run in one. Absent
   * (after connect) when the driver cannot tell which statement of a batch failed: the engine then
   * sends statements one by one.
   */
  executeBatch?(statements: SqlStatement[]): Promise<void>;
  /**
   * Whether this batch may share the connection with a neighbour: be sent while the batch before it
   * still runs, or have the next one sent while it runs, so that the server never waits for godwit in
   * between. Only where, once either of the two fails, the server refuses the other: in PostgreSQL, a
   * batch that cannot end the transaction. Absent: batches go one at a time.
   */
  mayQueueBatch?(statements: SqlStatement[]): boolean;
  /**
   * In place of the history read (readHistory with `afterRank`) that the caller would make under the
   * lock: sends the statements behind a guard that refuses them (and they are not run) unless this
   * session holds the lock and no history row ranks above `afterRank`. Where the lock is a
   * transaction's, asked for and not yet taken, the lock and a look at the history go first, and the
   * statements right behind them without waiting. A migration then waits for the server once less.
   * True when they ran (or, detached, are running). False when the lock was not granted at once (it
   * has been waited for as acquireLock would have), the history has grown, or the statements cannot go
   * this way: nothing of them ran, and the caller reads the history as usual. A refused statement is a
   * BatchStatementError, as from executeBatch; a refused held COMMIT a HeldCommitError. Called with
   * statements that executeBatch may run; absent (after connect) where a statement sent behind another
   * cannot be stopped by it.
   */
  executeIfHistoryUnchanged?(schema: string, table: string, afterRank: number, statements: SqlStatement[], run: GuardedRun): Promise<boolean>;
  /** Runs a configured SQL text (initSql) statement by statement. */
  executeScript(text: string, file: string): Promise<void>;
  /** Asks the server to cancel the statement in flight (signals). */
  cancel(): Promise<void>;

  /** The SQL text of the write methods, for dry runs (see DialectRenderer). */
  readonly render: DialectRenderer;
}

/** The Dialect methods that change the database or the session: a dry run renders them instead. */
export type RenderedOperation =
  | 'setCurrentSchema' | 'acquireLock' | 'releaseLock' | 'createSchema' | 'cleanSchema' | 'dropSchema'
  | 'createHistoryTable' | 'insertHistoryRow' | 'updateHistoryRow' | 'deleteHistoryRows' | 'begin' | 'commit' | 'rollback';

/**
 * Dry runs (`-dryRunOutput`): for each write method of the Dialect, the statements it would send with
 * these arguments, in order, values inlined as literals, without terminators. The engine calls them
 * instead of the methods themselves, once per would-be call. They may read the database where the text
 * depends on it (clean lists the objects it would drop) and never write to it. A lock renders as the
 * blocking form of the statement, since a replayed script has no retry loop.
 */
export type DialectRenderer = { [K in RenderedOperation]: (...args: Parameters<Dialect[K]>) => Promise<string[]> } & {
  /**
   * One statement as the database's own command-line client (psql, mariadb) replays it from a file:
   * terminated, followed by its COPY data, wrapped in DELIMITER lines where its body holds `;`. Ends
   * with a line break.
   */
  statement(statement: Pick<SqlStatement, 'sql' | 'copyData'>): string;
};
