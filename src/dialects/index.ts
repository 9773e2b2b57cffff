import type { ConnectionTarget } from '../config/jdbc-url.js';
import { ConfigError } from '../errors.js';
import type { Dialect } from './dialect.js';
import { MysqlDialect } from './mysql/mysql-dialect.js';
import { PostgresDialect } from './postgres/postgres-dialect.js';

export interface DialectOptions {
  user: string | undefined;
  password: string | undefined;
  /** What relative paths in the URL (an embedded database's directory) resolve against. */
  workingDirectory: string;
}

/** Picks the driver for a parsed URL. The only place that maps a database kind to code. */
export function createDialect(target: ConnectionTarget, options: DialectOptions): Dialect {
  switch (target.dialect) {
    case 'postgresql':
      // Each driver is loaded when its dialect connects: a run needs one of them, and --version none.
      return new PostgresDialect(async () => {
        const { connectPgServer } = await import('./postgres/pg-client.js');
        return connectPgServer({ target, user: options.user, password: options.password });
      });
    case 'pglite':
      // Loaded on demand: PGlite's WebAssembly would slow every other start.
      return new PostgresDialect(async () => {
        const { connectPglite } = await import('./pglite/pglite-connection.js');
        return connectPglite({ database: target.database, workingDirectory: options.workingDirectory });
      }, {
        name: 'pglite',
        displayName: 'PostgreSQL',
      });
    case 'mysql':
    case 'mariadb':
      return new MysqlDialect({ target, user: options.user, password: options.password }, target.dialect);
    default:
      throw new ConfigError(`Database type '${target.dialect}' is recognised in -url but not supported by this version of godwit yet.`, {
        hint: 'Use a jdbc:postgresql:// URL, or pglite:memory / pglite:PATH for the embedded database.',
        location: 'url',
      });
  }
}
