/**
 * What godwit hands mysql2 for a Flyway URL: TLS from Connector/J's and MariaDB Connector/J's parameters,
 * the session settings godwit relies on, and connection errors that name the culprit without the password.
 */
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/jdbc-url.js';
import { connectionErrorMessage } from '../../src/dialects/mysql/connection-errors.js';
import { connectionOptions, tlsOption } from '../../src/dialects/mysql/mysql-client.js';
import { ConfigError } from '../../src/errors.js';
import { errorOf } from '../helpers/errors.js';

describe('tlsOption', () => {
  it.each([
    [{}, undefined],
    [{ sslMode: 'DISABLED' }, undefined],
    [{ sslMode: 'preferred' }, undefined],
    [{ sslMode: 'REQUIRED' }, { rejectUnauthorized: false }],
    [{ sslMode: 'VERIFY_CA' }, { rejectUnauthorized: true, verifyIdentity: false }],
    [{ sslMode: 'VERIFY_IDENTITY' }, { rejectUnauthorized: true, verifyIdentity: true }],
    [{ sslmode: 'disable' }, undefined],
    [{ sslmode: 'trust' }, { rejectUnauthorized: false }],
    [{ sslmode: 'verify-ca' }, { rejectUnauthorized: true, verifyIdentity: false }],
    [{ sslmode: 'verify-full' }, { rejectUnauthorized: true, verifyIdentity: true }],
    [{ useSSL: 'true' }, { rejectUnauthorized: false }],
    [{ useSSL: 'true', verifyServerCertificate: 'true' }, { rejectUnauthorized: true, verifyIdentity: true }],
    [{ useSSL: 'false' }, undefined],
  ])('%j → %j', (params, expected) => {
    expect(tlsOption(params as Record<string, string>)).toEqual(expected);
  });

  it('hands out a fresh object each time (mysql2 writes into it)', () => {
    const a = tlsOption({ sslMode: 'REQUIRED' });
    expect(a).not.toBe(tlsOption({ sslMode: 'REQUIRED' }));
  });

  it('refuses an unknown mode, listing the valid ones', () => {
    const error = errorOf(() => tlsOption({ sslMode: 'ALWAYS' }), ConfigError);
    expect(error.message).toBe("Unknown sslMode 'ALWAYS' in -url.");
    expect(error.hint).toBe('Use one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY.');
  });
});

describe('connectionOptions', () => {
  it('takes host, port, database and credentials from the URL, the -user/-password settings winning', () => {
    const target = parseDatabaseUrl('jdbc:mysql://db.example:3307/shop?user=app&password=url-secret&sslMode=REQUIRED');
    expect(connectionOptions({ target, user: undefined, password: undefined })).toMatchObject({
      host: 'db.example',
      port: 3307,
      database: 'shop',
      user: 'app',
      password: 'url-secret',
      ssl: { rejectUnauthorized: false },
    });
    expect(connectionOptions({ target, user: 'deployer', password: 'flag-secret' })).toMatchObject({ user: 'deployer', password: 'flag-secret' });
  });

  it('allows multi-statement texts (batches), in utf8mb4, with numbers and dates as godwit reads them', () => {
    const options = connectionOptions({ target: parseDatabaseUrl('mariadb://root@127.0.0.1/app'), user: undefined, password: undefined });
    expect(options).toMatchObject({ multipleStatements: true, charset: 'utf8mb4', supportBigNumbers: true, dateStrings: false, timezone: 'local' });
  });

  it('connects to no database when the URL names none', () => {
    expect(connectionOptions({ target: parseDatabaseUrl('jdbc:mariadb://127.0.0.1:3306'), user: 'root', password: undefined }).database).toBeUndefined();
  });
});

describe('connectionErrorMessage', () => {
  const target = { product: 'MariaDB', host: 'db.example', port: 3306, database: 'shop', user: 'app' };

  it.each([
    ['ECONNREFUSED', 'Unable to connect to MariaDB at db.example:3306/shop: connection refused. Is the server running, and is the host and port in -url right?'],
    ['ENOTFOUND', "Unable to connect to MariaDB at db.example:3306/shop: unknown host 'db.example'. Check the host in -url."],
    ['ER_ACCESS_DENIED_ERROR', 'Unable to connect to MariaDB at db.example:3306/shop: authentication failed for user "app". Check -user and -password (or FLYWAY_USER / FLYWAY_PASSWORD).'],
    ['ER_BAD_DB_ERROR', 'Unable to connect to MariaDB at db.example:3306/shop: database "shop" does not exist. Create it first, or leave it out of -url and name it in -schemas so that godwit creates it.'],
  ])('%s', (code, expected) => {
    expect(connectionErrorMessage({ code, message: "Access denied for user 'app'@'10.0.0.1' (using password: YES)" }, target)).toBe(expected);
  });

  it('falls back to the driver message, which holds no password', () => {
    expect(connectionErrorMessage({ code: 'EPIPE', message: 'write EPIPE' }, { ...target, database: '' })).toBe('Unable to connect to MariaDB at db.example:3306: write EPIPE');
  });
});
