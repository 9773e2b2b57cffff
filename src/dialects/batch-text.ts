import type { SqlStatement } from './dialect.js';

/** Statements joined into one text for a multi-statement round trip, with where each one starts. */
export interface BatchText {
  text: string;
  /** 0-based offset of each statement's text within `text`. */
  offsets: number[];
}

/**
 * A newline after each `;` keeps a trailing `--` comment inside a statement from swallowing the next
 * one, and the offsets let a server error position be mapped back to its statement.
 */
export function batchText(statements: SqlStatement[]): BatchText {
  const offsets: number[] = [];
  const parts: string[] = [];
  let length = 0;
  for (const statement of statements) {
    offsets.push(length);
    parts.push(statement.sql);
    length += statement.sql.length + 2;
  }
  return { text: parts.join(';\n'), offsets };
}

/**
 * The statement of a batch an error belongs to, and the error's 1-based position within that statement.
 * How many statements completed decides when the driver says; else the position does; else the first.
 */
export function statementAt(batch: BatchText, position: number | null, completed: number | null): { index: number; position: number | null } {
  const last = batch.offsets.length - 1;
  let index = completed === null ? null : Math.min(completed, last);
  if (index === null && position !== null) {
    index = 0;
    while (index < last && batch.offsets[index + 1]! < position) index++;
  }
  index ??= 0;
  const start = batch.offsets[index]!;
  const inStatement = position === null ? null : position - start;
  return { index, position: inStatement !== null && inStatement >= 1 ? inStatement : null };
}
