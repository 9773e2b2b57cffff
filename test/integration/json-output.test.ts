/**
 * `-outputType=json` for every command (flyway-compat.md §11): stdout holds exactly one JSON document and
 * nothing else, the log lines go to stderr, and each document has the fields Flyway prints, with their
 * types. The shapes below are written from Flyway's output classes (MigrateResult, InfoResult,
 * ValidateResult, BaselineResult, RepairResult, CleanResult, ErrorOutput, MigrateErrorResult), not
 * from godwit's: a renamed, missing, extra or mistyped field fails the check.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { DRIVERS, SUITE_OPTIONS, type Target } from '../helpers/drivers.js';

/** A field's type: a JSON type name, `a|b` for either, an array of one shape, or an object's fields. */
type Shape = string | [Shape] | { [field: string]: Shape };

/** Every mismatch between `value` and `shape`, as `path: problem`; objects must have exactly the fields listed. */
function mismatches(value: unknown, shape: Shape, path = '$'): string[] {
  if (typeof shape === 'string') {
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    return shape.split('|').includes(actual) ? [] : [`${path}: expected ${shape}, got ${actual}`];
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${path}: expected an array`];
    return value.flatMap((item, i) => mismatches(item, shape[0], `${path}[${i}]`));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object`];
  const record = value as Record<string, unknown>;
  const problems = Object.entries(shape).flatMap(([field, fieldShape]) =>
    field in record ? mismatches(record[field], fieldShape, `${path}.${field}`) : [`${path}.${field}: missing`],
  );
  for (const field of Object.keys(record)) if (!(field in shape)) problems.push(`${path}.${field}: not a Flyway field`);
  return problems;
}

const BASE: { [field: string]: Shape } = { flywayVersion: 'string', database: 'string', warnings: ['string'], operation: 'string' };

const MIGRATE_OUTPUT: Shape = { category: 'string', version: 'string', description: 'string', type: 'string', filepath: 'string', executionTime: 'number' };

const SHAPES: Record<'migrate' | 'info' | 'validate' | 'baseline' | 'repair' | 'clean', { [field: string]: Shape }> = {
  migrate: {
    ...BASE,
    initialSchemaVersion: 'string|null',
    targetSchemaVersion: 'string|null',
    schemaName: 'string',
    migrations: [MIGRATE_OUTPUT],
    migrationsExecuted: 'number',
    success: 'boolean',
    databaseType: 'string',
  },
  info: {
    ...BASE,
    schemaVersion: 'string|null',
    schemaName: 'string',
    allSchemasEmpty: 'boolean',
    migrations: [
      {
        category: 'string',
        version: 'string',
        rawVersion: 'string',
        description: 'string',
        type: 'string',
        installedOnUTC: 'string',
        state: 'string',
        undoable: 'string',
        filepath: 'string',
        undoFilepath: 'string',
        installedBy: 'string',
        shouldExecuteExpression: 'string',
        executionTime: 'number',
      },
    ],
  },
  validate: {
    ...BASE,
    validationSuccessful: 'boolean',
    validateCount: 'number',
    errorDetails: 'object|null',
    invalidMigrations: [{ version: 'string', description: 'string', filepath: 'string', errorDetails: { errorCode: 'string', errorMessage: 'string' } }],
  },
  baseline: { ...BASE, successfullyBaselined: 'boolean', baselineVersion: 'string' },
  repair: {
    ...BASE,
    repairActions: ['string'],
    migrationsRemoved: [{ version: 'string', description: 'string', filepath: 'string' }],
    migrationsDeleted: [{ version: 'string', description: 'string', filepath: 'string' }],
    migrationsAligned: [{ version: 'string', description: 'string', filepath: 'string' }],
  },
  clean: { ...BASE, schemasCleaned: ['string'], schemasDropped: ['string'] },
};

/** ErrorOutput.ErrorOutputItem; `cause` is checked one level deep (it nests the same shape). */
const ERROR_ITEM = { errorCode: 'string', message: 'string', stackTrace: 'string|null', lineNumber: 'number|null', path: 'string|null', cause: 'object|null' };
const ERROR: Shape = { error: ERROR_ITEM };
/** A failed migrate: the migrate result so far plus `error`, which also carries the SQLSTATE. */
const MIGRATE_ERROR: Shape = { ...SHAPES.migrate, error: { ...ERROR_ITEM, sqlState: 'string|null' } };

/** stdout must be one JSON document and nothing else; returns it after checking it against `shape`. */
function document(result: CliResult, shape: Shape): Record<string, unknown> {
  let doc: unknown;
  expect(() => (doc = JSON.parse(result.stdout)), `stdout is not one JSON document:\n${result.stdout}\nstderr:\n${result.stderr}`).not.toThrow();
  expect(mismatches(doc, shape), JSON.stringify(doc, null, 2)).toEqual([]);
  expect(result.stderr + result.stdout).not.toMatch(/^\s+at /m);
  return doc as Record<string, unknown>;
}

describe('the shape checker', () => {
  it('reports missing, extra and mistyped fields, in arrays too', () => {
    expect(mismatches({ a: 'x', b: [{ c: 1 }] }, { a: 'string', b: [{ c: 'number' }] })).toEqual([]);
    expect(mismatches({ a: 1, extra: true, b: [{ c: 'x' }] }, { a: 'string', b: [{ c: 'number' }], d: 'null' })).toEqual([
      '$.a: expected string, got number',
      '$.b[0].c: expected number, got string',
      '$.d: missing',
      '$.extra: not a Flyway field',
    ]);
  });
});

describe.each(DRIVERS)('-outputType=json on $name', SUITE_OPTIONS, (driver) => {
  let db: Target;
  let root: string;

  beforeAll(async () => {
    db = await driver.target('json_output');
    root = mkdtempSync(join(tmpdir(), 'godwit-json-'));
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function folder(name: string, files: Record<string, string>): string {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
    return dir;
  }

  const json = (schema: string, dir: string, args: string[]) =>
    db.cli([`-schemas=${schema}`, `-locations=filesystem:${dir}`, '-outputType=json', ...args]);

  it('migrate, info, validate, repair, clean: one document each, logs on stderr', async () => {
    const dir = folder('cycle', {
      'V1__Create_users.sql': 'CREATE TABLE users (id int);\n',
      'V1.1__Add_email.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
      'R__Views.sql': 'CREATE OR REPLACE VIEW user_ids AS SELECT id FROM users;\n',
    });

    const migrate = await json('cycle', dir, ['migrate']);
    expect(migrate.code, migrate.stderr).toBe(0);
    const m = document(migrate, SHAPES.migrate);
    expect(m).toMatchObject({ operation: 'migrate', success: true, migrationsExecuted: 3, initialSchemaVersion: null, targetSchemaVersion: '1.1', schemaName: 'cycle', databaseType: 'PostgreSQL', database: db.database });
    expect((m.migrations as Array<{ category: string; version: string }>).map((x) => `${x.category} ${x.version}`)).toEqual(['Versioned 1', 'Versioned 1.1', 'Repeatable ']);
    expect(migrate.stderr).toContain('Successfully applied 3 migrations');

    const info = await json('cycle', dir, ['info']);
    expect(info.code, info.stderr).toBe(0);
    const i = document(info, SHAPES.info);
    expect(i).toMatchObject({ operation: 'info', schemaVersion: '1.1', schemaName: 'cycle', allSchemasEmpty: false });
    // The schema-creation marker, then the three files.
    expect((i.migrations as Array<{ type: string }>).map((x) => x.type)).toEqual(['SCHEMA', 'SQL', 'SQL', 'SQL']);

    const validate = await json('cycle', dir, ['validate']);
    expect(validate.code, validate.stderr).toBe(0);
    expect(document(validate, SHAPES.validate)).toMatchObject({ operation: 'validate', validationSuccessful: true, validateCount: 4, errorDetails: null, invalidMigrations: [] });
    expect(validate.stderr).toContain('Successfully validated 4 migrations');

    const repair = await json('cycle', dir, ['repair']);
    expect(repair.code, repair.stderr).toBe(0);
    expect(document(repair, SHAPES.repair)).toMatchObject({ operation: 'repair', repairActions: [] });

    const clean = await json('cycle', dir, ['clean', '-cleanDisabled=false']);
    expect(clean.code, clean.stderr).toBe(0);
    const c = document(clean, SHAPES.clean);
    expect(c.operation).toBe('clean');
    expect([...(c.schemasCleaned as string[]), ...(c.schemasDropped as string[])]).toEqual(['cycle']);
  });

  it('baseline', async () => {
    const dir = folder('baseline', { 'V5__Later.sql': 'SELECT 1;\n' });
    const result = await json('baseline', dir, ['baseline', '-baselineVersion=4']);
    expect(result.code, result.stderr).toBe(0);
    expect(document(result, SHAPES.baseline)).toMatchObject({ operation: 'baseline', successfullyBaselined: true, baselineVersion: '4' });
  });

  it('several commands: {"individualResults": [...]}, each with its own shape', async () => {
    const dir = folder('several', { 'V1__One.sql': 'CREATE TABLE one (id int);\n' });
    const result = await json('several', dir, ['migrate', 'info']);
    expect(result.code, result.stderr).toBe(0);
    const doc = document(result, { individualResults: ['object'] });
    const [migrate, info] = doc.individualResults as unknown[];
    expect(mismatches(migrate, SHAPES.migrate)).toEqual([]);
    expect(mismatches(info, SHAPES.info)).toEqual([]);
  });

  it('a failed migrate: the result so far, success false, plus the error with file, line and SQLSTATE', async () => {
    const dir = folder('failing', {
      'V1__Fine.sql': 'CREATE TABLE fine (id int);\n',
      'V2__Broken.sql': 'CREATE TABLE broken (id int);\n\nINSERT INTO nowhere VALUES (1);\n',
    });
    const result = await json('failing', dir, ['migrate']);
    expect(result.code).toBe(1);
    const doc = document(result, MIGRATE_ERROR);
    expect(doc).toMatchObject({ operation: 'migrate', success: false, migrationsExecuted: 1, initialSchemaVersion: null, targetSchemaVersion: '1' });
    expect(doc.error).toMatchObject({
      errorCode: 'FAILED_VERSIONED_MIGRATION',
      sqlState: '42P01',
      lineNumber: 3,
      path: join(dir, 'V2__Broken.sql'),
      stackTrace: null,
    });
    expect((doc.error as { message: string }).message).toMatch(/^Migration V2__Broken\.sql failed/);
    expect((doc.error as { cause: { message: string } }).cause.message).toContain('"nowhere" does not exist');
    expect(result.stderr).toContain('Migrating schema "failing" to version "2 - Broken"');
  });

  it('a failed validate is an error with VALIDATE_ERROR', async () => {
    const dir = folder('pending', { 'V1__Pending.sql': 'SELECT 1;\n' });
    const result = await json('pending', dir, ['validate']);
    expect(result.code).toBe(1);
    expect(document(result, ERROR)).toMatchObject({ error: { errorCode: 'VALIDATE_ERROR', lineNumber: null, path: null } });
  });

  it('clean while disabled is an error with CLEAN_DISABLED', async () => {
    const dir = folder('nocleaning', {});
    const result = await json('nocleaning', dir, ['clean']);
    expect(result.code).toBe(1);
    expect(document(result, ERROR)).toMatchObject({ error: { errorCode: 'CLEAN_DISABLED' } });
  });
});

describe('-outputType=json errors without a database', () => {
  it('a connection failure is DB_CONNECTION, with the driver error as cause', async () => {
    const result = await runCli(['-url=jdbc:postgresql://127.0.0.1:1/x', '-user=postgres', '-outputType=json', 'info'], { timeoutMs: 15_000 });
    expect(result.code).toBe(1);
    const doc = document(result, ERROR);
    expect(doc.error).toMatchObject({ errorCode: 'DB_CONNECTION', stackTrace: null });
    expect((doc.error as { cause: { message: string } }).cause.message).toMatch(/ECONNREFUSED/);
  });

  it('a configuration mistake is CONFIGURATION, and the output type may come from FLYWAY_OUTPUT_TYPE', async () => {
    const result = await runCli(['-url=jdbc:postgresql://127.0.0.1:1/x', '-lockRetryCount=many', 'migrate'], { env: { FLYWAY_OUTPUT_TYPE: 'json' } });
    expect(result.code).toBe(1);
    expect(document(result, ERROR)).toMatchObject({ error: { errorCode: 'CONFIGURATION', cause: null } });
  });
});
