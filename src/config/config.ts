/**
 * The one typed configuration every layer reads. `src/config/keys.ts` is the registry that says, for each
 * key, its type, default and whether it is secret; loaders (arguments, environment, config files) only
 * produce raw strings keyed by Flyway's names and let the registry convert them.
 */
export interface Config {
  url: string | undefined;
  user: string | undefined;
  password: string | undefined;
  connectRetries: number;
  connectRetriesInterval: number;
  initSql: string | undefined;
  /** `jdbcProperties.<name>`: passed to the driver as given, names keep their case. */
  jdbcProperties: Record<string, string>;

  schemas: string[];
  defaultSchema: string | undefined;
  createSchemas: boolean;
  table: string;
  tablespace: string | undefined;

  locations: string[];
  encoding: string;
  sqlMigrationPrefix: string;
  sqlMigrationSeparator: string;
  sqlMigrationSuffixes: string[];
  repeatableSqlMigrationPrefix: string;
  undoSqlMigrationPrefix: string;
  validateMigrationNaming: boolean;
  failOnMissingLocations: boolean;

  placeholderReplacement: boolean;
  placeholderPrefix: string;
  placeholderSuffix: string;
  placeholderSeparator: string;
  /** Keys are lower-cased: Flyway matches placeholder names without regard to case. */
  placeholders: Record<string, string>;

  target: string;
  failOnMissingTarget: boolean;
  outOfOrder: boolean;
  validateOnMigrate: boolean;
  ignoreMigrationPatterns: string[];
  baselineVersion: string;
  baselineDescription: string;
  baselineOnMigrate: boolean;
  installedBy: string | undefined;
  mixed: boolean;
  group: boolean;
  executeInTransaction: boolean;
  lockRetryCount: number;
  /** Seconds; 0 leaves the database's own setting. */
  statementTimeout: number;
  /** Seconds; 0 leaves the database's own setting. */
  lockTimeout: number;
  /** `filesystem:` folders or files of SQL callback scripts, beside those found in the locations. */
  callbacks: string[];
  skipDefaultCallbacks: boolean;
  /** Flyway Teams' cherryPick: versions, or descriptions (`_` read as a space); empty means every migration. */
  cherryPick: string[];
  skipExecutingMigrations: boolean;
  cleanDisabled: boolean;
  /** A file (relative to workingDirectory) or `-` for stdout: the SQL is written there instead of run. */
  dryRunOutput: string | undefined;
  postgresqlTransactionalLock: boolean;
  /** godwit: `error`, `warning` or `off`: the lowest check finding that makes migrate refuse to start. */
  check: string;
  /** godwit check: rule ids to apply (empty: all), rule ids to leave out, and the severity that fails. */
  checkRules: string[];
  checkDisable: string[];
  checkFailOn: string;

  workingDirectory: string;
  /** The files named by FLYWAY_CONFIG_FILES then -configFiles, as given; LoadedConfig.files lists what was read. */
  configFiles: string[];
  configFileEncoding: string;
  environment: string;
  outputType: 'text' | 'json' | 'sarif';
}

/** Where a configuration value came from, for `-X` and for error messages that name a setting. */
export type ConfigSource = 'default' | 'environment' | 'command line' | 'settings' | `file ${string}`;

export interface LoadedConfig {
  config: Config;
  /** Flyway key name (as in keys.ts) → where its value came from; absent keys kept their default. */
  sources: Record<string, ConfigSource>;
  /** The config files read, absolute, lowest precedence first. */
  files: string[];
  /** `.conf` files at default locations not read because TOML configuration was found. */
  skippedFiles: string[];
}
