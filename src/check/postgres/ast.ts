/** Reading libpg-query's parse tree, whose locations are UTF-8 byte offsets into the statement. */

/** A parse-tree node: `{ NodeType: { …fields } }`, or the fields themselves. */
export type Node = Record<string, unknown>;

export interface Relation {
  schemaname?: string;
  relname: string;
  location?: number;
}

export function field<T>(node: unknown, key: string): T | undefined {
  return node !== null && typeof node === 'object' ? ((node as Node)[key] as T | undefined) : undefined;
}

/** The fields of a wrapped node (`{ ColumnDef: {...} }` → `{...}`), when it is of that type. */
export function unwrap(node: unknown, type: string): Node | undefined {
  return field<Node>(node, type);
}

export function strings(list: unknown): string[] {
  return Array.isArray(list) ? list.map((item) => field<string>(unwrap(item, 'String'), 'sval') ?? '') : [];
}

/** Every FuncCall name anywhere under a node. */
export function calledFunctions(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) calledFunctions(item, out);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Node)) {
      if (key === 'FuncCall') out.push(strings(field(value, 'funcname')).at(-1) ?? '');
      calledFunctions(value, out);
    }
  }
  return out;
}

export function display(relation: Relation): string {
  return relation.schemaname ? `${relation.schemaname}.${relation.relname}` : relation.relname;
}

/** `col IS NOT NULL`, the check that lets SET NOT NULL skip its scan: the column's name, else undefined. */
export function notNullCheckColumn(expr: unknown): string | undefined {
  const test = unwrap(expr, 'NullTest');
  if (field(test, 'nulltesttype') !== 'IS_NOT_NULL') return undefined;
  return strings(field(unwrap(field(test, 'arg'), 'ColumnRef'), 'fields')).at(-1);
}

/** UTF-8 byte offset (what libpg-query reports) → character offset in the statement text. */
export function charOffset(sql: string, bytes: number | undefined): number {
  if (bytes === undefined || bytes <= 0) return 0;
  return Buffer.from(sql, 'utf8').subarray(0, bytes).toString('utf8').length;
}
