/**
 * One suite, run on PostgreSQL and on each MySQL-family server found: every test gets a place of its own
 * (a schema on PostgreSQL, a database on MariaDB/MySQL), a migration folder, and the built CLI pointed
 * at both. For features whose behaviour must not depend on the database.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll } from 'vitest';
import { runCli, type CliResult } from './cli.js';
import { requireMysqlServers, useWorkspace, type MysqlServer } from './mysql.js';
import { createTestDatabase, requirePostgres, type PostgresServer, type TestDatabase } from './postgres.js';

export interface HistoryRow {
  installed_rank: number;
  version: string | null;
  description: string;
  type: string;
  script: string;
  checksum: number | null;
  execution_time: number;
  success: boolean;
}

export interface Place {
  /** Writes (or overwrites) files of the migration folder. */
  write(files: Record<string, string>): void;
  godwit(args: string[]): Promise<CliResult>;
  /** History rows other than the schema marker, by installed_rank. */
  history(): Promise<HistoryRow[]>;
  /** Tables other than the history table, by name. */
  tables(): Promise<string[]>;
  /** Runs one statement in the schema or database, as a user would by hand. */
  exec(sql: string): Promise<void>;
}

export interface Backend {
  label: string;
  /** A fresh schema or database and folder, holding `files`. */
  place(name: string, files: Record<string, string>): Promise<Place>;
}

const postgres = await requirePostgres();
const mysqlServers = await requireMysqlServers();

/** The databases to loop over; call each entry's `register` inside its describe block. */
export const BACKENDS: { label: string; register: (prefix: string) => Backend }[] = [
  ...(postgres === null ? [] : [{ label: 'PostgreSQL', register: (prefix: string) => postgresBackend(postgres, prefix) }]),
  ...mysqlServers.map((server) => ({ label: server.label, register: (prefix: string) => mysqlBackend(server, prefix) })),
];

function folder(root: () => string, name: string): { dir: string; write: (files: Record<string, string>) => void } {
  const dir = join(root(), name);
  mkdirSync(dir, { recursive: true });
  return { dir, write: (files) => Object.entries(files).forEach(([file, content]) => writeFileSync(join(dir, file), content)) };
}

function postgresBackend(server: PostgresServer, prefix: string): Backend {
  let db: TestDatabase | undefined;
  let root = '';
  beforeAll(async () => {
    db = await createTestDatabase(server, prefix);
    root = mkdtempSync(join(tmpdir(), `godwit-${prefix}-`));
  });
  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });
  const database = (): TestDatabase => {
    if (db === undefined) throw new Error('the database is set up in beforeAll');
    return db;
  };
  return {
    label: 'PostgreSQL',
    place: async (name, files) => {
      const { dir, write } = folder(() => root, name);
      write(files);
      const schema = `${prefix}_${name}`;
      return {
        write,
        godwit: (args) => runCli([...database().args, `-locations=filesystem:${dir}`, `-schemas=${schema}`, ...args], { timeoutMs: 30_000 }),
        history: async () =>
          (
            await database().client.query<HistoryRow>(
              `SELECT installed_rank, version, description, type, script, checksum, execution_time, success FROM "${schema}".flyway_schema_history WHERE type <> 'SCHEMA' ORDER BY installed_rank`,
            )
          ).rows,
        tables: async () =>
          (
            await database().client.query<{ t: string }>(
              `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'flyway_schema_history' ORDER BY 1`,
              [schema],
            )
          ).rows.map((r) => r.t),
        exec: async (sql) => {
          await database().client.query(`SET search_path TO "${schema}"; ${sql}; RESET search_path`);
        },
      };
    },
  };
}

function mysqlBackend(server: MysqlServer, prefix: string): Backend {
  const workspace = useWorkspace(server, `godwit-${prefix}-`);
  return {
    label: server.label,
    place: async (name, files) => {
      // Databases are named after the time: the place's name keeps two made in the same instant apart.
      const db = await workspace.database(`${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`);
      const location = workspace.location(name, files);
      return {
        write: (more) => workspace.location(name, more),
        godwit: (args) => runCli([...db.args, location, ...args], { timeoutMs: 30_000 }),
        history: async () => {
          const [rows] = await db.client.query<RowDataPacket[]>(
            'SELECT installed_rank, version, description, type, script, checksum, execution_time, success FROM flyway_schema_history ORDER BY installed_rank',
          );
          return rows.map((r) => ({ ...(r as HistoryRow), success: Boolean(r.success) }));
        },
        tables: async () => {
          const [rows] = await db.client.query<RowDataPacket[]>(
            "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'flyway_schema_history' ORDER BY 1",
          );
          return rows.map((r) => String(r.t));
        },
        exec: async (sql) => {
          await db.client.query(sql);
        },
      };
    },
  };
}
