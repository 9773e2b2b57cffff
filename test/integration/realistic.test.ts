/**
 * Realistic migration sets (test/fixtures/realistic/*) applied twice: once by psql, file by file in
 * Flyway's order, and once by `godwit migrate`. psql is the reference for what each file means, so the
 * two databases must end up identical: same catalog, same rows, and godwit's history table must hold
 * the rows Flyway would have written.
 *
 * godwit runs on both drivers (test/helpers/drivers.ts). On PGlite the reference is still psql's result on
 * the server, carried over by pg_dump into a PGlite database of its own: PGlite's PostgreSQL is a newer
 * major version that prints some definitions differently (views without table qualifiers, identity
 * columns on partitions), so its catalog must be compared with a catalog it printed itself. This file
 * therefore needs the server for either driver. No case is server-only.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { DRIVERS, type Target, type TargetClient } from '../helpers/drivers.js';
import type { HistoryRow as StoredRow } from '../helpers/output.js';
import { createTestDatabase, requirePostgres, type PostgresServer, type TestDatabase } from '../helpers/postgres.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/realistic/', import.meta.url));
const SETS = ['saas-billing', 'inventory', 'content'];
const HISTORY = 'flyway_schema_history';
const run = promisify(execFile);

/** Written out by hand so that a shared mistake in parseFileName and godwit cannot hide. */
const LITERAL_HISTORY: Record<string, Array<{ script: string; version: string | null; description: string }>> = {
  'saas-billing': [
    { script: 'V1__Initial_schema.sql', version: '1', description: 'Initial schema' },
    { script: 'V1_12_15__Invoice_numbering.sql', version: '1.12.15', description: 'Invoice numbering' },
    { script: 'V2.1__Pause_dormant_subscriptions.sql', version: '2.1', description: 'Pause dormant subscriptions' },
    { script: 'V4_99_1567727816__Usage_metering.sql', version: '4.99.1567727816', description: 'Usage metering' },
    { script: 'V20240506.1.0.2__Revenue_rollups.sql', version: '20240506.1.0.2', description: 'Revenue rollups' },
    { script: 'R__Reporting_views.sql', version: null, description: 'Reporting views' },
  ],
  inventory: [
    { script: 'V3__Add index .sql', version: '3', description: 'Add index ' },
    { script: 'V2_10__Suppliers.sql', version: '2.10', description: 'Suppliers' },
    { script: 'R__materialized_snapshots.sql', version: null, description: 'materialized snapshots' },
  ],
  content: [
    { script: 'V1.10__Seed_articles.sql', version: '1.10', description: 'Seed articles' },
    { script: 'V10__Tag_usage.sql', version: '10', description: 'Tag usage' },
  ],
};

interface MigrationFile {
  script: string;
  /** Flyway's normalised version text (`_` → `.`), null for repeatables. */
  version: string | null;
  versionParts: bigint[];
  description: string;
}

function parseFileName(script: string): MigrationFile {
  const versioned = /^V(.+?)__(.*)\.sql$/.exec(script);
  if (versioned) {
    const version = versioned[1]!.replace(/_/g, '.');
    return { script, version, versionParts: version.split('.').map(BigInt), description: versioned[2]!.replace(/_/g, ' ') };
  }
  const repeatable = /^R__(.*)\.sql$/.exec(script);
  if (!repeatable) throw new Error(`fixture ${script} is not a migration`);
  return { script, version: null, versionParts: [], description: repeatable[1]!.replace(/_/g, ' ') };
}

/** Flyway's order: versioned by numeric version part by part (missing parts are 0), then repeatables by description in UTF-16 order. */
function flywayOrder(a: MigrationFile, b: MigrationFile): number {
  if (a.version !== null && b.version !== null) {
    for (let i = 0; i < Math.max(a.versionParts.length, b.versionParts.length); i++) {
      const x = a.versionParts[i] ?? 0n;
      const y = b.versionParts[i] ?? 0n;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  }
  if (a.version !== null) return -1;
  if (b.version !== null) return 1;
  return a.description < b.description ? -1 : a.description > b.description ? 1 : 0;
}

/** flyway-compat.md §2: signed CRC-32 of the UTF-8 text without a leading BOM and without any CR or LF. */
function flywayChecksum(path: string): number {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '').replace(/[\r\n]/g, '');
  return crc32(Buffer.from(text, 'utf8')) | 0;
}

function migrationsOf(dir: string): MigrationFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .map(parseFileName)
    .sort(flywayOrder);
}

/** Connection settings of the developer's shell must not make psql's session differ from godwit's. */
function psqlEnvironment(server: PostgresServer): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PGCLIENTENCODING: 'UTF8' };
  for (const key of ['PGTZ', 'PGDATESTYLE', 'PGOPTIONS', 'PGSERVICE', 'PGPASSWORD']) delete env[key];
  if (server.password !== undefined) env.PGPASSWORD = server.password;
  return env;
}

async function applyWithPsql(server: PostgresServer, db: TestDatabase, dir: string, files: MigrationFile[]): Promise<void> {
  const connection = ['-X', '-q', '-h', server.host, '-p', String(server.port), '-U', server.user, '-d', db.name];
  for (const file of files) {
    try {
      await run('psql', [...connection, '-v', 'ON_ERROR_STOP=1', '-1', '-f', join(dir, file.script)], { env: psqlEnvironment(server) });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      throw new Error(`psql could not apply ${file.script}: ${stderr}`);
    }
  }
}

/** psql's database as a PGlite database: restored from a pg_dump with INSERTs, as PGlite has no COPY FROM STDIN. */
async function copyToPglite(server: PostgresServer, db: TestDatabase, target: Target): Promise<void> {
  const connection = ['-h', server.host, '-p', String(server.port), '-U', server.user, '-d', db.name];
  const { stdout } = await run('pg_dump', [...connection, '--inserts', '--no-owner', '--no-privileges'], { env: psqlEnvironment(server), maxBuffer: 64 * 1024 * 1024 });
  const script = stdout
    .split('\n')
    // Only psql reads the \restrict lines of newer pg_dumps.
    .filter((line) => !line.startsWith('\\'))
    // The server's pg_dump asks for OVERRIDING only where its version has identity columns; on PostgreSQL
    // 18 partitions inherit them too. Where a table has none, the clause changes nothing.
    .map((line) => line.replace(/^INSERT INTO (\S+) VALUES /, 'INSERT INTO $1 OVERRIDING SYSTEM VALUE VALUES '))
    .join('\n');
  // RESET ALL undoes the dump's session settings (search_path '') for the queries that follow.
  await target.client.query(`${script}\nRESET ALL;`);
}

const USER_SCHEMA = `nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%'`;
const NOT_HISTORY = `relname NOT IN ('${HISTORY}', '${HISTORY}_pk', '${HISTORY}_s_idx')`;

/** Each query returns one text column `line`; the snapshot is compared section by section. */
const CATALOG_QUERIES: Record<string, string> = {
  relations: `
    SELECT format('%s.%s kind=%s bound=%s', n.nspname, c.relname, c.relkind, coalesce(pg_get_expr(c.relpartbound, c.oid), '')) AS line
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_SCHEMA} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i', 'I', 'f') AND c.${NOT_HISTORY}
    ORDER BY 1`,
  columns: `
    SELECT concat_ws(' | ', table_schema || '.' || table_name || '.' || column_name, ordinal_position, data_type, udt_name,
             character_maximum_length, numeric_precision, numeric_scale, 'null=' || is_nullable, 'default=' || column_default,
             'identity=' || is_identity, identity_generation, identity_start, identity_increment,
             'generated=' || is_generated, generation_expression) AS line
    FROM information_schema.columns
    WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_name <> '${HISTORY}'
    ORDER BY table_schema, table_name, ordinal_position`,
  constraints: `
    SELECT format('%s %s %s', coalesce(c.conrelid::regclass::text, c.contypid::regtype::text), c.conname, pg_get_constraintdef(c.oid)) AS line
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE ${USER_SCHEMA} AND coalesce(c.conrelid::regclass::text, '') NOT IN ('${HISTORY}', 'public.${HISTORY}')
      -- PostgreSQL 18 (PGlite's) lists NOT NULL as constraints too; the columns section holds nullability for all versions.
      AND c.contype <> 'n'
    ORDER BY 1`,
  indexes: `
    SELECT indexdef AS line FROM pg_indexes
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename <> '${HISTORY}'
    ORDER BY schemaname, indexname`,
  views: `
    SELECT format('view %s.%s: %s', schemaname, viewname, definition) AS line FROM pg_views
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT format('matview %s.%s populated=%s: %s', schemaname, matviewname, ispopulated, definition) FROM pg_matviews
    ORDER BY 1`,
  functions: `
    SELECT p.oid::regprocedure::text || E'\\n' || pg_get_functiondef(p.oid) AS line
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE ${USER_SCHEMA} AND p.prokind IN ('f', 'p')
    ORDER BY 1`,
  triggers: `
    SELECT pg_get_triggerdef(t.oid) AS line
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_SCHEMA} AND NOT t.tgisinternal
    ORDER BY 1`,
  enums: `
    SELECT format('%s: %s', t.typname, string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)) AS line
    FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
    GROUP BY t.typname
    ORDER BY 1`,
  sequences: `
    SELECT format('%s.%s %s start=%s increment=%s cycle=%s', schemaname, sequencename, data_type, start_value, increment_by, cycle) AS line
    FROM pg_sequences
    ORDER BY 1`,
  // Objects created by the migrations have OIDs above FirstNormalObjectId (16384); the rest came from template1.
  comments: `
    SELECT pg_describe_object(classoid, objoid, objsubid) || ': ' || description AS line
    FROM pg_description
    WHERE objoid >= 16384
    ORDER BY 1`,
};

async function lines(client: TargetClient, sql: string): Promise<string[]> {
  const result = await client.query<{ line: string }>(sql);
  return result.rows.map((row) => row.line);
}

async function catalogSnapshot(client: TargetClient): Promise<Record<string, string[]>> {
  const snapshot: Record<string, string[]> = {};
  for (const [section, sql] of Object.entries(CATALOG_QUERIES)) snapshot[section] = await lines(client, sql);
  return snapshot;
}

/** Row count and an order-independent digest of every table, partition and materialized view, plus sequence positions. */
async function dataSnapshot(client: TargetClient): Promise<Record<string, string>> {
  const relations = await lines(
    client,
    `SELECT format('%I.%I', n.nspname, c.relname) AS line
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${USER_SCHEMA} AND c.relkind IN ('r', 'p', 'm') AND c.${NOT_HISTORY}
     ORDER BY 1`,
  );
  const snapshot: Record<string, string> = {};
  for (const relation of relations) {
    const { rows } = await client.query<{ n: number; digest: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM ${relation} t`,
    );
    snapshot[relation] = `${rows[0]!.n} rows, md5 ${rows[0]!.digest}`;
  }
  for (const line of await lines(client, `SELECT format('%I.%I last_value=%s', schemaname, sequencename, last_value) AS line FROM pg_sequences ORDER BY 1`)) {
    snapshot[line.split(' ')[0]!] = line;
  }
  return snapshot;
}

type HistoryRow = Pick<StoredRow, 'installed_rank' | 'version' | 'description' | 'type' | 'script' | 'checksum' | 'success'>;

async function readHistory(client: TargetClient): Promise<HistoryRow[]> {
  const { rows } = await client.query<HistoryRow>(
    `SELECT installed_rank, version, description, type, script, checksum, success FROM "public"."${HISTORY}" ORDER BY installed_rank`,
  );
  return rows;
}

const server = await requirePostgres();

describe.skipIf(server === null)('realistic migration sets: godwit applies them exactly as psql does', () => {
  describe.each(SETS)('%s', (set) => {
    const dir = join(FIXTURES, set);
    const files = migrationsOf(dir);
    let viaPsql: TestDatabase;

    beforeAll(async () => {
      viaPsql = await createTestDatabase(server!, `real_${set}_psql`);
      await applyWithPsql(server!, viaPsql, dir, files);
    }, 180_000);

    afterAll(async () => {
      await viaPsql?.drop();
    });

    describe.each(DRIVERS)('godwit on $name', (driver) => {
      let viaGodwit: Target;
      let migrate: CliResult;
      /** What psql made, read on this driver. */
      let reference: TargetClient;
      let copy: Target | undefined;

      beforeAll(async () => {
        viaGodwit = await driver.target(`real_${set}_godwit`);
        migrate = await viaGodwit.cli([`-locations=filesystem:${dir}`, 'migrate'], { timeoutMs: 120_000 });
        reference = viaPsql.client;
        if (driver.name === 'pglite') {
          copy = await driver.target(`real_${set}_psql_copy`);
          await copyToPglite(server!, viaPsql, copy);
          reference = copy.client;
        }
      }, 180_000);

      afterAll(async () => {
        await viaGodwit?.drop();
        await copy?.drop();
      });

      it('migrate exits 0 and applies every file in Flyway order', () => {
        expect(migrate.code, migrate.stderr || migrate.stdout).toBe(0);
        expect(migrate.stderr + migrate.stdout).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
        const expected = files.map((f) =>
          f.version === null
            ? `Migrating schema "public" with repeatable migration "${f.description}"`
            : `Migrating schema "public" to version "${f.version} - ${f.description}"`,
        );
        const logged = migrate.stdout.split(/\r?\n/).flatMap((line) => /Migrating schema "public" .*"/.exec(line) ?? []);
        expect(logged).toEqual(expected);
        const latest = files.filter((f) => f.version !== null).at(-1)!.version;
        expect(migrate.stdout).toContain(`Successfully applied ${files.length} migrations to schema "public", now at version v${latest} (execution time `);
      });

      it('leaves the same schema as psql', async () => {
        const expected = await catalogSnapshot(reference);
        for (const [section, entries] of Object.entries(expected)) expect(entries, `psql produced no ${section}`).not.toHaveLength(0);
        expect(await catalogSnapshot(viaGodwit.client)).toEqual(expected);
      });

      it('leaves the same rows as psql, table by table', async () => {
        const expected = await dataSnapshot(reference);
        expect(Object.values(expected).filter((summary) => !summary.startsWith('0 rows')).length).toBeGreaterThan(3);
        expect(await dataSnapshot(viaGodwit.client)).toEqual(expected);
      });

      it('records one successful SQL row per file, as Flyway writes it', async () => {
        const history = await readHistory(viaGodwit.client);
        expect(history).toEqual(
          files.map((f, i) => ({
            installed_rank: i + 1,
            version: f.version,
            description: f.description,
            type: 'SQL',
            script: f.script,
            checksum: flywayChecksum(join(dir, f.script)),
            success: true,
          })),
        );
        for (const literal of LITERAL_HISTORY[set]!) {
          expect(history.find((row) => row.script === literal.script), literal.script).toMatchObject({ ...literal, type: 'SQL', success: true });
        }
      });

      it('has nothing left to do on a second migrate', async () => {
        const before = await viaGodwit.client.query(`SELECT * FROM "public"."${HISTORY}" ORDER BY installed_rank`);
        const again = await viaGodwit.cli([`-locations=filesystem:${dir}`, 'migrate'], { timeoutMs: 120_000 });
        expect(again.code, again.stderr || again.stdout).toBe(0);
        expect(again.stdout).toContain('Schema "public" is up to date. No migration necessary.');
        const after = await viaGodwit.client.query(`SELECT * FROM "public"."${HISTORY}" ORDER BY installed_rank`);
        expect(after.rows).toEqual(before.rows);
      });
    });
  });
});
