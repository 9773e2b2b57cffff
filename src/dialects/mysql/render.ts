/**
 * Dry-run text for MySQL and MariaDB: the statements the dialect would send, as a script that the
 * `mariadb` (or `mysql`) client replays from a file.
 */
import type { SqlStatement } from '../dialect.js';

export type SqlValue = string | number | boolean | null | undefined;

/**
 * A value as a SQL literal. Text holding a backslash goes as hex, converted to utf8mb4: a quoted string
 * would read differently on a server running with NO_BACKSLASH_ESCAPES than on one without.
 */
export function literal(value: SqlValue): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return String(value);
  if (value.includes('\\')) return `CONVERT(X'${Buffer.from(value, 'utf8').toString('hex')}' USING utf8mb4)`;
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The dialect's own prepared SQL with each `?` replaced by a literal. A `?` inside a quoted name (a
 * history table called `a?b`) is part of the name, as the server's own prepare reads it.
 */
export function inlineParameters(sql: string, params: readonly SqlValue[]): string {
  let next = 0;
  return sql.replace(/`(?:[^`]|``)*`|\?/g, (found) => (found === '?' ? literal(params[next++]) : found));
}

/** Delimiters for a statement whose body holds `;`: the first one its text does not contain. */
const DELIMITERS = ['$$', '//', ';;', '$$$', '///'];

/**
 * Terminated for the client. The client cuts statements at `;` itself, so a routine or trigger body
 * holding `;` is wrapped in DELIMITER lines; the terminator goes on a line of its own when the last line
 * holds a `--` or `#` comment that would swallow it.
 */
export function terminated(statement: Pick<SqlStatement, 'sql'>): string {
  const sql = statement.sql.trimEnd();
  const lastLine = sql.slice(sql.lastIndexOf('\n') + 1).replace(/'[^']*'|"[^"]*"|`[^`]*`/g, '');
  const gap = /--|#/.test(lastLine) ? '\n' : '';
  if (!sql.includes(';')) return `${sql}${gap};\n`;
  const delimiter = DELIMITERS.find((d) => !sql.includes(d)) ?? `$$godwit${sql.length}$$`;
  return `DELIMITER ${delimiter}\n${sql}${gap}${delimiter}\nDELIMITER ;\n`;
}
