import { describe, it, expect } from 'vitest';
import { splitPostgresScript } from '../../src/dialects/postgres/splitter.js';
import type { SqlStatement } from '../../src/dialects/dialect.js';
import { ScriptError } from '../../src/errors.js';

const FILE = 'V3__x.sql';

/** Scripts keep their backslashes as written: `\'` below is two characters, as in the .sql file. */
const sql = String.raw;

function stmt(text: string, line: number, extra: Partial<SqlStatement> = {}): SqlStatement {
  return { sql: text, line, nonTransactional: false, ...extra };
}

function splitError(script: string): ScriptError {
  try {
    splitPostgresScript(script, FILE);
  } catch (error) {
    if (error instanceof ScriptError) return error;
    throw error;
  }
  throw new Error('expected the script to be refused');
}

interface SplitCase {
  name: string;
  script: string;
  expected: SqlStatement[];
}

const splitCases: SplitCase[] = [
  {
    name: 'plpgsql function whose $$ body holds ; and quotes',
    script: sql`CREATE OR REPLACE FUNCTION add_user(p_name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO users(name) VALUES (p_name); -- it's fine
  RAISE NOTICE 'added %; it''s done', p_name;
END;
$$;
SELECT add_user('bob');
`,
    expected: [
      stmt(
        sql`CREATE OR REPLACE FUNCTION add_user(p_name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO users(name) VALUES (p_name); -- it's fine
  RAISE NOTICE 'added %; it''s done', p_name;
END;
$$`,
        1,
      ),
      stmt(`SELECT add_user('bob')`, 8),
    ],
  },
  {
    name: '$body$ holding $$, another tag and a differently-cased $Body$',
    script: sql`CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
  EXECUTE $$SELECT ';'$$;
  RETURN $x$;'$x$ || '$Body$;';
END
$body$;
SELECT f();`,
    expected: [
      stmt(
        sql`CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
  EXECUTE $$SELECT ';'$$;
  RETURN $x$;'$x$ || '$Body$;';
END
$body$`,
        1,
      ),
      stmt('SELECT f()', 7),
    ],
  },
  {
    name: 'nested block comments holding ; and quotes',
    script: sql`/* header; it's
   /* nested; 'still' a comment */
   still a comment; */
CREATE TABLE a (id int /* inline; /* nested */ ' */);
`,
    expected: [stmt(sql`CREATE TABLE a (id int /* inline; /* nested */ ' */)`, 4)],
  },
  {
    name: 'line comment holding a quote',
    script: sql`SELECT 1; -- don't split 'here
SELECT 2; -- "nor here
`,
    expected: [stmt('SELECT 1', 1), stmt('SELECT 2', 2)],
  },
  {
    name: 'escape strings with backslash-escaped quotes',
    script: sql`INSERT INTO t VALUES (E'it\'s; here', e'\\', E'a''b;');
SELECT 2;`,
    expected: [stmt(sql`INSERT INTO t VALUES (E'it\'s; here', e'\\', E'a''b;')`, 1), stmt('SELECT 2', 2)],
  },
  {
    name: 'escape string continued on the next line keeps its escapes',
    script: sql`SELECT E'first'
  -- a comment may sit between the parts
  'it\'s; continued';
SELECT 2;`,
    expected: [
      stmt(
        sql`SELECT E'first'
  -- a comment may sit between the parts
  'it\'s; continued'`,
        1,
      ),
      stmt('SELECT 2', 4),
    ],
  },
  {
    name: "standard strings end at the quote after a backslash: 'C:\\'",
    script: sql`INSERT INTO paths VALUES ('C:\');
SELECT 'a\''';
SELECT name'C:\';
SELECT 4;`,
    expected: [
      stmt(sql`INSERT INTO paths VALUES ('C:\')`, 1),
      stmt(sql`SELECT 'a\'''`, 2),
      stmt(sql`SELECT name'C:\'`, 3),
      stmt('SELECT 4', 4),
    ],
  },
  {
    name: "B'', X'', N'' and U&'' strings",
    script: sql`SELECT B'1010', X'1F', N'na;me', U&'d\0061t;a' UESCAPE '\';
SELECT 2;`,
    expected: [stmt(sql`SELECT B'1010', X'1F', N'na;me', U&'d\0061t;a' UESCAPE '\'`, 1), stmt('SELECT 2', 2)],
  },
  {
    name: 'quoted identifiers holding ; and doubled quotes',
    script: sql`CREATE TABLE "we;ird ""name""" ("a'b;" int, U&"d\0061t;a" int);
SELECT 1;`,
    expected: [stmt(sql`CREATE TABLE "we;ird ""name""" ("a'b;" int, U&"d\0061t;a" int)`, 1), stmt('SELECT 1', 2)],
  },
  {
    name: 'DO blocks, with and without LANGUAGE',
    script: sql`DO $$
DECLARE n int;
BEGIN
  SELECT count(*) INTO n FROM t;
  IF n = 0 THEN RAISE EXCEPTION 'empty; %', n; END IF;
END $$;
DO LANGUAGE plpgsql $do$ BEGIN PERFORM 1; END $do$;
`,
    expected: [
      stmt(
        sql`DO $$
DECLARE n int;
BEGIN
  SELECT count(*) INTO n FROM t;
  IF n = 0 THEN RAISE EXCEPTION 'empty; %', n; END IF;
END $$`,
        1,
      ),
      stmt('DO LANGUAGE plpgsql $do$ BEGIN PERFORM 1; END $do$', 7),
    ],
  },
  {
    name: 'DO block with nested EXCEPTION blocks',
    script: sql`DO $$
BEGIN
  BEGIN
    INSERT INTO t VALUES (1);
  EXCEPTION WHEN unique_violation THEN
    BEGIN
      UPDATE t SET n = n + 1;
    EXCEPTION WHEN others THEN
      RAISE NOTICE 'ignored; %', SQLERRM;
    END;
  END;
END
$$;
SELECT 1;`,
    expected: [
      stmt(
        sql`DO $$
BEGIN
  BEGIN
    INSERT INTO t VALUES (1);
  EXCEPTION WHEN unique_violation THEN
    BEGIN
      UPDATE t SET n = n + 1;
    EXCEPTION WHEN others THEN
      RAISE NOTICE 'ignored; %', SQLERRM;
    END;
  END;
END
$$`,
        1,
      ),
      stmt('SELECT 1', 14),
    ],
  },
  {
    name: 'BEGIN ATOMIC bodies with CASE … END inside; plain BEGIN and COMMIT',
    script: sql`CREATE FUNCTION grade(score int) RETURNS text
LANGUAGE SQL
BEGIN ATOMIC
  SELECT CASE WHEN score >= 90 THEN 'A;' ELSE 'B' END;
  SELECT (case score when 1 then 'x' end);
END;
create procedure ins(a int) language sql
begin /* spacer */ atomic
  INSERT INTO t VALUES (a);
  INSERT INTO t VALUES (a + 1);
end;
BEGIN;
SELECT CASE WHEN true THEN 1 END;
COMMIT;`,
    expected: [
      stmt(
        sql`CREATE FUNCTION grade(score int) RETURNS text
LANGUAGE SQL
BEGIN ATOMIC
  SELECT CASE WHEN score >= 90 THEN 'A;' ELSE 'B' END;
  SELECT (case score when 1 then 'x' end);
END`,
        1,
      ),
      stmt(
        sql`create procedure ins(a int) language sql
begin /* spacer */ atomic
  INSERT INTO t VALUES (a);
  INSERT INTO t VALUES (a + 1);
end`,
        7,
      ),
      stmt('BEGIN', 12),
      stmt('SELECT CASE WHEN true THEN 1 END', 13),
      stmt('COMMIT', 14),
    ],
  },
  {
    name: 'COPY FROM STDIN with tab-separated rows holding ; and a following statement',
    script: 'COPY public.t (a, b) FROM stdin;\n1\tx;y\n2\t\\N\n\\.\nSELECT 3;\n',
    expected: [
      stmt('COPY public.t (a, b) FROM stdin', 1, { copyData: '1\tx;y\n2\t\\N\n' }),
      stmt('SELECT 3', 5),
    ],
  },
  {
    name: 'COPY FROM STDIN with options, a comment after it, and a padded terminator',
    script: [
      `copy t (a,b) FROM STDIN WITH (FORMAT csv, DELIMITER ';');   -- csv rows follow`,
      `1;"x; y"`,
      `2;"it's"`,
      '\\.  \t',
      'SELECT 1',
    ].join('\n'),
    expected: [
      stmt(`copy t (a,b) FROM STDIN WITH (FORMAT csv, DELIMITER ';')`, 1, { copyData: `1;"x; y"\n2;"it's"\n` }),
      stmt('SELECT 1', 5),
    ],
  },
  {
    name: 'COPY FROM STDIN in a CRLF file: rows normalised to LF, lines still counted',
    script: 'SELECT 1;\r\nCOPY t FROM stdin;\r\na\t1\r\nb\t2\r\n\\.\r\nSELECT 2;\r\n',
    expected: [stmt('SELECT 1', 1), stmt('COPY t FROM stdin', 2, { copyData: 'a\t1\nb\t2\n' }), stmt('SELECT 2', 6)],
  },
  {
    name: 'COPY FROM STDIN with no rows and the terminator at the end of the file',
    script: 'COPY t FROM stdin;\n\\.',
    expected: [stmt('COPY t FROM stdin', 1, { copyData: '' })],
  },
  {
    name: 'COPY TO STDOUT, COPY FROM a file and a query reading a table named stdin are ordinary',
    script: sql`COPY t TO STDOUT;
COPY t FROM '/tmp/t.csv';
COPY (SELECT * FROM stdin) TO STDOUT;
SELECT 4;`,
    expected: [
      stmt('COPY t TO STDOUT', 1),
      stmt(`COPY t FROM '/tmp/t.csv'`, 2),
      stmt('COPY (SELECT * FROM stdin) TO STDOUT', 3),
      stmt('SELECT 4', 4),
    ],
  },
  {
    name: 'pg_dump output',
    script: [
      '--',
      '-- PostgreSQL database dump',
      '--',
      '',
      'SET standard_conforming_strings = on;',
      `SELECT pg_catalog.set_config('search_path', '', false);`,
      '',
      'CREATE TABLE public.users (',
      '    id integer NOT NULL,',
      '    name text',
      ');',
      '',
      'COPY public.users (id, name) FROM stdin;',
      '1\tAnn; Lee',
      '2\t\\N',
      '\\.',
      '',
      '',
      `SELECT pg_catalog.setval('public.users_id_seq', 2, true);`,
      '',
    ].join('\n'),
    expected: [
      stmt('SET standard_conforming_strings = on', 5),
      stmt(`SELECT pg_catalog.set_config('search_path', '', false)`, 6),
      stmt('CREATE TABLE public.users (\n    id integer NOT NULL,\n    name text\n)', 8),
      stmt('COPY public.users (id, name) FROM stdin', 13, { copyData: '1\tAnn; Lee\n2\t\\N\n' }),
      stmt(`SELECT pg_catalog.setval('public.users_id_seq', 2, true)`, 19),
    ],
  },
  {
    name: 'CRLF line endings',
    script: 'SELECT 1;\r\n\r\n-- note\r\nSELECT\r\n  2;\r\nSELECT 3;',
    expected: [stmt('SELECT 1', 1), stmt('SELECT\r\n  2', 4), stmt('SELECT 3', 6)],
  },
  {
    name: 'lone CR line endings',
    script: 'SELECT 1;\rSELECT 2;\r\rSELECT 3;\r\n\nSELECT 4;',
    expected: [stmt('SELECT 1', 1), stmt('SELECT 2', 2), stmt('SELECT 3', 4), stmt('SELECT 4', 6)],
  },
  {
    name: 'line is where the SQL starts, after leading comments; comments inside stay',
    script: '-- a\n/* b\n c */\n\n  SELECT /* x */ 1 -- trailing\n;\n',
    expected: [stmt('SELECT /* x */ 1', 5)],
  },
  {
    name: 'a final statement without ;',
    script: 'SELECT 1;\nSELECT 2 -- last\n',
    expected: [stmt('SELECT 1', 1), stmt('SELECT 2', 2)],
  },
  {
    name: 'a byte order mark is not part of the first statement',
    script: '\uFEFFSELECT 1;',
    expected: [stmt('SELECT 1', 1)],
  },
  {
    name: 'empty statements are dropped',
    script: ';;\n ; -- nothing\nSELECT 1;;',
    expected: [stmt('SELECT 1', 3)],
  },
  {
    name: 'comment-only script',
    script: '-- only a comment; really\n/* and a block; */\n   \n',
    expected: [],
  },
  {
    name: 'empty script',
    script: '',
    expected: [],
  },
  {
    name: '$1 parameters and $ inside identifiers are not dollar quotes',
    script: sql`PREPARE ins (int, text) AS INSERT INTO t VALUES ($1, $2);
EXECUTE ins(1, 'a;b');
CREATE TABLE t$1 (a$$ int, b$x$ int);
SELECT 4;`,
    expected: [
      stmt('PREPARE ins (int, text) AS INSERT INTO t VALUES ($1, $2)', 1),
      stmt(`EXECUTE ins(1, 'a;b')`, 2),
      stmt('CREATE TABLE t$1 (a$$ int, b$x$ int)', 3),
      stmt('SELECT 4', 4),
    ],
  },
  {
    name: 'a dollar-quote tag cannot start with a digit: $1$ is a parameter and a $',
    script: 'PREPARE p AS SELECT $1$x;\nSELECT 2;',
    expected: [stmt('PREPARE p AS SELECT $1$x', 1), stmt('SELECT 2', 2)],
  },
];

describe('splitPostgresScript: statements', () => {
  it.each(splitCases)('$name', ({ script, expected }) => {
    expect(splitPostgresScript(script, FILE)).toStrictEqual(expected);
  });
});

describe('splitPostgresScript: non-transactional statements', () => {
  const cases: Array<[string, boolean]> = [
    ['CREATE DATABASE app', true],
    ['DROP DATABASE IF EXISTS app', true],
    ['create tablespace fast location $$/ssd$$', true],
    ['DROP TABLESPACE fast', true],
    [`CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p`, true],
    ['DROP SUBSCRIPTION s', true],
    [`ALTER SYSTEM SET work_mem = '64MB'`, true],
    ['CREATE INDEX CONCURRENTLY i ON t (a)', true],
    ['CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)', true],
    ['create unique index concurrently i on t (a)', true],
    ['CREATE /* why */ INDEX\n  -- because\n  CONCURRENTLY i ON t (a)', true],
    ['DROP INDEX CONCURRENTLY i', true],
    ['REINDEX SCHEMA public', true],
    ['REINDEX DATABASE app', true],
    ['REINDEX SYSTEM app', true],
    ['REINDEX VERBOSE SCHEMA public', true],
    ['REINDEX (VERBOSE) DATABASE app', true],
    ['REINDEX (VERBOSE, TABLESPACE fast) SCHEMA public', true],
    ['REINDEX INDEX CONCURRENTLY i', true],
    ['REINDEX (CONCURRENTLY) TABLE t', true],
    ['VACUUM', true],
    ['vacuum (analyze) t', true],
    ['DISCARD ALL', true],
    ['CREATE INDEX i ON t (a)', false],
    ['CREATE INDEX IF NOT EXISTS i ON t (a)', false],
    ['CREATE TABLE database (id int)', false],
    ['CREATE DATABASE_LOG (id int)', false],
    ['DROP INDEX i', false],
    ['REINDEX TABLE t', false],
    ['REINDEX INDEX i', false],
    ['DISCARD PLANS', false],
    ['ALTER TABLE t ADD COLUMN concurrently int', false],
    [`SELECT 'VACUUM'`, false],
    ['ANALYZE t', false],
  ];

  it.each(cases)('%s → %s', (statement, expected) => {
    expect(splitPostgresScript(`${statement};`, FILE)).toStrictEqual([stmt(statement, 1, { nonTransactional: expected })]);
  });

  const alterTypeCases: Array<[string, number | undefined, boolean]> = [
    [`ALTER TYPE mood ADD VALUE 'meh'`, 11, true],
    [`ALTER TYPE "my schema"."mood" ADD VALUE IF NOT EXISTS 'meh' BEFORE 'sad'`, 9, true],
    [`alter type s.mood add value 'meh'`, 10, true],
    [`ALTER TYPE mood ADD VALUE 'meh'`, 12, false],
    [`ALTER TYPE mood ADD VALUE 'meh'`, 16, false],
    [`ALTER TYPE mood ADD VALUE 'meh'`, undefined, false],
    [`ALTER TYPE mood RENAME VALUE 'a' TO 'b'`, 11, false],
    ['ALTER TYPE pair ADD ATTRIBUTE value text', 11, false],
    [`ALTER TYPE "x ADD VALUE y" RENAME TO z`, 11, false],
  ];

  it.each(alterTypeCases)('%s on server %s → %s', (statement, serverMajorVersion, expected) => {
    const options = serverMajorVersion === undefined ? {} : { serverMajorVersion };
    expect(splitPostgresScript(`${statement};`, FILE, options)).toStrictEqual([
      stmt(statement, 1, { nonTransactional: expected }),
    ]);
  });

  it('flags each statement on its own', () => {
    expect(splitPostgresScript('CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY i ON t (a);\nSELECT 1;', FILE)).toStrictEqual([
      stmt('CREATE TABLE t (a int)', 1),
      stmt('CREATE INDEX CONCURRENTLY i ON t (a)', 2, { nonTransactional: true }),
      stmt('SELECT 1', 3),
    ]);
  });
});

describe('splitPostgresScript: scripts it refuses', () => {
  const cases: Array<{ name: string; script: string; message: string; line: number }> = [
    {
      name: 'string literal',
      script: `SELECT 1;\nSELECT 'abc;\nSELECT 2;\n`,
      message: 'Unterminated string literal in V3__x.sql starting at line 2',
      line: 2,
    },
    {
      name: 'standard string ending in a backslash-escaped-looking quote',
      script: sql`SELECT 'C:\';
SELECT 'it\'s';`,
      message: 'Unterminated string literal in V3__x.sql starting at line 2',
      line: 2,
    },
    {
      name: 'escape string whose only closing quote is escaped',
      script: sql`SELECT 1;

SELECT E'it\';`,
      message: "Unterminated escape string E'…' in V3__x.sql starting at line 3",
      line: 3,
    },
    {
      name: "U&'' string",
      script: `SELECT U&'d\\0061t;a;\n`,
      message: 'Unterminated string literal in V3__x.sql starting at line 1',
      line: 1,
    },
    {
      name: 'quoted identifier',
      script: `SELECT 1;\n\n\nCREATE TABLE "we;ird (id int);\nSELECT 2;`,
      message: 'Unterminated quoted identifier in V3__x.sql starting at line 4',
      line: 4,
    },
    {
      name: 'dollar quote whose closing tag differs',
      script: [
        'SELECT 1;',
        '',
        'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql',
        'AS $body$',
        'BEGIN',
        '  RETURN 1;',
        'END',
        '$Body$;',
        'SELECT 2;',
      ].join('\n'),
      message: 'Unterminated dollar-quoted string $body$ in V3__x.sql starting at line 4',
      line: 4,
    },
    {
      name: 'empty-tag dollar quote',
      script: 'DO $$ BEGIN PERFORM 1; END;\n',
      message: 'Unterminated dollar-quoted string $$ in V3__x.sql starting at line 1',
      line: 1,
    },
    {
      name: 'block comment closed once but opened twice',
      script: 'SELECT 1;\n/* outer\n  /* inner */\nSELECT 2;\n',
      message: 'Unterminated block comment /* … */ in V3__x.sql starting at line 2',
      line: 2,
    },
    {
      name: 'BEGIN ATOMIC without END',
      script: 'CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN true THEN 1 END;\n',
      message: 'Unterminated BEGIN ATOMIC block in V3__x.sql starting at line 2',
      line: 2,
    },
    {
      name: 'opening line counted through CRLF line endings',
      script: 'SELECT 1;\r\n\r\nSELECT "x;\r\n',
      message: 'Unterminated quoted identifier in V3__x.sql starting at line 3',
      line: 3,
    },
    {
      name: 'COPY FROM STDIN without its \\. line',
      script: 'SELECT 1;\nCOPY t FROM stdin;\n1\t2\n\\. not the end\n',
      message: 'Unterminated COPY … FROM STDIN data in V3__x.sql starting at line 2: no line holding only \\. ends it',
      line: 2,
    },
    {
      name: 'COPY FROM STDIN at the end of the file',
      script: 'COPY t FROM stdin',
      message: 'Unterminated COPY … FROM STDIN data in V3__x.sql starting at line 1: no line holding only \\. ends it',
      line: 1,
    },
    {
      name: 'COPY FROM STDIN followed by a statement on its own line',
      script: 'COPY t FROM stdin; SELECT 1;\n1\n\\.\n',
      message:
        'Unexpected text after COPY … FROM STDIN in V3__x.sql at line 1: the data rows must start on the next line',
      line: 1,
    },
  ];

  it.each(cases)('$name', ({ script, message, line }) => {
    const error = splitError(script);
    expect(error.code).toBe('SQL_PARSE_ERROR');
    expect(error.message).toBe(message);
    expect(error.location).toBe(`V3__x.sql:${line}`);
    expect(error.hint).toMatch(/\S/);
  });
});
