/**
 * Finds a PostgreSQL server for integration tests, in the order the project promises: an explicit URL
 * (GODWIT_TEST_PG_URL), a reachable local server, then testcontainers when Docker answers. With none the
 * tests are skipped with a loud message, except under CI=true where a missing database fails the run.
 *
 * Each test file gets a database of its own (created fresh, dropped at the end) so that files can run in
 * parallel without seeing each other's objects.
 */
import pg from 'pg';

export interface PostgresServer {
  /** A libpq-style URL of the server's maintenance database, without a password. */
  adminUrl: string;
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  stop(): Promise<void>;
}

export interface TestDatabase {
  name: string;
  /** The JDBC form godwit users write: `jdbc:postgresql://host:port/name`. */
  jdbcUrl: string;
  user: string;
  password: string | undefined;
  /** A client connected to the test database, for assertions. */
  client: pg.Client;
  /** Arguments that point the CLI at this database. */
  args: string[];
  drop(): Promise<void>;
}

let serverPromise: Promise<PostgresServer | null> | undefined;

async function reachable(config: pg.ClientConfig): Promise<boolean> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function fromEnvironment(): Promise<PostgresServer | null> {
  const url = process.env.GODWIT_TEST_PG_URL;
  if (!url) return null;
  const parsed = new URL(url);
  return {
    adminUrl: url,
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || 'postgres'),
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    stop: async () => undefined,
  };
}

async function fromLocalServer(): Promise<PostgresServer | null> {
  for (const user of ['postgres', 'root']) {
    if (await reachable({ host: '127.0.0.1', port: 5432, user, database: 'postgres' })) {
      return { adminUrl: `postgresql://${user}@127.0.0.1:5432/postgres`, host: '127.0.0.1', port: 5432, user, password: undefined, stop: async () => undefined };
    }
  }
  return null;
}

async function fromTestcontainers(): Promise<PostgresServer | null> {
  try {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('postgres:15-alpine')
      .withEnvironment({ POSTGRES_PASSWORD: 'godwit', POSTGRES_USER: 'postgres' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    const host = container.getHost();
    const port = container.getMappedPort(5432);
    return {
      adminUrl: `postgresql://postgres:godwit@${host}:${port}/postgres`,
      host,
      port,
      user: 'postgres',
      password: 'godwit',
      stop: async () => {
        await container.stop();
      },
    };
  } catch {
    return null;
  }
}

export function findPostgres(): Promise<PostgresServer | null> {
  serverPromise ??= (async () => (await fromEnvironment()) ?? (await fromLocalServer()) ?? (await fromTestcontainers()))();
  return serverPromise;
}

const NO_DATABASE =
  'No PostgreSQL server found (GODWIT_TEST_PG_URL unset, nothing on 127.0.0.1:5432, no Docker for testcontainers)';

/**
 * Resolves the server, or reports its absence: throws under CI=true, otherwise warns loudly and returns
 * null so that the caller skips.
 */
export async function requirePostgres(): Promise<PostgresServer | null> {
  const server = await findPostgres();
  if (server) return server;
  if (process.env.CI === 'true') throw new Error(`${NO_DATABASE}: CI requires a database.`);
  console.warn(`\n*** SKIPPING PostgreSQL integration tests: ${NO_DATABASE}. ***\n`);
  return null;
}

function adminClient(server: PostgresServer): pg.Client {
  return new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' });
}

export async function createTestDatabase(server: PostgresServer, prefix: string): Promise<TestDatabase> {
  const name = `godwit_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${Date.now().toString(36)}`;
  const admin = adminClient(server);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: name });
  await client.connect();
  const jdbcUrl = `jdbc:postgresql://${server.host}:${server.port}/${name}`;
  const args = [`-url=${jdbcUrl}`, `-user=${server.user}`];
  if (server.password !== undefined) args.push(`-password=${server.password}`);
  return {
    name,
    jdbcUrl,
    user: server.user,
    password: server.password,
    client,
    args,
    drop: async () => {
      await client.end().catch(() => undefined);
      const cleanup = adminClient(server);
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
