/**
 * Turns a failed MySQL/MariaDB connection attempt into advice that names what to check. The password is
 * never part of the message: mysql2's own messages don't carry it ("using password: YES" at most), and
 * we only add host, port, database and user.
 */
export interface ConnectionDescription {
  /** `MySQL` or `MariaDB`, from the URL: the server has not said which it is yet. */
  product: string;
  host: string;
  port: number;
  database: string;
  user: string;
}

export function connectionErrorMessage(error: unknown, target: ConnectionDescription): string {
  const e = error as { code?: string; message?: string };
  const where = `${target.product} at ${target.host}:${target.port}${target.database ? `/${target.database}` : ''}`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `Unable to connect to ${where}: connection refused. Is the server running, and is the host and port in -url right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Unable to connect to ${where}: unknown host '${target.host}'. Check the host in -url.`;
    case 'ETIMEDOUT':
      return `Unable to connect to ${where}: the connection timed out. Check the host, port and any firewall in between.`;
    // The words "authentication failed" and "does not exist" tell connectRetries not to retry.
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return `Unable to connect to ${where}: authentication failed for user "${target.user}". Check -user and -password (or FLYWAY_USER / FLYWAY_PASSWORD).`;
    case 'ER_DBACCESS_DENIED_ERROR':
      return `Unable to connect to ${where}: user "${target.user}" has no access to database "${target.database}". Grant it, or fix the database name in -url.`;
    case 'ER_BAD_DB_ERROR':
      return `Unable to connect to ${where}: database "${target.database}" does not exist. Create it first, or leave it out of -url and name it in -schemas so that godwit creates it.`;
    case 'ER_HOST_NOT_PRIVILEGED':
      return `Unable to connect to ${where}: the server does not accept connections from this host for user "${target.user}".`;
    case 'HANDSHAKE_NO_SSL_SUPPORT':
      return `Unable to connect to ${where}: the URL asks for TLS (sslMode, sslmode or useSSL) but the server does not offer it. Enable TLS on the server, or drop the setting from -url.`;
    default:
      return `Unable to connect to ${where}: ${e.message ?? String(error)}`;
  }
}
