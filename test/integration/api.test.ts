/**
 * The programmatic API as an application uses it: `Godwit.create` / `Godwit.load`, every command's typed
 * result (the objects `-outputType=json` prints), every error class with its stable `code`, and progress
 * events. Runs on PGlite in memory, as an application's own tests would; the lock and connection errors
 * need a server and use the local PostgreSQL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  CleanDisabledError,
  ConfigError,
  ConnectionError,
  Godwit,
  GodwitError,
  InternalError,
  LockTimeoutError,
  MigrationFailedError,
  ResolverError,
  ScriptError,
  ValidationError,
  type GodwitSettings,
  type ProgressEvent,
} from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { writeLocation } from '../helpers/locations.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';

const server = await requirePostgres();
const PUBLIC_LOCK_ID = 77433833903597n; // "public"."flyway_schema_history", as in pg-lock.test.ts

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'godwit-api-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A migration folder under this file's temp root; returns its `filesystem:` location. */
function folder(name: string, files: Record<string, string>): string {
  return writeLocation(root, name, files).slice('-locations='.length);
}

const SHOP = {
  'V1__Create_items.sql': 'CREATE TABLE items (id INT PRIMARY KEY, price INT);\n',
  'V2__Seed.ts': "export default async function (ctx: { query(sql: string, params?: unknown[]): Promise<unknown[]> }) {\n  await ctx.query('INSERT INTO items VALUES ($1, $2), ($3, $4)', [1, 10, 2, 20]);\n}\n",
  'U2__Seed.sql': 'DELETE FROM items;\n',
  'R__Totals.sql': 'CREATE OR REPLACE VIEW totals AS SELECT sum(price) AS total FROM items;\n',
};

/** Runs `fn` with a Godwit on a fresh in-memory database, closing it afterwards. */
async function withGodwit<T>(settings: GodwitSettings, fn: (godwit: Godwit) => Promise<T>, events?: ProgressEvent[]): Promise<T> {
  const godwit = Godwit.create({ url: 'pglite:memory', ...settings }, events ? { onProgress: (event) => events.push(event) } : {});
  try {
    return await fn(godwit);
  } finally {
    await godwit.close();
  }
}

async function rejection<T extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected ${type.name}`);
}

describe('Godwit commands on pglite:memory', () => {
  it('migrate returns the migrate result, with SQL and code migrations', async () => {
    const result = await withGodwit({ locations: [folder('shop', SHOP)] }, (g) => g.migrate());
    expect(result).toMatchObject({
      operation: 'migrate',
      success: true,
      initialSchemaVersion: null,
      targetSchemaVersion: '2',
      schemaName: 'public',
      migrationsExecuted: 3,
      databaseType: 'PostgreSQL',
    });
    expect(result.migrations.map((m) => [m.version, m.type, m.category])).toEqual([
      ['1', 'SQL', 'Versioned'],
      ['2', 'JDBC', 'Versioned'],
      ['', 'SQL', 'Repeatable'],
    ]);
  });

  it('returns exactly the fields the CLI prints with -outputType=json', async () => {
    const location = folder('shop', SHOP);
    const api = await withGodwit({ locations: [location] }, async (g) => [await g.migrate(), await g.info()] as const);
    const cli = await runCli(['-url=pglite:memory', `-locations=${location}`, '-outputType=json', 'migrate', 'info']);
    expect(cli.code, cli.stderr).toBe(0);
    const printed = (JSON.parse(cli.stdout) as { individualResults: Array<Record<string, unknown>> }).individualResults;
    expect(Object.keys(api[0]).sort()).toEqual(Object.keys(printed[0]!).sort());
    expect(Object.keys(api[1]).sort()).toEqual(Object.keys(printed[1]!).sort());
    expect(Object.keys(api[1].migrations[0]!).sort()).toEqual(Object.keys((printed[1]!.migrations as Array<Record<string, unknown>>)[0]!).sort());
  });

  it('info, validate, undo, repair, clean and baseline each return their typed result', async () => {
    await withGodwit({ locations: [folder('shop', SHOP)], cleanDisabled: false }, async (g) => {
      const pending = await g.info();
      expect(pending.operation).toBe('info');
      expect(pending.migrations.map((m) => m.state)).toEqual(['Pending', 'Pending', 'Pending']);
      await g.migrate();
      const validate = await g.validate();
      expect(validate).toMatchObject({ operation: 'validate', validationSuccessful: true, validateCount: 3, errorDetails: null, invalidMigrations: [] });
      const undo = await g.undo();
      expect(undo).toMatchObject({ operation: 'undo', initialSchemaVersion: '2', targetSchemaVersion: '1', migrationsUndone: 1 });
      expect(undo.undoneMigrations.map((m) => m.version)).toEqual(['2']);
      const repair = await g.repair();
      expect(repair.operation).toBe('repair');
      expect(Array.isArray(repair.repairActions)).toBe(true);
      const clean = await g.clean();
      expect(clean).toMatchObject({ operation: 'clean', schemasCleaned: ['public'], schemasDropped: [] });
      expect((await g.info()).migrations.every((m) => m.state === 'Pending')).toBe(true);
    });
    await withGodwit({ baselineVersion: '5', baselineDescription: 'Imported' }, async (g) => {
      const baseline = await g.baseline();
      expect(baseline).toMatchObject({ operation: 'baseline', successfullyBaselined: true, baselineVersion: '5' });
      expect((await g.info()).schemaVersion).toBe('5');
    });
  });

  it('tells progress: started and succeeded for each migration, failed for the one that fails', async () => {
    const events: ProgressEvent[] = [];
    const location = folder('progress', { 'V1__One.sql': 'CREATE TABLE one (id INT);\n', 'V2__Two.mjs': "export default async (ctx) => { await ctx.query('SELECT missing FROM one'); };\n" });
    const error = await rejection(withGodwit({ locations: [location] }, (g) => g.migrate(), events), MigrationFailedError);
    expect(events.map((e) => [e.event, e.operation, e.version, e.type, e.script])).toEqual([
      ['started', 'migrate', '1', 'SQL', 'V1__One.sql'],
      ['succeeded', 'migrate', '1', 'SQL', 'V1__One.sql'],
      ['started', 'migrate', '2', 'JDBC', 'V2__Two.mjs'],
      ['failed', 'migrate', '2', 'JDBC', 'V2__Two.mjs'],
    ]);
    const failed = events[3]!;
    expect(failed.event === 'failed' && failed.error).toBe(error);
    const succeeded = events[1]!;
    expect(succeeded.event === 'succeeded' && typeof succeeded.executionTime).toBe('number');
  });

  it('reports undo progress with the undo file', async () => {
    const events: ProgressEvent[] = [];
    await withGodwit({ locations: [folder('shop', SHOP)] }, async (g) => {
      await g.migrate();
      events.length = 0;
      await g.undo();
    }, events);
    expect(events.map((e) => [e.event, e.operation, e.version, e.type, e.script])).toEqual([
      ['started', 'undo', '2', 'UNDO_SQL', 'U2__Seed.sql'],
      ['succeeded', 'undo', '2', 'UNDO_SQL', 'U2__Seed.sql'],
    ]);
  });
});

describe('code migrations with group=true', () => {
  it('applies SQL and code migrations in one transaction, and rolls all back when the code fails', async () => {
    const location = folder('group', {
      'V1__Table.sql': 'CREATE TABLE g (id INT);\n',
      'V2__Fill.ts': "export default async function (ctx: { query(sql: string): Promise<unknown[]> }) {\n  await ctx.query('INSERT INTO g VALUES (1)');\n}\n",
      'V3__Fail.js': "export default async () => {\n  throw new Error('not today');\n};\n",
    });
    await withGodwit({ locations: [location], group: true }, async (g) => {
      const error = await rejection(g.migrate(), MigrationFailedError);
      expect(error.failure).toMatchObject({ script: 'V3__Fail.js', line: 2, rolledBack: true });
      expect((await g.info()).migrations.map((m) => m.state)).toEqual(['Pending', 'Pending', 'Pending']);
    });
  });

  it('refuses a code migration that declares executeInTransaction = false', async () => {
    const location = folder('group-plain', { 'V1__Plain.mjs': 'export const executeInTransaction = false;\nexport default async () => {};\n' });
    const error = await rejection(withGodwit({ locations: [location], group: true }, (g) => g.migrate()), GodwitError);
    expect(error.code).toBe('NON_TRANSACTIONAL_IN_GROUP');
  });
});

describe('configuration', () => {
  it('Godwit.create reads no config file and no FLYWAY_* variable', async () => {
    const project = mkdtempSync(join(root, 'project-'));
    writeFileSync(join(project, 'flyway.toml'), '[flyway]\nlocations = ["filesystem:nowhere"]\nfailOnMissingLocations = true\n');
    process.env.FLYWAY_TABLE = 'from_environment';
    try {
      const godwit = Godwit.create({ url: 'pglite:memory', locations: [folder('shop', SHOP)] }, { cwd: project });
      expect(godwit.config.table).toBe('flyway_schema_history');
      expect(godwit.config.failOnMissingLocations).toBe(false);
    } finally {
      delete process.env.FLYWAY_TABLE;
    }
  });

  it('Godwit.create takes typed values, the placeholders map and flat keys', () => {
    const godwit = Godwit.create({ outOfOrder: true, connectRetries: 3, schemas: ['a', 'b'], placeholders: { Owner: 'ann' }, 'placeholders.team': 'core', 'postgresql.transactional.lock': false });
    expect(godwit.config).toMatchObject({ outOfOrder: true, connectRetries: 3, schemas: ['a', 'b'], placeholders: { owner: 'ann', team: 'core' }, postgresqlTransactionalLock: false });
  });

  it('Godwit.load reads flyway.toml and FLYWAY_* as the CLI does, with settings on top', () => {
    const project = mkdtempSync(join(root, 'project-'));
    writeFileSync(join(project, 'flyway.toml'), '[flyway]\ntable = "from_file"\nbaselineVersion = "3"\nlocations = ["filesystem:db"]\n');
    const godwit = Godwit.load({ cwd: project, home: '', env: { FLYWAY_BASELINE_VERSION: '4' }, settings: { locations: ['filesystem:other'] } });
    expect(godwit.config.table).toBe('from_file');
    expect(godwit.config.baselineVersion).toBe('4');
    expect(godwit.config.locations).toEqual(['filesystem:other']);
  });
});

describe('errors: each class with its stable code', () => {
  it('ConfigError (CONFIGURATION) for an unknown key, suggesting the right one', () => {
    let caught: unknown;
    try {
      Godwit.create({ 'placeholders.x': 'y', ...({ locatons: 'filesystem:db' } as GodwitSettings) });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught).toBeInstanceOf(GodwitError);
    expect((caught as ConfigError).code).toBe('CONFIGURATION');
    expect((caught as ConfigError).hint).toBe('Did you mean locations?');
  });

  it('ConfigError for a value of the wrong type, naming the key', () => {
    expect(() => Godwit.create({ connectRetries: 'often' })).toThrow(/Invalid value for flyway.connectRetries \(from settings\): 'often'. Expected an integer./);
  });

  it('ResolverError (DUPLICATE_MIGRATION) for a SQL and a code file with one version', async () => {
    const location = folder('duplicate', { 'V1__A.sql': 'SELECT 1;\n', 'V1__B.ts': 'export default async () => {};\n' });
    const error = await rejection(withGodwit({ locations: [location] }, (g) => g.migrate()), ResolverError);
    expect(error.code).toBe('DUPLICATE_MIGRATION');
    expect(error.message).toContain('V1__B.ts (JDBC)');
  });

  it('ScriptError (CODE_MIGRATION_INVALID) for executeInTransaction that is not a boolean', async () => {
    const location = folder('invalid', { 'V1__A.js': "export const executeInTransaction = 'no';\nexport default async () => {};\n" });
    const error = await rejection(withGodwit({ locations: [location] }, (g) => g.migrate()), ScriptError);
    expect(error.code).toBe('CODE_MIGRATION_INVALID');
    expect(error.location).toBe('V1__A.js');
  });

  it('ValidationError (VALIDATE_ERROR) carries the findings', async () => {
    const location = folder('validate', { 'V1__A.sql': 'CREATE TABLE a (id INT);\n' });
    await withGodwit({ locations: [location] }, async (g) => {
      await g.migrate();
      writeFileSync(join(root, 'validate', 'V1__A.sql'), 'CREATE TABLE a (id BIGINT);\n');
      const error = await rejection(g.validate(), ValidationError);
      expect(error.code).toBe('VALIDATE_ERROR');
      expect(error.findings.map((f) => [f.code, f.version])).toEqual([['CHECKSUM_MISMATCH', '1']]);
    });
  });

  it('MigrationFailedError (FAILED_VERSIONED_MIGRATION) with the failure and the partial result', async () => {
    const location = folder('failing', { 'V1__Ok.sql': 'CREATE TABLE ok (id INT);\n', 'V2__Bad.ts': "export default async function (ctx: { query(sql: string): Promise<unknown[]> }) {\n  await ctx.query('CREATE TABLE gone (id INT)');\n  throw new Error('stop here');\n}\n" });
    await withGodwit({ locations: [location] }, async (g) => {
      const error = await rejection(g.migrate(), MigrationFailedError);
      expect(error.code).toBe('FAILED_VERSIONED_MIGRATION');
      expect(error.failure).toMatchObject({ script: 'V2__Bad.ts', version: '2', line: 3, statement: null, sqlState: null, rolledBack: true });
      expect(error.partialResult).toMatchObject({ success: false, migrationsExecuted: 1 });
      expect((await g.info()).migrations.map((m) => m.state)).toEqual(['Success', 'Pending']);
    });
  });

  it('CleanDisabledError (CLEAN_DISABLED) by default', async () => {
    const error = await rejection(withGodwit({}, (g) => g.clean()), CleanDisabledError);
    expect(error.code).toBe('CLEAN_DISABLED');
  });

  it('CancelledError (CANCELLED) once cancel() was called', async () => {
    const godwit = Godwit.create({ url: 'pglite:memory' });
    godwit.cancel('shutting down');
    const error = await rejection(godwit.info(), CancelledError);
    expect(error.code).toBe('CANCELLED');
    expect(error.message).toBe('Cancelled: shutting down.');
  });

  it('InternalError (INTERNAL) is exported for callers to tell bugs apart', () => {
    const error = new InternalError('bug');
    expect(error).toBeInstanceOf(GodwitError);
    expect([error.code, error.name]).toEqual(['INTERNAL', 'InternalError']);
  });

  describe.skipIf(server === null)('on a PostgreSQL server', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase(server!, 'api');
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('ConnectionError (DB_CONNECTION) for a database that does not exist, without the password', async () => {
      const url = db.jdbcUrl.replace(db.name, `${db.name}_missing`);
      const godwit = Godwit.create({ url, user: db.user, password: 's3cret-pw' });
      const error = await rejection(godwit.info(), ConnectionError);
      expect(error.code).toBe('DB_CONNECTION');
      expect(error.message).not.toContain('s3cret-pw');
    });

    it('LockTimeoutError (LOCK_TIMEOUT) while another session holds the lock', async () => {
      const holder = new pg.Client({ host: server!.host, port: server!.port, user: server!.user, password: server!.password, database: db.name });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1::bigint)', [PUBLIC_LOCK_ID.toString()]);
        const godwit = Godwit.create({ url: db.jdbcUrl, user: db.user, lockRetryCount: 0, locations: [folder('locked', { 'V1__A.sql': 'SELECT 1;\n' })] });
        try {
          const error = await rejection(godwit.migrate(), LockTimeoutError);
          expect(error.code).toBe('LOCK_TIMEOUT');
        } finally {
          await godwit.close();
        }
      } finally {
        await holder.end();
      }
    });
  });
});
