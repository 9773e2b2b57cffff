/** godwit check's suppression comments, its godwit.check.* settings, and what it refuses to guess. */
import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/config/argv.js';
import { GodwitError } from '../../src/errors.js';
import { checkFiles, rulesIn } from '../helpers/check.js';

const QUIET = { lockTimeout: '5' };

/** The GodwitError a promise rejects with; fails when it resolves or rejects with something else. */
async function errorOf(promise: Promise<unknown>): Promise<GodwitError> {
  const outcome = await promise.then(
    () => new Error('expected a GodwitError, but it resolved'),
    (error: unknown) => error,
  );
  if (outcome instanceof GodwitError) return outcome;
  throw outcome;
}

describe('godwit:ignore comments', () => {
  it('silence the named rules for the next statement only, and are counted', async () => {
    const sql = '-- godwit:ignore drop-column,rename cleared with the team in PR 12\nALTER TABLE orders DROP COLUMN a, ALTER COLUMN b TYPE text;\nALTER TABLE orders DROP COLUMN c;\n';
    const result = await checkFiles({ 'V1__X.sql': sql }, QUIET);
    expect(result.findings.map((f) => `${f.line} ${f.rule}`)).toEqual(['2 column-type-change', '3 drop-column']);
    expect(result.suppressed).toBe(1);
  });

  it('silence a rule for the whole file with godwit:ignore-file', async () => {
    const sql = 'ALTER TABLE orders DROP COLUMN a;\n-- godwit:ignore-file drop-column contract phase of the name split\nALTER TABLE orders DROP COLUMN b;\n';
    expect(await rulesIn(sql, QUIET)).toEqual([]);
  });

  it('need a reason and a known rule, naming the file and line otherwise', async () => {
    const noReason = await errorOf(checkFiles({ 'V1__X.sql': 'SELECT 1;\n-- godwit:ignore drop-column\nALTER TABLE t DROP COLUMN a;' }));
    expect(noReason).toBeInstanceOf(GodwitError);
    expect(noReason).toMatchObject({ code: 'CHECK_SUPPRESSION', location: 'V1__X.sql:2' });
    const unknown = await errorOf(checkFiles({ 'V1__X.sql': '-- godwit:ignore drop-colum typo here\nALTER TABLE t DROP COLUMN a;' }));
    expect(unknown).toMatchObject({ code: 'CHECK_SUPPRESSION', location: 'V1__X.sql:1' });
    expect((unknown as Error).message).toContain("unknown rule 'drop-colum'");
  });
});

describe('godwit.check settings', () => {
  const sql = 'ALTER TABLE orders DROP COLUMN a;\nCREATE INDEX i ON orders (b);\n';

  it('godwit.check.rules keeps only the rules named; godwit.check.disable leaves rules out', async () => {
    expect(await rulesIn(sql, { ...QUIET, 'godwit.check.rules': 'drop-column' })).toEqual(['drop-column']);
    expect(await rulesIn(sql, { ...QUIET, 'godwit.check.disable': 'drop-column,require-lock-timeout' })).toEqual(['index-not-concurrent']);
  });

  it('fails on errors by default, and on warnings with godwit.check.failOn=warning', async () => {
    const warningsOnly = { 'V1__X.sql': 'ALTER TABLE orders DROP COLUMN a;' };
    expect((await checkFiles(warningsOnly, QUIET)).passed).toBe(true);
    const strict = await checkFiles(warningsOnly, { ...QUIET, 'godwit.check.failOn': 'warning' });
    expect(strict).toMatchObject({ passed: false, failOn: 'warning' });
    expect((await checkFiles({ 'V1__X.sql': sql }, QUIET)).passed).toBe(false);
  });

  it('refuses an unknown rule or severity, naming the key', async () => {
    expect(await errorOf(checkFiles({ 'V1__X.sql': sql }, { 'godwit.check.disable': 'drop-columns' }))).toMatchObject({ code: 'CONFIGURATION', location: 'godwit.check.disable' });
    expect(await errorOf(checkFiles({ 'V1__X.sql': sql }, { 'godwit.check.failOn': 'fatal' }))).toMatchObject({ code: 'CONFIGURATION', location: 'godwit.check.failOn' });
  });
});

describe('godwit check on the command line', () => {
  it('takes the files after check, and -all and -offline anywhere', () => {
    const parsed = parseArgv(['-offline', 'check', 'sql/V2__a.sql', 'sql/V3__b.sql', 'info', '-all']);
    expect(parsed.commands).toEqual(['check', 'info']);
    expect(parsed.check).toEqual({ all: true, offline: true, files: ['sql/V2__a.sql', 'sql/V3__b.sql'] });
  });

  it('refuses -all or -offline without check', () => {
    expect(() => parseArgv(['-all', 'migrate'])).toThrow('-all is an option of check.');
  });
});
