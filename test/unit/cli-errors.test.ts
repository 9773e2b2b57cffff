/** The JSON `error` object (Flyway's ErrorOutputItem) and the failed-migrate document, built from errors. */
import { describe, expect, it } from 'vitest';
import { errorJson, formatError } from '../../src/cli/errors.js';
import { ConnectionError, InternalError, MigrationFailedError } from '../../src/errors.js';
import type { MigrateResult } from '../../src/engine/results.js';

function failed(): MigrationFailedError {
  return new MigrationFailedError(
    'FAILED_VERSIONED_MIGRATION',
    'Migration V2__Broken.sql failed',
    { script: 'V2__Broken.sql', path: '/flyway/sql/V2__Broken.sql', version: '2', description: 'Broken', line: 3, statement: 'INSERT …', sqlState: '42P01', rolledBack: true },
    { cause: new Error('relation "nowhere" does not exist'), hint: 'Fix the script.' },
  );
}

const PARTIAL: MigrateResult = {
  flywayVersion: '0.1.0',
  database: 'app',
  warnings: [],
  operation: 'migrate',
  initialSchemaVersion: null,
  targetSchemaVersion: '1',
  schemaName: 'public',
  migrations: [{ category: 'Versioned', version: '1', description: 'First', type: 'SQL', filepath: '/flyway/sql/V1__First.sql', executionTime: 3 }],
  migrationsExecuted: 1,
  success: false,
  databaseType: 'PostgreSQL',
};

describe('errorJson', () => {
  it('a user error: code, message, cause chain, no stack trace, no file', () => {
    const error = new ConnectionError('Unable to connect', { cause: new Error('ECONNREFUSED', { cause: new Error('socket') }) });
    expect(errorJson(error)).toEqual({
      error: {
        errorCode: 'DB_CONNECTION',
        message: 'Unable to connect',
        stackTrace: null,
        lineNumber: null,
        path: null,
        cause: { message: 'ECONNREFUSED', stackTrace: null, cause: { message: 'socket', stackTrace: null, cause: null } },
      },
    });
  });

  it('-X adds the stack traces', () => {
    const doc = errorJson(new ConnectionError('Unable to connect', { cause: new Error('ECONNREFUSED') }), true);
    expect(doc.error.stackTrace).toMatch(/^ConnectionError: Unable to connect\n\s+at /);
    expect(doc.error.cause?.stackTrace).toMatch(/^Error: ECONNREFUSED\n\s+at /);
  });

  it('a bug in godwit always carries its stack trace', () => {
    expect(errorJson(new InternalError('oops')).error.stackTrace).toMatch(/^InternalError: oops\n/);
  });

  it('a database refusal is a user error whichever driver raised it: pg\'s SQLSTATE in code, mysql2\'s in sqlState', () => {
    const pgError = Object.assign(new Error('permission denied for table t'), { code: '42501' });
    const mysqlError = Object.assign(new Error('history row refused'), { code: 'ER_SIGNAL_EXCEPTION', errno: 1644, sqlState: '45000' });
    expect(formatError(pgError, false)).toBe('ERROR: permission denied for table t (SQL State: 42501)');
    expect(formatError(mysqlError, false)).toBe('ERROR: history row refused (SQL State: 45000)');
    expect(errorJson(mysqlError).error).toMatchObject({ errorCode: 'DB_ERROR', stackTrace: null });
    expect(formatError(Object.assign(new Error('no state'), { code: 'ER_SOMETHING' }), false)).toMatch(/^ERROR: Unexpected error: no state\n/);
  });

  it('a failed migration names the file, the line and the SQLSTATE', () => {
    expect(errorJson(failed()).error).toMatchObject({ errorCode: 'FAILED_VERSIONED_MIGRATION', lineNumber: 3, path: '/flyway/sql/V2__Broken.sql', sqlState: '42P01' });
  });

  it('a failed migrate is the result so far plus the error, as Flyway prints it', () => {
    const error = failed();
    error.partialResult = PARTIAL;
    const doc = errorJson(error);
    expect({ ...doc, error: undefined }).toEqual({ ...PARTIAL, error: undefined });
    expect(doc.error.errorCode).toBe('FAILED_VERSIONED_MIGRATION');
  });
});

describe('formatError', () => {
  it('prints the hint unless told not to', () => {
    expect(formatError(failed(), false)).toContain('Hint: Fix the script.');
    expect(formatError(failed(), false, { hint: false })).not.toContain('Hint:');
  });
});
