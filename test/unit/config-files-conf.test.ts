import { describe, expect, it } from 'vitest';
import { describeConfig } from '../../src/config/load.js';
import { configErrorOf, loadIn, project } from './config-files-project.js';

const load = (conf: string, env: NodeJS.ProcessEnv = {}) => loadIn(project({ 'flyway.conf': conf }), { env });

describe('flyway.conf', () => {
  it('reads flyway.key=value lines, skipping comments and blank lines', () => {
    const { config, sources } = load(
      [
        '# Flyway settings',
        '! also a comment',
        '',
        'flyway.url=jdbc:postgresql://db:5432/app',
        '   flyway.user = app   ',
        'flyway.schemas=app,audit',
        'flyway.outOfOrder=true',
        'flyway.connectRetries=4',
        'flyway.placeholders.App_Role=owner',
        'flyway.jdbcProperties.sslMode=require',
        'flyway.postgresql.transactional.lock=false',
      ].join('\n'),
    );
    expect(config).toMatchObject({
      url: 'jdbc:postgresql://db:5432/app',
      user: 'app',
      schemas: ['app', 'audit'],
      outOfOrder: true,
      connectRetries: 4,
      placeholders: { app_role: 'owner' },
      jdbcProperties: { sslMode: 'require' },
      postgresqlTransactionalLock: false,
    });
    expect(sources.url).toBe('file flyway.conf');
    expect(sources['placeholders.app_role']).toBe('file flyway.conf');
  });

  it('accepts Java\'s other separators: ":" and whitespace', () => {
    expect(load('flyway.table: colon_history\n').config.table).toBe('colon_history');
    expect(load('flyway.table   space_history\n').config.table).toBe('space_history');
    expect(load('flyway.initSql=SET a = 1\n').config.initSql).toBe('SET a = 1');
  });

  it('joins a line ending in \\ with the next, which loses its indentation', () => {
    const { config } = load('flyway.locations=filesystem:one,\\\n    filesystem:two,\\\n    filesystem:three\nflyway.table=t\n');
    expect(config.locations).toEqual(['filesystem:one', 'filesystem:two', 'filesystem:three']);
    expect(config.table).toBe('t');
  });

  it('keeps a final \\ when the next line is blank or a new property, as Flyway does', () => {
    expect(load('flyway.installedBy=C:\\\nflyway.table=t\n').config).toMatchObject({ installedBy: 'C:\\', table: 't' });
    expect(load('flyway.installedBy=C:\\\n\nflyway.table=t\n').config).toMatchObject({ installedBy: 'C:\\', table: 't' });
  });

  it('keeps backslashes literal, so Windows paths survive', () => {
    expect(load('flyway.locations=filesystem:C:\\db\\new\\migrations\n').config.locations).toEqual(['filesystem:C:\\db\\new\\migrations']);
  });

  it('reads CRLF files', () => {
    expect(load('flyway.table=a\r\nflyway.user=u\r\n').config).toMatchObject({ table: 'a', user: 'u' });
  });

  it('lets a later duplicate win', () => {
    expect(load('flyway.table=first\nflyway.table=second\n').config.table).toBe('second');
  });

  it('ignores keys without the flyway. prefix, as Flyway does for files shared with other tools', () => {
    const { config } = load('spring.datasource.url=jdbc:h2:mem\nflyway.table=t\n');
    expect(config.table).toBe('t');
    expect(config.url).toBeUndefined();
  });

  it('expands ${NAME} from the environment, an unset variable becoming empty as in Flyway', () => {
    const { config } = load('flyway.url=jdbc:postgresql://${DB_HOST}/app\nflyway.installedBy=x${UNSET_VARIABLE}y\nflyway.password=${DB_PASSWORD}\n', {
      DB_HOST: 'db.internal',
      DB_PASSWORD: 'from-env',
    });
    expect(config).toMatchObject({ url: 'jdbc:postgresql://db.internal/app', installedBy: 'xy', password: 'from-env' });
  });

  it('masks the password and secret JDBC properties under -X', () => {
    const lines = describeConfig(load('flyway.password=conf-s3cret\nflyway.jdbcProperties.sslpassword=ssl-s3cret\n'));
    expect(lines).toContain('password = ******** (file flyway.conf)');
    expect(lines).toContain('jdbcProperties.sslpassword = ******** (file flyway.conf)');
    expect(lines.join('\n')).not.toMatch(/conf-s3cret|ssl-s3cret/);
  });
});

describe('flyway.conf errors', () => {
  const errorFor = (conf: string) => configErrorOf(() => load(conf));

  it('name an unknown key with its file and line, and suggest the key meant', () => {
    const error = errorFor('# comment\n\nflyway.locatoins=filesystem:sql\n');
    expect(error.message).toBe('Unknown configuration property: flyway.locatoins (in flyway.conf:3)');
    expect(error.hint).toBe('Did you mean flyway.locations?');
  });

  it('name the file and line of a bad value', () => {
    expect(errorFor('flyway.table=t\nflyway.validateOnMigrate=yes\n').message).toBe(
      "Invalid value for flyway.validateOnMigrate (from flyway.conf:2): 'yes'. Expected true or false.",
    );
    expect(errorFor('flyway.connectRetries=\n').message).toBe("Invalid value for flyway.connectRetries (from flyway.conf:1): ''. Expected an integer.");
  });

  it('count a continued property from its first line', () => {
    expect(errorFor('flyway.table=t\nflyway.outOfOrder=tr\\\n  ue-ish\n').message).toMatch(/\(from flyway\.conf:2\): 'true-ish'/);
  });

  it('refuse the keys that choose config files, and keys godwit does not implement', () => {
    expect(errorFor('flyway.configFiles=other.conf\n').message).toBe('flyway.configFiles cannot be set in a config file (in flyway.conf:1).');
    expect(errorFor('flyway.resolvers=x\n').message).toBe('flyway.resolvers is not supported by godwit yet (in flyway.conf:1).');
  });
});
