/**
 * The one thing PostgresDialect needs from a driver: a single session that runs SQL. The server driver
 * (pg over TCP) and the embedded one (PGlite) both provide it, so every piece of PostgreSQL SQL lives
 * once, in the dialect.
 */
export interface QueryResult {
  rows: Array<Record<string, unknown>>;
  rowCount: number;
}

export interface PgConnection {
  query(sql: string, params?: unknown[]): Promise<QueryResult>;
  /**
   * Runs several statements sent as one text (the simple query protocol) and returns each one's result,
   * in order. A failure is thrown with `completed`, how many of the statements had finished before it;
   * undefined when the driver cannot say. A call made while an earlier batch still runs is sent at once,
   * behind it, and answered after it.
   */
  queryBatch?(sql: string): Promise<QueryResult[]>;
  /** Runs `COPY … FROM STDIN` with `data` as its input rows. */
  copyFrom(sql: string, data: string): Promise<void>;
  /** Asks the server to cancel the statement in flight, from outside the busy session. */
  cancel(): Promise<void>;
  /** Ends the session; safe to call twice. */
  close(): Promise<void>;
}

/** Opens a session; failures are ConnectionErrors whose message never holds the password. */
export type PgConnector = () => Promise<PgConnection>;
