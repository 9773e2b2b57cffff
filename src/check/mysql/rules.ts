import type { RuleInfo } from '../types.js';

/** MySQL/MariaDB's rules: id → default severity and what it guards against. */
export const MYSQL_RULES: ReadonlyMap<string, RuleInfo> = new Map<string, RuleInfo>([
  ['alter-not-online', { severity: 'warning', summary: 'ALTER TABLE/CREATE INDEX on an existing table without ALGORITHM=INPLACE, LOCK=NONE (or ALGORITHM=INSTANT) may silently copy the table and block writes' }],
  ['column-type-change', { severity: 'error', summary: 'MODIFY/CHANGE of a column type copies the table, blocking writes throughout' }],
  ['foreign-key', { severity: 'error', summary: 'ADD FOREIGN KEY on an existing table copies it (unless foreign_key_checks=0) and locks the parent' }],
  ['rename', { severity: 'error', summary: 'RENAME of a column or table breaks the code that is running' }],
  ['drop-column', { severity: 'warning', summary: 'DROP COLUMN loses data (and rebuilds the table); it belongs to the contract phase' }],
  ['drop-table', { severity: 'warning', summary: 'DROP TABLE loses data; it belongs to the contract phase' }],
  ['dml-without-where', { severity: 'warning', summary: 'UPDATE/DELETE without WHERE (or LIMIT) on a large (or, offline, any existing) table' }],
  ['require-lock-timeout', { severity: 'warning', summary: 'DDL without a lock_wait_timeout waits up to a year for its metadata lock, blocking all queries behind it' }],
]);
