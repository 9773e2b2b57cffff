import type { RuleInfo } from '../types.js';

/** PostgreSQL's rules: id → default severity and what it guards against. The docs table follows this list. */
export const POSTGRES_RULES: ReadonlyMap<string, RuleInfo> = new Map<string, RuleInfo>([
  ['index-not-concurrent', { severity: 'error', summary: 'CREATE INDEX (or ADD UNIQUE/PRIMARY KEY) on an existing table without CONCURRENTLY blocks writes while it builds' }],
  ['concurrently-in-transaction', { severity: 'error', summary: 'CREATE/DROP INDEX CONCURRENTLY in a migration that runs in a transaction fails' }],
  ['add-column-not-null-no-default', { severity: 'error', summary: 'ADD COLUMN … NOT NULL without a DEFAULT fails on a table with rows' }],
  ['volatile-default', { severity: 'error', summary: 'ADD COLUMN with a volatile DEFAULT (random(), gen_random_uuid(), serial, identity, stored generated) rewrites the table' }],
  ['column-type-change', { severity: 'error', summary: 'ALTER COLUMN … TYPE rewrites the table (unless the types are binary-coercible)' }],
  ['constraint-not-valid', { severity: 'error', summary: 'ADD CONSTRAINT FOREIGN KEY/CHECK without NOT VALID scans the table under lock' }],
  ['set-not-null', { severity: 'error', summary: 'SET NOT NULL without a validated CHECK (col IS NOT NULL) scans the table under an ACCESS EXCLUSIVE lock' }],
  ['rename', { severity: 'error', summary: 'RENAME of a column or table breaks the code that is running' }],
  ['drop-column', { severity: 'warning', summary: 'DROP COLUMN loses data; it belongs to the contract phase, after the code stopped using it' }],
  ['drop-table', { severity: 'warning', summary: 'DROP TABLE loses data; it belongs to the contract phase, after the code stopped using it' }],
  ['dml-without-where', { severity: 'warning', summary: 'UPDATE/DELETE without WHERE on a large (or, offline, any existing) table: one long transaction' }],
  ['require-lock-timeout', { severity: 'warning', summary: 'Locking DDL without a lock_timeout queues behind long transactions and blocks all traffic meanwhile' }],
  ['syntax-error', { severity: 'error', summary: 'The statement does not parse, so nothing else could be checked' }],
]);
