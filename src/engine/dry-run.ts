import type { Dialect, SqlStatement } from '../dialects/dialect.js';
import { GodwitError, InternalError } from '../errors.js';
import type { DryRunOutput } from './dry-run-output.js';
import type { AppliedMigration, NewHistoryRow } from './types.js';
import { MigrationVersion } from './version.js';

/** What a dry run still asks the database: reads and session set-up, which change no data. */
const PASSED_THROUGH = new Set<string | symbol>(['connect', 'close', 'serverVersion', 'session', 'setTimeouts', 'quoteIdentifier', 'splitScript', 'splitPass', 'cancel', 'tableSize', 'mayQueueBatch']);

interface HistoryState {
  exists: boolean;
  rows: AppliedMigration[];
}

/**
 * The database as the commands so far would have left it, for the reads that depend on what a dry run
 * only wrote to the script: a schema it "created" exists and is empty, a history table it "created"
 * exists with the rows it "inserted". Everything it has not touched is read from the database.
 */
class Simulation {
  private readonly created = new Set<string>();
  private readonly dropped = new Set<string>();
  private readonly emptied = new Set<string>();
  private readonly tables = new Map<string, HistoryState & { schema: string }>();

  constructor(private readonly dialect: Dialect) {}

  async schemaExists(schema: string): Promise<boolean> {
    if (this.created.has(schema)) return true;
    if (this.dropped.has(schema)) return false;
    return this.dialect.schemaExists(schema);
  }

  async isSchemaEmpty(schema: string): Promise<boolean> {
    if (this.created.has(schema) || this.emptied.has(schema)) return ![...this.tables.values()].some((t) => t.schema === schema && t.exists);
    return this.dialect.isSchemaEmpty(schema);
  }

  createSchema(schema: string): void {
    this.created.add(schema);
    this.dropped.delete(schema);
  }

  /** clean empties the schema, history table included; a dropped schema is gone with its tables. */
  removeContents(schema: string, drop: boolean): void {
    (drop ? this.dropped : this.emptied).add(schema);
    if (drop) this.created.delete(schema);
    for (const state of this.tables.values()) {
      if (state.schema !== schema) continue;
      state.exists = false;
      state.rows = [];
    }
  }

  async history(schema: string, table: string): Promise<HistoryState> {
    const key = JSON.stringify([schema, table]);
    let state = this.tables.get(key);
    if (state === undefined) {
      const untouched = !this.created.has(schema) && !this.dropped.has(schema) && !this.emptied.has(schema);
      const exists = untouched && (await this.dialect.schemaExists(schema)) && (await this.dialect.historyTableExists(schema, table));
      state = { schema, exists, rows: exists ? await this.dialect.readHistory(schema, table) : [] };
      this.tables.set(key, state);
    }
    return state;
  }

  async createHistoryTable(schema: string, table: string, baseline: NewHistoryRow | undefined): Promise<void> {
    const state = await this.history(schema, table);
    state.exists = true;
    state.rows = baseline ? [await this.applied(baseline)] : [];
  }

  async insert(schema: string, table: string, row: NewHistoryRow): Promise<void> {
    (await this.history(schema, table)).rows.push(await this.applied(row));
  }

  async update(schema: string, table: string, installedRank: number, values: { description: string; type: string; checksum: number | null }): Promise<void> {
    const state = await this.history(schema, table);
    state.rows = state.rows.map((row) => (row.installedRank === installedRank ? { ...row, ...values } : row));
  }

  async delete(schema: string, table: string, installedRanks: number[]): Promise<void> {
    const state = await this.history(schema, table);
    state.rows = state.rows.filter((row) => !installedRanks.includes(row.installedRank));
  }

  /** The row as the database would store it: the session user when none is given, installed now. */
  private async applied(row: NewHistoryRow): Promise<AppliedMigration> {
    return {
      ...row,
      version: row.version === null ? null : MigrationVersion.parse(row.version),
      installedBy: row.installedBy ?? (await this.dialect.session()).user,
      installedOn: new Date(),
    };
  }
}

/**
 * The dialect of a dry run: every write method appends the SQL the dialect renders for it to `output`
 * instead of sending it, and reads answer as if those writes had happened (see Simulation). A method
 * that is neither rendered nor known to be a read fails loudly, so that a write method added to
 * Dialect later cannot slip through to the database during a dry run.
 *
 * initSql, which already ran on the connection, opens the script. The current schema is set on the real session too (reads may rely on it), and written to the script
 * just before the first migration statement: MySQL's `USE` fails until the database has been created.
 */
export function recordingDialect(dialect: Dialect, output: DryRunOutput, initSql?: string): Dialect {
  const state = new Simulation(dialect);
  const { render } = dialect;
  const emit = (statements: string[]) => {
    for (const sql of statements) output.write(render.statement({ sql }));
  };
  if (initSql) {
    // It ran on this connection (reads may depend on it) and must run on the replaying one too.
    output.comment('initSql');
    for (const statement of dialect.splitScript(initSql, 'initSql')) output.write(render.statement(statement));
  }
  let currentSchema: string[] = [];
  const run = (statement: Pick<SqlStatement, 'sql' | 'copyData'>) => {
    emit(currentSchema);
    currentSchema = [];
    output.write(render.statement(statement));
  };

  const wrapped: Partial<Dialect> = {
    setCurrentSchema: async (schema) => {
      await dialect.setCurrentSchema(schema);
      currentSchema = await render.setCurrentSchema(schema);
    },
    acquireLock: async (schema, table, options) => emit(await render.acquireLock(schema, table, options)),
    releaseLock: async (schema, table) => emit(await render.releaseLock(schema, table)),
    schemaExists: (schema) => state.schemaExists(schema),
    isSchemaEmpty: (schema) => state.isSchemaEmpty(schema),
    createSchema: async (schema) => {
      emit(await render.createSchema(schema));
      state.createSchema(schema);
    },
    cleanSchema: async (schema) => {
      if (await state.isSchemaEmpty(schema)) return;
      emit(await render.cleanSchema(schema));
      state.removeContents(schema, false);
    },
    dropSchema: async (schema) => {
      emit(await render.dropSchema(schema));
      state.removeContents(schema, true);
    },
    historyTableExists: async (schema, table) => (await state.history(schema, table)).exists,
    createHistoryTable: async (schema, table, options) => {
      emit(await render.createHistoryTable(schema, table, options));
      await state.createHistoryTable(schema, table, options.baseline);
    },
    readHistory: async (schema, table, afterRank) =>
      (await state.history(schema, table)).rows.filter((row) => afterRank === undefined || row.installedRank > afterRank),
    insertHistoryRow: async (schema, table, row) => {
      emit(await render.insertHistoryRow(schema, table, row));
      await state.insert(schema, table, row);
    },
    updateHistoryRow: async (schema, table, installedRank, values) => {
      emit(await render.updateHistoryRow(schema, table, installedRank, values));
      await state.update(schema, table, installedRank, values);
    },
    deleteHistoryRows: async (schema, table, installedRanks) => {
      emit(await render.deleteHistoryRows(schema, table, installedRanks));
      await state.delete(schema, table, installedRanks);
    },
    begin: async () => emit(await render.begin()),
    commit: async () => emit(await render.commit()),
    // Each COMMIT is written where it falls: hidden, so that inTransaction commits at once.
    commitLater: undefined,
    flush: undefined,
    // Scripts are written after the lock and history read they would travel with.
    executeIfHistoryUnchanged: undefined,
    rollback: async () => emit(await render.rollback()),
    execute: async (statement) => run(statement),
    executeBatch: async (batch) => {
      for (const statement of batch) run(statement);
    },
    query: () => {
      throw new GodwitError('DRY_RUN_CODE_MIGRATION', 'A dry run cannot render a code migration: what it sends depends on what its queries read.', {
        hint: 'Run the dry run on a set without pending code migrations, or apply them for real on a copy of the database.',
      });
    },
    executeScript: async (text, file) => {
      for (const statement of dialect.splitScript(text, file)) run(statement);
    },
  };

  return new Proxy(dialect, {
    get(target, property, receiver) {
      if (Object.hasOwn(wrapped, property)) return wrapped[property as keyof Dialect];
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (!PASSED_THROUGH.has(property)) {
        return () => {
          throw new InternalError(`Dialect.${String(property)} has no dry-run rendering: a dry run cannot tell whether it writes to the database.`);
        };
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
}
