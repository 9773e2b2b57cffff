import type { SqlStatement } from '../dialect.js';

/** Bytes of a batch's text besides its statements: the packet header and the COM_QUERY byte. */
const PACKET_OVERHEAD = 1024;

/**
 * CALL ends its batch: a procedure returns a result per SELECT it runs plus one of its own, so counting
 * results would no longer tell which statement after it failed; before it, one result is one statement,
 * and a failure once they are all in is the CALL's. Comments may precede the keyword.
 */
const CALL = /^(?:\s+|--[^\n]*(?:\n|$)|#[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*CALL\b/i;

export function returnsSeveralResults(statement: SqlStatement): boolean {
  return CALL.test(statement.sql);
}

/**
 * The engine's batch cut into the multi-statement texts MySQL is sent: each below max_allowed_packet
 * (`maxBytes`; a statement larger than that goes alone, to be refused as it would be alone), and each
 * CALL last in its text. `from` is the index of a part's first statement in `statements`.
 */
export function mysqlBatches(statements: SqlStatement[], maxBytes: number): Array<{ from: number; statements: SqlStatement[] }> {
  const limit = maxBytes - PACKET_OVERHEAD;
  const parts: Array<{ from: number; statements: SqlStatement[] }> = [];
  let current: SqlStatement[] = [];
  let from = 0;
  let bytes = 0;
  const close = (next: number) => {
    if (current.length > 0) parts.push({ from, statements: current });
    current = [];
    from = next;
    bytes = 0;
  };
  statements.forEach((statement, index) => {
    // A UTF-16 unit is at most 3 UTF-8 bytes: exact counting only where that bound comes near the limit.
    const size = statement.sql.length * 3 < limit ? statement.sql.length * 3 : Buffer.byteLength(statement.sql);
    if (current.length > 0 && bytes + size + 2 > limit) close(index);
    current.push(statement);
    bytes += size + 2;
    if (returnsSeveralResults(statement)) close(index + 1);
  });
  close(statements.length);
  return parts;
}
