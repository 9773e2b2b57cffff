/**
 * godwit check's MySQL/MariaDB rules, chosen by a jdbc:mysql URL: for each, dangerous forms it must report
 * and safe forms it must pass. Offline, so tables the files do not create count as existing.
 */
import { describe, expect, it } from 'vitest';
import { checkFiles, describeRuleCases, MYSQL_URL, rulesIn, type RuleCase } from '../helpers/check.js';

const MYSQL = { url: MYSQL_URL, lockTimeout: '5' };

const CASES: RuleCase[] = [
  {
    rule: 'alter-not-online',
    dangerous: ['ALTER TABLE orders ADD COLUMN note TEXT;', 'CREATE INDEX orders_user ON orders (user_id);', 'ALTER TABLE `shop`.`orders` ADD INDEX orders_user (user_id), ALGORITHM=INPLACE;'],
    safe: [
      'ALTER TABLE orders ADD COLUMN note TEXT, ALGORITHM=INSTANT;',
      'CREATE INDEX orders_user ON orders (user_id) ALGORITHM=INPLACE LOCK=NONE;',
      'ALTER TABLE orders ADD INDEX orders_user (user_id), ALGORITHM = INPLACE, LOCK = NONE;',
      'CREATE TABLE shipments (id BIGINT PRIMARY KEY, order_id BIGINT);\nCREATE INDEX shipments_order ON shipments (order_id);',
    ],
  },
  {
    rule: 'column-type-change',
    dangerous: ['ALTER TABLE orders MODIFY COLUMN total DECIMAL(12,2);', 'ALTER TABLE orders CHANGE total total BIGINT NOT NULL;'],
    safe: ['ALTER TABLE orders ADD COLUMN total_v2 DECIMAL(12,2), ALGORITHM=INSTANT;', 'CREATE TABLE drafts (total INT);\nALTER TABLE drafts MODIFY total BIGINT;'],
  },
  {
    rule: 'foreign-key',
    dangerous: ['ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id);', 'ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id), ALGORITHM=INPLACE, LOCK=NONE;'],
    safe: ['CREATE TABLE refunds (order_id BIGINT, CONSTRAINT fk_order FOREIGN KEY (order_id) REFERENCES orders (id));'],
  },
  {
    rule: 'rename',
    dangerous: ['ALTER TABLE orders RENAME COLUMN total TO amount;', 'RENAME TABLE orders TO purchases;', 'ALTER TABLE orders RENAME TO purchases;', 'ALTER TABLE orders CHANGE COLUMN total amount DECIMAL(10,2);'],
    safe: ['ALTER TABLE orders RENAME INDEX i1 TO i2;', 'CREATE TABLE staging (a INT);\nRENAME TABLE staging TO imported;'],
  },
  {
    rule: 'drop-column',
    dangerous: ['ALTER TABLE orders DROP COLUMN legacy;', 'ALTER TABLE orders DROP legacy;'],
    safe: ['ALTER TABLE orders DROP INDEX orders_legacy, ALGORITHM=INPLACE, LOCK=NONE;', '-- godwit:ignore drop-column unused since release 41\nALTER TABLE orders DROP COLUMN legacy;'],
  },
  {
    rule: 'drop-table',
    dangerous: ['DROP TABLE old_orders;', 'DROP TABLE IF EXISTS `old_orders`, old_items;'],
    safe: ['CREATE TABLE scratch (a INT);\nDROP TABLE scratch;', 'DROP VIEW old_orders_view;'],
  },
  {
    rule: 'dml-without-where',
    dangerous: ["UPDATE orders SET status = 'new';", 'DELETE FROM orders;', "UPDATE orders SET note = 'WHERE it was' -- WHERE in a comment\n;", "UPDATE orders SET total = (SELECT max(total) FROM archive WHERE archive.id = 1);"],
    safe: ["UPDATE orders SET status = 'new' WHERE id BETWEEN 1 AND 10000;", "UPDATE orders SET status = 'new' LIMIT 10000;", 'DELETE FROM orders WHERE created_at < NOW() - INTERVAL 1 YEAR LIMIT 5000;'],
  },
];

describe('godwit check, MySQL rules', () => {
  describeRuleCases(CASES, MYSQL);


  describe('require-lock-timeout', () => {
    const noTimeout = { url: MYSQL_URL };
    it('reports the first DDL on an existing table, once per file', async () => {
      expect(await rulesIn('ALTER TABLE orders ADD COLUMN a INT, ALGORITHM=INSTANT;\nALTER TABLE orders ADD COLUMN b INT, ALGORITHM=INSTANT;', noTimeout)).toEqual(['require-lock-timeout']);
    });
    it('passes after SET lock_wait_timeout or with -lockTimeout', async () => {
      expect(await rulesIn('SET SESSION lock_wait_timeout = 5;\nALTER TABLE orders ADD COLUMN a INT, ALGORITHM=INSTANT;', noTimeout)).toEqual([]);
      expect(await rulesIn('ALTER TABLE orders ADD COLUMN a INT, ALGORITHM=INSTANT;', { ...noTimeout, lockTimeout: '2' })).toEqual([]);
      expect(await rulesIn('ALTER TABLE orders ADD COLUMN a INT, ALGORITHM=INSTANT;', { ...noTimeout, initSql: 'SET SESSION lock_wait_timeout = 10' })).toEqual([]);
    });
  });

  it('reads several clauses of one ALTER TABLE, each at its own line', async () => {
    const sql = 'SET lock_wait_timeout = 5;\nALTER TABLE orders\n  DROP COLUMN legacy,\n  RENAME COLUMN total TO amount,\n  MODIFY note VARCHAR(500);\n';
    const result = await checkFiles({ 'V2__Many.sql': sql }, { url: MYSQL_URL });
    expect(result.findings.map((f) => `${f.line}:${f.column} ${f.rule}`)).toEqual(['3:3 drop-column', '4:3 rename', '5:3 column-type-change']);
    expect(result.ruleSet).toBe('mysql');
  });

  it('treats a table created by an earlier migration of the set as new', async () => {
    const result = await checkFiles(
      {
        'V1__Create.sql': 'CREATE TABLE IF NOT EXISTS `accounts` (id BIGINT PRIMARY KEY, email VARCHAR(255));',
        'V2__Change.sql': 'ALTER TABLE accounts ADD INDEX accounts_email (email);\nALTER TABLE orders ADD INDEX orders_email (email);',
      },
      MYSQL,
    );
    expect(result.findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual(['V2__Change.sql:2 alter-not-online']);
  });

  it('handles DELIMITER blocks through the MySQL splitter', async () => {
    const sql = 'DELIMITER $$\nCREATE PROCEDURE p() BEGIN UPDATE orders SET a = 1; END$$\nDELIMITER ;\nDROP TABLE old;\n';
    expect(await rulesIn(sql, MYSQL)).toEqual(['drop-table']);
  });
});
