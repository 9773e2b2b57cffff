/**
 * Dry-run text for PostgreSQL: the statements the dialect would send, as a script that
 * `psql -v ON_ERROR_STOP=1 -f FILE` replays.
 */
import type { SqlStatement } from '../dialect.js';

export type SqlValue = string | number | bigint | boolean | null | undefined | readonly number[];

/**
 * A value as a SQL literal. Text holding a backslash becomes an E'' string with the backslash escaped,
 * which reads the same whether or not the replaying server has standard_conforming_strings on.
 */
export function literal(value: SqlValue): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value !== 'string') return `ARRAY[${value.map((v) => literal(v)).join(', ')}]`;
  const quoted = value.replaceAll("'", "''");
  return value.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

/**
 * The dialect's own parameterised SQL with `$n` replaced by literals. A `$n` inside a quoted name (a
 * history table called "a$1") is part of the name, as the server reads it.
 */
export function inlineParameters(sql: string, params: readonly SqlValue[]): string {
  return sql.replace(/"(?:[^"]|"")*"|\$(\d+)/g, (found, n: string | undefined) => (n === undefined ? found : literal(params[Number(n) - 1])));
}

/**
 * `;` after the statement, on a line of its own when the last line holds a `--` comment that would swallow
 * it; COPY data follows, ended by psql's `\.` line.
 */
export function terminated(statement: Pick<SqlStatement, 'sql' | 'copyData'>): string {
  const sql = statement.sql.trimEnd();
  const lastLine = sql.slice(sql.lastIndexOf('\n') + 1).replace(/'[^']*'/g, '');
  const text = `${sql}${lastLine.includes('--') ? '\n' : ''};\n`;
  return statement.copyData === undefined ? text : `${text}${statement.copyData}\\.\n`;
}
