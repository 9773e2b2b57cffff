import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, redactUrl } from '../../src/config/jdbc-url.js';
import { redact } from '../../src/config/redact.js';
import { ConfigError } from '../../src/errors.js';
import { errorOf as errorOfType } from '../helpers/errors.js';

const errorOf = (fn: () => unknown): ConfigError => errorOfType(fn, ConfigError);

const SECRET = 'S3cr3t-pw';

describe('parseDatabaseUrl: PostgreSQL', () => {
  it('reads host, port and database of a JDBC URL', () => {
    expect(parseDatabaseUrl('jdbc:postgresql://db.example.com:6543/app')).toEqual({
      dialect: 'postgresql',
      host: 'db.example.com',
      port: 6543,
      database: 'app',
      params: {},
    });
  });

  it('defaults the port to 5432 and the database to none', () => {
    const target = parseDatabaseUrl('jdbc:postgresql://db');
    expect(target.port).toBe(5432);
    expect(target.database).toBe('');
    expect(target.host).toBe('db');
  });

  it('moves user and password query parameters out of params and decodes them', () => {
    const target = parseDatabaseUrl(`jdbc:postgresql://localhost:5432/mydb?user=app&password=p%40ss&sslmode=require&ApplicationName=ci`);
    expect(target.user).toBe('app');
    expect(target.password).toBe('p@ss');
    expect(target.params).toEqual({ sslmode: 'require', ApplicationName: 'ci' });
  });

  it('reads the short form jdbc:postgresql:db as localhost', () => {
    expect(parseDatabaseUrl('jdbc:postgresql:mydb?currentSchema=app')).toEqual({
      dialect: 'postgresql',
      host: 'localhost',
      port: 5432,
      database: 'mydb',
      params: { currentSchema: 'app' },
    });
  });

  it('percent-decodes user, password and database of postgresql:// URLs', () => {
    expect(parseDatabaseUrl('postgresql://us%3Aer:p%40ss%2Fw%3Ard@pg:5433/my%20db')).toEqual({
      dialect: 'postgresql',
      host: 'pg',
      port: 5433,
      database: 'my db',
      user: 'us:er',
      password: 'p@ss/w:rd',
      params: {},
    });
  });

  it('accepts postgres:// as an alias', () => {
    const target = parseDatabaseUrl('postgres://app@pg/app');
    expect(target.dialect).toBe('postgresql');
    expect(target.user).toBe('app');
    expect(target.password).toBeUndefined();
    expect(target.port).toBe(5432);
  });

  it('keeps an unencoded @ in a password: the last @ ends the user info', () => {
    const target = parseDatabaseUrl('postgresql://app:p@ss@pg/app');
    expect(target.password).toBe('p@ss');
    expect(target.host).toBe('pg');
  });

  it('reads bracketed IPv6 hosts, with and without a port', () => {
    expect(parseDatabaseUrl('jdbc:postgresql://[::1]:5433/app')).toMatchObject({ host: '::1', port: 5433, database: 'app' });
    expect(parseDatabaseUrl('postgresql://u:p@[2001:db8::7]/app')).toMatchObject({ host: '2001:db8::7', port: 5432, user: 'u' });
  });

  it('refuses an IPv6 address without brackets', () => {
    expect(errorOf(() => parseDatabaseUrl('jdbc:postgresql://::1:5432/app')).message).toMatch(/IPv6 hosts must be written in brackets/);
  });

  it('takes the first of several hosts', () => {
    expect(parseDatabaseUrl('jdbc:postgresql://primary:5433,replica:5434/app?targetServerType=primary')).toMatchObject({
      host: 'primary',
      port: 5433,
      database: 'app',
      params: { targetServerType: 'primary' },
    });
  });

  it('refuses a port out of range', () => {
    expect(errorOf(() => parseDatabaseUrl('jdbc:postgresql://pg:70000/app')).message).toContain("Invalid port '70000'");
  });
});

describe('parseDatabaseUrl: MySQL, MariaDB, PGlite', () => {
  it('defaults MySQL to port 3306 and keeps parameters', () => {
    expect(parseDatabaseUrl('jdbc:mysql://localhost/my_app_db?createDatabaseIfNotExist=true')).toEqual({
      dialect: 'mysql',
      host: 'localhost',
      port: 3306,
      database: 'my_app_db',
      params: { createDatabaseIfNotExist: 'true' },
    });
  });

  it('allows a MySQL URL without a database', () => {
    expect(parseDatabaseUrl('mysql://root:pw@127.0.0.1:3307')).toEqual({
      dialect: 'mysql',
      host: '127.0.0.1',
      port: 3307,
      database: '',
      user: 'root',
      password: 'pw',
      params: {},
    });
  });

  it('recognises MariaDB in both forms', () => {
    expect(parseDatabaseUrl('jdbc:mariadb://maria/app')).toMatchObject({ dialect: 'mariadb', port: 3306, database: 'app' });
    expect(parseDatabaseUrl('mariadb://u:p@maria:3310/app')).toMatchObject({ dialect: 'mariadb', port: 3310, user: 'u', password: 'p' });
  });

  it('reads pglite:memory and pglite:<path>', () => {
    expect(parseDatabaseUrl('pglite:memory')).toEqual({ dialect: 'pglite', host: '', port: 0, database: 'memory', params: {} });
    expect(parseDatabaseUrl('pglite:./data/pg')).toMatchObject({ dialect: 'pglite', database: './data/pg' });
  });
});

describe('parseDatabaseUrl errors never show a password', () => {
  const cases = [
    `jdbc:sqlserver://host:1433;databaseName=app;password=${SECRET}`,
    `oracle://scott:${SECRET}@host/app`,
    `jdbc:oracle:thin:scott/x@host?password=${SECRET}`,
    `postgresql://app:${SECRET}@pg:99999/app`,
    `postgresql://app:${SECRET}%ZZ@pg/app`,
    `jdbc:postgresql://[::1/app?password=${SECRET}`,
    'pglite:',
  ];

  it.each(cases)('%s', (url) => {
    const error = errorOf(() => parseDatabaseUrl(url));
    expect(error.message).not.toContain(SECRET);
    expect(error.hint ?? '').not.toContain(SECRET);
    expect(error.location).toBe('url');
  });

  it('names the unsupported URL with the password masked and lists the supported forms', () => {
    const error = errorOf(() => parseDatabaseUrl(`oracle://scott:${SECRET}@host/app`));
    expect(error.message).toBe('Unsupported database URL: oracle:…');
    expect(error.hint).toContain('jdbc:postgresql://');
    expect(error.hint).toContain('jdbc:mysql://');
    expect(error.hint).toContain('pglite:memory');
  });
});

describe('redactUrl', () => {
  it('masks the password of user info and of query parameters', () => {
    expect(redactUrl(`postgresql://app:${SECRET}@pg/app`)).toBe('postgresql://app:***@pg/app');
    expect(redactUrl(`jdbc:postgresql://pg/app?user=app&password=${SECRET}&ssl=true`)).toBe('jdbc:postgresql://pg/app?user=app&password=***&ssl=true');
    expect(redactUrl(`jdbc:sqlserver://h;PASSWORD=${SECRET};x=1`)).toBe('jdbc:sqlserver://h;PASSWORD=***;x=1');
    expect(redactUrl(`jdbc:postgresql://pg/app?sslpassword=${SECRET}`)).toBe('jdbc:postgresql://pg/app?sslpassword=***');
  });

  it('masks all of a password that contains @', () => {
    expect(redactUrl('postgresql://app:p@ss@pg/app')).toBe('postgresql://app:***@pg/app');
  });

  it('masks URLs inside longer text and leaves URLs without a password alone', () => {
    expect(redactUrl(`Connection to 'mysql://root:${SECRET}@db:3306/x' refused`)).toBe("Connection to 'mysql://root:***@db:3306/x' refused");
    expect(redactUrl('jdbc:postgresql://pg:5432/app and postgres://app@pg/app')).toBe('jdbc:postgresql://pg:5432/app and postgres://app@pg/app');
  });
});

describe('redact', () => {
  it('replaces each secret, in plain and percent-encoded form, and URL passwords', () => {
    const text = `password p@ss! in postgres://a:p%40ss!@h/db, token tok-1 and mysql://b:other@h`;
    const result = redact(text, ['p@ss!', undefined, '', 'tok-1']);
    expect(result).toBe('password ******** in postgres://a:***@h/db, token ******** and mysql://b:***@h');
  });

  it('masks the percent-encoded form outside a URL too', () => {
    expect(redact('sent ?pw=p%40ss%2F1 to the server', ['p@ss/1'])).toBe('sent ?pw=******** to the server');
  });

  it('masks the longer of two overlapping secrets whole', () => {
    expect(redact('abcdef', ['abc', 'abcdef'])).toBe('********');
  });

  it('leaves text without secrets unchanged', () => {
    expect(redact('nothing to hide', [undefined, ''])).toBe('nothing to hide');
  });
});
