/** The dry-run text of the dialects: literals and terminators that psql and the mariadb client read back. */
import { describe, expect, it } from 'vitest';
import * as mysql from '../../src/dialects/mysql/render.js';
import * as postgres from '../../src/dialects/postgres/render.js';

describe('PostgreSQL dry-run text', () => {
  it('writes literals that read the same whatever standard_conforming_strings says', () => {
    expect(postgres.literal("O'Neill")).toBe("'O''Neill'");
    expect(postgres.literal('a\\b')).toBe("E'a\\\\b'");
    expect(postgres.literal(null)).toBe('NULL');
    expect(postgres.literal(false)).toBe('FALSE');
    expect(postgres.literal(-12)).toBe('-12');
    expect(postgres.literal([3, 4])).toBe('ARRAY[3, 4]');
  });

  it('inlines $n parameters, $10 included', () => {
    const sql = Array.from({ length: 10 }, (_, i) => `$${i + 1}`).join(',');
    expect(postgres.inlineParameters(sql, [1, 2, 3, 4, 5, 6, 7, 8, 9, 'ten'])).toBe("1,2,3,4,5,6,7,8,9,'ten'");
  });

  it('leaves a $n inside a quoted name alone', () => {
    expect(postgres.inlineParameters('UPDATE "s"."a$1""$2" SET "x" = $1 WHERE "r" = $2', ['v', 3])).toBe(`UPDATE "s"."a$1""$2" SET "x" = 'v' WHERE "r" = 3`);
  });

  it('terminates statements, keeping the ; out of a trailing comment and ending COPY data with \\.', () => {
    expect(postgres.terminated({ sql: 'SELECT 1' })).toBe('SELECT 1;\n');
    expect(postgres.terminated({ sql: 'SELECT 1 -- one\n' })).toBe('SELECT 1 -- one\n;\n');
    expect(postgres.terminated({ sql: 'COPY t FROM STDIN', copyData: '1\ta\n2\tb\n' })).toBe('COPY t FROM STDIN;\n1\ta\n2\tb\n\\.\n');
  });
});

describe('MySQL dry-run text', () => {
  it('writes backslashes as hex, so NO_BACKSLASH_ESCAPES does not change the value', () => {
    expect(mysql.literal("O'Neill")).toBe("'O''Neill'");
    expect(mysql.literal('a\\b')).toBe("CONVERT(X'615c62' USING utf8mb4)");
    expect(mysql.literal(true)).toBe('1');
    expect(mysql.literal(undefined)).toBe('NULL');
  });

  it('inlines ? parameters in order', () => {
    expect(mysql.inlineParameters('VALUES (?, ?, ?)', [1, 'x', null])).toBe("VALUES (1, 'x', NULL)");
  });

  it('leaves a ? inside a quoted name alone', () => {
    expect(mysql.inlineParameters('UPDATE `s`.`a?``?b` SET `x` = ? WHERE `r` = ?', ['v', 3])).toBe("UPDATE `s`.`a?``?b` SET `x` = 'v' WHERE `r` = 3");
  });

  it('wraps a body holding ; in DELIMITER lines, with a delimiter the body does not contain', () => {
    expect(mysql.terminated({ sql: 'CREATE TABLE t (id INT)' })).toBe('CREATE TABLE t (id INT);\n');
    expect(mysql.terminated({ sql: 'SELECT 1 # one' })).toBe('SELECT 1 # one\n;\n');
    const body = 'CREATE PROCEDURE p() BEGIN SELECT 1; END';
    expect(mysql.terminated({ sql: body })).toBe(`DELIMITER $$\n${body}$$\nDELIMITER ;\n`);
    const dollars = "CREATE PROCEDURE p() BEGIN SELECT '$$'; END";
    expect(mysql.terminated({ sql: dollars })).toBe(`DELIMITER //\n${dollars}//\nDELIMITER ;\n`);
  });
});

describe('comment markers inside quotes', () => {
  it('do not move the terminator', () => {
    expect(postgres.terminated({ sql: "SELECT '--x'" })).toBe("SELECT '--x';\n");
    expect(mysql.terminated({ sql: "SELECT GET_LOCK('Flyway--12', 1)" })).toBe("SELECT GET_LOCK('Flyway--12', 1);\n");
    expect(mysql.terminated({ sql: 'SELECT "#1"' })).toBe('SELECT "#1";\n');
  });
});
