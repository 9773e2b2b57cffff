/**
 * The guides our users learn from (/work/shared/guides): their zero-downtime patterns, pasted as
 * migrations, must pass godwit check; their "dangerous" examples, and the steps that only look safe,
 * must be reported. The fixtures' READMEs say where each snippet comes from.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkFiles } from '../helpers/check.js';

function folder(name: string): Record<string, string> {
  const dir = fileURLToPath(new URL(`../fixtures/check/${name}/`, import.meta.url));
  return Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.sql')).map((f) => [f, readFileSync(dir + f, 'utf8')]));
}

describe("the guides' examples", () => {
  const safe = folder('guides-safe');

  it('has the patterns to check', () => {
    expect(Object.keys(safe).length).toBeGreaterThanOrEqual(14);
  });

  it('passes the zero-downtime patterns with no finding when a lock timeout is configured', async () => {
    const result = await checkFiles(safe, { lockTimeout: '5' });
    expect(result.filesChecked).toHaveLength(Object.keys(safe).length);
    expect(result.findings).toEqual([]);
    expect(result.passed).toBe(true);
  });

  it('without a lock timeout, only asks for one (a warning, which does not fail the check)', async () => {
    const result = await checkFiles(safe);
    expect(new Set(result.findings.map((f) => f.rule))).toEqual(new Set(['require-lock-timeout']));
    expect(result.passed).toBe(true);
  });

  it('reports the dangerous examples, and the steps that only look safe', async () => {
    const result = await checkFiles(folder('guides-flagged'), { lockTimeout: '5' });
    expect(result.findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual([
      'V30__Dangerous_examples.sql:2 set-not-null',
      'V30__Dangerous_examples.sql:4 index-not-concurrent',
      'V30__Dangerous_examples.sql:6 constraint-not-valid',
      'V30__Dangerous_examples.sql:9 dml-without-where',
      'V31__Set_not_null_after_backfill.sql:3 set-not-null',
      'V32__Contract_drop_username.sql:5 drop-column',
      'V33__Rename_column_3_step.sql:4 dml-without-where',
      'V33__Rename_column_3_step.sql:5 index-not-concurrent',
      'V34__Rename_column_step_3.sql:2 drop-column',
      'V34__Rename_column_step_3.sql:3 rename',
      'V35__Not_null_3_step_backfill.sql:4 syntax-error',
      'V36__Not_null_validate_same_transaction.sql:6 constraint-not-valid',
    ]);
  });
});
