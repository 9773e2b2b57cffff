/**
 * Mistakes users make, as the CLI reports them (STYLE.md "Errors", flyway-compat.md §1, §7, §11): exit
 * status 1, one `ERROR:` line on stderr (plus a `Hint:`), no stack trace unless -X, nothing applied, and
 * no secret in any output.
 *
 * The database part runs on both drivers (test/helpers/drivers.ts), the PostgreSQL server and PGlite.
 * Server-only: a non-existent user, since PGlite has no roles to log in as and no authentication.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { DRIVERS, SUITE_OPTIONS, type Target } from '../helpers/drivers.js';

const STACK_LINE = /^\s+at /m;
const PASSWORD = 'S3cretPassw0rd';
const CLOSED_PORT_URL = 'jdbc:postgresql://127.0.0.1:1/x';
const isRoot = process.getuid?.() === 0;

/**
 * Exit 1; stderr starts with the single `ERROR:` line (the message may continue on the lines Flyway's own
 * message has, e.g. `Offenders:`), at most one `Hint:`, no stack trace, no cause chain, not reported as a
 * godwit bug.
 */
function expectUserError(result: CliResult): string {
  expect(result.code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(1);
  expect(result.signal).toBeNull();
  expect(result.stderr).toMatch(/^ERROR: \S/);
  const lines = result.stderr.split(/\r?\n/);
  expect(lines.filter((line) => line.startsWith('ERROR:')), result.stderr).toHaveLength(1);
  expect(lines.filter((line) => line.startsWith('Hint:')).length, result.stderr).toBeLessThanOrEqual(1);
  expect(result.stderr + result.stdout).not.toMatch(STACK_LINE);
  expect(result.stderr).not.toContain('Caused by:');
  expect(result.stderr).not.toContain('Unexpected error');
  expect(result.stdout).not.toMatch(/^ERROR:/m);
  return lines[0]!;
}

describe('bad input without a database', () => {
  it('missing -url: names the url setting', async () => {
    const result = await runCli(['-user=postgres', 'migrate']);
    const error = expectUserError(result);
    expect(error).toMatch(/\burl\b/);
  });

  it('unsupported URL: lists the forms godwit understands', async () => {
    const result = await runCli(['-url=jdbc:oracle:thin:@x:1521:y', '-user=postgres', 'migrate']);
    const error = expectUserError(result);
    // Only the scheme is echoed: the rest of a URL godwit cannot parse may hold a password.
    expect(error).toBe('ERROR: Unsupported database URL: jdbc:oracle:thin:…');
    for (const form of ['jdbc:postgresql://host', 'jdbc:mysql://host', 'jdbc:mariadb://host']) expect(result.stderr).toContain(form);
  });

  it('unsupported URL: the listed forms are intact (redaction must not cut them)', async () => {
    const result = await runCli(['-url=jdbc:oracle:thin:@x:1521:y', '-user=postgres', 'migrate']);
    expectUserError(result);
    const forms = result.stderr.split(/\r?\n/).filter((line) => /^\s+\S+:/.test(line));
    expect(forms.length).toBeGreaterThanOrEqual(3);
    for (const form of forms) {
      // Every optional part that opens must close: `[?user=…&password=…]`.
      expect((form.match(/\[/g) ?? []).length, form).toBe((form.match(/\]/g) ?? []).length);
    }
  });

  it("-outputType=xml: Flyway's message", async () => {
    const result = await runCli(['-url=jdbc:postgresql://127.0.0.1:1/x', '-outputType=xml', 'info']);
    expect(expectUserError(result)).toBe("ERROR: 'xml' is an invalid value for the -outputType option. Use 'json'.");
  });

  it('unknown flag -foo=bar: Unknown configuration property, naming it', async () => {
    const result = await runCli(['-url=jdbc:postgresql://127.0.0.1:1/x', '-foo=bar', 'info']);
    const error = expectUserError(result);
    expect(error).toContain('Unknown configuration property');
    expect(error).toContain('foo');
  });

  it('invalid command migrat: an error naming it', async () => {
    const result = await runCli(['-url=jdbc:postgresql://127.0.0.1:1/x', 'migrat']);
    const error = expectUserError(result);
    expect(error).toContain('migrat');
    expect(result.stdout).not.toContain('Usage');
  });

  it('closed port: connection refused, fast', async () => {
    const started = performance.now();
    const result = await runCli([`-url=${CLOSED_PORT_URL}`, '-user=postgres', 'migrate'], { timeoutMs: 15_000 });
    expect(performance.now() - started).toBeLessThan(5000);
    const error = expectUserError(result);
    expect(error).toContain('connection refused');
    expect(error).toContain('127.0.0.1:1');
  });

  it('unknown host (*.invalid): a clear message naming the host, no hang', async () => {
    const started = performance.now();
    const result = await runCli(['-url=jdbc:postgresql://no-such-host.invalid:5432/x', '-user=postgres', 'migrate'], { timeoutMs: 18_000 });
    expect(result.signal, 'killed: godwit hung on an unknown host').toBeNull();
    expect(performance.now() - started).toBeLessThan(18_000);
    const error = expectUserError(result);
    expect(error).toContain('no-such-host.invalid');
    expect(error).toMatch(/unknown host|could not resolve|not found/i);
  }, 20_000);

  it('with -X a stack trace is printed (closed port)', async () => {
    const result = await runCli([`-url=${CLOSED_PORT_URL}`, '-user=postgres', '-X', 'migrate'], { timeoutMs: 15_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ERROR: .*connection refused/m);
    expect(result.stderr).toMatch(STACK_LINE);
  });

  describe('the password never appears in the output of a failing run', () => {
    const cases: Array<[string, string[], Record<string, string>]> = [
      ['-password', [`-url=${CLOSED_PORT_URL}`, '-user=postgres', `-password=${PASSWORD}`], {}],
      ['FLYWAY_PASSWORD', [`-url=${CLOSED_PORT_URL}`, '-user=postgres'], { FLYWAY_PASSWORD: PASSWORD }],
      ['?password= in the URL', [`-url=${CLOSED_PORT_URL}?user=postgres&password=${PASSWORD}`], {}],
      ['user:password@ in the URL', [`-url=postgresql://postgres:${PASSWORD}@127.0.0.1:1/x`], {}],
    ];

    it.each(cases)('%s', async (_name, args, env) => {
      for (const extra of [[], ['-X'], ['-outputType=json'], ['-X', '-outputType=json']]) {
        const result = await runCli([...args, ...extra, 'migrate'], { env, timeoutMs: 15_000 });
        expect(result.code, extra.join(' ')).toBe(1);
        expect(result.stdout + result.stderr, extra.join(' ')).toContain('refused');
        expect(result.stdout, extra.join(' ')).not.toContain(PASSWORD);
        expect(result.stderr, extra.join(' ')).not.toContain(PASSWORD);
      }
    });

    it('not even from an unsupported URL that embeds it (Oracle thin user/password@ form)', async () => {
      for (const extra of [[], ['-X']]) {
        const result = await runCli([`-url=jdbc:oracle:thin:scott/${PASSWORD}@dbhost:1521:orcl`, ...extra, 'migrate']);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('jdbc:oracle:thin:');
        expect(result.stdout + result.stderr, extra.join(' ')).not.toContain(PASSWORD);
      }
    });
  });
});

describe.each(DRIVERS)('bad input on $name', SUITE_OPTIONS, (driver) => {
  let db: Target;
  let root: string;

  function location(name: string, files: Record<string, string>): string {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
    return dir;
  }

  /** Flyway's own view of "applied": no migration row in the history, and no table a migration created. */
  async function expectNothingApplied(schema = 'public'): Promise<void> {
    const { rows } = await db.client.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [schema],
    );
    expect(rows.map((r) => r.relname).filter((name) => name !== 'flyway_schema_history')).toEqual([]);
    if (rows.some((r) => r.relname === 'flyway_schema_history')) {
      const history = await db.client.query(`SELECT version, type FROM "${schema}".flyway_schema_history WHERE type NOT IN ('SCHEMA')`);
      expect(history.rows).toEqual([]);
    }
  }

  function godwit(args: string[]): Promise<CliResult> {
    return db.cli(args);
  }

  let good: string;

  beforeAll(async () => {
    db = await driver.target('bad_input');
    root = mkdtempSync(join(tmpdir(), 'godwit-bad-input-'));
    good = location('good', { 'V1__Create_one.sql': 'CREATE TABLE one (id INT);\n' });
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  describe('missing location', () => {
    const missing = join(tmpdir(), 'godwit-no-such-location-7f3a');

    it('is skipped with a warning by default, and the other locations still run', async () => {
      const result = await godwit([`-locations=filesystem:${good},filesystem:${missing}`, '-schemas=skip_missing', 'migrate']);
      expect(result.code, result.stderr || result.stdout).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^WARNING: Skipping filesystem location: ?${missing}`, 'm'));
      expect(result.stdout).toContain('Successfully applied 1 migration to schema "skip_missing"');
    });

    it('with -failOnMissingLocations=true is an error naming it, and nothing is applied', async () => {
      const result = await godwit([`-locations=filesystem:${good},filesystem:${missing}`, '-failOnMissingLocations=true', 'migrate']);
      const error = expectUserError(result);
      expect(error).toContain(missing);
      expect(error).toMatch(/location/i);
      await expectNothingApplied();
    });
  });

  it('classpath:db/migration: an error that says to use filesystem:', async () => {
    const result = await godwit(['-locations=classpath:db/migration', 'migrate']);
    expectUserError(result);
    expect(result.stderr).toContain('classpath:db/migration');
    expect(result.stderr).toContain('filesystem:');
    await expectNothingApplied();
  });

  it.skipIf(isRoot)('unreadable migration file: an error naming it, nothing applied', async () => {
    const dir = location('unreadable', { 'V1__Create_one.sql': 'CREATE TABLE one (id INT);\n', 'V2__Secret.sql': 'CREATE TABLE two (id INT);\n' });
    chmodSync(join(dir, 'V2__Secret.sql'), 0o000);
    try {
      const result = await godwit([`-locations=filesystem:${dir}`, 'migrate']);
      const error = expectUserError(result);
      expect(error).toContain('V2__Secret.sql');
      await expectNothingApplied();
    } finally {
      chmodSync(join(dir, 'V2__Secret.sql'), 0o644);
    }
  });

  describe('invalid file name', () => {
    let dir: string;

    beforeAll(() => {
      dir = location('naming', { 'V1__Create_one.sql': 'CREATE TABLE one (id INT);\n', 'V2-Bad_name.sql': 'CREATE TABLE two (id INT);\n' });
    });

    it('with -validateMigrationNaming=true: Invalid SQL filenames found, naming the file; nothing applied', async () => {
      const result = await godwit([`-locations=filesystem:${dir}`, '-validateMigrationNaming=true', 'migrate']);
      const error = expectUserError(result);
      expect(error).toBe('ERROR: Invalid SQL filenames found:');
      expect(result.stderr).toContain('V2-Bad_name.sql');
      await expectNothingApplied();
    });

    it('without it: the two warnings, the valid file still runs', async () => {
      const result = await godwit([`-locations=filesystem:${dir}`, '-schemas=naming_warn', 'migrate']);
      expect(result.code, result.stderr || result.stdout).toBe(0);
      expect(result.stdout).toContain('WARNING: 1 SQL migrations were detected but not run because they did not follow the filename convention.');
      expect(result.stdout).toContain("WARNING: Set 'validateMigrationNaming' to true to fail fast and see a list of the invalid file names.");
      expect(result.stdout).toContain('Successfully applied 1 migration to schema "naming_warn"');
    });
  });

  it('duplicate version: Flyway\'s message naming both files; nothing applied', async () => {
    const dir = location('duplicate', { 'V1__a.sql': 'CREATE TABLE one (id INT);\n', 'V1__b.sql': 'CREATE TABLE two (id INT);\n' });
    const result = await godwit([`-locations=filesystem:${dir}`, 'migrate']);
    const error = expectUserError(result);
    expect(error).toBe('ERROR: Found more than one migration with version 1');
    expect(result.stderr).toMatch(/^Offenders:$/m);
    expect(result.stderr).toMatch(/^-> .*V1__a\.sql \(SQL\)$/m);
    expect(result.stderr).toMatch(/^-> .*V1__b\.sql \(SQL\)$/m);
    await expectNothingApplied();
  });

  it("unterminated string 'abc: an error naming the file and the line where it opened; nothing applied", async () => {
    const dir = location('unterminated_string', {
      'V1__Quote.sql': "CREATE TABLE one (id INT);\n\n-- a comment\nINSERT INTO one VALUES (1), ('abc);\nSELECT 1;\n",
    });
    const result = await godwit([`-locations=filesystem:${dir}`, 'migrate']);
    const error = expectUserError(result);
    expect(error).toContain('V1__Quote.sql');
    expect(error).toMatch(/\bline 4\b/);
    expect(error).toMatch(/unterminated|not closed/i);
    await expectNothingApplied();
  });

  it('unterminated dollar quote: an error naming the file and the line where it opened; nothing applied', async () => {
    const dir = location('unterminated_dollar', {
      'V1__Dollar.sql': 'CREATE TABLE one (id INT);\nCREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1;\nEND;\n$BODY$ LANGUAGE plpgsql;\n',
    });
    const result = await godwit([`-locations=filesystem:${dir}`, 'migrate']);
    const error = expectUserError(result);
    expect(error).toContain('V1__Dollar.sql');
    expect(error).toMatch(/\bline 2\b/);
    expect(error).toContain('$body$');
    await expectNothingApplied();
  });

  it("unknown placeholder: Flyway's message; nothing applied", async () => {
    const dir = location('placeholder', { 'V1__Grant.sql': 'CREATE TABLE one (id INT);\nGRANT SELECT ON one TO ${app_role};\n' });
    const result = await godwit([`-locations=filesystem:${dir}`, 'migrate']);
    const error = expectUserError(result);
    expect(error).toBe('ERROR: No value provided for placeholder: ${app_role}.  Check your configuration!');
    await expectNothingApplied();
  });

  it.runIf(driver.name === 'postgresql')('non-existent user: a clear authentication / role error naming the user', async () => {
    const result = await runCli([`-url=${db.url}`, '-user=nobody_here', `-locations=filesystem:${good}`, 'migrate'], { timeoutMs: 15_000 });
    const error = expectUserError(result);
    expect(error).toContain('nobody_here');
    expect(error).toMatch(/authentication|role/i);
    await expectNothingApplied();
  });
});
