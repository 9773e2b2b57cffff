import type mysql from 'mysql2/promise';
import type { ConnectionTarget } from '../../config/jdbc-url.js';
import { ConfigError, ConnectionError } from '../../errors.js';
import { connectionErrorMessage } from './connection-errors.js';

export interface MysqlServerOptions {
  target: ConnectionTarget;
  user: string | undefined;
  password: string | undefined;
  connectTimeoutMs?: number;
}

/** A parameterised query (a server-side prepared statement) returning rows: what the SQL helpers need. */
export type Select = (sql: string, params: mysql.ExecuteValues[]) => Promise<Array<Record<string, unknown>>>;

type Tls = mysql.ConnectionOptions['ssl'];

// Functions, not constants: mysql2 writes into the object it is given.
/** Encrypted, certificate not checked: what Connector/J's REQUIRED and MariaDB's `trust` mean. */
const encryptOnly = (): Tls => ({ rejectUnauthorized: false });
/** The certificate must chain to a trusted CA (Node's store plus NODE_EXTRA_CA_CERTS), any host name. */
const verifyCa = (): Tls => ({ rejectUnauthorized: true, verifyIdentity: false });
/** …and name the host of the URL. */
const verifyFull = (): Tls => ({ rejectUnauthorized: true, verifyIdentity: true });

/**
 * TLS from the URL parameters Flyway users already have: Connector/J's `sslMode` (and its older
 * `useSSL`), MariaDB Connector/J's `sslmode`. PREFERRED connects in plain text: mysql2 has no
 * "TLS if the server offers it" mode, and refusing the URL would break Connector/J's own default.
 */
export function tlsOption(params: Record<string, string>): Tls {
  const connectorJ = params.sslMode;
  if (connectorJ !== undefined) {
    switch (connectorJ.toUpperCase()) {
      case 'DISABLED':
      case 'PREFERRED':
        return undefined;
      case 'REQUIRED':
        return encryptOnly();
      case 'VERIFY_CA':
        return verifyCa();
      case 'VERIFY_IDENTITY':
        return verifyFull();
      default:
        throw unknownMode('sslMode', connectorJ, 'DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY');
    }
  }
  const mariadb = params.sslmode;
  if (mariadb !== undefined) {
    switch (mariadb.toLowerCase()) {
      case 'disable':
        return undefined;
      case 'trust':
        return encryptOnly();
      case 'verify-ca':
        return verifyCa();
      case 'verify-full':
        return verifyFull();
      default:
        throw unknownMode('sslmode', mariadb, 'disable, trust, verify-ca, verify-full');
    }
  }
  if (params.useSSL?.toLowerCase() === 'true') return params.verifyServerCertificate?.toLowerCase() === 'true' ? verifyFull() : encryptOnly();
  return undefined;
}

function unknownMode(name: string, value: string, allowed: string): ConfigError {
  return new ConfigError(`Unknown ${name} '${value}' in -url.`, { hint: `Use one of ${allowed}.`, location: 'url' });
}

export function connectionOptions(options: MysqlServerOptions): mysql.ConnectionOptions {
  const { target } = options;
  return {
    host: target.host,
    port: target.port,
    database: target.database || undefined,
    user: options.user ?? target.user,
    password: options.password ?? target.password,
    ssl: tlsOption(target.params),
    charset: 'utf8mb4',
    // Scripts go to the server in multi-statement batches (executeBatch). mysql2 has no way to switch this
    // per query (COM_SET_OPTION), and switching it around each batch would cost two round trips more.
    multipleStatements: true,
    supportBigNumbers: true,
    dateStrings: false,
    timezone: 'local',
    connectTimeout: options.connectTimeoutMs ?? 15_000,
    // No stack captured with every query (some 20 µs of CPU each): connectMysql takes it when one fails.
    trace: false,
  };
}

/** One session over mysql2; failures to open it are ConnectionErrors without the password. */
export async function connectMysql(options: mysql.ConnectionOptions, product: string): Promise<mysql.Connection> {
  // Loaded on demand: mysql2 takes a few hundred milliseconds to load, which runs on other databases should not pay.
  const { createConnection } = (await import('mysql2/promise')).default;
  try {
    const connection = await createConnection(options);
    // A server that drops the connection later must surface as a query error, not crash the process.
    connection.on('error', () => undefined);
    return Object.assign(connection, { query: stackAtCaller(connection.query.bind(connection)), execute: stackAtCaller(connection.execute.bind(connection)) });
  } catch (error) {
    const description = {
      product,
      host: options.host ?? 'localhost',
      port: options.port ?? 3306,
      database: options.database ?? '',
      user: options.user ?? '',
    };
    throw new ConnectionError(connectionErrorMessage(error, description), { cause: error });
  }
}

/**
 * `call`, with the stack of an error it fails with taken where the call was awaited: V8 follows the
 * awaits back through godwit's callers, and calls that succeed pay nothing, unlike mysql2's trace option,
 * which takes a stack before every query. Without either, a driver error's stack is mysql2's packet parser.
 */
function stackAtCaller<F extends (...args: never[]) => Promise<unknown>>(call: F): F {
  const wrapped = async (...args: Parameters<F>): Promise<unknown> => {
    try {
      return await call(...args);
    } catch (error) {
      if (error instanceof Error) Error.captureStackTrace(error, wrapped);
      throw error;
    }
  };
  return wrapped as F;
}

/** A multi-statement text the server refused part-way: `completed` is how many of its results came first. */
export type BatchFailure = Error & { completed?: number };

/**
 * Sends a multi-statement text and waits for all its results. The server stops at the first statement
 * it refuses; mysql2 counts the results it has read in the query's `_resultIndex` (it has no public
 * count), which is the refused statement's index when each statement yields one result.
 * `reached.call` runs when the result of statement `reached.index` arrives, counting only results
 * without rows: the caller makes sure none of those before it returns rows.
 */
export const queryBatch = stackAtCaller(
  (connection: mysql.Connection, sql: string, reached?: { index: number; call: () => void }): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const core = (connection as unknown as { connection: CoreConnection }).connection;
      const query = core.query(sql, (error) => {
        if (!error) return resolve();
        const completed = (query as { _resultIndex?: unknown })._resultIndex;
        reject(typeof completed === 'number' ? Object.assign(error, { completed }) : error);
      });
      if (reached === undefined) return;
      // mysql2 emits `result` for each result without rows (an OK packet), also with a callback.
      let seen = 0;
      const count = () => {
        if (seen++ !== reached.index) return;
        query.removeListener('result', count);
        reached.call();
      };
      query.on('result', count);
    }),
);

/** The callback-style connection under mysql2/promise's: only its query() returns the query's state. */
interface CoreConnection {
  query(sql: string, callback: (error: Error | null) => void): { on(event: 'result', listener: () => void): unknown; removeListener(event: 'result', listener: () => void): unknown };
}
