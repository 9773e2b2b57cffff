import type { ConnectionTarget } from '../config/jdbc-url.js';
import { ConfigError } from '../errors.js';
import type { Dialect } from './dialect.js';
import { connectPgServer } from './postgres/pg-client.js';
import { PostgresDialect } from './postgres/postgres-dialect.js';

export interface DialectCredentials {
  user: string | undefined;
  password: string | undefined;
}

/** Picks the driver for a parsed URL. The only place that maps a database kind to code. */
export function createDialect(target: ConnectionTarget, credentials: DialectCredentials): Dialect {
  switch (target.dialect) {
    case 'postgresql':
      return new PostgresDialect(() => connectPgServer({ target, ...credentials }));
    default:
      throw new ConfigError(`Database type '${target.dialect}' is recognised in -url but not supported by this version of godwit yet.`, {
        hint: 'Use a jdbc:postgresql:// URL.',
        location: 'url',
      });
  }
}
