import type { ScriptStatementError } from '../script.js';
import type { ResolvedMigration } from '../types.js';

/** `to version "1.1 - Add phone"`, or `with repeatable migration "Views"`, as Flyway logs them. */
export function describeMigration(migration: ResolvedMigration): string {
  if (migration.version === null) return `with repeatable migration "${migration.description}"`;
  const description = migration.description === '' ? '' : ` - ${migration.description}`;
  return `to version "${migration.version.text}${description}"`;
}

/** The statement's first line: enough to find it, short enough for one screen line. */
function firstLine(sql: string): string {
  const end = sql.search(/\r|\n/);
  return end === -1 ? sql : `${sql.slice(0, end)} ...`;
}

/** Flyway's failed-migration report, with the file line where the failing statement starts. */
export function failureMessage(
  migration: Pick<ResolvedMigration, 'script' | 'physicalPath'>,
  error: ScriptStatementError,
  title = `Migration ${migration.script} failed`,
): string {
  const lines = [
    title,
    '-'.repeat(title.length),
    `SQL State  : ${error.error.sqlState ?? ''}`,
    `Message    : ${error.error.message}`,
    ...(error.error.detail ? error.error.detail.split('\n').map((l) => `  ${l}`) : []),
    `Location   : ${migration.script} (${migration.physicalPath})`,
    // A code migration that threw outside a query has no statement to show; it, or a refused COMMIT,
    // may have no line either.
    ...(error.line === 0 ? [] : [`Line       : ${error.line}`]),
    ...(error.statement.sql === '' ? [] : [`Statement  : ${firstLine(error.statement.sql)}`]),
  ];
  return lines.join('\n');
}
