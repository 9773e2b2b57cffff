import type { ConnectionTarget } from '../config/jdbc-url.js';
import { ConfigError } from '../errors.js';
import type { Dialect } from './dialect.js';

export interface DialectOptions {
  user: string | undefined;
  password: string | undefined;
  /** What relative paths in the URL (an embedded database's directory) resolve against. */
  workingDirectory: string;
}

/**
 * Picks the driver for a parsed URL. The only place that maps a database kind to code. Each dialect's
 * code is loaded here, when a run picks it: a run talks to one kind of database.
 */
export async function createDialect(target: ConnectionTarget, options: DialectOptions): Promise<Dialect> {
  switch (target.dialect) {
    case 'postgresql': {
      const { PostgresDialect } = await import('./postgres/postgres-dialect.js');
      // Each driver is loaded when its dialect connects: a run needs one of them, and --version none.
      return new PostgresDialect(async () => {
        const { connectPgServer } = await import('./postgres/pg-client.js');
        return connectPgServer({ target, user: options.user, password: options.password });
      });
    }
    case 'pglite': {
      const { PostgresDialect } = await import('./postgres/postgres-dialect.js');
      // Loaded on demand: PGlite's WebAssembly would slow every other start.
      return new PostgresDialect(async () => {
        const { connectPglite } = await import('./pglite/pglite-connection.js');
        return connectPglite({ database: target.database, workingDirectory: options.workingDirectory });
      }, {
        name: 'pglite',
        displayName: 'PostgreSQL',
      });
    }
    case 'mysql':
    case 'mariadb': {
      const { MysqlDialect } = await import('./mysql/mysql-dialect.js');
      return new MysqlDialect({ target, user: options.user, password: options.password }, target.dialect);
    }
    default:
      throw new ConfigError(`Database type '${target.dialect}' is recognised in -url but not supported by this version of godwit yet.`, {
        hint: 'Use a jdbc:postgresql:// URL, or pglite:memory / pglite:PATH for the embedded database.',
        location: 'url',
      });
  }
}
