import type { SqlStatement } from '../dialects/dialect.js';
import type { OperationResult } from '../engine/results.js';

export type Severity = 'error' | 'warning';

/** One danger found in one statement of a migration, at the file's own line and column. */
export interface CheckFinding {
  /** The script as the history table names it (relative to its location), or the path given. */
  file: string;
  /** The file on disk, for editors and SARIF. */
  path: string;
  line: number;
  column: number;
  rule: string;
  severity: Severity;
  message: string;
  /** The one-line safe way: what to write instead (expand-contract). */
  fix: string;
}

/** What `godwit check` returns and `-outputType=json` prints. */
export interface CheckResult extends OperationResult {
  operation: 'check';
  /** `postgresql` or `mysql`: the rule set used. */
  ruleSet: string;
  /** True when table sizes and the applied migrations came from a database. */
  connected: boolean;
  filesChecked: string[];
  findings: CheckFinding[];
  /** Findings silenced by `-- godwit:ignore` comments or godwit.check.disable. */
  suppressed: number;
  failOn: Severity;
  /** False when a finding is at or above failOn: the CLI then exits with CHECK_EXIT_CODE. */
  passed: boolean;
}

/** A table's size as the database estimates it. */
export interface TableSize {
  bytes: number;
  /** null while the database has no estimate (a table never analyzed). */
  rows: number | null;
}

/** What a rule set knows beyond the statement: which tables exist, how big, and the run's settings. */
export interface TableFacts {
  /** True when a statement earlier in the checked set created the table: it cannot be in use yet. */
  isNew(table: string): boolean;
  /** The database's estimate, or undefined without a connection (or when the table is not there). */
  sizeOf(schema: string | undefined, table: string): Promise<TableSize | undefined>;
  connected: boolean;
}

/** The facts plus the way a rule set records a table that a statement creates. */
export type RunFacts = TableFacts & { created(table: string): void };

/** One script as a rule set sees it. */
export interface ScriptToCheck {
  file: string;
  statements: SqlStatement[];
  /** Whether godwit will run it in a transaction (script configuration, -group, splitting). */
  transactional: boolean;
  /** -lockTimeout, initSql or a beforeMigrate/beforeEachMigrate callback sets a lock timeout for every migration. */
  lockTimeoutConfigured: boolean;
}

/** A finding before it is placed in a file and given a severity: a statement-relative position. */
export interface RawFinding {
  rule: string;
  /** The statement it belongs to (suppression comments apply per statement). */
  statement: SqlStatement;
  /** 0-based character offset within the statement's text, where the culprit starts. */
  offset: number;
  message: string;
  fix: string;
}

/** The rules of one database: ids with their default severity, and the linter that applies them. */
export interface RuleSet {
  name: string;
  rules: ReadonlyMap<string, RuleInfo>;
  /**
   * Starts a run over scripts checked in order; the returned function checks one script. What a script
   * teaches (tables it creates, constraints it validates) holds for the scripts after it.
   */
  start(facts: RunFacts): (script: ScriptToCheck) => Promise<RawFinding[]>;
}

export interface RuleInfo {
  severity: Severity;
  summary: string;
}
