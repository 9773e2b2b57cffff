import { describe, expect, it } from 'vitest';
import { describeConfig } from '../../src/config/load.js';
import { configErrorOf, loadIn, project, shown } from './config-files-project.js';

const FULL = `
id = "a1b2"            # Flyway Desktop's project metadata, passed through
databaseType = "PostgreSql"

[environments.default]
url = "jdbc:postgresql://db:5432/app"
user = "app"
password = "s3cret-toml"
schemas = ["app", "audit"]
connectRetries = 3
connectRetriesInterval = "30"
initSql = "SET lock_timeout = '5s'"

[environments.default.jdbcProperties]
sslmode = "require"
sslpassword = "ssl-s3cret"

[flyway]
locations = ["filesystem:db/one", "filesystem:db/two"]
sqlMigrationSuffixes = ".sql,.psql"
outOfOrder = true
validateOnMigrate = "false"
lockRetryCount = -1
baselineVersion = 2
table = "history"

[flyway.placeholders]
App_Role = "owner"

[flyway.postgresql.transactional]
lock = false

[flywayDesktop]
schemaModel = "./schema-model"
`;

describe('flyway.toml', () => {
  const dir = project({ 'flyway.toml': FULL });
  const loaded = loadIn(dir);
  const { config, sources } = loaded;

  it('reads the environment\'s connection settings and [flyway], with TOML types or their string forms', () => {
    expect(config).toMatchObject({
      url: 'jdbc:postgresql://db:5432/app',
      user: 'app',
      password: 's3cret-toml',
      schemas: ['app', 'audit'],
      connectRetries: 3,
      connectRetriesInterval: 30,
      initSql: "SET lock_timeout = '5s'",
      jdbcProperties: { sslmode: 'require', sslpassword: 'ssl-s3cret' },
      locations: ['filesystem:db/one', 'filesystem:db/two'],
      sqlMigrationSuffixes: ['.sql', '.psql'],
      outOfOrder: true,
      validateOnMigrate: false,
      lockRetryCount: -1,
      baselineVersion: '2',
      table: 'history',
      placeholders: { app_role: 'owner' },
      postgresqlTransactionalLock: false,
    });
  });

  it('records the file and the table of each value', () => {
    expect(sources.url).toBe('file flyway.toml [environments.default]');
    expect(sources['jdbcProperties.sslmode']).toBe('file flyway.toml [environments.default.jdbcProperties]');
    expect(sources.locations).toBe('file flyway.toml [flyway]');
    expect(sources['placeholders.app_role']).toBe('file flyway.toml [flyway.placeholders]');
    expect(sources['postgresql.transactional.lock']).toBe('file flyway.toml [flyway.postgresql.transactional]');
    expect(sources.encoding).toBe('default');
    expect(loaded.files).toEqual([`${dir}/flyway.toml`]);
  });

  it('shows each value with its source under -X, secrets masked', () => {
    const lines = describeConfig(loaded);
    expect(lines).toContain(`Config file: ${dir}/flyway.toml`);
    expect(lines).toContain('password = ******** (file flyway.toml [environments.default])');
    expect(lines).toContain('jdbcProperties.sslpassword = ******** (file flyway.toml [environments.default.jdbcProperties])');
    expect(lines).toContain('outOfOrder = true (file flyway.toml [flyway])');
    const text = lines.join('\n');
    expect(text).not.toContain('s3cret-toml');
    expect(text).not.toContain('ssl-s3cret');
  });
});

describe('environments', () => {
  const TOML = `
[environments.default]
url = "jdbc:postgresql://default/app"
[environments.dev]
url = "jdbc:postgresql://dev/app"
user = "dev_user"
[environments.dev.flyway]
locations = ["filesystem:dev-sql"]
[environments.dev.flyway.placeholders]
who = "dev"
[environments.prod]
url = "jdbc:postgresql://prod/app"
password = "\${env.PROD_PASSWORD}"
[flyway]
environment = "dev"
locations = ["filesystem:sql"]
table = "shared_history"
[flyway.placeholders]
who = "flyway"
`;
  const dir = project({ 'flyway.toml': TOML });

  it('uses the environment [flyway] selects, and its [environments.<name>.flyway] overrides', () => {
    const { config, sources } = loadIn(dir);
    expect(config).toMatchObject({ environment: 'dev', url: 'jdbc:postgresql://dev/app', user: 'dev_user', locations: ['filesystem:dev-sql'], table: 'shared_history' });
    expect(config.placeholders).toEqual({ who: 'dev' });
    expect(sources.locations).toBe('file flyway.toml [environments.dev.flyway]');
    expect(sources.table).toBe('file flyway.toml [flyway]');
    expect(sources.environment).toBe('file flyway.toml [flyway]');
  });

  it('lets -environment and FLYWAY_ENVIRONMENT choose another, the command line winning', () => {
    expect(loadIn(dir, { env: { FLYWAY_ENVIRONMENT: 'default' } }).config.url).toBe('jdbc:postgresql://default/app');
    const both = loadIn(dir, { settings: { environment: 'prod' }, env: { FLYWAY_ENVIRONMENT: 'default', PROD_PASSWORD: 'p' } });
    expect(both.config.url).toBe('jdbc:postgresql://prod/app');
    expect(both.config.password).toBe('p');
    expect(both.config.locations).toEqual(['filesystem:sql']);
    expect(both.sources.environment).toBe('command line');
  });

  it('puts -url, FLYWAY_USER and -environments.<env>.<key> over the selected environment', () => {
    const { config, sources } = loadIn(dir, {
      settings: { url: 'jdbc:postgresql://cli/app', 'environments.dev.initSql': 'SELECT 1' },
      env: { FLYWAY_USER: 'env_user' },
    });
    expect(config).toMatchObject({ url: 'jdbc:postgresql://cli/app', user: 'env_user', initSql: 'SELECT 1' });
    expect(sources).toMatchObject({ url: 'command line', user: 'environment', initSql: 'command line' });
  });

  it('does not resolve the variables of environments that are not in use', () => {
    expect(loadIn(dir).config.password).toBeUndefined();
  });

  it('refuses an environment no source defines, naming it and the files read', () => {
    const error = configErrorOf(() => loadIn(dir, { settings: { environment: 'staging' } }));
    expect(error.message).toBe(
      "Environment 'staging' not found. Check that this environment exists in your configuration (config files read: flyway.toml).",
    );
    expect(error.hint).toBe('It is selected by command line. Environments defined: default, dev, prod.');
    const fromFile = configErrorOf(() => loadIn(project({ 'flyway.toml': '[flyway]\nenvironment = "qa"\n' })));
    expect(shown(fromFile)).toContain('selected by flyway.toml [flyway]');
  });

  it('accepts an environment whose table is empty', () => {
    const { config } = loadIn(project({ 'flyway.toml': '[environments.empty]\n' }), { settings: { environment: 'empty', user: 'u' } });
    expect(config).toMatchObject({ environment: 'empty', user: 'u' });
  });

  it('needs no table for "default": the flat settings are then the connection', () => {
    const { config } = loadIn(project({ 'flyway.toml': '[flyway]\ntable = "t"\n' }), { settings: { url: 'jdbc:postgresql://h/db' } });
    expect(config).toMatchObject({ environment: 'default', url: 'jdbc:postgresql://h/db', table: 't' });
  });

  it('accepts environments defined by -environments.<env>.<key> or environments_<env>_<key>', () => {
    const empty = project();
    expect(loadIn(empty, { settings: { environment: 'ci', 'environments.ci.url': 'jdbc:postgresql://ci/db' } }).config.url).toBe('jdbc:postgresql://ci/db');
    const fromVariables = loadIn(empty, { env: { FLYWAY_ENVIRONMENT: 'ci', environments_ci_user: 'ci_user', flyway_outOfOrder: 'true' } });
    expect(fromVariables.config).toMatchObject({ user: 'ci_user', outOfOrder: true });
    expect(fromVariables.sources.outOfOrder).toBe('environment');
  });

  it('refuses an unknown lower-case Flyway variable by name', () => {
    const error = configErrorOf(() => loadIn(project(), { env: { flyway_locatoins: 'filesystem:x' } }));
    expect(error.message).toBe('Unknown configuration property: flyway.locatoins (in environment variable flyway_locatoins)');
    expect(error.hint).toBe('Did you mean flyway_locations?');
  });
});

describe('${env.NAME} in TOML values', () => {
  const load = (toml: string, env: NodeJS.ProcessEnv = {}) => loadIn(project({ 'flyway.toml': toml }), { env });

  it('resolves variables from the process environment, in strings and list items', () => {
    const { config } = load(
      '[environments.default]\nurl = "jdbc:postgresql://${env.DB_HOST}:5432/app"\npassword = "${env.DB_PASSWORD}"\n[flyway]\nlocations = ["filesystem:${env.SQL_DIR}"]\n',
      { DB_HOST: 'db.internal', DB_PASSWORD: 'from-env', SQL_DIR: 'migrations' },
    );
    expect(config).toMatchObject({ url: 'jdbc:postgresql://db.internal:5432/app', password: 'from-env', locations: ['filesystem:migrations'] });
  });

  it('names the variable, the key and the file when a variable is not set', () => {
    const error = configErrorOf(() => load('[environments.default]\npassword = "${env.DB_PASSWORD}"\n'));
    expect(error.message).toBe(
      'Environment variable DB_PASSWORD is not set, but password (in flyway.toml [environments.default]) refers to it as ${env.DB_PASSWORD}.',
    );
  });

  it('resolves to an empty variable when it is set but empty', () => {
    expect(load('[flyway]\ninstalledBy = "x${env.EMPTY}y"\n', { EMPTY: '' }).config.installedBy).toBe('xy');
  });

  it('takes !{…} verbatim and $${…} as a literal ${…}', () => {
    const { config } = load('[flyway]\ninstalledBy = "!{${env.NOPE}}"\nbaselineDescription = "cost $${env.NOPE}"\n');
    expect(config.installedBy).toBe('${env.NOPE}');
    expect(config.baselineDescription).toBe('cost ${env.NOPE}');
  });

  it('leaves placeholder syntax alone', () => {
    const { config } = load('[flyway]\nplaceholderPrefix = "${"\n[flyway.placeholders]\nx = "${flyway:user}"\n');
    expect(config.placeholderPrefix).toBe('${');
    expect(config.placeholders.x).toBe('${flyway:user}');
  });

  it('applies Flyway\'s character filters', () => {
    expect(load('[flyway]\ninstalledBy = "${env.BUILD:D}"\n', { BUILD: 'v1.2-b3' }).config.installedBy).toBe('123');
  });

  it('refuses nested and unknown resolvers', () => {
    expect(configErrorOf(() => load('[flyway]\ninstalledBy = "${env.${env.X}}"\n', { X: 'Y' })).message).toBe(
      'Nested resolvers are not supported: installedBy (in flyway.toml [flyway]).',
    );
    expect(configErrorOf(() => load('[flyway]\ninstalledBy = "${vault.key}"\n')).message).toBe(
      "Unknown resolver 'vault' in installedBy (in flyway.toml [flyway]).",
    );
  });
});

describe('flyway.toml errors', () => {
  const errorFor = (toml: string) => configErrorOf(() => loadIn(project({ 'flyway.toml': toml })));

  it('name an unknown key, its table and file, and suggest the key meant', () => {
    const error = errorFor('[flyway]\nlocatoins = ["filesystem:sql"]\n');
    expect(error.message).toBe('Unknown configuration property: flyway.locatoins (in flyway.toml [flyway])');
    expect(error.hint).toBe('Did you mean locations?');
    const nested = errorFor('[flyway.postgresql.transactional]\nlokc = false\n');
    expect(nested.message).toBe('Unknown configuration property: flyway.postgresql.transactional.lokc (in flyway.toml [flyway.postgresql.transactional])');
  });

  it('name an unknown key of an environment', () => {
    const error = errorFor('[environments.dev]\nusr = "x"\n');
    expect(error.message).toBe('Unknown configuration property: environments.dev.usr (in flyway.toml [environments.dev])');
    expect(error.hint).toMatch(/^Did you mean user\? /);
    expect(errorFor('[environments.dev.flyway]\noutOfOrdr = true\n').message).toBe(
      'Unknown configuration property: flyway.outOfOrdr (in flyway.toml [environments.dev.flyway])',
    );
  });

  it('refuse an unknown root table', () => {
    expect(errorFor('[flyaway]\nurl = "x"\n').message).toBe('Unknown table [flyaway] in flyway.toml.');
    expect(errorFor('locations = ["x"]\n').message).toBe('Unknown key locations in flyway.toml.');
  });

  it('refuse connection settings under [flyway], where Flyway ignores them', () => {
    const error = errorFor('[flyway]\nurl = "jdbc:postgresql://h/db"\n');
    expect(error.message).toBe('url cannot be set in [flyway] (in flyway.toml [flyway]).');
    expect(error.hint).toContain('move url to [environments.<name>]');
    expect(errorFor('[flyway.jdbcProperties]\nssl = "true"\n').message).toMatch(/^jdbcProperties\.ssl cannot be set in \[flyway\]/);
    expect(errorFor('[environments.dev.flyway]\nurl = "x"\n').message).toBe('url cannot be set in [environments.dev.flyway] (in flyway.toml [environments.dev.flyway]).');
  });

  it('refuse the keys that choose config files', () => {
    const error = errorFor('[flyway]\nworkingDirectory = "x"\n');
    expect(error.message).toBe('workingDirectory cannot be set in a config file (in flyway.toml [flyway]).');
    expect(error.hint).toContain('FLYWAY_WORKING_DIRECTORY');
  });

  it('refuse Flyway settings godwit does not implement', () => {
    expect(errorFor('[flyway]\nresolvers = ["x"]\n').message).toBe('resolvers is not supported by godwit yet (in flyway.toml [flyway]).');
    expect(errorFor('[environments.default]\ndriver = "org.postgresql.Driver"\n').message).toBe(
      'driver is not supported by godwit yet (in flyway.toml [environments.default]).',
    );
    expect(errorFor('[environments.default.resolvers.vault]\nurl = "https://vault"\n').message).toBe(
      'resolvers is not supported by godwit yet (in flyway.toml [environments.default]).',
    );
  });

  it('name the key, value and table of a bad boolean or number', () => {
    expect(errorFor('[flyway]\noutOfOrder = "yes"\n').message).toBe(
      "Invalid value for flyway.outOfOrder (from flyway.toml [flyway]): 'yes'. Expected true or false.",
    );
    expect(errorFor('[environments.default]\nconnectRetries = 1.5\n').message).toBe(
      "Invalid value for flyway.connectRetries (from flyway.toml [environments.default]): '1.5'. Expected an integer.",
    );
    expect(errorFor('[flyway]\nlockRetryCount = "many"\n').message).toMatch(/^Invalid value for flyway\.lockRetryCount \(from flyway\.toml \[flyway\]\): 'many'/);
  });

  it('refuse a list, a table or a date where one value is expected', () => {
    expect(errorFor('[flyway]\ntable = ["a", "b"]\n').message).toBe(
      "Invalid value for flyway.table (from flyway.toml [flyway]): 'a,b'. Expected a single value, not a list.",
    );
    expect(errorFor('[environments.default]\npassword = ["hunter2"]\n').message).not.toContain('hunter2');
    expect(errorFor('[environments.default.url]\nx = 1\n').message).toBe('url (in flyway.toml [environments.default]) must be a value or a list of values, not a table.');
    expect(errorFor('[flyway]\ntarget = 2024-01-01\n').message).toBe('target (in flyway.toml [flyway]) is a TOML date; godwit expects text, a number or a boolean.');
  });

  it('name the file, line and column of a syntax error, without quoting the line', () => {
    const error = errorFor('[environments.default]\nurl = "jdbc:postgresql://h/db"\npassword = "hunter2\n');
    expect(error.message).toMatch(/^Unable to parse flyway\.toml: .+ at line 3, column \d+\.$/);
    expect(error.location).toMatch(/^flyway\.toml:3:\d+$/);
    expect(shown(error)).not.toContain('hunter2');
    expect(error.cause).toBeUndefined();
    expect(errorFor('[flyway]\ntable = "a"\ntable = "b"\n').message).toMatch(/^Unable to parse flyway\.toml: .+ at line 3, column 1\.$/);
  });
});
