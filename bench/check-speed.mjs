#!/usr/bin/env node
/**
 * How long `godwit check -offline -all` takes, and how much memory it holds, over a generated project:
 * MIGRATIONS files of STATEMENTS statements each, mixing safe and dangerous DDL and DML, as the CLI runs
 * it (node start, config, the parser's WebAssembly, splitting, every rule). Build first:
 *
 *   npx tsc -p tsconfig.build.json && node bench/check-speed.mjs [migrations] [statements]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GODWIT = fileURLToPath(new URL('../bin/godwit.js', import.meta.url));
const MIGRATIONS = Number(process.argv[2] ?? 200);
const STATEMENTS = Number(process.argv[3] ?? 20);

const SHAPES = [
  (i) => `CREATE TABLE t${i} (id bigint PRIMARY KEY, name text, created_at timestamptz DEFAULT now());`,
  (i) => `CREATE INDEX t${i}_name ON t${i} (name);`,
  (i) => `ALTER TABLE orders ADD COLUMN c${i} text;`,
  (i) => `UPDATE orders SET c${i} = 'x' WHERE id BETWEEN ${i} AND ${i + 1000};`,
  (i) => `ALTER TABLE orders ADD CONSTRAINT orders_c${i}_check CHECK (c${i} IS NOT NULL) NOT VALID;`,
  (i) => `CREATE OR REPLACE FUNCTION f${i}() RETURNS trigger AS $$\nBEGIN\n  NEW.c${i} := lower(NEW.c${i});\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;`,
  (i) => `INSERT INTO t${i} (id, name) SELECT g, 'n' || g FROM generate_series(1, 10) g;`,
];

const dir = mkdtempSync(join(tmpdir(), 'godwit-check-speed-'));
try {
  let n = 0;
  for (let m = 1; m <= MIGRATIONS; m++) {
    const lines = [];
    for (let s = 0; s < STATEMENTS; s++) lines.push(SHAPES[n++ % SHAPES.length](n));
    writeFileSync(join(dir, `V${m}__Step_${m}.sql`), `${lines.join('\n\n')}\n`);
  }
  const started = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, GODWIT, '-offline', `-locations=filesystem:${dir}`, '-outputType=json', 'check', '-all'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - started) / 1000;
  const result = JSON.parse(run.stdout);
  if (result.error) throw new Error(result.error.message);
  const peakKb = Number(run.stderr.trim().split('\n').at(-1));
  const total = MIGRATIONS * STATEMENTS;
  console.log(`${MIGRATIONS} migrations, ${total} statements, ${result.findings.length} findings: ${seconds.toFixed(2)} s (${((seconds * 1000) / total).toFixed(2)} ms a statement, start-up included), peak RSS ${(peakKb / 1024).toFixed(0)} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
