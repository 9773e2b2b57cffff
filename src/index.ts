/** godwit's library API: the CLI uses exactly this. */
export { Godwit } from './engine/godwit.js';
export type { GodwitOptions } from './engine/godwit.js';
export type { Logger } from './engine/logger.js';
export type { Config, LoadedConfig, ConfigSource } from './config/config.js';
export { loadConfig } from './config/load.js';
export type { LoadInput } from './config/load.js';
export type { GodwitSettings, LoadSettingsInput } from './config/settings.js';
export type { MigrationProgress, ProgressEvent, ProgressListener } from './engine/events.js';
export type { CodeMigration, MigrationContext } from './engine/code-migration.js';
export type { StatementObserver } from './engine/connect.js';
export type { SqlStatement } from './dialects/dialect.js';
export { StatementError } from './dialects/dialect.js';
export * from './engine/results.js';
export type { CheckFinding, CheckResult, Severity } from './check/types.js';
export type { CheckOptions } from './check/run.js';
export * from './errors.js';
export { GODWIT_VERSION } from './version.js';
