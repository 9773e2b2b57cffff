import type { ScriptConfig } from './script-config.js';
import type { MigrationVersion } from './version.js';

export type MigrationKind = 'versioned' | 'repeatable' | 'undo';

/** A migration file found in a location. */
export interface ResolvedMigration {
  kind: MigrationKind;
  /** null for repeatables. */
  version: MigrationVersion | null;
  /** The version as written in the file name (`1_1` for `V1_1__x.sql`); "" for repeatables. */
  rawVersion: string;
  description: string;
  /** Path relative to the location root with `/` separators: the history table's `script` column. */
  script: string;
  /** Absolute path on disk. */
  physicalPath: string;
  /**
   * `SQL` for versioned and repeatable files, `UNDO_SQL` for undo files; `JDBC` and `UNDO_JDBC` for
   * JavaScript and TypeScript files, as Flyway records its Java migrations.
   */
  type: 'SQL' | 'UNDO_SQL' | 'JDBC' | 'UNDO_JDBC';
  /**
   * Flyway's checksum. For a repeatable whose placeholders are replaced this is computed after
   * replacement; `equivalentChecksum` then holds the raw-text checksum, and a stored value equal to
   * either counts as a match.
   */
  checksum: number;
  equivalentChecksum: number | null;
  /** Settings from `<script>.conf` and the script's `-- flyway:` header; absent means none. */
  scriptConfig?: ScriptConfig;
}

/** One row of flyway_schema_history, as read. */
export interface AppliedMigration {
  installedRank: number;
  /** null for repeatables and the schema marker. */
  version: MigrationVersion | null;
  description: string;
  /** SQL, UNDO_SQL, BASELINE, SCHEMA, DELETE, JDBC, … as stored. */
  type: string;
  script: string;
  checksum: number | null;
  installedBy: string;
  installedOn: Date;
  executionTime: number;
  success: boolean;
}

/** A row to write to flyway_schema_history; the rank is assigned under the lock by the engine. */
export interface NewHistoryRow {
  installedRank: number;
  version: string | null;
  description: string;
  type: string;
  script: string;
  checksum: number | null;
  installedBy: string | null;
  executionTime: number;
  success: boolean;
}
