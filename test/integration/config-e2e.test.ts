/**
 * The CLI configured each way a Flyway user configures it (flyway.toml, flyway.conf, FLYWAY_* variables,
 * arguments, and all of them at once) migrates a real PostgreSQL database; and a sentinel password given
 * through any of those ways never appears in anything godwit prints, whether the run succeeds or fails.
 *
 * Every case migrates its own schema of one database, and needs its placeholder to be configured: a
 * source that was not read fails the migration instead of passing by accident.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';

const server = await requirePostgres();
const MIGRATION = 'CREATE TABLE ${tbl} (id int PRIMARY KEY);\n';

/** A project directory with sql/V1__Create_table.sql and the given files; HOME points inside it. */
function project(files: Record<string, string>, sqlDir = 'sql'): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'godwit-e2e-'));
  mkdirSync(path.join(root, sqlDir), { recursive: true });
  mkdirSync(path.join(root, 'home'));
  writeFileSync(path.join(root, sqlDir, 'V1__Create_table.sql'), MIGRATION);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  return root;
}

function godwit(args: string[], dir: string, env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { cwd: dir, env: { HOME: path.join(dir, 'home'), ...env } });
}

describe.skipIf(server === null)('godwit configured each way migrates PostgreSQL', () => {
  let db: TestDatabase;
  /** The server's password, when it has one, given the same way as the rest of each case's settings. */
  const password = server?.password;

  beforeAll(async () => {
    db = await createTestDatabase(server!, 'config_e2e');
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function expectMigrated(result: CliResult, schema: string, table: string, history = 'flyway_schema_history'): Promise<void> {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const created = await db.client.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [`${schema}.${table}`]);
    expect(created.rows[0]?.found).toBe(`${schema}.${table}`);
    const rows = await db.client.query<{ script: string; success: boolean }>(`SELECT script, success FROM "${schema}"."${history}" WHERE version = '1'`);
    expect(rows.rows).toEqual([{ script: 'V1__Create_table.sql', success: true }]);
  }

  it('flyway.toml only', async () => {
    const dir = project({
      'flyway.toml': [
        '[environments.default]',
        `url = "${db.jdbcUrl}"`,
        `user = "${db.user}"`,
        ...(password === undefined ? [] : ['password = "${env.E2E_PASSWORD}"']),
        'schemas = ["cfg_toml"]',
        '[flyway]',
        'locations = ["filesystem:sql"]',
        '[flyway.placeholders]',
        'tbl = "widgets_toml"',
      ].join('\n'),
    });
    await expectMigrated(await godwit(['migrate'], dir, password === undefined ? {} : { E2E_PASSWORD: password }), 'cfg_toml', 'widgets_toml');
  });

  it('flyway.conf only', async () => {
    const dir = project({
      'flyway.conf': [
        '# legacy configuration',
        `flyway.url=${db.jdbcUrl}`,
        `flyway.user=${db.user}`,
        ...(password === undefined ? [] : [`flyway.password=${password}`]),
        'flyway.schemas=cfg_conf',
        'flyway.table=conf_history',
        'flyway.locations=\\',
        '  filesystem:sql',
        'flyway.placeholders.tbl=widgets_conf',
      ].join('\n'),
    });
    await expectMigrated(await godwit(['migrate'], dir), 'cfg_conf', 'widgets_conf', 'conf_history');
  });

  it('environment variables only', async () => {
    const dir = project({});
    const env: Record<string, string> = {
      FLYWAY_URL: db.jdbcUrl,
      FLYWAY_USER: db.user,
      FLYWAY_SCHEMAS: 'cfg_env',
      FLYWAY_LOCATIONS: 'filesystem:sql',
      FLYWAY_PLACEHOLDERS_TBL: 'widgets_env',
    };
    if (password !== undefined) env.FLYWAY_PASSWORD = password;
    await expectMigrated(await godwit(['migrate'], dir, env), 'cfg_env', 'widgets_env');
  });

  it('arguments only', async () => {
    const dir = project({});
    const result = await godwit([...db.args, '-schemas=cfg_args', '-locations=filesystem:sql', '-placeholders.tbl=widgets_args', 'migrate'], dir);
    await expectMigrated(result, 'cfg_args', 'widgets_args');
  });

  it('flyway.toml, overridden by the environment, overridden by arguments', async () => {
    const dir = project({
      'flyway.toml': [
        '[environments.default]',
        // Wrong on purpose: the environment's FLYWAY_URL must win.
        `url = "jdbc:postgresql://${server!.host}:${server!.port}/godwit_no_such_database"`,
        `user = "${db.user}"`,
        'schemas = ["cfg_wrong"]',
        '[flyway]',
        'locations = ["filesystem:sql"]',
        'table = "toml_history"',
        'installedBy = "toml_installer"',
        '[flyway.placeholders]',
        'tbl = "widgets_from_toml"',
      ].join('\n'),
    });
    const env: Record<string, string> = { FLYWAY_URL: db.jdbcUrl, FLYWAY_TABLE: 'env_history', FLYWAY_PLACEHOLDERS_TBL: 'widgets_from_env' };
    if (password !== undefined) env.FLYWAY_PASSWORD = password;
    const result = await godwit(['-X', '-schemas=cfg_mixed', '-placeholders.tbl=widgets_from_args', 'migrate'], dir, env);
    await expectMigrated({ ...result, stderr: '' }, 'cfg_mixed', 'widgets_from_args', 'env_history');
    expect(result.stdout).toContain('DEBUG: url = ' + db.jdbcUrl + ' (environment)');
    expect(result.stdout).toContain('DEBUG: schemas = cfg_mixed (command line)');
    expect(result.stdout).toContain('DEBUG: table = env_history (environment)');
    expect(result.stdout).toContain('DEBUG: installedBy = toml_installer (file flyway.toml [flyway])');
    expect(result.stdout).toContain('DEBUG: placeholders.tbl = widgets_from_args (command line)');
    const installedBy = await db.client.query<{ installed_by: string }>(`SELECT installed_by FROM cfg_mixed.env_history WHERE version = '1'`);
    expect(installedBy.rows).toEqual([{ installed_by: 'toml_installer' }]);
  });

  it('-workingDirectory and -environment: files and relative locations resolve against the working directory', async () => {
    const dir = project(
      {
        'app/flyway.toml': [
          '[environments.default]',
          `url = "jdbc:postgresql://${server!.host}:${server!.port}/godwit_no_such_database"`,
          '[environments.ci]',
          `url = "${db.jdbcUrl}"`,
          `user = "${db.user}"`,
          ...(password === undefined ? [] : [`password = "${password}"`]),
          'schemas = ["cfg_workdir"]',
          '[environments.ci.flyway.placeholders]',
          'tbl = "widgets_ci"',
          '[flyway]',
          'locations = ["filesystem:db/migrations"]',
        ].join('\n'),
      },
      'app/db/migrations',
    );
    await expectMigrated(await godwit(['-workingDirectory=app', '-environment=ci', 'migrate'], dir), 'cfg_workdir', 'widgets_ci');
  });

  it('a mixed -configFiles list, merged in order', async () => {
    const dir = project({
      'config/base.conf': [`flyway.url=${db.jdbcUrl}`, `flyway.user=${db.user}`, 'flyway.schemas=cfg_wrong_too', 'flyway.placeholders.tbl=widgets_conf_base'].join('\n'),
      'config/team.toml': ['[environments.default]', 'schemas = ["cfg_list"]', ...(password === undefined ? [] : [`password = "${password}"`]), '[flyway]', 'locations = ["filesystem:sql"]'].join('\n'),
    });
    await expectMigrated(await godwit(['-configFiles=config/base.conf,config/team.toml', 'migrate'], dir), 'cfg_list', 'widgets_conf_base');
  });

  it('fails with the culprit named when a config file has a typo', async () => {
    const dir = project({ 'flyway.toml': '[flyway]\nlocatoins = ["filesystem:sql"]\n' });
    const result = await godwit(['info'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('ERROR: Unknown configuration property: flyway.locatoins (in flyway.toml [flyway])\nHint: Did you mean locations?\n');
  });
});

/**
 * With trust authentication the server ignores passwords, so a sentinel can be configured as the password
 * and the run still succeeds; a server that checks passwords would reject it, so the successful runs are
 * skipped there (loudly) and only the failing ones run.
 */
const SENTINEL = 'Sentinel7qX9wZ';
const trust = server !== null && server.password === undefined;
if (server !== null && !trust) console.warn('\n*** The PostgreSQL server checks passwords: the successful runs of the secret test are skipped. ***\n');

describe.skipIf(server === null)('a password never appears in the output', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(server!, 'config_secret');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const hostPort = () => `${server!.host}:${server!.port}`;
  const common = (schema: string) => [`-schemas=${schema}`, '-locations=filesystem:sql', `-placeholders.tbl=t_${schema}`];

  /** Each way to give the sentinel, with the -X line that shows godwit did load it (and masked it). */
  const WAYS: Array<{ name: string; setup: () => { files?: Record<string, string>; args?: string[]; env?: Record<string, string> }; masked: RegExp }> = [
    {
      name: 'flyway.toml password',
      setup: () => ({ files: { 'flyway.toml': `[environments.default]\nurl = "${db.jdbcUrl}"\nuser = "${db.user}"\npassword = "${SENTINEL}"\n` } }),
      masked: /password = \*{8} \(file flyway\.toml \[environments\.default\]\)/,
    },
    {
      name: 'flyway.toml password from ${env.…}',
      setup: () => ({ files: { 'flyway.toml': `[environments.default]\nurl = "${db.jdbcUrl}"\nuser = "${db.user}"\npassword = "\${env.DB_PASSWORD}"\n` }, env: { DB_PASSWORD: SENTINEL } }),
      masked: /password = \*{8} \(file flyway\.toml \[environments\.default\]\)/,
    },
    {
      name: 'flyway.conf password',
      setup: () => ({ files: { 'flyway.conf': `flyway.url=${db.jdbcUrl}\nflyway.user=${db.user}\nflyway.password=${SENTINEL}\n` } }),
      masked: /password = \*{8} \(file flyway\.conf\)/,
    },
    { name: 'FLYWAY_PASSWORD', setup: () => ({ args: db.args, env: { FLYWAY_PASSWORD: SENTINEL } }), masked: /password = \*{8} \(environment\)/ },
    { name: '-password', setup: () => ({ args: [...db.args, `-password=${SENTINEL}`] }), masked: /password = \*{8} \(command line\)/ },
    {
      name: 'password in a JDBC URL query',
      setup: () => ({ args: [`-url=${db.jdbcUrl}?password=${SENTINEL}`, `-user=${db.user}`] }),
      masked: /url = \S+\?password=\*{3} \(command line\)/,
    },
    {
      name: 'password in a URL\'s user info, in flyway.toml',
      setup: () => ({ files: { 'flyway.toml': `[environments.default]\nurl = "postgresql://${db.user}:${SENTINEL}@${hostPort()}/${db.name}"\n` } }),
      masked: /url = postgresql:\/\/\S+:\*{3}@\S+ \(file flyway\.toml \[environments\.default\]\)/,
    },
    {
      name: 'jdbcProperties in flyway.toml, the environment and arguments',
      setup: () => ({
        files: { 'flyway.toml': `[environments.default]\nurl = "${db.jdbcUrl}"\nuser = "${db.user}"\n[environments.default.jdbcProperties]\npassword = "${SENTINEL}"\n` },
        env: { FLYWAY_JDBC_PROPERTIES_sslpassword: SENTINEL },
        args: [`-jdbcProperties.accessToken=${SENTINEL}`],
      }),
      masked: /jdbcProperties\.accessToken = \*{8} \(command line\)/,
    },
  ];

  function expectNoSentinel(result: CliResult): void {
    expect(result.stdout).not.toContain(SENTINEL);
    expect(result.stderr).not.toContain(SENTINEL);
  }

  it.skipIf(!trust).each(WAYS.map((way, index) => [way.name, way, index] as const))('%s: -X info, -X migrate, -X json info', async (_name, way, index) => {
    const { files = {}, args = [], env = {} } = way.setup();
    const dir = project(files);
    const schema = `secret_${index}`;
    for (const command of [['info'], ['migrate'], ['-outputType=json', 'info']]) {
      const result = await godwit(['-X', ...args, ...common(schema), ...command], dir, env);
      expectNoSentinel(result);
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).toBe(0);
      expect(command[0] === '-outputType=json' ? result.stderr : result.stdout).toMatch(way.masked);
    }
  });

  it.each(WAYS.map((way) => [way.name, way] as const))('%s: a run that cannot connect', async (_name, way) => {
    const { files = {}, args = [], env = {} } = way.setup();
    const dir = project(files);
    // The database name is the last setting given, so it wins over the one each way configured.
    const missing = `-url=jdbc:postgresql://${hostPort()}/godwit_no_such_database?password=${SENTINEL}`;
    for (const extra of [[], ['-outputType=json']]) {
      const result = await godwit(['-X', ...args, ...common('secret_fail'), missing, ...extra, 'migrate'], dir, env);
      expectNoSentinel(result);
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).toMatch(/godwit_no_such_database/);
    }
  });

  it.each([
    ['a TOML syntax error on the password line', { 'flyway.toml': `[environments.default]\npassword = "${SENTINEL}\n` }, /Unable to parse flyway\.toml/],
    ['a bad value beside the password', { 'flyway.toml': `[environments.default]\npassword = "${SENTINEL}"\n[flyway]\noutOfOrder = "maybe"\n` }, /flyway\.outOfOrder/],
    ['a password given as a list', { 'flyway.toml': `[environments.default]\npassword = ["${SENTINEL}"]\n` }, /flyway\.password/],
    ['a bad .conf value beside the password', { 'flyway.conf': `flyway.password=${SENTINEL}\nflyway.connectRetries=many\n` }, /flyway\.connectRetries/],
    ['a missing variable beside the password', { 'flyway.toml': `[environments.default]\npassword = "${SENTINEL}"\nuser = "\${env.NO_SUCH_VARIABLE}"\n` }, /NO_SUCH_VARIABLE/],
  ] as const)('%s', async (_name, files, expected) => {
    const dir = project(files);
    for (const extra of [[], ['-outputType=json']]) {
      // Nothing outside the file knows the password, so only godwit's own messages can keep it out.
      const result = await godwit(['-X', ...extra, 'info'], dir);
      expectNoSentinel(result);
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).toMatch(expected);
    }
  });
});
