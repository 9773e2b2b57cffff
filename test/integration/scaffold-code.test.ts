/** `godwit new -type=ts|js`: a code migration named like the SQL ones, which migrate then runs as JDBC. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeLocation } from '../helpers/locations.js';

describe('godwit new -type', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'godwit-new-code-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('writes the next versioned TypeScript and JavaScript files, which migrate runs', async () => {
    const location = writeLocation(root, 'sql', { 'V1__Start.sql': 'CREATE TABLE t (id INT);\n' });
    const ts = await runCli([location, 'new', 'Backfill emails', '-type=ts']);
    expect(ts.code, ts.stderr).toBe(0);
    const tsFile = join(root, 'sql', 'V2__Backfill_emails.ts');
    expect(readFileSync(tsFile, 'utf8')).toContain("import type { MigrationContext } from 'godwit';");
    const js = await runCli([location, 'new', 'Clean up', '-repeatable', '-type=js']);
    expect(js.code, js.stderr).toBe(0);
    expect(existsSync(join(root, 'sql', 'R__Clean_up.js'))).toBe(true);

    const migrated = await runCli(['-url=pglite:memory', location, '-outputType=json', 'migrate']);
    expect(migrated.code, migrated.stderr).toBe(0);
    const result = JSON.parse(migrated.stdout) as { migrations: Array<{ version: string; type: string }> };
    expect(result.migrations.map((m) => [m.version, m.type])).toEqual([['1', 'SQL'], ['2', 'JDBC'], ['', 'JDBC']]);
  });

  it('refuses an unknown type, naming the option, and creates nothing', async () => {
    const location = writeLocation(root, 'refused', {});
    const result = await runCli([location, 'new', 'X', '-type=py']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Invalid value for -type: 'py'. Expected sql, ts or js.");
    expect(existsSync(join(root, 'refused', 'V1__X.py'))).toBe(false);
  });
});
