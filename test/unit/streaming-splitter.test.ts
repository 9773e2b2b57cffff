import { describe, expect, it, vi } from 'vitest';
import type { SqlStatement } from '../../src/dialects/dialect.js';
import type { SplitPass } from '../../src/dialects/statement-stream.js';
import { StatementStream } from '../../src/dialects/statement-stream.js';
import { ScriptError } from '../../src/errors.js';

/*
 * The streaming splitter must cut exactly as the whole-text one does. Rather than keep a second copy of
 * the splitters' corpus, both splitter test files run here again with each whole-text split checked
 * against the same script streamed in chunks of many sizes: the statements (text, line, flags, COPY
 * rows) must be equal, and so must a refusal (message and location).
 */

const CHUNK_SIZES = [1, 2, 3, 4, 5, 7, 11, 16, 31, 64, 257, 4096];

function streamed(text: string, pass: SplitPass, size: number): SqlStatement[] {
  const stream = new StatementStream(pass);
  const statements: SqlStatement[] = [];
  for (let at = 0; at < text.length; at += size) statements.push(...stream.push(text.slice(at, at + size)));
  statements.push(...stream.end());
  return statements;
}

function outcome(run: () => SqlStatement[]): { statements: SqlStatement[] } | { error: { message: string; location: string | undefined } } {
  try {
    return { statements: run() };
  } catch (error) {
    if (!(error instanceof ScriptError)) throw error;
    return { error: { message: error.message, location: error.location } };
  }
}

/** Wraps a whole-text splitter so that every call also compares the streamed result. */
function crossChecked<A extends unknown[]>(whole: (text: string, file: string, ...rest: A) => SqlStatement[], pass: (file: string, ...rest: A) => SplitPass) {
  return (text: string, file: string, ...rest: A): SqlStatement[] => {
    const expected = outcome(() => whole(text, file, ...rest));
    for (const size of CHUNK_SIZES) {
      expect(outcome(() => streamed(text, pass(file, ...rest), size)), `chunks of ${size}`).toStrictEqual(expected);
    }
    return whole(text, file, ...rest);
  };
}

const checkedCalls = { postgres: 0, mysql: 0 };

vi.mock('../../src/dialects/postgres/splitter.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/dialects/postgres/splitter.js')>();
  const check = crossChecked(real.splitPostgresScript, real.postgresSplitPass);
  return {
    ...real,
    splitPostgresScript: (...args: Parameters<typeof real.splitPostgresScript>) => {
      checkedCalls.postgres++;
      return check(...args);
    },
  };
});

vi.mock('../../src/dialects/mysql/splitter.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/dialects/mysql/splitter.js')>();
  const check = crossChecked(real.splitMysqlScript, real.mysqlSplitPass);
  return {
    ...real,
    splitMysqlScript: (...args: Parameters<typeof real.splitMysqlScript>) => {
      checkedCalls.mysql++;
      return check(...args);
    },
  };
});

describe('PostgreSQL splitter corpus, streamed', async () => {
  await import('./pg-splitter.test.js');
});

describe('MySQL splitter corpus, streamed', async () => {
  await import('./mysql-splitter.test.js');
});

describe('streamed splitting', () => {
  it('went through both corpora', () => {
    // Runs after the corpora above (vitest runs tests in order): a mock that stopped applying would leave these at 0.
    expect(checkedCalls.postgres).toBeGreaterThan(30);
    expect(checkedCalls.mysql).toBeGreaterThan(30);
  });

  it('keeps lines across CRLF, BOM and COPY rows cut anywhere', async () => {
    const { postgresSplitPass, splitPostgresScript } = await import('../../src/dialects/postgres/splitter.js');
    const rows = Array.from({ length: 50 }, (_, n) => `${n}\tname ${n}\r\n`).join('');
    const script = `\uFEFFCREATE TABLE t (a int, b text);\r\nCOPY t FROM STDIN;\r\n${rows}\\.\r\n-- done\r\nSELECT 'a;\r\nb';\r\nSELECT 2`;
    const whole = splitPostgresScript(script, 'V1__x.sql');
    expect(whole.map((s) => s.line)).toStrictEqual([1, 2, 55, 57]);
    for (const size of [1, 2, 3, 97, 1000]) expect(streamed(script, postgresSplitPass('V1__x.sql'), size)).toStrictEqual(whole);
  });

  it('carries a DELIMITER across chunks', async () => {
    const { mysqlSplitPass } = await import('../../src/dialects/mysql/splitter.js');
    const script = 'DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\nSELECT 2;\n';
    for (const size of [1, 2, 5, 13]) {
      expect(streamed(script, mysqlSplitPass('V1__x.sql'), size)).toStrictEqual([
        { sql: 'CREATE PROCEDURE p() BEGIN SELECT 1; END', line: 2, nonTransactional: false },
        { sql: 'SELECT 2', line: 4, nonTransactional: false },
      ]);
    }
  });

  it('reports an unterminated string at its line after many chunks', async () => {
    const { postgresSplitPass } = await import('../../src/dialects/postgres/splitter.js');
    const script = `${'SELECT 1;\n'.repeat(1000)}SELECT 'open;\nSELECT 2;\n`;
    const error = outcome(() => streamed(script, postgresSplitPass('V1__x.sql'), 64));
    expect(error).toStrictEqual({ error: { message: 'Unterminated string literal in V1__x.sql starting at line 1001', location: 'V1__x.sql:1001' } });
  });
});
