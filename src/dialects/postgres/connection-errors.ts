import type pg from 'pg';

/**
 * Turns a failed connection attempt into advice that names what to check. The password is never part
 * of the message: pg's own messages don't carry it, and we only add host, port, database and user.
 */
export function connectionErrorMessage(error: unknown, config: pg.ClientConfig): string {
  const e = error as { code?: string; message?: string };
  const where = `${config.host}:${config.port}${config.database ? `/${config.database}` : ''}`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `Unable to connect to PostgreSQL at ${where}: connection refused. Is the server running, and is the host and port in -url right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Unable to connect to PostgreSQL at ${where}: unknown host '${config.host}'. Check the host in -url.`;
    case 'ETIMEDOUT':
      return `Unable to connect to PostgreSQL at ${where}: the connection timed out. Check the host, port and any firewall in between.`;
    case '28P01':
    case '28000':
      return `Unable to connect to PostgreSQL at ${where}: authentication failed for user "${config.user ?? ''}". Check -user and -password (or FLYWAY_USER / FLYWAY_PASSWORD).`;
    case '3D000':
      return `Unable to connect to PostgreSQL at ${where}: database "${config.database ?? ''}" does not exist. Create it first, or fix the database name in -url.`;
    default: {
      const message = e.message ?? String(error);
      const timedOut = /timeout/i.test(message);
      return timedOut
        ? `Unable to connect to PostgreSQL at ${where}: the connection timed out. Check the host, port and any firewall in between.`
        : `Unable to connect to PostgreSQL at ${where}: ${message}`;
    }
  }
}
