import { setTimeout as delay } from 'node:timers/promises';
import type mysql from 'mysql2/promise';
import { ConnectionError } from '../../errors.js';
import type { AppliedMigration, NewHistoryRow } from '../../engine/types.js';
import { MigrationVersion } from '../../engine/version.js';
import type { Dialect, DialectRenderer, GuardedRun, LockOptions, SessionInfo, SqlStatement } from '../dialect.js';
import { BatchStatementError, HeldCommitError, StatementError } from '../dialect.js';
import { batchText, statementAt } from '../batch-text.js';
import type { SplitPass } from '../statement-stream.js';
import { dropNonTableStatements, dropSequenceStatements, dropTableStatements, isEmpty } from './clean.js';
import {
  createIndexSql,
  createTableAsBaselineSql,
  createTableSql,
  deleteRowsSql,
  insertRowSql,
  noRowAfterGuardSql,
  selectRowsSql,
  SESSION_USER_SQL,
  updateRowSql,
  type HistoryTableNames,
} from './history-sql.js';
import { mysqlBatches } from './batches.js';
import { connectionOptions, connectMysql, queryBatch, type BatchFailure, type MysqlServerOptions, type Select } from './mysql-client.js';
import { acquireNamedLock, mysqlLockName, releaseNamedLock } from './named-lock.js';
import { inlineParameters, literal, terminated } from './render.js';
import { mysqlSplitPass, splitMysqlScript } from './splitter.js';

type Product = 'mysql' | 'mariadb';
const DISPLAY_NAME: Record<Product, string> = { mysql: 'MySQL', mariadb: 'MariaDB' };

const REPLAY_LOCK_WAIT_SECONDS = 365 * 24 * 3600;

/** SQLSTATE of ER_SUBQUERY_NO_1_ROW: how the guard of executeIfHistoryUnchanged says the history grew. */
const HISTORY_GREW_STATE = '21000';

/** ER_GTID_UNSAFE_CREATE_SELECT: servers enforcing GTID consistency refuse CREATE TABLE … SELECT. */
const GTID_UNSAFE_CREATE_SELECT = 1786;

/** A detached script (GuardedRun.detach): how long it ran, once it has. */
interface Timing {
  measured?: number;
}

/** A history row's INSERT, with the execution time measured after it was written (Timing), if given. */
type RowSql = (measuredMs?: number) => string;

interface MysqlError {
  code?: string;
  errno?: number;
  sqlState?: string;
  message?: string;
}

/**
 * MySQL and MariaDB behind one dialect, as in Flyway, where MariaDB is MySQL with a different name and an
 * unnamed primary key. Schemas are databases. DDL commits implicitly, so a failed migration cannot be
 * rolled back (supportsTransactionalDdl false) and the lock is a session-scoped named lock.
 */
export class MysqlDialect implements Dialect {
  readonly supportsTransactionalDdl = false;
  readonly supportsTransactionalLock = false;

  /** From the URL until connect() asks the server, which may be MariaDB behind a jdbc:mysql:// URL. */
  private product: Product;
  private connection: mysql.Connection | undefined;
  private options: mysql.ConnectionOptions | undefined;
  private version = '';
  /** GET_LOCK is re-entrant and counted: each acquisition needs its own RELEASE_LOCK. */
  private readonly heldLocks = new Map<string, number>();
  /**
   * A lock releaseLock was told to release later, still held: its RELEASE_LOCK waits for the next
   * statement or flush(), and an acquireLock of the same lock before then keeps it instead. Between two
   * migrations that saves the release and the next GET_LOCK, two round trips of six.
   */
  private releaseDue: string | undefined;
  /**
   * The history row written in the open transaction, as literal SQL held back to go with its COMMIT in
   * one multi-statement text, a round trip fewer per migration. Anything else sent before the COMMIT
   * takes it along first (flush), so that what follows sees the row.
   */
  private heldRow: RowSql | undefined;
  /**
   * The history row and COMMIT commitLater held back, with what follows them: they lead the next
   * migration's guarded script (executeIfHistoryUnchanged) in one text, or go alone before anything
   * else (settleCommit).
   */
  private heldCommit: { statements: (measuredMs?: number) => string[]; landed: (measuredMs?: number) => void; timing?: Timing } | undefined;
  /**
   * The text executeIfHistoryUnchanged did not wait for (GuardedRun.detach): its refusal once it has
   * answered, null when it ran. Anything else waits for it before it is sent, and the next guarded
   * text is written the moment it ran, never after a failure: MySQL would run that text all the same.
   */
  private running: { timing: Timing; outcome: Promise<HeldCommitError | null> } | undefined;
  /** The detached script of the open transaction: its history row takes the time it ran once known. */
  private timing: Timing | undefined;
  /**
   * The session's autocommit as godwit last set or saw it; undefined once SQL godwit did not write ran
   * outside a transaction, since that may have changed it.
   */
  private autocommit: boolean | undefined;
  /** Between begin() and commit() or rollback(). */
  private transactionOpen = false;
  /** The database setCurrentSchema asked for; `USE` waits until it exists (migrate creates it first). */
  private wantedSchema: string | undefined;
  private wantedSchemaInUse = false;
  /** The server's max_allowed_packet: no batch text may be longer. */
  private maxPacket = 1 << 22;
  /** A multi-statement text is on its way or running: cancel() must stop all of it (see cancel). */
  private batchInFlight: Promise<unknown> | undefined;
  /** How many times cancel() was called: a batch that outlived one must not count as done. */
  private cancels = 0;

  constructor(
    private readonly server: MysqlServerOptions,
    product: Product,
  ) {
    this.product = product;
  }

  get name(): string {
    return this.product;
  }

  get displayName(): string {
    return DISPLAY_NAME[this.product];
  }

  private get db(): mysql.Connection {
    if (!this.connection) throw new ConnectionError(`Not connected to ${this.displayName}.`);
    return this.connection;
  }

  /**
   * The connection, with autocommit back on when the last COMMIT left it off (see commit()): for
   * everything except the lock functions and the transaction's own statements.
   */
  private async ready(): Promise<mysql.Connection> {
    await this.flush();
    const db = this.db;
    if (this.autocommit === false && !this.transactionOpen) {
      await db.query('SET autocommit = 1');
      this.autocommit = true;
    }
    return db;
  }

  /** A parameterised statement, prepared on the server: no client-side escaping to get wrong. */
  private readonly select: Select = async (sql, params) => {
    const [rows] = await (await this.ready()).execute(sql, params);
    return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
  };

  /** As select, for GET_LOCK and RELEASE_LOCK: they open no transaction, so autocommit may stay off. */
  private readonly lockSelect: Select = async (sql, params) => {
    await this.settleRunning();
    await this.settleCommit();
    const [rows] = await this.db.execute(sql, params);
    return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
  };

  async connect(): Promise<void> {
    this.heldCommit = undefined;
    this.running = undefined;
    this.timing = undefined;
    this.autocommit = undefined;
    this.transactionOpen = false;
    this.options = connectionOptions(this.server);
    this.connection = await connectMysql(this.options, this.displayName);
    const rows = await this.select('SELECT VERSION() AS version, @@max_allowed_packet AS packet', []);
    this.version = String(rows[0]?.version ?? '');
    this.maxPacket = Number(rows[0]?.packet ?? this.maxPacket);
    this.product = /mariadb/i.test(this.version) ? 'mariadb' : 'mysql';
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.running = undefined;
    if (!connection) return;
    await connection.end().catch(() => connection.destroy());
  }

  /** The release number, as Flyway extracts it: `10.11.19` from `10.11.19-MariaDB-0+deb12u1`. */
  async serverVersion(): Promise<string> {
    return /\d+\.\d+\.\d+/.exec(this.version)?.[0] ?? this.version;
  }

  /** InnoDB's statistics: approximate, refreshed by ANALYZE TABLE and as the table changes. */
  async tableSize(schema: string | undefined, table: string): Promise<{ bytes: number; rows: number | null } | null> {
    const rows = await this.select(
      'SELECT data_length + index_length AS bytes, table_rows AS estimated FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?',
      [schema ?? null, table],
    );
    const row = rows[0];
    if (!row) return null;
    return { bytes: Number(row.bytes ?? 0), rows: row.estimated === null || row.estimated === undefined ? null : Number(row.estimated) };
  }

  async session(): Promise<SessionInfo> {
    const rows = await this.select(`SELECT ${SESSION_USER_SQL} AS user, DATABASE() AS db`, []);
    const database = rows[0]?.db == null ? null : String(rows[0].db);
    return { user: String(rows[0]?.user ?? ''), database: database ?? '', schema: database };
  }

  /**
   * lock_wait_timeout bounds the metadata-lock wait that DDL queues on behind a long transaction.
   * The statement limit is MariaDB's max_statement_time (seconds) or MySQL's max_execution_time
   * (milliseconds, and SELECT only): whichever this server has.
   */
  async setTimeouts(timeouts: { statementMs: number; lockMs: number }): Promise<void> {
    const db = await this.ready();
    if (timeouts.lockMs > 0) await db.query('SET SESSION lock_wait_timeout = ?', [Math.max(1, Math.ceil(timeouts.lockMs / 1000))]);
    if (timeouts.statementMs <= 0) return;
    const [rows] = await db.query("SHOW VARIABLES WHERE Variable_name IN ('max_statement_time', 'max_execution_time')");
    const names = (rows as Array<{ Variable_name: string }>).map((row) => row.Variable_name);
    if (names.includes('max_statement_time')) await db.query('SET SESSION max_statement_time = ?', [timeouts.statementMs / 1000]);
    else if (names.includes('max_execution_time')) await db.query('SET SESSION max_execution_time = ?', [timeouts.statementMs]);
  }

  async setCurrentSchema(schema: string): Promise<void> {
    this.wantedSchema = schema;
    this.wantedSchemaInUse = false;
    try {
      await this.useWantedSchema();
    } catch (error) {
      // Not created yet: migrate creates it before any script runs, and execute() switches then.
      if ((error as MysqlError).code !== 'ER_BAD_DB_ERROR') throw error;
    }
  }

  private async useWantedSchema(): Promise<void> {
    if (this.wantedSchema === undefined || this.wantedSchemaInUse) return;
    await (await this.ready()).query(`USE ${this.quoteIdentifier(this.wantedSchema)}`);
    this.wantedSchemaInUse = true;
  }

  quoteIdentifier(name: string): string {
    return `\`${name.replaceAll('`', '``')}\``;
  }

  private qualified(schema: string, table: string): string {
    return `${this.quoteIdentifier(schema)}.${this.quoteIdentifier(table)}`;
  }

  /** Always a session lock (`mode` cannot be honoured: MySQL has no transaction-scoped locks). */
  async acquireLock(schema: string, table: string, options: LockOptions): Promise<void> {
    const qualified = this.qualified(schema, table);
    const name = mysqlLockName(qualified);
    if (this.releaseDue === name) this.releaseDue = undefined;
    else await acquireNamedLock(this.lockSelect, name, qualified, options);
    this.heldLocks.set(name, (this.heldLocks.get(name) ?? 0) + 1);
  }

  async releaseLock(schema: string, table: string, options: { later?: boolean } = {}): Promise<void> {
    const name = mysqlLockName(this.qualified(schema, table));
    const held = this.heldLocks.get(name) ?? 0;
    if (held === 0) return;
    if (held === 1) this.heldLocks.delete(name);
    else this.heldLocks.set(name, held - 1);
    if (held === 1 && options.later && (this.releaseDue === undefined || this.releaseDue === name) && this.heldRow === undefined) {
      this.releaseDue = name;
      return;
    }
    await this.flush();
    await releaseNamedLock(this.lockSelect, name);
  }

  /** Sends the history row, the COMMIT (commitLater) and the RELEASE_LOCK held back, if any. */
  async flush(): Promise<void> {
    await this.settleRunning();
    await this.settleCommit();
    const row = this.heldRow;
    if (row !== undefined) {
      this.heldRow = undefined;
      await this.db.query(row(this.timing?.measured));
    }
    const name = this.releaseDue;
    if (name === undefined) return;
    this.releaseDue = undefined;
    await releaseNamedLock(this.lockSelect, name);
  }

  async schemaExists(schema: string): Promise<boolean> {
    const rows = await this.select('SELECT 1 AS found FROM information_schema.schemata WHERE schema_name = ?', [schema]);
    return rows.length > 0;
  }

  async createSchema(schema: string): Promise<void> {
    await (await this.ready()).query(this.createSchemaSql(schema));
    if (schema === this.wantedSchema) await this.useWantedSchema();
  }

  private createSchemaSql(schema: string): string {
    return `CREATE DATABASE ${this.quoteIdentifier(schema)}`;
  }

  async isSchemaEmpty(schema: string): Promise<boolean> {
    return isEmpty(this.select, schema);
  }

  async cleanSchema(schema: string): Promise<void> {
    const quote = (name: string) => this.quoteIdentifier(name);
    const db = await this.ready();
    for (const statement of await dropNonTableStatements(this.select, quote, schema)) await db.query(statement);
    const tables = await dropTableStatements(this.select, quote, schema);
    if (tables.length > 0) {
      const before = await this.select('SELECT @@foreign_key_checks AS checks', []);
      await db.query('SET foreign_key_checks = 0');
      try {
        for (const statement of tables) await db.query(statement);
      } finally {
        await db.query(`SET foreign_key_checks = ${Number(before[0]?.checks) === 0 ? 0 : 1}`);
      }
    }
    for (const statement of await dropSequenceStatements(this.select, quote, schema)) await db.query(statement);
  }

  async dropSchema(schema: string): Promise<void> {
    await (await this.ready()).query(this.dropSchemaSql(schema));
    // The session has no current database now; it needs a new USE once the database is back.
    if (schema === this.wantedSchema) this.wantedSchemaInUse = false;
  }

  private dropSchemaSql(schema: string): string {
    return `DROP DATABASE IF EXISTS ${this.quoteIdentifier(schema)}`;
  }

  async historyTableExists(schema: string, table: string): Promise<boolean> {
    const rows = await this.select(
      "SELECT 1 AS found FROM information_schema.tables WHERE table_schema = ? AND table_name = ? AND table_type = 'BASE TABLE'",
      [schema, table],
    );
    return rows.length > 0;
  }

  private historyNames(schema: string, table: string, tablespace: string | undefined): HistoryTableNames {
    return {
      qualified: this.qualified(schema, table),
      // MariaDBDatabase.getConstraintName is "": the key is left to be called PRIMARY.
      constraint: this.product === 'mariadb' ? '' : this.quoteIdentifier(`${table}_pk`),
      index: this.quoteIdentifier(`${table}_s_idx`),
      tablespace: tablespace ? ` TABLESPACE ${this.quoteIdentifier(tablespace)}` : '',
    };
  }

  async createHistoryTable(schema: string, table: string, options: { tablespace?: string | undefined; baseline?: NewHistoryRow }): Promise<void> {
    const names = this.historyNames(schema, table, options.tablespace);
    const db = await this.ready();
    if (options.baseline) {
      try {
        await db.execute(createTableAsBaselineSql(names), rowParameters(options.baseline));
      } catch (error) {
        // Flyway falls back to a separate INSERT on such servers too.
        if ((error as MysqlError).errno !== GTID_UNSAFE_CREATE_SELECT) throw error;
        await db.query(createTableSql(names));
        await this.insertHistoryRow(schema, table, options.baseline);
        await this.flush();
      }
    } else {
      await db.query(createTableSql(names));
    }
    await db.query(createIndexSql(names));
  }

  async readHistory(schema: string, table: string, afterRank?: number): Promise<AppliedMigration[]> {
    const rows = await this.select(selectRowsSql(this.qualified(schema, table), afterRank !== undefined), afterRank === undefined ? [] : [afterRank]);
    return rows.map((row) => ({
      installedRank: Number(row.installed_rank),
      version: row.version == null ? null : MigrationVersion.parse(String(row.version)),
      description: String(row.description),
      type: String(row.type),
      script: String(row.script),
      checksum: row.checksum == null ? null : Number(row.checksum),
      installedBy: String(row.installed_by),
      installedOn: new Date(Number(row.installed_on_epoch) * 1000),
      executionTime: Number(row.execution_time),
      success: Number(row.success) !== 0,
    }));
  }

  async insertHistoryRow(schema: string, table: string, row: NewHistoryRow): Promise<void> {
    if (this.transactionOpen) {
      // Flushed only when something waits: a detached script may still be running, unwaited for.
      if (this.heldRow !== undefined || this.heldCommit !== undefined || this.releaseDue !== undefined) await this.flush();
      this.heldRow = (measuredMs) => this.literalRowSql(schema, table, measuredMs === undefined ? row : { ...row, executionTime: measuredMs });
      return;
    }
    await (await this.ready()).execute(insertRowSql(this.qualified(schema, table)), rowParameters(row));
  }

  /** The row's INSERT with its values as literals: held back for the COMMIT, or written by a dry run. */
  private literalRowSql(schema: string, table: string, row: NewHistoryRow): string {
    return insertRowSql(this.qualified(schema, table), rowParameters(row).map((value) => literal(value)));
  }

  async updateHistoryRow(schema: string, table: string, installedRank: number, values: { description: string; type: string; checksum: number | null }): Promise<void> {
    await (await this.ready()).execute(updateRowSql(this.qualified(schema, table)), [values.description, values.type, values.checksum, installedRank]);
  }

  async deleteHistoryRows(schema: string, table: string, installedRanks: number[]): Promise<void> {
    if (installedRanks.length === 0) return;
    await (await this.ready()).execute(deleteRowsSql(this.qualified(schema, table), installedRanks.length), installedRanks);
  }

  /**
   * As JDBC's setAutoCommit(false), which Flyway uses, not START TRANSACTION: the DDL of a migration
   * commits implicitly, and with autocommit off the statements after it stay in a new transaction
   * (rolled back on failure, one commit at the end) instead of committing one by one.
   */
  async begin(): Promise<void> {
    this.transactionOpen = true;
    // Still off after the last COMMIT: the next statement starts the transaction, as after SET.
    if (this.autocommit === false) return;
    await this.db.query('SET autocommit = 0');
    this.autocommit = false;
  }

  /**
   * Autocommit stays off after the COMMIT until a statement other than the lock functions needs it on
   * (ready()): between two migrations that is only the lock's release and the next one's GET_LOCK, so
   * the next begin() has nothing to send. The COMMIT's status says whether the migration turned it on.
   */
  async commit(): Promise<void> {
    await this.settleRunning();
    await this.settleCommit();
    this.transactionOpen = false;
    const row = this.heldRow;
    this.heldRow = undefined;
    const measured = this.timing?.measured;
    this.timing = undefined;
    const [result] = await this.db.query(row === undefined ? 'COMMIT' : `${row(measured)};\nCOMMIT`);
    this.autocommit = autocommitAfter(Array.isArray(result) ? result.at(-1) : result);
    if (this.autocommit !== undefined) return;
    await this.db.query('SET autocommit = 1');
    this.autocommit = true;
  }

  /**
   * Holds the history row and the COMMIT back to lead the next migration's text, a round trip fewer
   * per migration. Autocommit is turned off again behind the COMMIT, as the migration may have turned
   * it on. Anything but the next guarded script sends them alone first (settleCommit).
   */
  async commitLater(landed: (measuredMs?: number) => void): Promise<void> {
    await this.settleCommit();
    this.transactionOpen = false;
    const row = this.heldRow;
    this.heldRow = undefined;
    this.autocommit = false;
    const timing = this.timing;
    this.timing = undefined;
    this.heldCommit = {
      statements: (measuredMs) => [...(row === undefined ? [] : [row(measuredMs)]), 'COMMIT', 'SET autocommit = 0'],
      landed,
      ...(timing && { timing }),
    };
  }

  /** Sends what commitLater held back, alone, and waits for it: after the script it commits. */
  private async settleCommit(): Promise<void> {
    if (this.heldCommit === undefined) return;
    await this.settleRunning();
    const held = this.heldCommit;
    this.heldCommit = undefined;
    try {
      await queryBatch(this.db, held.statements(held.timing?.measured).join(';\n'));
    } catch (error) {
      await this.refuseHeld(toStatementError(error));
    }
    held.landed(held.timing?.measured);
  }

  /**
   * Waits for a detached script. When it was refused, nothing was sent behind it: `queued`, what waited
   * to go, is waited for, and the script's transaction rolled back, as refuseHeld does. Autocommit goes
   * back on, as the caller records the failure next (or rolls back its own transaction, which sets it
   * again). Its history row and COMMIT, held back, are dropped, and the refusal thrown.
   */
  private async settleRunning(queued: Array<Promise<unknown>> = []): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    this.running = undefined;
    const refused = await running.outcome;
    if (refused === null) return;
    await Promise.allSettled(queued);
    this.heldCommit = undefined;
    this.heldRow = undefined;
    this.timing = undefined;
    await queryBatch(this.db, 'ROLLBACK;\nSET autocommit = 1');
    this.autocommit = true;
    throw refused;
  }

  /**
   * A held row or COMMIT the server refused: the migration's transaction is rolled back, since what it
   * did apart from its DDL must not stay pending, where turning autocommit on would commit it.
   */
  private async refuseHeld(error: StatementError): Promise<never> {
    this.autocommit = undefined;
    await this.db.query('ROLLBACK');
    throw new HeldCommitError(error);
  }

  /** A COMMIT of commitLater refused on the way is thrown once the rollback is done: it came first. */
  async rollback(): Promise<void> {
    const refused = await this.settleRunning().then(() => this.settleCommit()).then(
      () => null,
      (error: unknown) => error,
    );
    this.transactionOpen = false;
    this.heldRow = undefined;
    this.timing = undefined;
    await this.db.query('ROLLBACK');
    await this.db.query('SET autocommit = 1');
    this.autocommit = true;
    if (refused !== null) throw refused;
  }

  splitScript(text: string, file: string): SqlStatement[] {
    return splitMysqlScript(text, file);
  }

  splitPass(file: string): SplitPass {
    return mysqlSplitPass(file);
  }

  /** Sent as text (not prepared): stored programs and most DDL cannot be prepared, and `?` is literal. */
  async execute(statement: SqlStatement): Promise<void> {
    try {
      await this.useWantedSchema();
      await (await this.ready()).query(statement.sql);
    } catch (error) {
      throw toStatementError(error);
    } finally {
      this.userSqlRan();
    }
  }

  /**
   * The statements as multi-statement texts, in order (see mysqlBatches for how they are cut). The server
   * stops at the first it refuses; the results before it say which one that was.
   */
  async executeBatch(statements: SqlStatement[]): Promise<void> {
    try {
      await this.useWantedSchema();
      const db = await this.ready();
      for (const part of mysqlBatches(statements, this.maxPacket)) {
        try {
          await this.sendBatch(db, part.statements);
        } catch (error) {
          if (error instanceof BatchStatementError) throw new BatchStatementError(part.from + error.index, error.error);
          throw error;
        }
      }
    } catch (error) {
      if (error instanceof BatchStatementError) throw error;
      throw new BatchStatementError(0, toStatementError(error));
    } finally {
      this.userSqlRan();
    }
  }

  /**
   * One multi-statement text; a refusal is a BatchStatementError naming the statement among these.
   * `reached` is called when the result of statement `index` arrives, if it and those before it return
   * no rows: the server sends each statement's result as it completes, before it runs the next.
   */
  private async sendBatch(db: mysql.Connection, statements: SqlStatement[], reached?: { index: number; call: () => void }): Promise<void> {
    const batch = batchText(statements);
    const cancelsBefore = this.cancels;
    const sent = queryBatch(db, batch.text, reached);
    this.batchInFlight = sent;
    try {
      await sent;
      // A statement that returns normally when killed (SLEEP) let the rest of the batch run: the
      // migration still ends as cancelled, its last statement standing for the one interrupted.
      if (this.cancels !== cancelsBefore) {
        throw Object.assign(new Error('Query execution was interrupted'), { errno: QUERY_INTERRUPTED, code: 'ER_QUERY_INTERRUPTED', sqlState: '70100', completed: statements.length - 1 });
      }
    } catch (error) {
      const completed = (error as BatchFailure).completed;
      throw new BatchStatementError(statementAt(batch, null, completed ?? null).index, toStatementError(error));
    } finally {
      // A text written behind a detached one may be in flight by now.
      if (this.batchInFlight === sent) this.batchInFlight = undefined;
    }
  }

  /**
   * One text: the history row and COMMIT of the migration before (commitLater), then a guard that fails,
   * before anything else of this migration runs, when a history row ranks above `afterRank`, then the
   * statements. The named lock is the session's and already held, so the guard looks at the history
   * only. A migration then waits for the server once. The server stops at the first statement it
   * refuses, so a refused row or COMMIT stops the rest. False, with nothing of the statements sent,
   * where they would not go in one text (a CALL before the last, which must end its text, or more than
   * one packet).
   *
   * Detached (GuardedRun.detach), the call returns once the guard's result is in, and the next
   * migration's text waits behind this one's in the process: MySQL would run it even after this one
   * failed, so it is written from the callback that hears this one ran, without a turn through the
   * engine, and never after a failure. The row then takes the time the script took, known only then.
   */
  async executeIfHistoryUnchanged(schema: string, table: string, afterRank: number, statements: SqlStatement[], run: GuardedRun): Promise<boolean> {
    const guard = { sql: noRowAfterGuardSql(this.qualified(schema, table), afterRank), line: 0, nonTransactional: false };
    // The held COMMIT may lead only when nothing else waits to go before it, as ready() sends it.
    const held = this.wantedSchemaInUse && this.heldRow === undefined && this.releaseDue === undefined ? this.heldCommit : undefined;
    const behind = held?.timing !== undefined && this.running?.timing === held.timing ? this.running : undefined;
    const text = (measuredMs?: number) => [...(held?.statements(measuredMs) ?? []).map((sql) => ({ sql, line: 0, nonTransactional: false })), guard, ...statements];
    const whole = text();
    if (mysqlBatches(whole, this.maxPacket).length > 1) return false;
    const leading = whole.length - statements.length - 1;
    let landed = false;
    const land = () => {
      if (landed) return;
      landed = true;
      held?.landed(held.timing?.measured);
    };
    let detached = false;
    try {
      if (behind === undefined) await this.settleRunning();
      if (held) this.heldCommit = undefined;
      else await this.useWantedSchema();
      const db = held ? this.db : await this.ready();
      let startedAt = 0;
      let passed = () => {};
      const guardPassed = new Promise<void>((resolve) => {
        passed = resolve;
      });
      // The guard's result: the statements start now (the time is taken before the callbacks' own
      // work), and what led them went through.
      const reached = {
        index: leading,
        call: () => {
          startedAt = performance.now();
          land();
          run.started();
          passed();
        },
      };
      const sent =
        behind === undefined
          ? this.sendBatch(db, text(held?.timing?.measured), reached)
          : behind.outcome.then((refused) => (refused === null ? this.sendBatch(db, text(held?.timing?.measured), reached) : Promise.reject(refused)));
      if (behind !== undefined) await this.settleRunning([sent]);
      if (run.detach) await Promise.race([guardPassed, sent.catch(() => undefined)]);
      if (run.detach && startedAt > 0) {
        const timing: Timing = {};
        this.timing = timing;
        this.running = { timing, outcome: this.outcomeOf(sent, leading + 1, statements, startedAt, timing, run) };
        detached = true;
        return true;
      }
      try {
        await sent;
      } catch (error) {
        if (!(error instanceof BatchStatementError)) throw error;
        if (error.index < leading) return await this.refuseHeld(error.error);
        land();
        if (error.index > leading) throw new BatchStatementError(error.index - leading - 1, error.error);
        if (error.error.sqlState === HISTORY_GREW_STATE) return false;
        // The guard failed otherwise (cancelled, timed out): nothing of the statements ran.
        throw new BatchStatementError(0, new StatementError(error.error.message, error.error.sqlState, null, error.error.detail, error.error.cause));
      }
      return true;
    } catch (error) {
      if (error instanceof HeldCommitError || error instanceof BatchStatementError) throw error;
      throw new BatchStatementError(0, toStatementError(error));
    } finally {
      if (!detached) run.finished?.();
      this.userSqlRan();
    }
  }

  /**
   * What a detached text comes to: null when it ran, with the time its statements took (from `startedAt`,
   * when the guard's result came) kept in `timing`; else its refusal, naming the statement of those
   * that begin at `first` in the text.
   */
  private async outcomeOf(sent: Promise<void>, first: number, statements: SqlStatement[], startedAt: number, timing: Timing, run: GuardedRun): Promise<HeldCommitError | null> {
    try {
      await sent;
      timing.measured = Math.round(performance.now() - startedAt);
      return null;
    } catch (error) {
      const elapsed = Math.round(performance.now() - startedAt);
      if (!(error instanceof BatchStatementError)) return new HeldCommitError(toStatementError(error), statements[0], elapsed);
      return new HeldCommitError(error.error, statements[Math.min(Math.max(error.index - first, 0), statements.length - 1)], elapsed);
    } finally {
      run.finished?.();
    }
  }

  /** Inside a transaction, commit() learns autocommit afresh from the server; outside, it is unknown now. */
  private userSqlRan(): void {
    if (!this.transactionOpen) this.autocommit = undefined;
  }

  /** Parameters are escaped by the client into the text, so DDL, which cannot be prepared, takes them too. */
  async query(sql: string, params: readonly unknown[] = []): Promise<Array<Record<string, unknown>>> {
    try {
      await this.useWantedSchema();
      const [rows] = await (await this.ready()).query(sql, [...params]);
      return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
    } catch (error) {
      throw toStatementError(error);
    } finally {
      this.userSqlRan();
    }
  }

  async executeScript(text: string, file: string): Promise<void> {
    for (const statement of this.splitScript(text, file)) await this.execute(statement);
  }

  readonly render: DialectRenderer = {
    setCurrentSchema: async (schema) => [`USE ${this.quoteIdentifier(schema)}`],
    // A replayed script has no retry loop, so it waits as long as it takes: a year, since MariaDB
    // answers a negative timeout (MySQL's "forever") with NULL, not the lock.
    acquireLock: async (schema, table) => [`SELECT GET_LOCK(${inlineParameters('?', [mysqlLockName(this.qualified(schema, table))])}, ${REPLAY_LOCK_WAIT_SECONDS})`],
    releaseLock: async (schema, table) => [`SELECT RELEASE_LOCK(${inlineParameters('?', [mysqlLockName(this.qualified(schema, table))])})`],
    createSchema: async (schema) => [this.createSchemaSql(schema)],
    cleanSchema: async (schema) => {
      const quote = (name: string) => this.quoteIdentifier(name);
      const nonTables = await dropNonTableStatements(this.select, quote, schema);
      const tables = await dropTableStatements(this.select, quote, schema);
      const before = await this.select('SELECT @@foreign_key_checks AS checks', []);
      const checks = tables.length === 0 ? [] : ['SET foreign_key_checks = 0', ...tables, `SET foreign_key_checks = ${Number(before[0]?.checks) === 0 ? 0 : 1}`];
      return [...nonTables, ...checks, ...(await dropSequenceStatements(this.select, quote, schema))];
    },
    dropSchema: async (schema) => [this.dropSchemaSql(schema)],
    createHistoryTable: async (schema, table, options) => {
      const names = this.historyNames(schema, table, options.tablespace);
      const create = options.baseline ? inlineParameters(createTableAsBaselineSql(names), rowParameters(options.baseline)) : createTableSql(names);
      return [create, createIndexSql(names)];
    },
    insertHistoryRow: async (schema, table, row) => [this.literalRowSql(schema, table, row)],
    updateHistoryRow: async (schema, table, installedRank, values) => [
      inlineParameters(updateRowSql(this.qualified(schema, table)), [values.description, values.type, values.checksum, installedRank]),
    ],
    deleteHistoryRows: async (schema, table, installedRanks) =>
      installedRanks.length === 0 ? [] : [inlineParameters(deleteRowsSql(this.qualified(schema, table), installedRanks.length), installedRanks)],
    begin: async () => ['SET autocommit = 0'],
    commit: async () => ['COMMIT', 'SET autocommit = 1'],
    rollback: async () => ['ROLLBACK', 'SET autocommit = 1'],
    statement: terminated,
  };

  /**
   * KILL QUERY from a second session: the busy one cannot be interrupted from inside. It stops the
   * statement running, and a batch with it when that statement fails; but SLEEP, GET_LOCK and the like
   * return normally when killed, and the batch then goes on. So while a batch is in flight the kill is
   * repeated, each one failing the statement it finds running, which ends the batch there.
   */
  async cancel(): Promise<void> {
    this.cancels++;
    const threadId = this.connection?.threadId;
    if (threadId === undefined || !this.options) return;
    const canceller = await connectMysql(this.options, this.displayName);
    try {
      await canceller.query(`KILL QUERY ${Number(threadId)}`);
      for (let batch = this.batchInFlight; batch !== undefined; batch = this.batchInFlight) {
        const settled = await Promise.race([batch.then(settledValue, settledValue), delay(KILL_REPEAT_MS)]);
        if (settled === SETTLED) continue;
        await canceller.query(`KILL QUERY ${Number(threadId)}`);
      }
    } finally {
      await canceller.end().catch(() => canceller.destroy());
    }
  }
}

/** ER_QUERY_INTERRUPTED, what a statement stopped by KILL QUERY fails with. */
const QUERY_INTERRUPTED = 1317;

/** How often cancel() repeats KILL QUERY while a batch goes on. */
const KILL_REPEAT_MS = 50;
const SETTLED = Symbol('settled');
const settledValue = (): typeof SETTLED => SETTLED;

/** SERVER_STATUS_AUTOCOMMIT of the status flags every OK packet carries. */
const SERVER_STATUS_AUTOCOMMIT = 0x0002;

function autocommitAfter(result: unknown): boolean | undefined {
  const status = (result as { serverStatus?: unknown } | undefined)?.serverStatus;
  return typeof status === 'number' ? (status & SERVER_STATUS_AUTOCOMMIT) !== 0 : undefined;
}

/** In the column order of insertRowSql and createTableAsBaselineSql; BOOL is TINYINT(1), so 1 or 0. */
function rowParameters(row: NewHistoryRow): Array<string | number | null> {
  return [row.installedRank, row.version, row.description, row.type, row.script, row.checksum, row.installedBy, row.executionTime, row.success ? 1 : 0];
}

function toStatementError(error: unknown): StatementError {
  if (error instanceof Error) {
    const e = error as Error & MysqlError;
    const detail = e.errno === undefined ? (e.code ?? null) : `Error Code : ${e.errno}${e.code ? ` (${e.code})` : ''}`;
    return new StatementError(e.message, e.sqlState ?? null, null, detail, error);
  }
  return new StatementError(String(error), null, null, null, error);
}
