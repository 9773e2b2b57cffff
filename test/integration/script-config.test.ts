/**
 * Script configuration on PostgreSQL, through the built CLI (flyway-compat.md §10): `.conf`
 * files beside a script and `-- flyway:key=value` header lines, for executeInTransaction, encoding,
 * placeholderReplacement and shouldExecute. Each scenario works in a schema of its own.
 *
 * The suite runs on both drivers (test/helpers/drivers.ts), the PostgreSQL server and PGlite: every case
 * is the database's behaviour, none is server-only.
 */
import { describe, expect } from 'vitest';
import { useScenarios } from '../helpers/pg-scenarios.js';
import { flywayChecksum, type HistoryRow as FullHistoryRow } from '../helpers/output.js';
import { DRIVERS, scenarioIt, SUITE_OPTIONS } from '../helpers/drivers.js';
import { expectExit } from '../helpers/cli.js';

/** The columns these scenarios read. */
type HistoryRow = Pick<FullHistoryRow, 'version' | 'script' | 'checksum' | 'success'>;

describe.each(DRIVERS)('script configuration on $name', SUITE_OPTIONS, (driver) => {
  const it = scenarioIt(driver);
  const scenarios = useScenarios(driver, 'script_config');
  const { writeSet, godwit } = scenarios;

  async function rows(schema: string): Promise<HistoryRow[]> {
    const { rows: found } = await scenarios.db.client.query<HistoryRow>(
      `SELECT version, script, checksum, success FROM "${schema}".flyway_schema_history WHERE type <> 'SCHEMA' ORDER BY installed_rank`,
    );
    return found;
  }

  async function exists(qualified: string): Promise<boolean> {
    const { rows: found } = await scenarios.db.client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [qualified]);
    return found[0]!.found;
  }

  async function values(qualified: string): Promise<string[]> {
    const { rows: found } = await scenarios.db.client.query<{ v: string }>(`SELECT v FROM ${qualified} ORDER BY v`);
    return found.map((r) => r.v);
  }

  const FAILING = 'CREATE TABLE kept (id INT);\nSELECT * FROM no_such_table;\n';

  it('executeInTransaction=false in a .conf runs the script outside a transaction: a failure keeps what ran, with a failed row', async () => {
    const dir = writeSet('conf_tx', { 'V1__Half.sql': FAILING, 'V1__Half.sql.conf': '# no transaction\nexecuteInTransaction=false\n' });
    const result = await godwit(dir, 'sc_conf_tx', ['migrate']);
    expectExit(result, 1);
    expect(result.stdout).toContain('Migrating schema "sc_conf_tx" to version "1 - Half" [non-transactional]');
    expect(result.stderr).toContain('failed! Please restore backups and roll back database and code!');
    expect(await exists('sc_conf_tx.kept')).toBe(true);
    expect(await rows('sc_conf_tx')).toEqual([{ version: '1', script: 'V1__Half.sql', checksum: flywayChecksum(FAILING), success: false }]);
  });

  it('reads the same key from a -- flyway: header, which counts in the checksum', async () => {
    const text = `-- flyway:executeInTransaction=false\n${FAILING}`;
    const dir = writeSet('header_tx', { 'V1__Half.sql': text });
    expectExit(await godwit(dir, 'sc_header_tx', ['migrate']), 1);
    expect(await exists('sc_header_tx.kept')).toBe(true);
    expect(await rows('sc_header_tx')).toEqual([{ version: '1', script: 'V1__Half.sql', checksum: flywayChecksum(text), success: false }]);
  });

  it('lets the .conf file win over the header', async () => {
    const dir = writeSet('both_tx', { 'V1__Half.sql': `-- flyway:executeInTransaction=false\n${FAILING}`, 'V1__Half.sql.conf': 'executeInTransaction=true\n' });
    const result = await godwit(dir, 'sc_both_tx', ['migrate']);
    expectExit(result, 1);
    expect(result.stderr).toContain('Changes successfully rolled back.');
    expect(await exists('sc_both_tx.kept')).toBe(false);
    expect(await rows('sc_both_tx')).toEqual([]);
  });

  it('turns placeholder replacement off for one script, and reads each script in its own encoding', async () => {
    const latin1 = "CREATE TABLE enc (v TEXT);\nINSERT INTO enc VALUES ('café');\n";
    const header = `-- flyway:encoding=ISO-8859-1\nINSERT INTO enc VALUES ('crème');\n`;
    const dir = writeSet('mixed_settings', {
      'V1__Literal.sql': "CREATE TABLE lit (v TEXT);\nINSERT INTO lit VALUES ('${kept}');\n",
      'V1__Literal.sql.conf': 'placeholderReplacement=false\n',
      'V2__Replaced.sql': "INSERT INTO lit VALUES ('${tag}');\n",
      'V3__Latin1.sql': Buffer.from(latin1, 'latin1'),
      'V3__Latin1.sql.conf': 'encoding=ISO-8859-1\n',
      'V4__Header_latin1.sql': Buffer.from(header, 'latin1'),
    });
    const result = await godwit(dir, 'sc_settings', ['migrate', '-placeholders.tag=replaced']);
    expectExit(result, 0);
    expect(await values('sc_settings.lit')).toEqual(['${kept}', 'replaced']);
    expect(await values('sc_settings.enc')).toEqual(['café', 'crème']);
    // The checksum is computed on the decoded text, so it is the same as for the UTF-8 text.
    expect((await rows('sc_settings')).map((r) => r.checksum).slice(2)).toEqual([flywayChecksum(latin1), flywayChecksum(header)]);
    expectExit(await godwit(dir, 'sc_settings', ['validate', '-placeholders.tag=replaced']), 0);
  });

  it('skips a migration whose shouldExecute is false: no row, nothing run, and later runs stay valid', async () => {
    const dir = writeSet('should', {
      'V1__Always.sql': 'CREATE TABLE always (id INT);\n',
      'V2__Prod_only.sql': 'CREATE TABLE prod_only (id INT);\n',
      'V2__Prod_only.sql.conf': 'shouldExecute=${env}==prod\n',
      'V3__Not_dev.sql': '-- flyway:shouldExecute=${env}!=dev\nCREATE TABLE not_dev (id INT);\n',
      'V4__Last.sql': 'CREATE TABLE last (id INT);\n',
    });
    const result = await godwit(dir, 'sc_should', ['migrate', '-placeholders.env=dev']);
    expectExit(result, 0);
    expect(result.stdout).not.toContain('Prod only');
    expect((await rows('sc_should')).map((r) => r.version)).toEqual(['1', '4']);
    expect(await exists('sc_should.prod_only')).toBe(false);
    expect(await exists('sc_should.not_dev')).toBe(false);
    const again = await godwit(dir, 'sc_should', ['migrate', 'validate', '-placeholders.env=dev']);
    expectExit(again, 0);
    expect(again.stdout).toContain('Schema "sc_should" is up to date. No migration necessary.');
  });

  it('applies a shouldExecute migration when its expression holds', async () => {
    const dir = writeSet('should_true', {
      'V1__Prod_only.sql': 'CREATE TABLE prod_only (id INT);\n',
      'V1__Prod_only.sql.conf': 'shouldExecute=${env}==prod\n',
    });
    expectExit(await godwit(dir, 'sc_should_true', ['migrate', '-placeholders.env=prod']), 0);
    expect(await exists('sc_should_true.prod_only')).toBe(true);
  });

  it('refuses an unknown key by file and name before anything runs', async () => {
    const dir = writeSet('unknown', { 'V1__One.sql': 'CREATE TABLE one (id INT);\n', 'V1__One.sql.conf': 'executeInTransction=false\n' });
    const result = await godwit(dir, 'sc_unknown', ['migrate']);
    expectExit(result, 1);
    expect(result.stderr).toContain("ERROR: Unknown script configuration property 'executeInTransction' in V1__One.sql.conf");
    expect(result.stderr).toContain('Did you mean executeInTransaction?');
    expect(await exists('sc_unknown.one')).toBe(false);

    const header = writeSet('unknown_header', { 'V1__One.sql': '-- flyway:shouldExecut=true\nCREATE TABLE one (id INT);\n' });
    const fromHeader = await godwit(header, 'sc_unknown', ['migrate']);
    expectExit(fromHeader, 1);
    expect(fromHeader.stderr).toContain("ERROR: Unknown script configuration property 'shouldExecut' in V1__One.sql");
  });
});
