/**
 * godwit check's PostgreSQL rules: for each, a dangerous form it must report and the safe form (the
 * expand-contract way its fix describes) it must leave alone. Offline, so every table the files do not
 * create counts as existing; -lockTimeout=5 keeps require-lock-timeout out of the other rules' cases.
 */
import { describe, expect, it } from 'vitest';
import { checkFiles, describeRuleCases, rulesIn, type RuleCase } from '../helpers/check.js';

const QUIET = { lockTimeout: '5' };

const CASES: RuleCase[] = [
  {
    rule: 'index-not-concurrent',
    dangerous: [
      'CREATE INDEX orders_user ON orders (user_id);',
      'CREATE UNIQUE INDEX orders_ref ON app.orders (ref);',
      'ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (ref);',
    ],
    safe: [
      '-- flyway:executeInTransaction=false\nCREATE INDEX CONCURRENTLY orders_user ON orders (user_id);',
      'CREATE TABLE shipments (id bigint, order_id bigint);\nCREATE INDEX shipments_order ON shipments (order_id);',
      'ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE USING INDEX orders_ref;',
    ],
  },
  {
    rule: 'concurrently-in-transaction',
    dangerous: [
      '-- flyway:executeInTransaction=true\nCREATE INDEX CONCURRENTLY orders_user ON orders (user_id);',
      'BEGIN;\nCREATE INDEX CONCURRENTLY orders_user ON orders (user_id);\nCOMMIT;',
      '-- flyway:executeInTransaction=true\nDROP INDEX CONCURRENTLY orders_user;',
    ],
    safe: ['CREATE INDEX CONCURRENTLY orders_user ON orders (user_id);', 'DROP INDEX CONCURRENTLY orders_user;'],
  },
  {
    rule: 'add-column-not-null-no-default',
    dangerous: ['ALTER TABLE orders ADD COLUMN note text NOT NULL;'],
    safe: ["ALTER TABLE orders ADD COLUMN note text NOT NULL DEFAULT '';", 'ALTER TABLE orders ADD COLUMN note text;'],
  },
  {
    rule: 'volatile-default',
    dangerous: [
      'ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      'ALTER TABLE orders ADD COLUMN seq bigserial;',
      'ALTER TABLE orders ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;',
      'ALTER TABLE orders ADD COLUMN jitter float8 NOT NULL DEFAULT random() * 10;',
      'ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();',
    ],
    safe: [
      'ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();',
      'ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT statement_timestamp();',
      "ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';",
      'ALTER TABLE orders ADD COLUMN token uuid;\nALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid();',
    ],
  },
  {
    rule: 'column-type-change',
    dangerous: ['ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);', 'ALTER TABLE orders ALTER total SET DATA TYPE bigint USING total::bigint;'],
    safe: ['ALTER TABLE orders ADD COLUMN total_v2 numeric(12,2);', 'CREATE TABLE drafts (total int);\nALTER TABLE drafts ALTER COLUMN total TYPE bigint;'],
  },
  {
    rule: 'constraint-not-valid',
    dangerous: [
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;',
    ],
    safe: [
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      'ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;',
      'CREATE TABLE refunds (order_id bigint);\nALTER TABLE refunds ADD CONSTRAINT refunds_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);',
    ],
  },
  {
    rule: 'set-not-null',
    dangerous: ['ALTER TABLE orders ALTER COLUMN user_id SET NOT NULL;'],
    safe: [
      'CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;',
      'CREATE TABLE t (a int, CHECK (a IS NOT NULL));\nALTER TABLE t ALTER COLUMN a SET NOT NULL;',
    ],
  },
  {
    rule: 'rename',
    dangerous: ['ALTER TABLE orders RENAME COLUMN total TO amount;', 'ALTER TABLE orders RENAME TO purchases;'],
    safe: ['ALTER TABLE orders ADD COLUMN amount numeric;', 'CREATE TABLE staging (a int);\nALTER TABLE staging RENAME TO imported;', 'ALTER INDEX orders_user RENAME TO orders_user_idx;'],
  },
  {
    rule: 'drop-column',
    dangerous: ['ALTER TABLE orders DROP COLUMN legacy;'],
    safe: ['-- godwit:ignore drop-column the code stopped reading legacy in release 41\nALTER TABLE orders DROP COLUMN legacy;', 'ALTER TABLE orders DROP CONSTRAINT orders_legacy_check;'],
  },
  {
    rule: 'drop-table',
    dangerous: ['DROP TABLE old_orders;', 'DROP TABLE IF EXISTS app.old_orders, old_items;'],
    safe: ['CREATE TABLE scratch (a int);\nDROP TABLE scratch;', 'DROP VIEW old_orders_view;'],
  },
  {
    rule: 'dml-without-where',
    dangerous: ["UPDATE orders SET status = 'new';", 'DELETE FROM orders;'],
    safe: [
      "UPDATE orders SET status = 'new' WHERE id BETWEEN 1 AND 10000;",
      "DELETE FROM orders WHERE id IN (SELECT id FROM orders WHERE status = 'old' LIMIT 5000);",
      "CREATE TABLE lookup (a int);\nINSERT INTO lookup VALUES (1);\nUPDATE lookup SET a = 2;",
    ],
  },
];

describe('godwit check, PostgreSQL rules', () => {
  describeRuleCases(CASES, QUIET);


  describe('require-lock-timeout', () => {
    it('reports the first locking DDL on an existing table, once per file', async () => {
      const found = await rulesIn('ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders ADD COLUMN note2 text;\nCREATE TRIGGER t BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION f();');
      expect(found).toEqual(['require-lock-timeout']);
    });
    it('passes after SET lock_timeout, with -lockTimeout, and for tables the set creates', async () => {
      expect(await rulesIn("SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;")).toEqual([]);
      expect(await rulesIn("SET LOCAL lock_timeout TO '2s';\nCREATE TRIGGER t BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION f();")).toEqual([]);
      expect(await rulesIn('ALTER TABLE orders ADD COLUMN note text;', { lockTimeout: '3' })).toEqual([]);
      expect(await rulesIn('CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;')).toEqual([]);
    });
    it('passes when a beforeEachMigrate or beforeMigrate callback, or initSql, sets one for every migration', async () => {
      const migration = { 'V1__Add.sql': 'ALTER TABLE orders ADD COLUMN note text;' };
      expect((await checkFiles({ ...migration, 'beforeEachMigrate.sql': "SET lock_timeout = '3s';" })).findings).toEqual([]);
      expect((await checkFiles({ ...migration, 'beforeMigrate__Timeouts.sql': "SELECT set_config('lock_timeout', '3s', false);" })).findings).toEqual([]);
      expect((await checkFiles(migration, { initSql: "SET lock_timeout TO '2s'" })).findings).toEqual([]);
      const elsewhere = await checkFiles({ ...migration, 'afterMigrate.sql': "SET lock_timeout = '3s';" });
      expect(elsewhere.findings.map((f) => f.rule)).toEqual(['require-lock-timeout']);
    });
    it('counts a trigger as locking DDL', async () => {
      expect(await rulesIn('CREATE TRIGGER t BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION f();')).toEqual(['require-lock-timeout']);
    });
  });

  it('knows a NOT VALID check validated in an earlier migration, so the later SET NOT NULL is safe', async () => {
    const result = await checkFiles(
      {
        'V1__Check.sql': 'ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;',
        'V2__Validate.sql': 'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      },
      QUIET,
    );
    expect(result.findings).toEqual([]);
  });

  it('treats a table created by an earlier migration of the set as new', async () => {
    const result = await checkFiles(
      {
        'V1__Create.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text);',
        'V2__Index.sql': 'CREATE INDEX accounts_email ON accounts (email);\nALTER TABLE accounts ALTER COLUMN email SET NOT NULL;',
        'V3__Other.sql': 'CREATE INDEX orders_email ON orders (email);',
      },
      QUIET,
    );
    expect(result.findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual(['V3__Other.sql:1 index-not-concurrent']);
  });

  it("gives the file's own line and column, also after multi-byte text", async () => {
    const sql = "-- 주문 금액을 바꾼다\nSET lock_timeout = '1s';\n\nALTER TABLE orders /* 한국어 */\n  ADD COLUMN memo text,\n  ALTER COLUMN total TYPE bigint;\n";
    const [finding] = (await checkFiles({ 'V5__Total.sql': sql })).findings;
    expect(finding).toMatchObject({ file: 'V5__Total.sql', line: 6, column: 16, rule: 'column-type-change', severity: 'error' });
    expect(finding?.fix).toMatch(/expand-contract/);
  });

  it('reports a statement the parser refuses as syntax-error at its line, and goes on', async () => {
    const result = await checkFiles({ 'V1__Bad.sql': 'UPDATE users SET a = 1\nWHERE a IS NULL\nLIMIT 10;\nDROP TABLE old;' }, QUIET);
    expect(result.findings.map((f) => `${f.line} ${f.rule}`)).toEqual(['3 syntax-error', '4 drop-table']);
  });

  it('replaces placeholders before parsing', async () => {
    const found = await rulesIn('CREATE INDEX i ON ${schema}.orders (a);', { ...QUIET, 'placeholders.schema': 'shop' });
    expect(found).toEqual(['index-not-concurrent']);
  });
});
