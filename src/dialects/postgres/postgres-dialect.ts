import { ConnectionError, LockTimeoutError } from '../../errors.js';
import type { AppliedMigration, NewHistoryRow } from '../../engine/types.js';
import { MigrationVersion } from '../../engine/version.js';
import type { Dialect, LockOptions, SessionInfo, SqlStatement } from '../dialect.js';
import { BatchStatementError, StatementError } from '../dialect.js';
import type { SplitPass } from '../statement-stream.js';
import { batchText, statementAt } from '../batch-text.js';
import { javaStringHash } from '../java-hash.js';
import { cleanStatements, SCHEMA_OBJECT_COUNT_SQL } from './clean.js';
import type { PgConnection, PgConnector } from './connection.js';
import { addPrimaryKeySql, createIndexSql, createTableSql, insertRowSql, selectRowsSql } from './history-sql.js';
import { postgresSplitPass, splitPostgresScript } from './splitter.js';

/** "Flyway" in ASCII: the base Flyway adds the table's hash to, so both tools contend for one key. */
const FLYWAY_LOCK_BASE = 0x466c79776179n;
const LOCK_RETRY_INTERVAL_MS = 1000;

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
    this.connection = await this.connector();
    const queryBatch = this.connection.queryBatch;
    this.executeBatch = queryBatch === undefined ? undefined : (statements) => this.executeBatchOn(queryBatch, statements);
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
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    try {
      await this.db.query("SELECT set_config('TimeZone', $1, false)", [zone]);
    } catch {
      // A zone name the server does not know leaves the server's default in place.
    }
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }

  async serverVersion(): Promise<string> {
    const result = await this.db.query('SHOW server_version');
    return String(result.rows[0]?.server_version ?? '');
  }

  async session(): Promise<SessionInfo> {
    const result = await this.db.query('SELECT current_user AS "user", current_database() AS "database", current_schema() AS "schema"');
    const row = result.rows[0];
    return { user: String(row?.user ?? ''), database: String(row?.database ?? ''), schema: row?.schema == null ? null : String(row.schema) };
  }

  async setTimeouts(timeouts: { statementMs: number; lockMs: number }): Promise<void> {
    if (timeouts.statementMs > 0) await this.db.query("SELECT set_config('statement_timeout', $1, false)", [String(timeouts.statementMs)]);
    if (timeouts.lockMs > 0) await this.db.query("SELECT set_config('lock_timeout', $1, false)", [String(timeouts.lockMs)]);
  }

  async setCurrentSchema(schema: string): Promise<void> {
    const current = await this.db.query('SHOW search_path');
    const rest = String(current.rows[0]?.search_path ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '' && part !== this.quoteIdentifier(schema) && part !== schema);
    await this.db.query("SELECT set_config('search_path', $1, false)", [[this.quoteIdentifier(schema), ...rest].join(', ')]);
  }

  quoteIdentifier(name: string): string {
    return `"${name.replaceAll('"', '""')}"`;
  }

  private qualified(schema: string, table: string): string {
    return `${this.quoteIdentifier(schema)}.${this.quoteIdentifier(table)}`;
  }

  async acquireLock(schema: string, table: string, options: LockOptions): Promise<void> {
    const id = postgresLockId(this.qualified(schema, table));
    const fn = options.mode === 'transaction' ? 'pg_try_advisory_xact_lock' : 'pg_try_advisory_lock';
    for (let attempt = 0; ; attempt++) {
      const result = await this.db.query(`SELECT ${fn}($1) AS locked`, [id.toString()]);
      if (result.rows[0]?.locked) {
        if (options.mode === 'session') this.sessionLocks.add(id);
        return;
      }
      if (options.retryCount >= 0 && attempt >= options.retryCount) {
        throw new LockTimeoutError(
          "Number of retries exceeded while attempting to acquire PostgreSQL advisory lock. Configure the number of retries with the 'lockRetryCount' configuration option",
          { hint: `Another migration holds the lock on ${this.qualified(schema, table)} (advisory lock ${id}).` },
        );
      }
      options.onWait?.(attempt + 1);
      // Wait outside any transaction: an open one would hold a snapshot that the lock holder's
      // CREATE INDEX CONCURRENTLY waits for, and the two processes would wait on each other.
      if (options.mode === 'transaction') await this.db.query('ROLLBACK');
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_INTERVAL_MS));
      if (options.mode === 'transaction') await this.db.query('BEGIN');
    }
  }

  async releaseLock(schema: string, table: string): Promise<void> {
    const id = postgresLockId(this.qualified(schema, table));
    if (!this.sessionLocks.delete(id)) return;
    await this.db.query('SELECT pg_advisory_unlock($1)', [id.toString()]);
  }

  async schemaExists(schema: string): Promise<boolean> {
    const result = await this.db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    return result.rowCount === 1;
  }

  async createSchema(schema: string): Promise<void> {
    await this.db.query(`CREATE SCHEMA ${this.quoteIdentifier(schema)}`);
  }

  async isSchemaEmpty(schema: string): Promise<boolean> {
    const result = await this.db.query(SCHEMA_OBJECT_COUNT_SQL, [schema]);
    return Number(result.rows[0]?.count ?? 0) === 0;
  }

  async cleanSchema(schema: string): Promise<void> {
    const query = async (sql: string, params: unknown[]) => (await this.db.query(sql, params)).rows;
    for (const statement of await cleanStatements(query, (n) => this.quoteIdentifier(n), schema)) {
      await this.db.query(statement);
    }
  }

  async dropSchema(schema: string): Promise<void> {
    await this.db.query(`DROP SCHEMA IF EXISTS ${this.quoteIdentifier(schema)} CASCADE`);
  }

  async historyTableExists(schema: string, table: string): Promise<boolean> {
    const result = await this.db.query(
      `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r','p')`,
      [schema, table],
    );
    return result.rowCount === 1;
  }

  async createHistoryTable(schema: string, table: string, options: { tablespace?: string | undefined; baseline?: NewHistoryRow }): Promise<void> {
    const names = {
      qualified: this.qualified(schema, table),
      pk: this.quoteIdentifier(`${table}_pk`),
      index: this.quoteIdentifier(`${table}_s_idx`),
      tablespace: options.tablespace ? ` TABLESPACE ${this.quoteIdentifier(options.tablespace)}` : '',
    };
    await this.db.query(createTableSql(names));
    if (options.baseline) await this.insertHistoryRow(schema, table, options.baseline);
    await this.db.query(addPrimaryKeySql(names));
    await this.db.query(createIndexSql(names));
  }

  async readHistory(schema: string, table: string, afterRank?: number): Promise<AppliedMigration[]> {
    const qualified = this.qualified(schema, table);
    const result = afterRank === undefined ? await this.db.query(selectRowsSql(qualified)) : await this.db.query(selectRowsSql(qualified, true), [afterRank]);
    return result.rows.map((row) => ({
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

  async insertHistoryRow(schema: string, table: string, row: NewHistoryRow): Promise<void> {
    await this.db.query(insertRowSql(this.qualified(schema, table)), [
      row.installedRank,
      row.version,
      row.description,
      row.type,
      row.script,
      row.checksum,
      row.installedBy,
      row.executionTime,
      row.success,
    ]);
  }

  async updateHistoryRow(schema: string, table: string, installedRank: number, values: { description: string; type: string; checksum: number | null }): Promise<void> {
    await this.db.query(
      `UPDATE ${this.qualified(schema, table)} SET "description" = $1, "type" = $2, "checksum" = $3 WHERE "installed_rank" = $4`,
      [values.description, values.type, values.checksum, installedRank],
    );
  }

  async deleteHistoryRows(schema: string, table: string, installedRanks: number[]): Promise<void> {
    if (installedRanks.length === 0) return;
    await this.db.query(`DELETE FROM ${this.qualified(schema, table)} WHERE "installed_rank" = ANY($1::int[])`, [installedRanks]);
  }

  async begin(): Promise<void> {
    await this.db.query('BEGIN');
  }

  async commit(): Promise<void> {
    await this.db.query('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.db.query('ROLLBACK');
  }

  splitScript(text: string, file: string): SqlStatement[] {
    return splitPostgresScript(text, file, { serverMajorVersion: this.serverMajor });
  }

  splitPass(file: string): SplitPass {
    return postgresSplitPass(file, { serverMajorVersion: this.serverMajor });
  }

  /** Set by connect() when the driver can send a multi-statement query (the server's can, PGlite's not). */
  executeBatch?: (statements: SqlStatement[]) => Promise<void>;

  private async executeBatchOn(queryBatch: (sql: string) => Promise<void>, statements: SqlStatement[]): Promise<void> {
    const batch = batchText(statements);
    try {
      await queryBatch(batch.text);
    } catch (error) {
      const failed = toStatementError(error);
      const completed = (error as { completed?: unknown }).completed;
      const at = statementAt(batch, failed.position, typeof completed === 'number' ? completed : null);
      throw new BatchStatementError(at.index, new StatementError(failed.message, failed.sqlState, at.position, failed.detail, error));
    }
  }

  async execute(statement: SqlStatement): Promise<void> {
    try {
      if (statement.copyData === undefined) await this.db.query(statement.sql);
      else await this.db.copyFrom(statement.sql, statement.copyData);
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
}

function toStatementError(error: unknown): StatementError {
  if (error instanceof Error) {
    const e = error as Error & { code?: string; position?: string; detail?: string; hint?: string; where?: string };
    const details = [e.detail, e.hint ? `Hint: ${e.hint}` : undefined, e.where ? `Where: ${e.where}` : undefined].filter(Boolean).join('\n');
    return new StatementError(e.message, e.code ?? null, e.position ? Number(e.position) : null, details || null, error);
  }
  return new StatementError(String(error), null, null, null, error);
}
