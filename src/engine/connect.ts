import type { Config } from '../config/config.js';
import { parseDatabaseUrl } from '../config/jdbc-url.js';
import type { Dialect } from '../dialects/dialect.js';
import { createDialect } from '../dialects/index.js';
import { ConfigError, ConnectionError, GodwitError } from '../errors.js';
import type { Logger } from './logger.js';

const NON_RETRYABLE = /authentication failed|does not exist/;

/**
 * Opens the connection, retrying as Flyway's connectRetries does: 1 + N attempts, waiting 1, 2, 4 … s,
 * each wait capped at connectRetriesInterval. Authentication and unknown-database failures won't fix
 * themselves, so they fail at once.
 */
export async function openDialect(config: Config, log: Logger, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<Dialect> {
  if (!config.url) {
    throw new ConfigError('Unable to connect to the database. Configure the url, user and password!', {
      hint: 'Set -url=jdbc:postgresql://host:5432/database (or FLYWAY_URL), plus -user and -password.',
      location: 'url',
    });
  }
  const target = parseDatabaseUrl(config.url);
  for (let attempt = 0; ; attempt++) {
    const dialect = createDialect(target, { user: config.user, password: config.password, workingDirectory: config.workingDirectory });
    try {
      const started = performance.now();
      await dialect.connect();
      log.debug(`Connected in ${Math.round(performance.now() - started)} ms`);
      if (config.initSql) await dialect.executeScript(config.initSql, 'initSql');
      return dialect;
    } catch (error) {
      await dialect.close();
      const retryable = error instanceof ConnectionError && !NON_RETRYABLE.test(error.message);
      if (!retryable || attempt >= config.connectRetries) throw asConnectionError(error);
      const seconds = Math.min(2 ** attempt, config.connectRetriesInterval);
      log.warn(`Connection error: ${error.message}\nRetrying in ${seconds} sec...`);
      await sleep(seconds * 1000);
    }
  }
}

function asConnectionError(error: unknown): GodwitError {
  if (error instanceof GodwitError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectionError(`Unable to run initSql: ${message}`, { cause: error, location: 'initSql' });
}
