import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, envVarName, findKey, invalidValue, type ConfigKey } from '../../src/config/keys.js';
import { describeConfig, loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { errorOf as errorOfType } from '../helpers/errors.js';

const errorOf = (fn: () => unknown): ConfigError => errorOfType(fn, ConfigError);

const CWD = path.resolve('/srv/app');
const SECRET = 'Pa55-w0rd!';

// A home without config files, so that the developer's ~/flyway.toml cannot change these results.
function load(settings: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) {
  return loadConfig({ settings, env, cwd: CWD, home: CWD });
}

/** Two empty config files, for the key that names files: they must exist to be accepted. */
const EMPTY_FILES = (() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'godwit-load-'));
  const files = [path.join(dir, 'one.conf'), path.join(dir, 'two.conf')];
  for (const file of files) writeFileSync(file, '');
  return files;
})();

/** A valid raw value for each type, different from every default, so that picking it up is visible. */
function sampleValue(spec: ConfigKey): string {
  switch (spec.type) {
    case 'boolean':
      return spec.defaultValue === 'true' ? 'false' : 'true';
    case 'integer':
      return '7';
    case 'list':
      return spec.name === 'configFiles' ? EMPTY_FILES.join(',') : 'one,two';
    case 'string':
      return spec.name === 'outputType' ? 'json' : `sample-${spec.name}`;
  }
}

describe('defaults', () => {
  it('match Flyway', () => {
    const { config, sources } = load();
    expect(config).toEqual({
      url: undefined,
      user: undefined,
      password: undefined,
      connectRetries: 0,
      connectRetriesInterval: 120,
      initSql: undefined,
      jdbcProperties: {},
      schemas: [],
      defaultSchema: undefined,
      createSchemas: true,
      table: 'flyway_schema_history',
      tablespace: undefined,
      locations: [],
      encoding: 'UTF-8',
      sqlMigrationPrefix: 'V',
      sqlMigrationSeparator: '__',
      sqlMigrationSuffixes: ['.sql'],
      repeatableSqlMigrationPrefix: 'R',
      undoSqlMigrationPrefix: 'U',
      validateMigrationNaming: false,
      failOnMissingLocations: false,
      placeholderReplacement: true,
      placeholderPrefix: '${',
      placeholderSuffix: '}',
      placeholderSeparator: ':',
      placeholders: {},
      target: 'latest',
      failOnMissingTarget: false,
      outOfOrder: false,
      validateOnMigrate: true,
      ignoreMigrationPatterns: ['*:future'],
      baselineVersion: '1',
      baselineDescription: '<< Flyway Baseline >>',
      baselineOnMigrate: false,
      installedBy: undefined,
      mixed: false,
      group: false,
      executeInTransaction: true,
      lockRetryCount: 50,
      statementTimeout: 0,
      lockTimeout: 0,
      callbacks: [],
      skipDefaultCallbacks: false,
      dryRunOutput: undefined,
      cherryPick: [],
      skipExecutingMigrations: false,
      cleanDisabled: true,
      postgresqlTransactionalLock: true,
      check: 'off',
      checkRules: [],
      checkDisable: [],
      checkFailOn: 'error',
      workingDirectory: CWD,
      configFiles: [],
      configFileEncoding: 'UTF-8',
      environment: 'default',
      outputType: 'text',
    });
    expect(Object.values(sources).every((source) => source === 'default')).toBe(true);
    expect(Object.keys(sources)).toHaveLength(CONFIG_KEYS.length);
  });
});

describe('environment variables', () => {
  it('are named FLYWAY_ + UPPER_SNAKE of the key', () => {
    expect(envVarName('baselineOnMigrate')).toBe('FLYWAY_BASELINE_ON_MIGRATE');
    expect(findKey('postgresql.transactional.lock')?.envVar).toBe('FLYWAY_POSTGRESQL_TRANSACTIONAL_LOCK');
    expect(findKey('connectRetriesInterval')?.envVar).toBe('FLYWAY_CONNECT_RETRIES_INTERVAL');
    expect(findKey('sqlMigrationSuffixes')?.envVar).toBe('FLYWAY_SQL_MIGRATION_SUFFIXES');
    expect(findKey('initSql')?.envVar).toBe('FLYWAY_INIT_SQL');
    expect(findKey('url')?.envVar).toBe('FLYWAY_URL');
    expect(findKey('ignoreMigrationPatterns')?.envVar).toBe('FLYWAY_IGNORE_MIGRATION_PATTERNS');
  });

  it.each(CONFIG_KEYS.map((spec) => [spec.name, spec] as const))('%s is read from its variable', (_name, spec) => {
    const expectedVariable = `FLYWAY_${spec.name.replace(/([A-Z])/g, '_$1').replace(/\./g, '_').toUpperCase()}`;
    expect(spec.envVar).toBe(expectedVariable);
    const raw = sampleValue(spec);
    // An environment other than "default" must be defined somewhere to be selected.
    const settings = spec.name === 'environment' ? { [`environments.${raw}.user`]: 'u' } : {};
    const { config, sources } = load(settings, { [expectedVariable]: raw });
    const defaults = load().config;
    expect(config[spec.field]).not.toEqual(defaults[spec.field]);
    expect(sources[spec.name]).toBe('environment');
  });

  it('convert to the key type', () => {
    const { config } = load({}, {
      FLYWAY_SCHEMAS: 'app, audit,,extra ',
      FLYWAY_CONNECT_RETRIES: '3',
      FLYWAY_OUT_OF_ORDER: 'TRUE',
      FLYWAY_POSTGRESQL_TRANSACTIONAL_LOCK: 'False',
    });
    expect(config.schemas).toEqual(['app', 'audit', 'extra']);
    expect(config.connectRetries).toBe(3);
    expect(config.outOfOrder).toBe(true);
    expect(config.postgresqlTransactionalLock).toBe(false);
  });

  it('define placeholders with lower-cased names and JDBC properties as written', () => {
    const { config, sources } = load({}, { FLYWAY_PLACEHOLDERS_APP_ROLE: 'owner', FLYWAY_JDBC_PROPERTIES_sslmode: 'require' });
    expect(config.placeholders).toEqual({ app_role: 'owner' });
    expect(config.jdbcProperties).toEqual({ sslmode: 'require' });
    expect(sources['placeholders.app_role']).toBe('environment');
    expect(sources['jdbcProperties.sslmode']).toBe('environment');
  });

  it('ignore unknown FLYWAY_* variables and empty ones', () => {
    const { config, sources } = load({}, { FLYWAY_ENABLED: 'true', FLYWAY_TABLE: '', FLYWAY_PLACEHOLDERS_X: '' });
    expect(config.table).toBe('flyway_schema_history');
    expect(sources.table).toBe('default');
    expect(config.placeholders).toEqual({});
  });

  it('refuse variables of keys godwit does not implement', () => {
    expect(errorOf(() => load({}, { FLYWAY_SKIP_DEFAULT_RESOLVERS: 'true' })).message).toBe('FLYWAY_SKIP_DEFAULT_RESOLVERS is not supported by godwit yet.');
    expect(errorOf(() => load({}, { FLYWAY_CLEAN_ON_VALIDATION_ERROR: 'true' })).message).toMatch(/removed from Flyway/);
  });
});

describe('precedence', () => {
  it('is command line over environment over defaults, with sources', () => {
    const { config, sources } = load(
      { url: 'jdbc:postgresql://cli/app', table: 'cli_history' },
      { FLYWAY_URL: 'jdbc:postgresql://env/app', FLYWAY_USER: 'env_user' },
    );
    expect(config.url).toBe('jdbc:postgresql://cli/app');
    expect(sources.url).toBe('command line');
    expect(config.user).toBe('env_user');
    expect(sources.user).toBe('environment');
    expect(config.table).toBe('cli_history');
    expect(sources.table).toBe('command line');
    expect(config.encoding).toBe('UTF-8');
    expect(sources.encoding).toBe('default');
  });

  it('lets a command-line placeholder override the same one from the environment, whatever its case', () => {
    const { config, sources } = load({ 'placeholders.App_Role': 'cli' }, { FLYWAY_PLACEHOLDERS_APP_ROLE: 'env', FLYWAY_PLACEHOLDERS_OTHER: 'o' });
    expect(config.placeholders).toEqual({ app_role: 'cli', other: 'o' });
    expect(sources['placeholders.app_role']).toBe('command line');
    expect(sources['placeholders.other']).toBe('environment');
  });

  it('keeps -environments.<env>.<key> out of the typed config', () => {
    const { config } = load({ 'environments.dev.url': 'jdbc:postgresql://dev/app' });
    expect(config.url).toBeUndefined();
  });
});

describe('workingDirectory', () => {
  it('resolves a relative directory against the current one', () => {
    expect(load({ workingDirectory: 'project' }).config.workingDirectory).toBe(path.join(CWD, 'project'));
    expect(load({}, { FLYWAY_WORKING_DIRECTORY: '..' }).config.workingDirectory).toBe(path.dirname(CWD));
    expect(load({ workingDirectory: '/opt/x' }).config.workingDirectory).toBe(path.resolve('/opt/x'));
  });
});

describe('invalid values', () => {
  it('name the key, the value and the variable for a bad boolean', () => {
    const error = errorOf(() => load({}, { FLYWAY_OUT_OF_ORDER: 'yes' }));
    expect(error.message).toBe("Invalid value for flyway.outOfOrder (from FLYWAY_OUT_OF_ORDER): 'yes'. Expected true or false.");
    expect(error.location).toBe('flyway.outOfOrder (FLYWAY_OUT_OF_ORDER)');
  });

  it('name the command line as the source', () => {
    expect(errorOf(() => load({ cleanDisabled: '1' })).message).toBe(
      "Invalid value for flyway.cleanDisabled (from command line): '1'. Expected true or false.",
    );
  });

  it('refuse integers that are not whole numbers', () => {
    for (const raw of ['abc', '1.5', '', '3x']) {
      expect(errorOf(() => load({ connectRetries: raw })).message).toBe(
        `Invalid value for flyway.connectRetries (from command line): '${raw}'. Expected an integer.`,
      );
    }
  });

  it('check ranges', () => {
    expect(load({ lockRetryCount: '-1' }).config.lockRetryCount).toBe(-1);
    expect(errorOf(() => load({ lockRetryCount: '-2' })).message).toMatch(/^Invalid value for flyway\.lockRetryCount \(from command line\): '-2'/);
    expect(load({ connectRetries: '0' }).config.connectRetries).toBe(0);
    expect(errorOf(() => load({}, { FLYWAY_CONNECT_RETRIES: '-1' })).message).toMatch(/^Invalid value for flyway\.connectRetries \(from FLYWAY_CONNECT_RETRIES\): '-1'/);
    expect(errorOf(() => load({ placeholderPrefix: '' })).message).toMatch(/^Invalid value for flyway\.placeholderPrefix/);
    expect(errorOf(() => load({ placeholderSuffix: '' })).message).toMatch(/^Invalid value for flyway\.placeholderSuffix/);
  });

  it('accept only json (any case) or nothing for outputType, with Flyway\'s message', () => {
    expect(load({ outputType: 'json' }).config.outputType).toBe('json');
    expect(load({ outputType: 'JSON' }).config.outputType).toBe('json');
    expect(load({ outputType: '' }).config.outputType).toBe('text');
    expect(errorOf(() => load({ outputType: 'xml' })).message).toBe("'xml' is an invalid value for the -outputType option. Use 'json'.");
    expect(errorOf(() => load({ outputType: 'text' })).message).toBe("'text' is an invalid value for the -outputType option. Use 'json'.");
  });

  it('refuse unknown and unsupported keys in the settings', () => {
    expect(errorOf(() => load({ Table: 'x' })).hint).toBe('Did you mean -table?');
    expect(errorOf(() => load({ reportFilename: 'x' })).message).toBe('-reportFilename is not supported by godwit yet.');
  });

  it('never show the value of a secret key', () => {
    const error = invalidValue(findKey('password') as ConfigKey, SECRET, 'FLYWAY_PASSWORD', 'Expected something else.');
    expect(error.message).toBe('Invalid value for flyway.password (from FLYWAY_PASSWORD). Expected something else.');
    expect(error.message).not.toContain(SECRET);
  });
});

describe('describeConfig', () => {
  const loaded = load(
    { password: SECRET, outOfOrder: 'true', 'placeholders.role': 'app', 'jdbcProperties.sslpassword': 'ssl-secret' },
    { FLYWAY_URL: `jdbc:postgresql://pg/app?user=app&password=${SECRET}`, FLYWAY_INIT_SQL: `SET app.key = '${SECRET}'` },
  );
  const lines = describeConfig(loaded);

  it('prints key = value (source) for every key', () => {
    expect(lines).toContain('outOfOrder = true (command line)');
    expect(lines).toContain('table = flyway_schema_history (default)');
    expect(lines).toContain('sqlMigrationSuffixes = .sql (default)');
    expect(lines).toContain('installedBy = <unset> (default)');
    expect(lines).toContain('placeholders.role = app (command line)');
    for (const spec of CONFIG_KEYS) expect(lines.some((line) => line.startsWith(`${spec.name} = `))).toBe(true);
  });

  it('masks the password wherever it appears', () => {
    expect(lines).toContain('password = ******** (command line)');
    expect(lines).toContain('url = jdbc:postgresql://pg/app?user=app&password=*** (environment)');
    expect(lines).toContain("initSql = SET app.key = '********' (environment)");
    expect(lines).toContain('jdbcProperties.sslpassword = ******** (command line)');
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(lines.join('\n')).not.toContain('ssl-secret');
  });
});
