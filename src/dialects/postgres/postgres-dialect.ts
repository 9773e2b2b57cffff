import { readlinkSync } from 'node:fs';
import { ConnectionError, LockTimeoutError } from '../../errors.js';
import type { AppliedMigration, NewHistoryRow } from '../../engine/types.js';
import { MigrationVersion } from '../../engine/version.js';
import type { Dialect, DialectRenderer, GuardedRun, LockOptions, SessionInfo, SqlStatement } from '../dialect.js';
import { BatchStatementError, HeldCommitError, StatementError } from '../dialect.js';
import type { SplitPass } from '../statement-stream.js';
import type { BatchText } from '../batch-text.js';
import { batchText, statementAt } from '../batch-text.js';
import { javaStringHash } from '../java-hash.js';
import { cleanStatements, SCHEMA_OBJECT_COUNT_SQL } from './clean.js';
import type { PgConnection, PgConnector, QueryResult } from './connection.js';
import type { HistoryTableNames } from './history-sql.js';
import { addPrimaryKeySql, createIndexSql, createTableSql, deleteRowsSql, insertRowSql, noRowAfterSql, selectRowsSql, updateRowSql } from './history-sql.js';
import { inlineParameters, literal, terminated } from './render.js';
import { postgresSplitPass, splitPostgresScript } from './splitter.js';

/** The first table of that name on the search path (or in the schema given), as the planner sizes it. */
const TABLE_SIZE_SQL = `SELECT pg_table_size(c.oid) AS bytes, c.reltuples
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relname = $2 AND c.relkind IN ('r', 'p', 'm')
    AND (n.nspname = $1::text OR ($1::text IS NULL AND n.nspname = ANY (current_schemas(false))))
  ORDER BY array_position(current_schemas(false), n.nspname::text) LIMIT 1`;

/** "Flyway" in ASCII: the base Flyway adds the table's hash to, so both tools contend for one key. */
const FLYWAY_LOCK_BASE = 0x466c79776179n;
const LOCK_RETRY_INTERVAL_MS = 1000;
/**
 * A transaction-local setting that says whether the lock was granted: it reverts when the transaction
 * ends, so a statement sent behind one that ended it (a refused COMMIT) does not find it set.
 */
const LOCKED_SETTING = 'godwit.locked';
/** SQLSTATE division_by_zero: how the guard of executeIfHistoryUnchanged refuses what follows it. */
const GUARD_REFUSED = '22012';
/**
 * When the guard let a script start, in seconds since the epoch, transaction-local: the history row of
 * a detached script measures its execution time from it, on the server (see GuardedRun.detach).
 */
const STARTED_SETTING = 'godwit.started';
/** The milliseconds since the guard let the script start, as the history row's execution_time. */
const ELAPSED_MS_SQL = `round((extract(epoch FROM clock_timestamp()) - current_setting('${STARTED_SETTING}')::numeric) * 1000)::int`;
/** Where insertRowSql's execution_time goes among rowParameters. */
const EXECUTION_TIME_AT = 7;

export function postgresLockId(quotedTable: string): bigint {
  return FLYWAY_LOCK_BASE + BigInt(javaStringHash(quotedTable));
}

export interface DialectIdentity {
  name: string;
  displayName: string;
}

export class PostgresDialect implements Dialect {
  readonly name: string;
  readonly displayName: string;
  readonly supportsTransactionalDdl = true;
  readonly supportsTransactionalLock = true;

  private connection: PgConnection | undefined;
  private serverMajor = 0;
  private readonly sessionLocks = new Set<bigint>();
  /**
   * Statements held back to travel in one round trip with the next one (as one simple-protocol text):
   * BEGIN goes with the lock, a migration's history row with its COMMIT. Each round trip is a wait for
   * the server, which is most of what a small migration costs.
   */
  private ahead: string[] = [];
  private transactionOpen = false;
  /**
   * A transaction lock asked for and not sent yet. It travels with the history read that the work under
   * the lock starts with, as a separate statement: the read's snapshot is then taken after the lock is
   * granted, and a read that ran without it is thrown away. Anything else sent first takes it alone.
   */
  private pendingLock: PendingLock | undefined;
  /**
   * A COMMIT held back by commitLater: the first `count` statements of `ahead` end that transaction (its
   * history row and the COMMIT), and `landed` is called once they went through.
   */
  private held: { count: number; landed: (results: QueryResult[]) => void } | undefined;
  /**
   * No transaction is open although begin() was the last call: a held COMMIT was refused, so the BEGIN
   * that travelled after it never ran, or a detached script failed and its transaction was rolled back.
   */
  private begunInVain = false;
  /**
   * A script executeIfHistoryUnchanged left running (GuardedRun.detach): its refusal, null when it ran.
   * Anything else waits for it before it is sent; only the next guarded script is sent before.
   */
  private running: Promise<HeldCommitError | null> | undefined;
  /** Where in `ahead` the history row of a detached script returns the execution time it measured. */
  private timedRowAt: number | undefined;

  constructor(
    private readonly connector: PgConnector,
    identity: DialectIdentity = { name: 'postgresql', displayName: 'PostgreSQL' },
  ) {
    this.name = identity.name;
    this.displayName = identity.displayName;
  }

  private get db(): PgConnection {
    if (!this.connection) throw new ConnectionError(`Not connected to ${this.displayName}.`);
    return this.connection;
  }

  async connect(): Promise<void> {
    this.ahead = [];
    this.pendingLock = undefined;
    this.held = undefined;
    this.running = undefined;
    this.timedRowAt = undefined;
    this.transactionOpen = false;
    this.connection = await this.connector();
    const queryBatch = this.connection.queryBatch;
    this.executeBatch = queryBatch === undefined ? undefined : (statements) => this.executeBatchOn(queryBatch, statements);
    this.mayQueueBatch = queryBatch === undefined ? undefined : (statements) => !statements.some(endsTransaction);
    this.commitLater = queryBatch === undefined ? undefined : async (landed) => this.holdCommit(landed);
    this.executeIfHistoryUnchanged =
      queryBatch === undefined ? undefined : (schema, table, afterRank, statements, run) => this.executeGuarded(queryBatch, this.qualified(schema, table), afterRank, statements, run);
    const version = await this.connection.query('SHOW server_version_num');
    this.serverMajor = Math.floor(Number(version.rows[0]?.server_version_num ?? 0) / 10000);
    await this.useClientTimeZone();
  }

  /**
   * installed_on has no time zone: it holds now() as the writing session's wall clock. Flyway's JDBC
   * sessions run in the JVM's zone, so godwit's run in the process's zone: rows written and read by
   * either tool, on one machine, then mean the same instant.
   */
  private async useClientTimeZone(): Promise<void> {
    const zone = processTimeZone();
    try {
      await this.send("SELECT set_config('TimeZone', $1, false)", [zone]);
    } catch {
      // A zone name the server does not know leaves the server's default in place.
    }
  }

  /** Sends what is held back together with `sql` where the protocol allows, ahead of it otherwise. */
  private async send(sql: string, params?: unknown[]): Promise<QueryResult> {
    await this.settleRunning();
    await this.settleLock();
    const db = this.db;
    const ahead = this.ahead.splice(0);
    if (ahead.length === 0 || !db.queryBatch) return db.query(sql, params);
    if (params === undefined || params.length === 0) return lastOf(await this.sendAhead(db.queryBatch, [...ahead, sql]));
    await this.sendAhead(db.queryBatch, ahead);
    return db.query(sql, params);
  }

  async flush(): Promise<void> {
    await this.settleRunning();
    await this.settleLock();
    const ahead = this.ahead.splice(0);
    const queryBatch = this.db.queryBatch;
    if (ahead.length > 0 && queryBatch) await this.sendAhead(queryBatch, ahead);
  }

  /**
   * Sends statements that start with what was held back, as one multi-statement query. When they start
   * with a held COMMIT, the server's count of completed statements tells whether that transaction
   * committed before anything failed.
   */
  private async sendAhead(queryBatch: (sql: string) => Promise<QueryResult[]>, statements: string[]): Promise<QueryResult[]> {
    const held = this.held;
    this.held = undefined;
    try {
      const results = await queryBatch(statements.join(';\n'));
      held?.landed(results);
      return results;
    } catch (error) {
      if (held === undefined) throw error;
      const completed = completedOf(error);
      if (completed !== null && completed >= held.count) {
        held.landed([]);
        throw error;
      }
      this.begunInVain = this.transactionOpen;
      throw new HeldCommitError(toStatementError(error));
    }
  }

  /**
   * Waits for a detached script. When it was refused, everything sent behind it was refused too (its
   * transaction failed): `queued` is waited for, that transaction is rolled back, and the refusal thrown.
   */
  private async settleRunning(queued: Array<Promise<unknown>> = []): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    this.running = undefined;
    const refused = await running;
    if (refused === null) return;
    await Promise.allSettled(queued);
    this.ahead = [];
    this.held = undefined;
    this.pendingLock = undefined;
    this.timedRowAt = undefined;
    this.transactionOpen = false;
    this.begunInVain = true;
    await this.db.query('ROLLBACK');
    throw refused;
  }

  /** Takes a lock asked for but not sent yet, before anything that must run under it. */
  private async settleLock(): Promise<void> {
    const lock = this.pendingLock;
    if (lock === undefined) return;
    this.pendingLock = undefined;
    await this.takeLock(lock, 0);
  }

  async close(): Promise<void> {
    this.ahead = [];
    this.pendingLock = undefined;
    this.held = undefined;
    this.running = undefined;
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }

  async serverVersion(): Promise<string> {
    const result = await this.send('SHOW server_version');
    return String(result.rows[0]?.server_version ?? '');
  }

  /** reltuples is -1 until the table is first vacuumed or analyzed: no estimate yet. */
  async tableSize(schema: string | undefined, table: string): Promise<{ bytes: number; rows: number | null } | null> {
    const result = await this.send(TABLE_SIZE_SQL, [schema ?? null, table]);
    const row = result.rows[0];
    if (!row) return null;
    const rows = Number(row.reltuples);
    return { bytes: Number(row.bytes), rows: rows < 0 ? null : rows };
  }

  async session(): Promise<SessionInfo> {
    const result = await this.send('SELECT current_user AS "user", current_database() AS "database", current_schema() AS "schema"');
    const row = result.rows[0];
    return { user: String(row?.user ?? ''), database: String(row?.database ?? ''), schema: row?.schema == null ? null : String(row.schema) };
  }

  async setTimeouts(timeouts: { statementMs: number; lockMs: number }): Promise<void> {
    if (timeouts.statementMs > 0) await this.send("SELECT set_config('statement_timeout', $1, false)", [String(timeouts.statementMs)]);
    if (timeouts.lockMs > 0) await this.send("SELECT set_config('lock_timeout', $1, false)", [String(timeouts.lockMs)]);
  }

  async setCurrentSchema(schema: string): Promise<void> {
    await this.send("SELECT set_config('search_path', $1, false)", [await this.searchPathStarting(schema)]);
  }

  /** The session's search_path with `schema` moved to the front. */
  private async searchPathStarting(schema: string): Promise<string> {
    const current = await this.send('SHOW search_path');
    const rest = String(current.rows[0]?.search_path ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '' && part !== this.quoteIdentifier(schema) && part !== schema);
    return [this.quoteIdentifier(schema), ...rest].join(', ');
  }

  quoteIdentifier(name: string): string {
    return `"${name.replaceAll('"', '""')}"`;
  }

  private qualified(schema: string, table: string): string {
    return `${this.quoteIdentifier(schema)}.${this.quoteIdentifier(table)}`;
  }

  async acquireLock(schema: string, table: string, options: LockOptions): Promise<void> {
    const lock = { id: postgresLockId(this.qualified(schema, table)), where: this.qualified(schema, table), options };
    if (options.mode === 'transaction' && this.db.queryBatch) this.pendingLock = lock;
    else await this.takeLock(lock, 0);
  }

  /** Tries for the lock until it is granted or the retries run out; `failed` attempts were made already. */
  private async takeLock(lock: PendingLock, failed: number): Promise<void> {
    const { id, options } = lock;
    for (let attempt = failed; ; attempt++) {
      if (attempt > 0) await this.waitForLock(lock, attempt);
      const result = await this.send(`SELECT ${lockFunction(options)}(${id}) AS locked`);
      if (result.rows[0]?.locked) {
        if (options.mode === 'session') this.sessionLocks.add(id);
        return;
      }
    }
  }

  /** Gives up after the configured retries, or waits a second before attempt number `attempt`. */
  private async waitForLock({ id, where, options }: PendingLock, attempt: number): Promise<void> {
    if (options.retryCount >= 0 && attempt > options.retryCount) {
      throw new LockTimeoutError(
        "Number of retries exceeded while attempting to acquire PostgreSQL advisory lock. Configure the number of retries with the 'lockRetryCount' configuration option",
        { hint: `Another migration holds the lock on ${where} (advisory lock ${id}).` },
      );
    }
    options.onWait?.(attempt);
    // Wait outside any transaction: an open one would hold a snapshot that the lock holder's
    // CREATE INDEX CONCURRENTLY waits for, and the two processes would wait on each other.
    if (options.mode === 'transaction') await this.rollback();
    await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_INTERVAL_MS));
    if (options.mode === 'transaction') await this.begin();
  }

  async releaseLock(schema: string, table: string): Promise<void> {
    const id = postgresLockId(this.qualified(schema, table));
    if (!this.sessionLocks.delete(id)) return;
    await this.send('SELECT pg_advisory_unlock($1)', [id.toString()]);
  }

  async schemaExists(schema: string): Promise<boolean> {
    const result = await this.send('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    return result.rowCount === 1;
  }

  async createSchema(schema: string): Promise<void> {
    await this.send(this.createSchemaSql(schema));
  }

  private createSchemaSql(schema: string): string {
    return `CREATE SCHEMA ${this.quoteIdentifier(schema)}`;
  }

  async isSchemaEmpty(schema: string): Promise<boolean> {
    const result = await this.send(SCHEMA_OBJECT_COUNT_SQL, [schema]);
    return Number(result.rows[0]?.count ?? 0) === 0;
  }

  async cleanSchema(schema: string): Promise<void> {
    for (const statement of await this.cleanSchemaSql(schema)) await this.send(statement);
  }

  private async cleanSchemaSql(schema: string): Promise<string[]> {
    const query = async (sql: string, params: unknown[]) => (await this.send(sql, params)).rows;
    return cleanStatements(query, (n) => this.quoteIdentifier(n), schema);
  }

  async dropSchema(schema: string): Promise<void> {
    await this.send(this.dropSchemaSql(schema));
  }

  private dropSchemaSql(schema: string): string {
    return `DROP SCHEMA IF EXISTS ${this.quoteIdentifier(schema)} CASCADE`;
  }

  async historyTableExists(schema: string, table: string): Promise<boolean> {
    const result = await this.send(
      `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r','p')`,
      [schema, table],
    );
    return result.rowCount === 1;
  }

  private historyNames(schema: string, table: string, tablespace: string | undefined): HistoryTableNames {
    return {
      qualified: this.qualified(schema, table),
      pk: this.quoteIdentifier(`${table}_pk`),
      index: this.quoteIdentifier(`${table}_s_idx`),
      tablespace: tablespace ? ` TABLESPACE ${this.quoteIdentifier(tablespace)}` : '',
    };
  }

  async createHistoryTable(schema: string, table: string, options: { tablespace?: string | undefined; baseline?: NewHistoryRow }): Promise<void> {
    const names = this.historyNames(schema, table, options.tablespace);
    await this.send(createTableSql(names));
    if (options.baseline) await this.insertHistoryRow(schema, table, options.baseline);
    await this.send(addPrimaryKeySql(names));
    await this.send(createIndexSql(names));
  }

  async readHistory(schema: string, table: string, afterRank?: number): Promise<AppliedMigration[]> {
    const sql = selectRowsSql(this.qualified(schema, table), afterRank === undefined ? undefined : literal(afterRank));
    return (await this.readUnderLock(sql)).rows.map((row) => ({
      installedRank: Number(row.installed_rank),
      version: row.version === null || row.version === undefined ? null : MigrationVersion.parse(String(row.version)),
      description: String(row.description),
      type: String(row.type),
      script: String(row.script),
      checksum: row.checksum === null ? null : Number(row.checksum),
      installedBy: String(row.installed_by),
      installedOn: row.installed_on as Date,
      executionTime: Number(row.execution_time),
      success: Boolean(row.success),
    }));
  }

  /** Runs a read-only query, in one round trip with the pending lock when there is one. */
  private async readUnderLock(sql: string): Promise<QueryResult> {
    await this.settleRunning();
    const lock = this.pendingLock;
    const queryBatch = this.db.queryBatch;
    if (lock === undefined || queryBatch === undefined) return this.send(sql);
    this.pendingLock = undefined;
    const results = await this.sendAhead(queryBatch, [...this.ahead.splice(0), `SELECT ${lockFunction(lock.options)}(${lock.id}) AS locked`, sql]);
    if (results.at(-2)?.rows[0]?.locked) return lastOf(results);
    await this.takeLock(lock, 1);
    return this.send(sql);
  }

  async insertHistoryRow(schema: string, table: string, row: NewHistoryRow): Promise<void> {
    // In a transaction the row can wait for what follows (the COMMIT, mostly): it commits or rolls
    // back with it either way, and a failure to insert still fails that statement's call. Behind a
    // detached script, only the server knows when that ended: it measures the execution time.
    if (this.transactionOpen && this.db.queryBatch) {
      if (this.running !== undefined) {
        this.timedRowAt = this.ahead.length;
        this.ahead.push(`${this.literalRowSql(schema, table, row, ELAPSED_MS_SQL)} RETURNING "execution_time"`);
      } else {
        this.ahead.push(this.literalRowSql(schema, table, row));
      }
    } else {
      await this.send(insertRowSql(this.qualified(schema, table)), rowParameters(row));
    }
  }

  /**
   * The row's INSERT with its values as literals: sent with the COMMIT, or written by a dry run (the
   * baseline row too).
   * `executionTime`: SQL that computes it instead.
   */
  private literalRowSql(schema: string, table: string, row: NewHistoryRow, executionTime?: string): string {
    const values = rowParameters(row).map((value) => literal(value));
    return insertRowSql(this.qualified(schema, table), executionTime === undefined ? values : values.with(EXECUTION_TIME_AT, executionTime));
  }

  async updateHistoryRow(schema: string, table: string, installedRank: number, values: { description: string; type: string; checksum: number | null }): Promise<void> {
    await this.send(updateRowSql(this.qualified(schema, table)), [values.description, values.type, values.checksum, installedRank]);
  }

  async deleteHistoryRows(schema: string, table: string, installedRanks: number[]): Promise<void> {
    if (installedRanks.length === 0) return;
    await this.send(deleteRowsSql(this.qualified(schema, table)), [installedRanks]);
  }

  async begin(): Promise<void> {
    this.transactionOpen = true;
    this.begunInVain = false;
    if (this.db.queryBatch) this.ahead.push('BEGIN');
    else await this.send('BEGIN');
  }

  async commit(): Promise<void> {
    this.transactionOpen = false;
    try {
      await this.send('COMMIT');
    } catch (error) {
      if (error instanceof HeldCommitError) throw error;
      throw toStatementError(error);
    }
  }

  /** Set by connect() when the driver can send a multi-statement query, which a held COMMIT travels in. */
  commitLater?: (landed: (measuredMs?: number) => void) => Promise<void>;

  /**
   * The COMMIT and the history row before it wait in `ahead` for the next round trip: between
   * migrations that is the next one's BEGIN, lock and history read.
   */
  private holdCommit(landed: (measuredMs?: number) => void): void {
    this.transactionOpen = false;
    this.ahead.push('COMMIT');
    const timedAt = this.timedRowAt;
    this.timedRowAt = undefined;
    const ours = (results: QueryResult[]) => {
      const measured = timedAt === undefined ? undefined : Number(results[timedAt]?.rows[0]?.execution_time);
      landed(measured !== undefined && Number.isFinite(measured) ? measured : undefined);
    };
    const earlier = this.held?.landed;
    this.held = {
      count: this.ahead.length,
      landed: earlier === undefined ? ours : (results) => (earlier(results), ours(results)),
    };
  }

  /**
   * What is held back for the transaction being rolled back is dropped, not sent; a COMMIT held back
   * before it, of an earlier transaction, still goes.
   */
  async rollback(): Promise<void> {
    await this.settleRunning();
    this.transactionOpen = false;
    this.pendingLock = undefined;
    const ahead = this.ahead.splice(0);
    if (this.held !== undefined) {
      this.ahead = ahead.slice(0, this.held.count);
      await this.flush();
      return;
    }
    if (this.begunInVain) {
      this.begunInVain = false;
      return;
    }
    if (ahead[0] === 'BEGIN') return;
    await this.send('ROLLBACK');
  }

  splitScript(text: string, file: string): SqlStatement[] {
    return splitPostgresScript(text, file, { serverMajorVersion: this.serverMajor });
  }

  splitPass(file: string): SplitPass {
    return postgresSplitPass(file, { serverMajorVersion: this.serverMajor });
  }

  /** Set by connect() when the driver can send a multi-statement query (the server's can, PGlite's not). */
  executeBatch?: (statements: SqlStatement[]) => Promise<void>;

  /** Set with executeBatch: the server driver can queue a batch behind the one running. */
  mayQueueBatch?: (statements: SqlStatement[]) => boolean;

  private async executeBatchOn(queryBatch: (sql: string) => Promise<unknown>, statements: SqlStatement[]): Promise<void> {
    await this.flush();
    const batch = batchText(statements);
    try {
      await queryBatch(batch.text);
    } catch (error) {
      throw batchFailure(batch, error);
    }
  }

  /** Set by connect() where the driver can queue a text behind another (the server's can, PGlite's not). */
  executeIfHistoryUnchanged?: (schema: string, table: string, afterRank: number, statements: SqlStatement[], run: GuardedRun) => Promise<boolean>;

  /**
   * Two texts, the second sent while the first runs: what is held back, the lock (its outcome kept in
   * LOCKED_SETTING) and whether the history has grown; then the guard and the statements. A guard
   * that fails is a division by zero, which ends its text: the statements are never run, and neither is
   * anything in the transaction after it. The guard looks at the history again rather than trusting
   * the first text: when that text failed before its BEGIN, the second one runs outside any transaction.
   *
   * Both go out before a detached script of the migration before has answered: should that one fail,
   * its transaction refuses them (the held row that leads the first text fails, and with it the text;
   * the guard fails in the aborted transaction), and that failure is the one thrown.
   */
  private async executeGuarded(queryBatch: (sql: string) => Promise<QueryResult[]>, history: string, afterRank: number, statements: SqlStatement[], guarded: GuardedRun): Promise<boolean> {
    const lock = this.pendingLock;
    if (lock === undefined) return false;
    this.pendingLock = undefined;
    const unchanged = noRowAfterSql(history, literal(afterRank));
    const look = this.sendAhead(queryBatch, [
      ...this.ahead.splice(0),
      `SELECT set_config('${LOCKED_SETTING}', ${lockFunction(lock.options)}(${lock.id})::text, true) AS locked`,
      `SELECT ${unchanged} AS unchanged`,
    ]);
    const guard = `SELECT 1 / (current_setting('${LOCKED_SETTING}', true) IS NOT DISTINCT FROM 'true' AND ${unchanged})::int, set_config('${STARTED_SETTING}', extract(epoch FROM clock_timestamp())::text, true)`;
    const batch = batchText([{ sql: guard, line: 0, nonTransactional: false }, ...statements]);
    const run = queryBatch(batch.text);
    await this.settleRunning([look, run]);
    let locked: boolean;
    let clear: boolean;
    try {
      const results = await look;
      locked = results.at(-2)?.rows[0]?.locked === 'true';
      clear = locked && results.at(-1)?.rows[0]?.unchanged === true;
    } catch (error) {
      await run.catch(() => undefined);
      guarded.finished?.();
      throw error;
    }
    if (clear) guarded.started();
    if (clear && guarded.detach) {
      this.running = run.then(
        () => {
          guarded.finished?.();
          return null;
        },
        (error: unknown) => {
          guarded.finished?.();
          return detachedRefusal(batch, statements, error);
        },
      );
      return true;
    }
    try {
      await run;
      return true;
    } catch (error) {
      if (guardRefused(error)) {
        await this.send('ROLLBACK');
        await this.begin();
        if (locked) this.pendingLock = lock;
        else await this.takeLock(lock, 1);
        return false;
      }
      throw batchFailure(batch, error, 1);
    } finally {
      guarded.finished?.();
    }
  }

  async execute(statement: SqlStatement): Promise<void> {
    try {
      if (statement.copyData === undefined) {
        await this.send(statement.sql);
      } else {
        await this.flush();
        await this.db.copyFrom(statement.sql, statement.copyData);
      }
    } catch (error) {
      throw toStatementError(error);
    }
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Array<Record<string, unknown>>> {
    try {
      return (await this.send(sql, [...params])).rows;
    } catch (error) {
      throw toStatementError(error);
    }
  }

  async executeScript(text: string, file: string): Promise<void> {
    for (const statement of this.splitScript(text, file)) await this.execute(statement);
  }

  async cancel(): Promise<void> {
    await this.connection?.cancel();
  }

  readonly render: DialectRenderer = {
    setCurrentSchema: async (schema) => [`SET search_path = ${await this.searchPathStarting(schema)}`],
    acquireLock: async (schema, table, options) => {
      const fn = options.mode === 'transaction' ? 'pg_advisory_xact_lock' : 'pg_advisory_lock';
      return [`SELECT ${fn}(${postgresLockId(this.qualified(schema, table))})`];
    },
    releaseLock: async (schema, table) => [`SELECT pg_advisory_unlock(${postgresLockId(this.qualified(schema, table))})`],
    createSchema: async (schema) => [this.createSchemaSql(schema)],
    cleanSchema: (schema) => this.cleanSchemaSql(schema),
    dropSchema: async (schema) => [this.dropSchemaSql(schema)],
    createHistoryTable: async (schema, table, options) => {
      const names = this.historyNames(schema, table, options.tablespace);
      const baseline = options.baseline ? [this.literalRowSql(schema, table, options.baseline)] : [];
      return [createTableSql(names), ...baseline, addPrimaryKeySql(names), createIndexSql(names)];
    },
    insertHistoryRow: async (schema, table, row) => [this.literalRowSql(schema, table, row)],
    updateHistoryRow: async (schema, table, installedRank, values) => [
      inlineParameters(updateRowSql(this.qualified(schema, table)), [values.description, values.type, values.checksum, installedRank]),
    ],
    deleteHistoryRows: async (schema, table, installedRanks) =>
      installedRanks.length === 0 ? [] : [inlineParameters(deleteRowsSql(this.qualified(schema, table)), [installedRanks])],
    begin: async () => ['BEGIN'],
    commit: async () => ['COMMIT'],
    rollback: async () => ['ROLLBACK'],
    statement: terminated,
  };
}

/**
 * The zone the process's dates are in, as an IANA name. Asking Intl costs tens of milliseconds (it loads
 * locale data), a good part of a run that has nothing to do; TZ and /etc/localtime, where ICU itself
 * looks first, answer the same for a fraction of that.
 */
function processTimeZone(): string {
  const fromEnv = process.env.TZ?.replace(/^:/, '');
  const named = fromEnv === undefined || fromEnv === '' ? localtimeZone() : zoneOfPath(fromEnv);
  return named ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** `Europe/Paris` for a TZ of `Europe/Paris`, or for a path such as `/usr/share/zoneinfo/Europe/Paris`. */
function zoneOfPath(value: string): string | null {
  const at = value.lastIndexOf('/zoneinfo/');
  const name = at === -1 ? value : value.slice(at + '/zoneinfo/'.length);
  return /^[A-Za-z][\w+-]*(\/[\w+-]+)*$/.test(name) ? name : null;
}

/** The zone /etc/localtime links to; null where it is no link (a copied file, or no such file). */
function localtimeZone(): string | null {
  if (process.platform === 'win32') return null;
  try {
    return zoneOfPath(readlinkSync('/etc/localtime'));
  } catch {
    return null;
  }
}

interface PendingLock {
  id: bigint;
  /** The history table, for the message when the lock is not granted. */
  where: string;
  options: LockOptions;
}

function lockFunction(options: LockOptions): string {
  return options.mode === 'transaction' ? 'pg_try_advisory_xact_lock' : 'pg_try_advisory_lock';
}

function lastOf(results: QueryResult[]): QueryResult {
  return results.at(-1) ?? { rows: [], rowCount: 0 };
}

/** In the order of insertRowSql's parameters. */
function rowParameters(row: NewHistoryRow): [number, string | null, string, string, string, number | null, string | null, number, boolean] {
  return [row.installedRank, row.version, row.description, row.type, row.script, row.checksum, row.installedBy, row.executionTime, row.success];
}

/** How many statements of a multi-statement text completed before it failed, when the driver said. */
function completedOf(error: unknown): number | null {
  const completed = (error as { completed?: unknown }).completed;
  return typeof completed === 'number' ? completed : null;
}

/**
 * A failure of a batch as its statement's own: which one, and the error's position within it. `lead`
 * statements of godwit's own go ahead of the caller's (the guard); one of them that failed otherwise
 * than by design (cancelled, timed out) stands as the failure of the first, with no position in it:
 * nothing of the caller's ran.
 */
function batchFailure(batch: BatchText, error: unknown, lead = 0): BatchStatementError {
  const failed = toStatementError(error);
  const at = statementAt(batch, failed.position, completedOf(error));
  const ahead = at.index < lead;
  return new BatchStatementError(ahead ? 0 : at.index - lead, new StatementError(failed.message, failed.sqlState, ahead ? null : at.position, failed.detail, error));
}

/** The guard itself refused the text it leads, as designed: nothing after it ran. */
function guardRefused(error: unknown): boolean {
  return completedOf(error) === 0 && toStatementError(error).sqlState === GUARD_REFUSED;
}

/**
 * A detached script's failure, reported from a later call. Its guard cannot fail by design once the look
 * came back clear, in the same transaction and under the lock; should the history change anyway (a
 * writer that ignores the lock), nothing of the script ran, and that is what the error says.
 */
function detachedRefusal(batch: BatchText, statements: SqlStatement[], error: unknown): HeldCommitError {
  if (guardRefused(error)) {
    return new HeldCommitError(
      new StatementError('The schema history changed between the look under the lock and the script, so the script did not run.', GUARD_REFUSED, null, null, error),
    );
  }
  const failed = batchFailure(batch, error, 1);
  return new HeldCommitError(failed.error, statements[failed.index]);
}

function toStatementError(error: unknown): StatementError {
  if (error instanceof Error) {
    const e = error as Error & { code?: string; position?: string; detail?: string; hint?: string; where?: string };
    const details = [e.detail, e.hint ? `Hint: ${e.hint}` : undefined, e.where ? `Where: ${e.where}` : undefined].filter(Boolean).join('\n');
    return new StatementError(e.message, e.code ?? null, e.position ? Number(e.position) : null, details || null, error);
  }
  return new StatementError(String(error), null, null, null, error);
}

/**
 * The statements that end a transaction, and the only ones a failed transaction still runs (COMMIT and
 * END roll it back, as do ABORT, ROLLBACK and PREPARE TRANSACTION). What runs after one is outside the
 * transaction: a failure before it no longer stops what follows. Any PREPARE counts, to keep the test
 * to the first word.
 */
const TRANSACTION_END = /^(?:COMMIT|END|ROLLBACK|ABORT|PREPARE)(?![\w$\u0080-\uffff])/i;

function endsTransaction(statement: SqlStatement): boolean {
  return TRANSACTION_END.test(statement.sql);
}
