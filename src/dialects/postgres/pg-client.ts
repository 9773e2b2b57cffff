import pg from 'pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ConnectionTarget } from '../../config/jdbc-url.js';
import { ConnectionError } from '../../errors.js';
import type { PgConnection, QueryResult } from './connection.js';
import { connectionErrorMessage } from './connection-errors.js';

export interface PgServerOptions {
  target: ConnectionTarget;
  user: string | undefined;
  password: string | undefined;
  connectTimeoutMs?: number;
}

/** JDBC's sslmode (or ssl=true) onto node-postgres: only verify-* checks the certificate, as in libpq. */
function sslOption(params: Record<string, string>): pg.ClientConfig['ssl'] {
  const mode = params.sslmode ?? (params.ssl === 'true' ? 'require' : undefined);
  if (mode === undefined || mode === 'disable' || mode === 'allow' || mode === 'prefer') return undefined;
  return { rejectUnauthorized: mode === 'verify-full' || mode === 'verify-ca' };
}

function clientConfig(options: PgServerOptions): pg.ClientConfig {
  const { target } = options;
  const searchPath = target.params.currentSchema;
  return {
    host: target.host,
    port: target.port,
    database: target.database || undefined,
    user: options.user ?? target.user,
    password: options.password ?? target.password,
    ssl: sslOption(target.params),
    application_name: target.params.ApplicationName ?? 'godwit',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 15_000,
    options: searchPath ? `-c search_path=${searchPath}` : undefined,
  };
}

/**
 * One multi-statement query. Each statement ends with its own CommandComplete, also when the one after
 * it fails: counting them names the failing statement, with or without an error position.
 */
class BatchQuery extends pg.Query {
  completed = 0;

  handleCommandComplete(message: unknown, connection: unknown): void {
    this.completed++;
    (pg.Query.prototype as unknown as { handleCommandComplete(m: unknown, c: unknown): void }).handleCommandComplete.call(this, message, connection);
  }
}

/** A PostgreSQL server session over node-postgres, with COPY streamed by pg-copy-streams. */
export async function connectPgServer(options: PgServerOptions): Promise<PgConnection> {
  const config = clientConfig(options);
  const client = new pg.Client(config);
  // A server that drops the connection later must surface as a query error, not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new ConnectionError(connectionErrorMessage(error, config), { cause: error });
  }
  let open = true;
  // Batches sent and not yet answered.
  let batches = 0;
  const pipelined = client as unknown as { pipeline: boolean };
  return {
    query: async (sql, params) => {
      const result = await client.query(sql, params);
      return { rows: result.rows as QueryResult['rows'], rowCount: result.rowCount ?? 0 };
    },
    queryBatch: (sql) =>
      new Promise((resolve, reject) => {
        const query = new BatchQuery(sql);
        const answered = () => {
          batches--;
          if (batches === 0) pipelined.pipeline = false;
        };
        query.once('end', (results: pg.QueryResult | pg.QueryResult[]) => {
          answered();
          resolve((Array.isArray(results) ? results : [results]).map((r) => ({ rows: r.rows as QueryResult['rows'], rowCount: r.rowCount ?? 0 })));
        });
        query.once('error', (error: Error) => {
          answered();
          reject(Object.assign(error, { completed: query.completed }));
        });
        // node-postgres writes a query only when the one before is answered, unless in pipeline mode;
        // that mode is on only while batches are queued, so that COPY (which it refuses) and ending a
        // hung session behave as usual.
        pipelined.pipeline = batches > 0;
        batches++;
        client.query(query);
      }),
    copyFrom: async (sql, data) => {
      // Loaded on the first COPY: most projects have none, and every run would pay for loading it.
      const { from: copyFrom } = await import('pg-copy-streams');
      await pipeline(Readable.from([data]), client.query(copyFrom(sql)));
    },
    cancel: async () => {
      const pid = (client as unknown as { processID?: number }).processID;
      if (pid === undefined || !open) return;
      const canceller = new pg.Client(config);
      try {
        await canceller.connect();
        await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
      } finally {
        await canceller.end().catch(() => undefined);
      }
    },
    close: async () => {
      if (!open) return;
      open = false;
      await client.end().catch(() => undefined);
    },
  };
}
