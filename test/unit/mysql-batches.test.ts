import { describe, expect, it } from 'vitest';
import type { SqlStatement } from '../../src/dialects/dialect.js';
import { mysqlBatches } from '../../src/dialects/mysql/batches.js';

const statement = (sql: string, line = 1): SqlStatement => ({ sql, line, nonTransactional: false });
const shape = (parts: ReturnType<typeof mysqlBatches>) => parts.map((part) => [part.from, part.statements.map((s) => s.sql)]);

describe('mysqlBatches', () => {
  it('keeps a batch whole while it fits in max_allowed_packet', () => {
    const statements = ['INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (2)', 'INSERT INTO t VALUES (3)'].map((sql) => statement(sql));
    expect(shape(mysqlBatches(statements, 1 << 24))).toEqual([[0, statements.map((s) => s.sql)]]);
  });

  it('cuts where the next statement would pass the packet limit, counting UTF-8 bytes', () => {
    // 400 characters of 3 bytes each: 1200 bytes; two do not fit under 3000 bytes less the overhead.
    const wide = statement(`INSERT INTO t VALUES ('${'€'.repeat(400)}')`);
    const parts = mysqlBatches([wide, wide, wide], 2048 + 1300);
    expect(parts.map((part) => [part.from, part.statements.length])).toEqual([[0, 1], [1, 1], [2, 1]]);
    expect(mysqlBatches([wide, wide, wide], 1024 + 2 * 1300).map((part) => part.statements.length)).toEqual([2, 1]);
  });

  it('sends a statement larger than the limit on its own, for the server to refuse as it would alone', () => {
    const huge = statement(`INSERT INTO t VALUES ('${'x'.repeat(5000)}')`);
    expect(mysqlBatches([statement('SELECT 1'), huge, statement('SELECT 2')], 4096).map((part) => [part.from, part.statements.length])).toEqual([[0, 1], [1, 1], [2, 1]]);
  });

  it('ends a batch with each CALL, also behind comments, since a procedure may return several results', () => {
    const statements = [statement('INSERT INTO t VALUES (1)'), statement('/* why */ -- note\ncall p()'), statement('CALL r()'), statement('INSERT INTO t VALUES (2)'), statement('CALL q()'), statement('CALLED()')];
    expect(shape(mysqlBatches(statements, 1 << 24))).toEqual([
      [0, ['INSERT INTO t VALUES (1)', '/* why */ -- note\ncall p()']],
      [2, ['CALL r()']],
      [3, ['INSERT INTO t VALUES (2)', 'CALL q()']],
      [5, ['CALLED()']],
    ]);
  });
});
