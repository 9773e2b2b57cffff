import type { CheckResult } from '../check/types.js';

/**
 * What each command returns: plain data, the same objects `-outputType=json` prints. Field names are
 * Flyway's, so that tools that read Flyway's JSON read godwit's.
 */
export interface OperationResult {
  flywayVersion: string;
  database: string;
  warnings: string[];
  operation: string;
}

export interface InfoMigration {
  category: string;
  version: string;
  rawVersion: string;
  description: string;
  type: string;
  installedOnUTC: string;
  state: string;
  undoable: string;
  filepath: string;
  undoFilepath: string;
  installedBy: string;
  shouldExecuteExpression: string;
  executionTime: number;
}

export interface InfoResult extends OperationResult {
  operation: 'info';
  schemaVersion: string | null;
  schemaName: string;
  allSchemasEmpty: boolean;
  migrations: InfoMigration[];
}

export interface MigrateOutput {
  category: string;
  version: string;
  description: string;
  type: string;
  filepath: string;
  executionTime: number;
}

export interface MigrateResult extends OperationResult {
  operation: 'migrate';
  initialSchemaVersion: string | null;
  targetSchemaVersion: string | null;
  schemaName: string;
  migrations: MigrateOutput[];
  migrationsExecuted: number;
  success: boolean;
  databaseType: string;
}

export interface ErrorDetailsOutput {
  errorCode: string;
  errorMessage: string;
}

export interface ValidateOutput {
  version: string;
  description: string;
  filepath: string;
  errorDetails: ErrorDetailsOutput;
}

export interface ValidateResult extends OperationResult {
  operation: 'validate';
  validationSuccessful: boolean;
  validateCount: number;
  errorDetails: ErrorDetailsOutput | null;
  invalidMigrations: ValidateOutput[];
}

export interface BaselineResult extends OperationResult {
  operation: 'baseline';
  successfullyBaselined: boolean;
  baselineVersion: string;
}

export interface RepairOutput {
  version: string;
  description: string;
  filepath: string;
}

export interface RepairResult extends OperationResult {
  operation: 'repair';
  repairActions: string[];
  migrationsRemoved: RepairOutput[];
  migrationsDeleted: RepairOutput[];
  migrationsAligned: RepairOutput[];
}

export interface CleanResult extends OperationResult {
  operation: 'clean';
  schemasCleaned: string[];
  schemasDropped: string[];
}

export interface InitResult {
  operation: 'init';
  configFile: string;
  locations: string;
}

export interface NewMigrationResult {
  operation: 'new';
  filepath: string;
  /** null for a repeatable. */
  version: string | null;
}

export interface UndoOutput {
  version: string;
  description: string;
  filepath: string;
  executionTime: number;
}

/** Flyway Teams' undo result: `undoneMigrations` in the order they were undone. */
export interface UndoResult extends OperationResult {
  operation: 'undo';
  initialSchemaVersion: string | null;
  targetSchemaVersion: string | null;
  schemaName: string;
  undoneMigrations: UndoOutput[];
  migrationsUndone: number;
}

export type CommandResult = CheckResult | InfoResult | MigrateResult | ValidateResult | BaselineResult | RepairResult | CleanResult | UndoResult | InitResult | NewMigrationResult;
