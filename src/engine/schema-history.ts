import type { Dialect, GuardedRun, SqlStatement } from '../dialects/dialect.js';
import { abbreviateDescription } from './info.js';
import type { AppliedMigration, NewHistoryRow } from './types.js';

const SCRIPT_MAX = 1000;

export const SCHEMA_MARKER_DESCRIPTION = '<< Flyway Schema Creation >>';

export type RowInput = Omit<NewHistoryRow, 'installedRank'>;

/** Flyway shortens what does not fit its columns rather than failing the migration. */
export function fitted(row: RowInput): RowInput {
  const description = abbreviateDescription(row.description);
  const script = row.script.length > SCRIPT_MAX ? `...${row.script.slice(3, SCRIPT_MAX)}` : row.script;
  return { ...row, description, script };
}

/**
 * The highest installed_rank of `rows`, -1 for none. Rows are in rank order wherever they come from:
 * every read orders by it, and a written row goes at the end with the next rank. Looking at the last one
 * keeps a run of a thousand migrations from scanning the history a thousand times.
 */
function lastRank(rows: AppliedMigration[]): number {
  return rows.at(-1)?.installedRank ?? -1;
}

/** The flyway_schema_history table of one schema: the engine's view of it, over the dialect. */
export class SchemaHistory {
  constructor(
    private readonly dialect: Dialect,
    readonly schema: string,
    readonly table: string,
    private readonly tablespace: string | undefined,
  ) {}

  /** `"public"."flyway_schema_history"`, for messages. */
  get qualifiedName(): string {
    return `${this.dialect.quoteIdentifier(this.schema)}.${this.dialect.quoteIdentifier(this.table)}`;
  }

  exists(): Promise<boolean> {
    return this.dialect.historyTableExists(this.schema, this.table);
  }

  create(baseline?: RowInput): Promise<void> {
    return this.dialect.createHistoryTable(this.schema, this.table, {
      tablespace: this.tablespace,
      ...(baseline ? { baseline: { ...fitted(baseline), installedRank: 1 } } : {}),
    });
  }

  read(): Promise<AppliedMigration[]> {
    return this.dialect.readHistory(this.schema, this.table);
  }

  /**
   * `known` and the rows written since, as Flyway refreshes its cache of the history: only rows ranked
   * above the known ones are read. `known` must be rows read earlier plus this process's own committed ones.
   */
  async readAfter(known: AppliedMigration[]): Promise<AppliedMigration[]> {
    return [...known, ...(await this.dialect.readHistory(this.schema, this.table, lastRank(known)))];
  }

  /**
   * Runs `statements` in the round trip of the history read readAfter(known) would make, if that read
   * would find nothing new (Dialect.executeIfHistoryUnchanged). False: nothing of them ran; read as usual.
   */
  async runIfUnchanged(known: AppliedMigration[], statements: SqlStatement[], run: GuardedRun): Promise<boolean> {
    return (await this.dialect.executeIfHistoryUnchanged?.(this.schema, this.table, lastRank(known), statements, run)) ?? false;
  }

  /**
   * Appends a row with the next rank. Must be called under the lock, with `rows` read under it too. A
   * schema marker on an empty table gets rank 0, as Flyway gives it.
   */
  async append(rows: AppliedMigration[], row: RowInput): Promise<number> {
    const last = lastRank(rows);
    const installedRank = last >= 0 ? last + 1 : row.type === 'SCHEMA' ? 0 : 1;
    await this.dialect.insertHistoryRow(this.schema, this.table, { ...fitted(row), installedRank });
    return installedRank;
  }

  update(installedRank: number, values: { description: string; type: string; checksum: number | null }): Promise<void> {
    return this.dialect.updateHistoryRow(this.schema, this.table, installedRank, values);
  }

  delete(installedRanks: number[]): Promise<void> {
    return this.dialect.deleteHistoryRows(this.schema, this.table, installedRanks);
  }
}
