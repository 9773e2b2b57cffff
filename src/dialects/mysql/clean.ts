/**
 * What `clean` drops from a MySQL/MariaDB database it did not create, in Flyway's order (MySQLSchema):
 * events, routines, views, then the tables with foreign-key checks off (their triggers go with them),
 * then MariaDB's sequences. Catalog queries go through `select`; the caller runs what comes back.
 */
import type { Select } from './mysql-client.js';

type Quote = (name: string) => string;

async function column(select: Select, sql: string, schema: string): Promise<string[]> {
  return (await select(sql, [schema])).map((row) => String(row.name));
}

/**
 * Event names, or none when the server won't list them: MariaDB refuses information_schema.events while
 * the event scheduler is DISABLED, and then no event can exist to drop.
 */
async function eventNames(select: Select, schema: string): Promise<string[]> {
  try {
    return await column(select, 'SELECT event_name AS name FROM information_schema.events WHERE event_schema = ? ORDER BY event_name', schema);
  } catch (error) {
    // Only the server's refusal means "no events"; a lost connection must still fail.
    if (String((error as { code?: unknown }).code ?? '').startsWith('ER_')) return [];
    throw error;
  }
}

/** Everything but the tables: those need the foreign-key checks off, which the caller arranges. */
export async function dropNonTableStatements(select: Select, quote: Quote, schema: string): Promise<string[]> {
  const q = (name: string) => `${quote(schema)}.${quote(name)}`;
  const statements: string[] = [];
  for (const name of await eventNames(select, schema)) statements.push(`DROP EVENT IF EXISTS ${q(name)}`);
  const routines = await select('SELECT routine_name AS name, routine_type AS kind FROM information_schema.routines WHERE routine_schema = ? ORDER BY routine_name', [schema]);
  // routine_type is the keyword to drop it with: PROCEDURE, FUNCTION, and MariaDB's PACKAGE [BODY].
  for (const row of routines) statements.push(`DROP ${String(row.kind)} IF EXISTS ${q(String(row.name))}`);
  for (const name of await column(select, 'SELECT table_name AS name FROM information_schema.views WHERE table_schema = ? ORDER BY table_name', schema)) {
    statements.push(`DROP VIEW IF EXISTS ${q(name)}`);
  }
  return statements;
}

export async function dropTableStatements(select: Select, quote: Quote, schema: string): Promise<string[]> {
  const tables = await column(
    select,
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? AND table_type IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY table_name",
    schema,
  );
  return tables.map((name) => `DROP TABLE IF EXISTS ${quote(schema)}.${quote(name)}`);
}

/** MariaDB 10.3+ lists its sequences among the tables; MySQL has none, and the query finds nothing. */
export async function dropSequenceStatements(select: Select, quote: Quote, schema: string): Promise<string[]> {
  const sequences = await column(select, "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'SEQUENCE' ORDER BY table_name", schema);
  return sequences.map((name) => `DROP SEQUENCE IF EXISTS ${quote(schema)}.${quote(name)}`);
}

/**
 * Whether anything at all lives in the database: tables, views and sequences (all in
 * information_schema.tables), routines, triggers and events.
 */
export async function isEmpty(select: Select, schema: string): Promise<boolean> {
  const rows = await select(
    `SELECT (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?)
          + (SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = ?)
          + (SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = ?) AS count`,
    [schema, schema, schema],
  );
  if (Number(rows[0]?.count ?? 0) > 0) return false;
  return (await eventNames(select, schema)).length === 0;
}
