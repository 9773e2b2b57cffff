/**
 * Finds MySQL-family servers for integration tests, in the order the project promises: an explicit URL
 * (GODWIT_TEST_MYSQL_URL, e.g. `mysql://root:secret@127.0.0.1:3306`), a reachable local server
 * (127.0.0.1:3306 as root without a password), then testcontainers (`mariadb:10.11`) when Docker
 * answers. When Docker answers, MySQL 8 (`mysql:8`) joins as a second server, so the suites run on both
 * products. With no server at all the tests are skipped with a loud message, except under CI=true where
 * that fails the run; a missing MySQL 8 (no Docker) is reported just as loudly but is not a failure.
 *
 * Each test file creates databases of its own (`godwit_<prefix>_<pid>_<time>`) and drops them at the end,
 * so that files can run in parallel without seeing each other's objects.
 */
import mysql from 'mysql2/promise';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { runCli, type CliResult } from './cli.js';
import { writeLocation } from './locations.js';

export type Flavour = 'mariadb' | 'mysql';

export interface MysqlServer {
  /** What VERSION() says the server is, whatever the URL scheme. */
  flavour: Flavour;
  /** `MariaDB 10.11`, for test titles. */
  label: string;
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  stop(): Promise<void>;
}

export interface TestDatabase {
  name: string;
  server: MysqlServer;
  /** The JDBC form godwit users write for this product: `jdbc:mariadb://host:port/name` or `jdbc:mysql://…`. */
  jdbcUrl: string;
  /** Arguments that point the CLI at this database. */
  args: string[];
  /** A session in the test database, for assertions and for setting up what a test needs. */
  client: mysql.Connection;
  /** A name for a further database of this file, which godwit may create; drop() removes it too. */
  extraName(suffix: string): string;
  drop(): Promise<void>;
}

type ServerConfig = Omit<MysqlServer, 'flavour' | 'label'>;

async function identify(config: ServerConfig): Promise<MysqlServer | null> {
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection({ host: config.host, port: config.port, user: config.user, password: config.password, connectTimeout: 2000 });
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
    const version = String(rows[0]?.version ?? '');
    const flavour: Flavour = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
    const release = /\d+\.\d+/.exec(version)?.[0] ?? version;
    return { ...config, flavour, label: `${flavour === 'mariadb' ? 'MariaDB' : 'MySQL'} ${release}` };
  } catch {
    return null;
  } finally {
    await connection?.end().catch(() => undefined);
  }
}

async function fromEnvironment(): Promise<MysqlServer | null> {
  const url = process.env.GODWIT_TEST_MYSQL_URL;
  if (!url) return null;
  const parsed = new URL(url);
  const server = await identify({
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username || 'root'),
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    stop: async () => undefined,
  });
  if (!server) throw new Error(`GODWIT_TEST_MYSQL_URL is set but no server answers at ${parsed.hostname}:${parsed.port || 3306}.`);
  return server;
}

function fromLocalServer(): Promise<MysqlServer | null> {
  return identify({ host: '127.0.0.1', port: 3306, user: 'root', password: undefined, stop: async () => undefined });
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function fromTestcontainers(image: 'mariadb:10.11' | 'mysql:8'): Promise<MysqlServer | null> {
  try {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer(image)
      .withEnvironment(image.startsWith('mariadb') ? { MARIADB_ROOT_PASSWORD: 'godwit' } : { MYSQL_ROOT_PASSWORD: 'godwit' })
      .withExposedPorts(3306)
      .withWaitStrategy(Wait.forListeningPorts())
      .start();
    const config: ServerConfig = {
      host: container.getHost(),
      port: container.getMappedPort(3306),
      user: 'root',
      password: 'godwit',
      stop: async () => {
        await container.stop();
      },
    };
    // The port opens before the server accepts logins (the images restart once after initialising).
    for (let attempt = 0; attempt < 60; attempt++) {
      const server = await identify(config);
      if (server) return server;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await container.stop();
    return null;
  } catch {
    return null;
  }
}

let serversPromise: Promise<MysqlServer[]> | undefined;

/** Every server this machine offers: the MySQL-family server found first, plus MySQL 8 when Docker runs. */
export function findMysqlServers(): Promise<MysqlServer[]> {
  serversPromise ??= (async () => {
    const docker = await dockerAnswers();
    const primary = (await fromEnvironment()) ?? (await fromLocalServer()) ?? (docker ? await fromTestcontainers('mariadb:10.11') : null);
    const servers = primary ? [primary] : [];
    if (docker && primary?.flavour !== 'mysql') {
      const mysql8 = await fromTestcontainers('mysql:8');
      if (mysql8) servers.push(mysql8);
    }
    return servers;
  })();
  return serversPromise;
}

const NO_SERVER = 'No MySQL or MariaDB server found (GODWIT_TEST_MYSQL_URL unset, nothing on 127.0.0.1:3306, no Docker for testcontainers)';

/**
 * The servers to run on, or none after a loud warning; under CI=true having none at all throws. Call it
 * at the top of a test file and `describe.each` over the result.
 */
export async function requireMysqlServers(): Promise<MysqlServer[]> {
  const servers = await findMysqlServers();
  if (servers.length === 0) {
    if (process.env.CI === 'true') throw new Error(`${NO_SERVER}: CI requires a database.`);
    console.warn(`\n*** SKIPPING MySQL/MariaDB integration tests: ${NO_SERVER}. ***\n`);
  } else if (!servers.some((s) => s.flavour === 'mysql')) {
    console.warn('\n*** MySQL 8 NOT TESTED: no Docker for testcontainers (mysql:8); running on MariaDB only. ***\n');
  }
  return servers;
}

export function connectTo(server: MysqlServer, database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, database, supportBigNumbers: true });
}

function databaseName(prefix: string): string {
  return `godwit_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${Date.now().toString(36)}`;
}

/**
 * A fresh database for one test file, with the URL godwit gets. `create: false` leaves it to godwit to
 * create (the name is still dropped at the end).
 */
export async function createTestDatabase(server: MysqlServer, prefix: string, options: { create?: boolean } = {}): Promise<TestDatabase> {
  const name = databaseName(prefix);
  const extras: string[] = [];
  const admin = await connectTo(server);
  if (options.create !== false) await admin.query(`CREATE DATABASE \`${name}\``);
  const client = options.create === false ? admin : await connectTo(server, name);
  if (client !== admin) await admin.end();
  const jdbcUrl = `jdbc:${server.flavour}://${server.host}:${server.port}/${name}`;
  const args = [`-url=${jdbcUrl}`, `-user=${server.user}`];
  if (server.password !== undefined) args.push(`-password=${server.password}`);
  return {
    name,
    server,
    jdbcUrl,
    args,
    client,
    extraName: (suffix: string) => {
      const extra = `${name}_${suffix}`;
      extras.push(extra);
      return extra;
    },
    drop: async () => {
      await client.end().catch(() => undefined);
      const cleanup = await connectTo(server);
      try {
        for (const database of [name, ...extras]) await cleanup.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** Flyway's lock name for a history table, computed here with BigInt arithmetic rather than godwit's code. */
export function flywayLockName(database: string, table = 'flyway_schema_history'): string {
  let hash = 0n;
  for (const unit of `\`${database}\`.\`${table}\``) {
    for (let i = 0; i < unit.length; i++) hash = (hash * 31n + BigInt(unit.charCodeAt(i))) % 2n ** 32n;
  }
  return `Flyway-${BigInt.asIntN(32, hash)}`;
}

/**
 * Flyway's DDL for MySQL (MySQLDatabase.getRawCreateScript) and MariaDB (the same with an unnamed
 * constraint), character for character as the contract gives it.
 */
export function flywayMysqlDdl(database: string, flavour: Flavour, table = 'flyway_schema_history'): string[] {
  const constraint = flavour === 'mariadb' ? '' : `\`${table}_pk\``;
  return [
    `CREATE TABLE \`${database}\`.\`${table}\` (
    \`installed_rank\` INT NOT NULL,
    \`version\` VARCHAR(50),
    \`description\` VARCHAR(200) NOT NULL,
    \`type\` VARCHAR(20) NOT NULL,
    \`script\` VARCHAR(1000) NOT NULL,
    \`checksum\` INT,
    \`installed_by\` VARCHAR(100) NOT NULL,
    \`installed_on\` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    \`execution_time\` INT NOT NULL,
    \`success\` BOOL NOT NULL,
    CONSTRAINT ${constraint} PRIMARY KEY (\`installed_rank\`)
)`,
    `CREATE INDEX \`${table}_s_idx\` ON \`${database}\`.\`${table}\` (\`success\`)`,
  ];
}

export interface Workspace {
  /** A fresh database of its own, dropped after the file. */
  database(prefix: string): Promise<TestDatabase>;
  /** Writes (or overwrites) files of a migration folder; returns the -locations argument. */
  location(name: string, files: Record<string, string | Buffer>): string;
  /** A database `${prefix}_${name}` and the folder `name`, and the CLI pointed at both. */
  place(prefix: string, name: string, files: Record<string, string | Buffer>, timeoutMs: number): Promise<Place>;
}

export interface Place {
  db: TestDatabase;
  godwit(args: string[]): Promise<CliResult>;
}

/** The rows `sql` returns, each as its values joined by `|`: compact to compare. */
export async function rowsOf(db: TestDatabase, sql: string): Promise<string[]> {
  const [found] = await db.client.query<mysql.RowDataPacket[]>(sql);
  return found.map((row) => Object.values(row).map(String).join('|'));
}

/**
 * The databases and migration folders of one describe block, cleaned up after it. Call it inside the
 * describe: it registers its own beforeAll and afterAll.
 */
export function useWorkspace(server: MysqlServer, folderPrefix: string): Workspace {
  const databases: TestDatabase[] = [];
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), folderPrefix));
  });
  afterAll(async () => {
    for (const database of databases) await database.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });
  const database = async (prefix: string) => {
    const db = await createTestDatabase(server, prefix);
    databases.push(db);
    return db;
  };
  const location = (name: string, files: Record<string, string | Buffer>) => writeLocation(root, name, files);
  return {
    database,
    location,
    place: async (prefix, name, files, timeoutMs) => {
      const db = await database(`${prefix}_${name}`);
      const folder = location(name, files);
      return { db, godwit: (args) => runCli([...db.args, folder, ...args], { timeoutMs }) };
    },
  };
}
