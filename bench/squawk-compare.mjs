#!/usr/bin/env node
/**
 * Runs godwit check and squawk (https://squawkhq.com) over the same PostgreSQL migrations and prints, per
 * file, what each reports, as the Markdown table in docs/check.md. squawk lives in bench/squawk with its own
 * package.json and lockfile, apart from godwit's dependencies:
 *
 *   (cd bench/squawk && npm ci) && npx tsc -p tsconfig.build.json && node bench/squawk-compare.mjs
 *
 * Both run without a lock timeout configured and without a database. godwit checks each case file on its
 * own (as `godwit check -offline <file>`), and the guide folders as one set each (`-all`), which is how
 * they are migrated; squawk checks every file on its own with --assume-in-transaction, because godwit (like
 * Flyway) runs each migration in a transaction. squawk's style rules (prefer-robust-stmts,
 * prefer-bigint-over-int, require-statement-timeout, …) are listed too: they are findings a user sees.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SQUAWK = join(ROOT, 'bench/squawk/node_modules/.bin/squawk');
const GODWIT = join(ROOT, 'bin/godwit.js');

/** One case per danger in the issue, dangerous and safe, plus a few that tell the tools apart. */
const CASES = {
  'index-plain': 'CREATE INDEX orders_user ON orders (user_id);',
  'index-concurrently': '-- flyway:executeInTransaction=false\nCREATE INDEX CONCURRENTLY orders_user ON orders (user_id);',
  'index-concurrently-in-transaction': '-- flyway:executeInTransaction=true\nCREATE INDEX CONCURRENTLY orders_user ON orders (user_id);',
  'index-on-new-table': 'CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint);\nCREATE INDEX shipments_order ON shipments (order_id);',
  'unique-constraint': 'ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (ref);',
  'add-column-not-null': 'ALTER TABLE orders ADD COLUMN note text NOT NULL;',
  'add-column-nullable': 'ALTER TABLE orders ADD COLUMN note text;',
  'add-column-volatile-default': 'ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();',
  'add-column-constant-default': "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';",
  'add-column-now-default': 'ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();',
  'add-column-serial': 'ALTER TABLE orders ADD COLUMN seq bigserial;',
  'column-type': 'ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);',
  'fk-valid': 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
  'fk-not-valid': 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
  'fk-validate-same-transaction': 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;',
  'check-valid': 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);',
  'set-not-null': 'ALTER TABLE orders ALTER COLUMN user_id SET NOT NULL;',
  'rename-column': 'ALTER TABLE orders RENAME COLUMN total TO amount;',
  'rename-table': 'ALTER TABLE orders RENAME TO purchases;',
  'drop-column': 'ALTER TABLE orders DROP COLUMN legacy;',
  'drop-table': 'DROP TABLE old_orders;',
  'update-no-where': "UPDATE orders SET status = 'new';",
  'delete-no-where': 'DELETE FROM orders;',
  'update-batched': "UPDATE orders SET status = 'new' WHERE id BETWEEN 1 AND 10000;",
  'lock-timeout-set': "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;",
};

function squawk(files) {
  const run = spawnSync(SQUAWK, ['--reporter', 'json', '--assume-in-transaction', ...files], { encoding: 'utf8' });
  if (run.error) throw new Error(`squawk did not run (${run.error.message}); install it: (cd bench/squawk && npm ci)`);
  const byFile = new Map(files.map((f) => [f, []]));
  for (const finding of JSON.parse(run.stdout || '[]')) byFile.get(finding.file)?.push(`${finding.rule_name}:${finding.line + 1}`);
  return byFile;
}

function godwit(args) {
  const run = spawnSync(process.execPath, [GODWIT, '-offline', '-outputType=json', ...args], { encoding: 'utf8' });
  const document = JSON.parse(run.stdout);
  if (document.error) throw new Error(`godwit check failed: ${document.error.message}`);
  const byFile = new Map();
  for (const finding of document.findings) {
    const list = byFile.get(finding.path) ?? [];
    list.push(`${finding.rule}:${finding.line}`);
    byFile.set(finding.path, list);
  }
  return byFile;
}

function cell(list) {
  return list.length === 0 ? '—' : [...new Set(list.map((f) => f.split(':')[0]))].map((r) => `\`${r}\``).join(', ');
}

const work = mkdtempSync(join(tmpdir(), 'godwit-squawk-'));
try {
  const rows = [];
  const caseFiles = Object.entries(CASES).map(([name, sql], index) => {
    const file = join(work, `V${index + 1}__${name.replace(/-/g, '_')}.sql`);
    writeFileSync(file, `${sql}\n`);
    return [name, file];
  });
  const squawkCases = squawk(caseFiles.map(([, file]) => file));
  for (const [name, file] of caseFiles) {
    const ours = godwit(['check', file]).get(relative(process.cwd(), file)) ?? [];
    rows.push([name, cell(ours), cell(squawkCases.get(file) ?? [])]);
  }
  for (const folder of ['guides-safe', 'guides-flagged']) {
    const dir = join(ROOT, 'test/fixtures/check', folder);
    const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => join(dir, f));
    const ours = godwit([`-locations=filesystem:${dir}`, 'check', '-all']);
    const theirs = squawk(files);
    for (const file of files) {
      rows.push([`${folder}/${file.slice(dir.length + 1)}`, cell(ours.get(relative(process.cwd(), file)) ?? []), cell(theirs.get(file) ?? [])]);
    }
  }
  const version = execFileSync(SQUAWK, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`| migration | godwit check | ${version} |`);
  console.log('|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
