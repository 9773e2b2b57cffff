/**
 * What `clean` drops from a schema it did not create, in Flyway's order: materialized views, views,
 * tables, then the types, routines, domains, sequences, collations and extensions they depended on.
 * Objects owned by an extension are left to the extension's own DROP, as PostgreSQL requires.
 */
type Query = (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;
type Quote = (name: string) => string;

const NOT_FROM_EXTENSION = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

async function names(query: Query, sql: string, schema: string): Promise<string[]> {
  const rows = await query(sql, [schema]);
  return rows.map((row) => String(row.name));
}

export async function cleanStatements(query: Query, quote: Quote, schema: string): Promise<string[]> {
  const s = quote(schema);
  const q = (name: string) => `${s}.${quote(name)}`;
  const statements: string[] = [];

  const relations = async (kinds: string) =>
    names(
      query,
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN (${kinds}) AND ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}
       AND NOT c.relispartition ORDER BY c.relname`,
      schema,
    );

  for (const name of await relations(`'m'`)) statements.push(`DROP MATERIALIZED VIEW IF EXISTS ${q(name)} CASCADE`);
  for (const name of await relations(`'v'`)) statements.push(`DROP VIEW IF EXISTS ${q(name)} CASCADE`);
  for (const name of await relations(`'r','p'`)) statements.push(`DROP TABLE IF EXISTS ${q(name)} CASCADE`);
  for (const name of await relations(`'f'`)) statements.push(`DROP FOREIGN TABLE IF EXISTS ${q(name)} CASCADE`);
  for (const name of await relations(`'S'`)) statements.push(`DROP SEQUENCE IF EXISTS ${q(name)} CASCADE`);

  const routines = await query(
    `SELECT p.proname AS name, pg_get_function_identity_arguments(p.oid) AS args, p.prokind AS kind
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = $1 AND ${NOT_FROM_EXTENSION('pg_proc', 'p.oid')} ORDER BY p.proname, args`,
    [schema],
  );
  const routineKeyword: Record<string, string> = { f: 'FUNCTION', w: 'FUNCTION', p: 'PROCEDURE', a: 'AGGREGATE' };
  for (const row of routines) {
    const keyword = routineKeyword[String(row.kind)] ?? 'FUNCTION';
    statements.push(`DROP ${keyword} IF EXISTS ${q(String(row.name))}(${String(row.args)}) CASCADE`);
  }

  const types = await query(
    `SELECT t.typname AS name, t.typtype AS kind FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = $1 AND t.typtype IN ('e','d','r','m','c','b')
     AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
     AND t.typelem = 0 AND ${NOT_FROM_EXTENSION('pg_type', 't.oid')} ORDER BY t.typname`,
    [schema],
  );
  for (const row of types) {
    const keyword = row.kind === 'd' ? 'DOMAIN' : 'TYPE';
    statements.push(`DROP ${keyword} IF EXISTS ${q(String(row.name))} CASCADE`);
  }

  for (const name of await names(
    query,
    `SELECT c.collname AS name FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
     WHERE n.nspname = $1 AND ${NOT_FROM_EXTENSION('pg_collation', 'c.oid')} ORDER BY c.collname`,
    schema,
  )) {
    statements.push(`DROP COLLATION IF EXISTS ${q(name)} CASCADE`);
  }

  for (const name of await names(
    query,
    `SELECT e.extname AS name FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname = $1 ORDER BY e.extname`,
    schema,
  )) {
    statements.push(`DROP EXTENSION IF EXISTS ${quote(name)} CASCADE`);
  }
  return statements;
}

/** Counts what cleanStatements would drop: an empty schema is one where this is 0. */
export const SCHEMA_OBJECT_COUNT_SQL = `SELECT
  (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1)
+ (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1)
+ (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = $1 AND t.typtype IN ('e','d','r','m','b') AND t.typelem = 0)
+ (SELECT count(*) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname = $1) AS count`;
