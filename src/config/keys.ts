/**
 * The option registry: every Flyway configuration key godwit understands, with its Config field, type,
 * default, secrecy, help line and environment variable. Help output, the environment loader, the argument
 * parser and `-X` output are all derived from this list, so a key is added here and nowhere else.
 */
import type { Config } from './config.js';
import { ConfigError } from '../errors.js';

export type KeyType = 'string' | 'boolean' | 'integer' | 'list';

/** Headings for `--help`, in the order of §7 of the compatibility contract. */
export type KeyGroup = 'Connection' | 'Schemas' | 'Files' | 'Placeholders' | 'Behaviour' | 'Command line';

type FieldsOfType<T> = { [K in keyof Config]-?: Config[K] extends T ? K : never }[keyof Config];

interface KeyCommon {
  /** Flyway's name, exactly as Flyway spells it (`baselineOnMigrate`, `postgresql.transactional.lock`). */
  readonly name: string;
  /** The default written as a user would write it; the loader converts it like any other value. */
  readonly defaultValue: string | undefined;
  readonly secret: boolean;
  readonly group: KeyGroup;
  readonly description: string;
  readonly envVar: string;
}

/** The field's type in Config is checked against the key's type at compile time. */
export type ConfigKey = KeyCommon &
  (
    | { readonly type: 'string'; readonly field: FieldsOfType<string | undefined> }
    | { readonly type: 'boolean'; readonly field: FieldsOfType<boolean> }
    | { readonly type: 'integer'; readonly field: FieldsOfType<number> }
    | { readonly type: 'list'; readonly field: FieldsOfType<string[]> }
  );

export type ConfigValue = string | boolean | number | string[] | undefined;

/** `baselineOnMigrate` → `FLYWAY_BASELINE_ON_MIGRATE`, `postgresql.transactional.lock` → `FLYWAY_POSTGRESQL_TRANSACTIONAL_LOCK`. */
export function envVarName(key: string): string {
  return `FLYWAY_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase()}`;
}

/** Omit applied to each member of the union, so that `type` and `field` stay paired. */
type KeySpec = ConfigKey extends infer K ? (K extends ConfigKey ? Omit<K, 'envVar' | 'secret'> & { secret?: boolean } : never) : never;

// `const` keeps each name and type literal, so the API's settings object can list every key with its type.
function key<const S extends KeySpec>(spec: S): ConfigKey & { readonly field: S['field']; readonly name: S['name']; readonly type: S['type'] } {
  return { ...spec, secret: spec.secret ?? false, envVar: envVarName(spec.name) };
}

const REGISTRY = [
  key({ name: 'url', field: 'url', type: 'string', defaultValue: undefined, group: 'Connection', description: 'JDBC URL of the database (jdbc:postgresql://host:5432/db, jdbc:mysql://…, jdbc:mariadb://…)' }),
  key({ name: 'user', field: 'user', type: 'string', defaultValue: undefined, group: 'Connection', description: 'User to connect as' }),
  key({ name: 'password', field: 'password', type: 'string', defaultValue: undefined, secret: true, group: 'Connection', description: 'Password of the user (never printed)' }),
  key({ name: 'connectRetries', field: 'connectRetries', type: 'integer', defaultValue: '0', group: 'Connection', description: 'Retries when connecting fails, waiting 1, 2, 4… s between attempts' }),
  key({ name: 'connectRetriesInterval', field: 'connectRetriesInterval', type: 'integer', defaultValue: '120', group: 'Connection', description: 'Longest wait between connection retries, in seconds' }),
  key({ name: 'initSql', field: 'initSql', type: 'string', defaultValue: undefined, group: 'Connection', description: 'SQL run on every new connection before anything else' }),

  key({ name: 'schemas', field: 'schemas', type: 'list', defaultValue: '', group: 'Schemas', description: 'Schemas godwit manages; the first holds the history table' }),
  key({ name: 'defaultSchema', field: 'defaultSchema', type: 'string', defaultValue: undefined, group: 'Schemas', description: 'Schema holding the history table (defaults to the first of -schemas)' }),
  key({ name: 'createSchemas', field: 'createSchemas', type: 'boolean', defaultValue: 'true', group: 'Schemas', description: 'Create the schemas listed in -schemas when they are missing' }),
  key({ name: 'table', field: 'table', type: 'string', defaultValue: 'flyway_schema_history', group: 'Schemas', description: 'Name of the schema history table' }),
  key({ name: 'tablespace', field: 'tablespace', type: 'string', defaultValue: undefined, group: 'Schemas', description: 'Tablespace for the schema history table' }),

  // Empty means "not configured": the scanner then falls back to filesystem:sql, and only if it exists.
  key({ name: 'locations', field: 'locations', type: 'list', defaultValue: '', group: 'Files', description: 'Where migrations live (default: filesystem:sql in the working directory)' }),
  key({ name: 'encoding', field: 'encoding', type: 'string', defaultValue: 'UTF-8', group: 'Files', description: 'Encoding of the SQL migration files' }),
  key({ name: 'sqlMigrationPrefix', field: 'sqlMigrationPrefix', type: 'string', defaultValue: 'V', group: 'Files', description: 'File name prefix of versioned migrations' }),
  key({ name: 'sqlMigrationSeparator', field: 'sqlMigrationSeparator', type: 'string', defaultValue: '__', group: 'Files', description: 'Separator between version and description in file names' }),
  key({ name: 'sqlMigrationSuffixes', field: 'sqlMigrationSuffixes', type: 'list', defaultValue: '.sql', group: 'Files', description: 'File name suffixes of SQL migrations' }),
  key({ name: 'repeatableSqlMigrationPrefix', field: 'repeatableSqlMigrationPrefix', type: 'string', defaultValue: 'R', group: 'Files', description: 'File name prefix of repeatable migrations' }),
  key({ name: 'undoSqlMigrationPrefix', field: 'undoSqlMigrationPrefix', type: 'string', defaultValue: 'U', group: 'Files', description: 'File name prefix of undo migrations' }),
  key({ name: 'validateMigrationNaming', field: 'validateMigrationNaming', type: 'boolean', defaultValue: 'false', group: 'Files', description: 'Fail on files in the locations whose names do not parse' }),
  key({ name: 'failOnMissingLocations', field: 'failOnMissingLocations', type: 'boolean', defaultValue: 'false', group: 'Files', description: 'Fail when a configured location does not exist' }),

  key({ name: 'placeholderReplacement', field: 'placeholderReplacement', type: 'boolean', defaultValue: 'true', group: 'Placeholders', description: 'Replace placeholders in migrations' }),
  key({ name: 'placeholderPrefix', field: 'placeholderPrefix', type: 'string', defaultValue: '${', group: 'Placeholders', description: 'Text that opens a placeholder' }),
  key({ name: 'placeholderSuffix', field: 'placeholderSuffix', type: 'string', defaultValue: '}', group: 'Placeholders', description: 'Text that closes a placeholder' }),
  key({ name: 'placeholderSeparator', field: 'placeholderSeparator', type: 'string', defaultValue: ':', group: 'Placeholders', description: 'Separator of namespaced placeholders (${flyway:table})' }),

  key({ name: 'target', field: 'target', type: 'string', defaultValue: 'latest', group: 'Behaviour', description: 'Version to migrate up to: a version, latest, current or next' }),
  key({ name: 'failOnMissingTarget', field: 'failOnMissingTarget', type: 'boolean', defaultValue: 'false', group: 'Behaviour', description: 'Fail when -target names a version with no migration' }),
  key({ name: 'outOfOrder', field: 'outOfOrder', type: 'boolean', defaultValue: 'false', group: 'Behaviour', description: 'Apply pending migrations older than the latest applied one' }),
  key({ name: 'validateOnMigrate', field: 'validateOnMigrate', type: 'boolean', defaultValue: 'true', group: 'Behaviour', description: 'Validate before migrating' }),
  key({ name: 'ignoreMigrationPatterns', field: 'ignoreMigrationPatterns', type: 'list', defaultValue: '*:future', group: 'Behaviour', description: 'type:state patterns validate ignores (*:missing, repeatable:pending, …)' }),
  key({ name: 'baselineVersion', field: 'baselineVersion', type: 'string', defaultValue: '1', group: 'Behaviour', description: 'Version to tag an existing schema with on baseline' }),
  key({ name: 'baselineDescription', field: 'baselineDescription', type: 'string', defaultValue: '<< Flyway Baseline >>', group: 'Behaviour', description: 'Description of the baseline row' }),
  key({ name: 'baselineOnMigrate', field: 'baselineOnMigrate', type: 'boolean', defaultValue: 'false', group: 'Behaviour', description: 'Baseline a non-empty schema without history when migrating' }),
  key({ name: 'installedBy', field: 'installedBy', type: 'string', defaultValue: undefined, group: 'Behaviour', description: 'Name recorded in installed_by (defaults to the database user)' }),
  key({ name: 'mixed', field: 'mixed', type: 'boolean', defaultValue: 'false', group: 'Behaviour', description: 'Allow transactional and non-transactional statements in one migration' }),
  key({ name: 'group', field: 'group', type: 'boolean', defaultValue: 'false', group: 'Behaviour', description: 'Apply all pending migrations (undo: every undo down to -target) in one transaction' }),
  key({ name: 'executeInTransaction', field: 'executeInTransaction', type: 'boolean', defaultValue: 'true', group: 'Behaviour', description: 'Run each migration in a transaction' }),
  key({ name: 'statementTimeout', field: 'statementTimeout', type: 'integer', defaultValue: '0', group: 'Behaviour', description: 'godwit: seconds any one statement may run before the database cancels it (0: no limit)' }),
  key({ name: 'lockTimeout', field: 'lockTimeout', type: 'integer', defaultValue: '0', group: 'Behaviour', description: 'godwit: seconds a statement may wait for a table lock, so DDL queued behind a long transaction fails instead of blocking traffic (0: no limit)' }),
  key({ name: 'lockRetryCount', field: 'lockRetryCount', type: 'integer', defaultValue: '50', group: 'Behaviour', description: 'Attempts to take the history table lock (-1: forever)' }),
  key({ name: 'callbacks', field: 'callbacks', type: 'list', defaultValue: '', group: 'Behaviour', description: 'More SQL callback scripts: filesystem: folders or files, beside those in the locations' }),
  key({ name: 'skipDefaultCallbacks', field: 'skipDefaultCallbacks', type: 'boolean', defaultValue: 'false', group: 'Behaviour', description: 'Ignore the callback scripts in the locations; run only those named by -callbacks' }),
  key({ name: 'dryRunOutput', field: 'dryRunOutput', type: 'string', defaultValue: undefined, group: 'Behaviour', description: 'Write the SQL that migrate, undo or clean would run to this file (- for stdout) instead of running it' }),
  key({ name: 'cherryPick', field: 'cherryPick', type: 'list', defaultValue: '', group: 'Behaviour', description: 'Only these migrations (versions, or descriptions of repeatables) are migrated, undone or repaired, in the order given' }),
  key({ name: 'skipExecutingMigrations', field: 'skipExecutingMigrations', type: 'boolean', defaultValue: 'false', group: 'Behaviour', description: 'Record pending migrations (or undos) in the history table without running their SQL' }),
  key({ name: 'cleanDisabled', field: 'cleanDisabled', type: 'boolean', defaultValue: 'true', group: 'Behaviour', description: 'Refuse to run clean' }),
  key({ name: 'check', field: 'check', type: 'string', defaultValue: 'off', group: 'Behaviour', description: 'godwit: migrate first runs godwit check on the pending migrations and refuses to start on findings at this level: error, warning or off' }),
  key({ name: 'godwit.check.rules', field: 'checkRules', type: 'list', defaultValue: '', group: 'Behaviour', description: 'godwit check: the only rules to apply (default: all)' }),
  key({ name: 'godwit.check.disable', field: 'checkDisable', type: 'list', defaultValue: '', group: 'Behaviour', description: 'godwit check: rules to leave out' }),
  key({ name: 'godwit.check.failOn', field: 'checkFailOn', type: 'string', defaultValue: 'error', group: 'Behaviour', description: 'godwit check: lowest severity that fails the check (error or warning)' }),
  key({ name: 'postgresql.transactional.lock', field: 'postgresqlTransactionalLock', type: 'boolean', defaultValue: 'true', group: 'Behaviour', description: 'PostgreSQL: take a transaction-scoped advisory lock' }),

  // `.` resolves against the current directory, so the default is the directory godwit was started in.
  key({ name: 'workingDirectory', field: 'workingDirectory', type: 'string', defaultValue: '.', group: 'Command line', description: 'Directory relative locations and config files resolve against' }),
  // Read before any file is, so they come from the command line or the environment only (see LAUNCH_KEYS).
  key({ name: 'configFiles', field: 'configFiles', type: 'list', defaultValue: '', group: 'Command line', description: 'More config files (.toml or .conf) to read after the default ones, later ones winning' }),
  key({ name: 'configFileEncoding', field: 'configFileEncoding', type: 'string', defaultValue: 'UTF-8', group: 'Command line', description: 'Encoding of the config files' }),
  key({ name: 'environment', field: 'environment', type: 'string', defaultValue: 'default', group: 'Command line', description: 'Environment to use from the configuration' }),
  // No default to show: Flyway accepts only `json` or nothing, so the loader turns "unset" into text.
  key({ name: 'outputType', field: 'outputType', type: 'string', defaultValue: undefined, group: 'Command line', description: "Set to 'json' to print one JSON object instead of text" }),
] as const;

export const CONFIG_KEYS: readonly ConfigKey[] = REGISTRY;

/** Each registry entry's literal type, from which the API derives its typed settings object. */
export type RegisteredKey = (typeof REGISTRY)[number];

/** The Config fields the registry fills, for the loader's completeness check. */
export type RegisteredField = (typeof REGISTRY)[number]['field'];

const BY_NAME: ReadonlyMap<string, ConfigKey> = new Map(CONFIG_KEYS.map((k) => [k.name, k]));

export function findKey(name: string): ConfigKey | undefined {
  return BY_NAME.get(name);
}

/** Keys whose value is a map: `placeholders.<name>=v`, `FLYWAY_PLACEHOLDERS_<NAME>=v`. */
export const PLACEHOLDERS_PREFIX = 'placeholders.';
export const JDBC_PROPERTIES_PREFIX = 'jdbcProperties.';
export const ENVIRONMENTS_PREFIX = 'environments.';

/** Flyway keys godwit does not implement yet. Silently ignoring them would run migrations the user did not ask for. */
const NOT_IMPLEMENTED: readonly string[] = [
  'batch', 'color', 'communityDBSupportEnabled', 'detectEncoding', 'driver',
  'errorOverrides', 'infoOfState', 'infoSinceDate', 'infoSinceVersion', 'infoUntilDate', 'infoUntilVersion', 'jarDirs', 'kerberosConfigFile', 'licenseKey', 'loggers',
  'oracle.kerberosCacheFile', 'oracle.sqlplus', 'oracle.sqlplusWarn', 'oracle.walletLocation', 'outputFile',
  'outputLogsInJson', 'outputQueryResults', 'powershellExecutable', 'reportEnabled', 'reportFilename', 'resolvers',
  'scriptPlaceholderPrefix', 'scriptPlaceholderSuffix', 'skipDefaultResolvers',
  'sqlserver.kerberos.login.file', 'stream',
];

/** Keys Flyway itself has removed: say what replaced them rather than "not supported yet". */
const REMOVED: ReadonlyMap<string, string> = new Map([
  ['cleanOnValidationError', 'Run clean explicitly when you mean it; godwit never cleans a database because validation failed.'],
  ['ignoreMissingMigrations', 'Use -ignoreMigrationPatterns=*:missing instead.'],
  ['ignoreIgnoredMigrations', 'Use -ignoreMigrationPatterns=*:ignored instead.'],
  ['ignorePendingMigrations', 'Use -ignoreMigrationPatterns=*:pending instead.'],
  ['ignoreFutureMigrations', 'Use -ignoreMigrationPatterns=*:future instead.'],
]);

/** Every key Flyway has that godwit refuses by name, for the environment loader to look for. */
export const REFUSED_KEYS: readonly string[] = [...NOT_IMPLEMENTED, ...REMOVED.keys()];

/**
 * Keys a TOML file keeps per environment (`[environments.<name>]`), as Flyway's EnvironmentModel does, plus the
 * `jdbcProperties` map. Flyway ignores them under `[flyway]`, so godwit refuses them there.
 */
export const ENVIRONMENT_KEYS: readonly string[] = ['url', 'user', 'password', 'schemas', 'connectRetries', 'connectRetriesInterval', 'initSql'];

/** Keys that decide which config files are read, so no config file can set them. */
export const LAUNCH_KEYS: readonly string[] = ['workingDirectory', 'configFiles', 'configFileEncoding'];

/** How a key was written and where, for messages: `-outOfOrder` / `command line`, `FLYWAY_OUT_OF_ORDER` / `environment`. */
export interface KeyOrigin {
  spelled: string;
  source: string;
  /** How keys are written in this source, for "Did you mean": `-` (arguments, the default), `` in TOML, `flyway.` in .conf. */
  keyPrefix?: string;
  /** Messages name the source too (config files, lower-case variables): the hint alone would not say where to look. */
  showSource?: boolean;
}

export type ClassifiedKey =
  | { kind: 'key'; key: ConfigKey }
  | { kind: 'placeholder'; name: string }
  | { kind: 'jdbcProperty'; name: string }
  | { kind: 'environment'; environment: string; key: string };

/**
 * Says what a raw Flyway key name refers to, or throws the error a user should see for it: not supported
 * yet, removed from Flyway, or unknown (with the nearest real key as a suggestion).
 */
export function classifyKey(name: string, origin: KeyOrigin): ClassifiedKey {
  const known = findKey(name);
  if (known) return { kind: 'key', key: known };
  const location = `${origin.spelled} (${origin.source})`;
  const where = origin.showSource ? ` (in ${origin.source})` : '';
  const mapped = mapKeyName(name, PLACEHOLDERS_PREFIX);
  if (mapped !== undefined) return { kind: 'placeholder', name: mapped.toLowerCase() };
  const jdbc = mapKeyName(name, JDBC_PROPERTIES_PREFIX);
  if (jdbc !== undefined) return { kind: 'jdbcProperty', name: jdbc };
  if (name.startsWith(ENVIRONMENTS_PREFIX)) {
    const rest = name.slice(ENVIRONMENTS_PREFIX.length);
    const dot = rest.indexOf('.');
    if (dot <= 0 || dot === rest.length - 1) {
      throw new ConfigError(
        `Invalid configuration argument: ${origin.spelled}${where}. Both the environment name and configuration option are required.`,
        { hint: 'Write it as -environments.<environment>.<key>=value, e.g. -environments.dev.url=jdbc:postgresql://localhost/dev', location },
      );
    }
    return { kind: 'environment', environment: rest.slice(0, dot), key: rest.slice(dot + 1) };
  }
  const removed = REMOVED.get(name);
  if (removed !== undefined) {
    throw new ConfigError(`${origin.spelled} has been removed from Flyway and is not supported by godwit${where}.`, { hint: removed, location });
  }
  if (NOT_IMPLEMENTED.includes(name)) throw notSupported(origin);
  const suggestion = suggestKey(name);
  throw new ConfigError(`Unknown configuration property: flyway.${name}${where}`, {
    hint: suggestion === undefined ? 'Run godwit -h to list the configuration properties.' : `Did you mean ${origin.keyPrefix ?? '-'}${suggestion}?`,
    location,
  });
}

/** For a Flyway key godwit does not implement: silently ignoring it would do something other than Flyway does. */
export function notSupported(origin: KeyOrigin): ConfigError {
  return new ConfigError(`${origin.spelled} is not supported by godwit yet${origin.showSource ? ` (in ${origin.source})` : ''}.`, {
    hint: `Remove ${origin.spelled} (from ${origin.source}); godwit would otherwise ignore it silently.`,
    location: `${origin.spelled} (${origin.source})`,
  });
}

/** `placeholders.x` → `x`; undefined when the name has another prefix or nothing after it. */
function mapKeyName(name: string, prefix: string): string | undefined {
  return name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : undefined;
}

/** The key a mistyped name most likely meant (registry keys unless told otherwise): same letters in another case, or at most two edits away. */
export function suggestKey(name: string, candidates: readonly string[] = CONFIG_KEYS.map((k) => k.name)): string | undefined {
  const wanted = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * Converts a raw string to the key's type. `source` names where the value came from (`FLYWAY_OUT_OF_ORDER`,
 * `command line`). A secret's value is never put in the message.
 */
export function convertValue(spec: ConfigKey, raw: string, source: string): ConfigValue {
  switch (spec.type) {
    case 'string':
      return raw;
    case 'list':
      return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
    case 'boolean': {
      const lower = raw.toLowerCase();
      if (lower === 'true' || lower === 'false') return lower === 'true';
      throw invalidValue(spec, raw, source, 'Expected true or false.');
    }
    case 'integer': {
      const value = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
      if (Number.isSafeInteger(value)) return value;
      throw invalidValue(spec, raw, source, 'Expected an integer.');
    }
  }
}

/** `Invalid value for flyway.outOfOrder (from FLYWAY_OUT_OF_ORDER): 'yes'. Expected true or false.` */
export function invalidValue(spec: ConfigKey, raw: string, source: string, expected: string): ConfigError {
  const shown = spec.secret ? '' : `: '${raw}'`;
  return new ConfigError(`Invalid value for flyway.${spec.name} (from ${source})${shown}. ${expected}`, {
    location: `flyway.${spec.name} (${source})`,
  });
}
