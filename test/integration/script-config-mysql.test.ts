/**
 * Script configuration on MySQL-family servers, through the built CLI (flyway-compat.md §10): the cases
 * script-config.test.ts proves on PostgreSQL. MySQL's DDL commits as it runs, so whether a script ran in
 * a transaction shows in rows: a failing transactional script takes the rows it inserted with it, a
 * non-transactional one keeps them.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { expectExit, expectNoStackTrace } from '../helpers/cli.js';
import { requireMysqlServers, useWorkspace, type TestDatabase } from '../helpers/mysql.js';
import { flywayChecksum } from '../helpers/output.js';

const servers = await requireMysqlServers();

describe.concurrent.each(servers)('script configuration on $label', (server) => {
  const workspace = useWorkspace(server, 'godwit-script-config-mysql-');

  const place = (name: string, files: Record<string, string | Buffer>) => workspace.place('sc', name, files, 30_000);

  async function query(db: TestDatabase, sql: string): Promise<Record<string, unknown>[]> {
    const [found] = await db.client.query<RowDataPacket[]>(sql);
    return found.map((r) => ({ ...r }));
  }

  async function history(db: TestDatabase): Promise<string[]> {
    return (await query(db, 'SELECT version, script, checksum, success FROM flyway_schema_history ORDER BY installed_rank')).map(
      (r) => `${String(r.version)}|${String(r.script)}|${String(r.checksum)}|${String(r.success)}`,
    );
  }

  async function tables(db: TestDatabase): Promise<string[]> {
    return (
      await query(db, "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'flyway_schema_history' ORDER BY 1")
    ).map((r) => String(r.t));
  }

  async function values(db: TestDatabase, table: string): Promise<string[]> {
    return (await query(db, `SELECT v FROM \`${table}\` ORDER BY v`)).map((r) => String(r.v));
  }

  const CREATE = 'CREATE TABLE kept (v VARCHAR(20));\n';
  const FAILING = "INSERT INTO kept VALUES ('inserted');\nSELECT * FROM no_such_table;\n";

  it('executeInTransaction=false in a .conf runs the script outside a transaction: a failure keeps the rows it inserted', async () => {
    const { db, godwit } = await place('conf_tx', { 'V1__Create.sql': CREATE, 'V2__Half.sql': FAILING, 'V2__Half.sql.conf': '# no transaction\nexecuteInTransaction=false\n' });
    const result = await godwit(['migrate']);
    expectExit(result, 1);
    expect(result.stdout).toContain(`Migrating schema \`${db.name}\` to version "2 - Half" [non-transactional]`);
    expect(result.stderr).toContain('failed! Please restore backups and roll back database and code!');
    expect(result.stderr).toContain('Line       : 2');
    expectNoStackTrace(result);
    expect(await values(db, 'kept')).toEqual(['inserted']);
    expect((await history(db)).slice(1)).toEqual([`2|V2__Half.sql|${flywayChecksum(FAILING)}|0`]);
  });

  it('without it, the same failing script takes its rows with it', async () => {
    const { db, godwit } = await place('default_tx', { 'V1__Create.sql': CREATE, 'V2__Half.sql': FAILING });
    const result = await godwit(['migrate']);
    expectExit(result, 1);
    expect(result.stdout).toContain(`Migrating schema \`${db.name}\` to version "2 - Half"\n`);
    expect(await values(db, 'kept')).toEqual([]);
  });

  it('reads the same key from a -- flyway: header, which counts in the checksum', async () => {
    const text = `-- flyway:executeInTransaction=false\n${FAILING}`;
    const { db, godwit } = await place('header_tx', { 'V1__Create.sql': CREATE, 'V2__Half.sql': text });
    const result = await godwit(['migrate']);
    expectExit(result, 1);
    expect(result.stdout).toContain('to version "2 - Half" [non-transactional]');
    expect(await values(db, 'kept')).toEqual(['inserted']);
    expect((await history(db)).slice(1)).toEqual([`2|V2__Half.sql|${flywayChecksum(text)}|0`]);
  });

  it('lets the .conf file win over the header', async () => {
    const { db, godwit } = await place('both_tx', {
      'V1__Create.sql': CREATE,
      'V2__Half.sql': `-- flyway:executeInTransaction=false\n${FAILING}`,
      'V2__Half.sql.conf': 'executeInTransaction=true\n',
    });
    const result = await godwit(['migrate']);
    expectExit(result, 1);
    expect(result.stdout).not.toContain('[non-transactional]');
    expect(await values(db, 'kept')).toEqual([]);
  });

  it('turns placeholder replacement off for one script, and reads each script in its own encoding', async () => {
    const latin1 = "CREATE TABLE enc (v VARCHAR(20) CHARACTER SET utf8mb4);\nINSERT INTO enc VALUES ('café');\n";
    const header = `-- flyway:encoding=ISO-8859-1\nINSERT INTO enc VALUES ('crème');\n`;
    const { db, godwit } = await place('mixed_settings', {
      'V1__Literal.sql': "CREATE TABLE lit (v VARCHAR(20));\nINSERT INTO lit VALUES ('${kept}');\n",
      'V1__Literal.sql.conf': 'placeholderReplacement=false\n',
      'V2__Replaced.sql': "INSERT INTO lit VALUES ('${tag}');\n",
      'V3__Latin1.sql': Buffer.from(latin1, 'latin1'),
      'V3__Latin1.sql.conf': 'encoding=ISO-8859-1\n',
      'V4__Header_latin1.sql': Buffer.from(header, 'latin1'),
    });
    const result = await godwit(['migrate', '-placeholders.tag=replaced']);
    expectExit(result, 0);
    expect(await values(db, 'lit')).toEqual(['${kept}', 'replaced']);
    expect(await values(db, 'enc')).toEqual(['café', 'crème']);
    const [{ bytes }] = (await query(db, "SELECT HEX(CONVERT(v USING utf8mb4)) AS bytes FROM enc WHERE v LIKE 'caf%'")) as [{ bytes: string }];
    expect(bytes).toBe(Buffer.from('café', 'utf8').toString('hex').toUpperCase());
    // The checksum is computed on the decoded text, so it is the same as for the UTF-8 text.
    expect((await history(db)).slice(2).map((r) => r.split('|')[2])).toEqual([String(flywayChecksum(latin1)), String(flywayChecksum(header))]);
    expectExit(await godwit(['validate', '-placeholders.tag=replaced']), 0);
  });

  it('skips a migration whose shouldExecute is false: no row, nothing run, and later runs stay valid', async () => {
    const { db, godwit } = await place('should', {
      'V1__Always.sql': 'CREATE TABLE always (id INT);\n',
      'V2__Prod_only.sql': 'CREATE TABLE prod_only (id INT);\n',
      'V2__Prod_only.sql.conf': 'shouldExecute=${env}==prod\n',
      'V3__Not_dev.sql': '-- flyway:shouldExecute=${env}!=dev\nCREATE TABLE not_dev (id INT);\n',
      'V4__Last.sql': 'CREATE TABLE last (id INT);\n',
    });
    const result = await godwit(['migrate', '-placeholders.env=dev']);
    expectExit(result, 0);
    expect(result.stdout).not.toContain('Prod only');
    expect((await history(db)).map((r) => r.split('|')[0])).toEqual(['1', '4']);
    expect(await tables(db)).toEqual(['always', 'last']);
    const again = await godwit(['migrate', 'validate', '-placeholders.env=dev']);
    expectExit(again, 0);
    expect(again.stdout).toContain(`Schema \`${db.name}\` is up to date. No migration necessary.`);
  });

  it('applies shouldExecute migrations when their expressions hold', async () => {
    const { db, godwit } = await place('should_true', {
      'V1__Prod_only.sql': 'CREATE TABLE prod_only (id INT);\n',
      'V1__Prod_only.sql.conf': 'shouldExecute=${env}==prod\n',
      'V2__Not_dev.sql': '-- flyway:shouldExecute=${env}!=dev\nCREATE TABLE not_dev (id INT);\n',
    });
    expectExit(await godwit(['migrate', '-placeholders.env=prod']), 0);
    expect(await tables(db)).toEqual(['not_dev', 'prod_only']);
    expect((await history(db)).map((r) => r.split('|')[0])).toEqual(['1', '2']);
  });

  it('refuses an unknown key by file and name before anything runs', async () => {
    const conf = await place('unknown', { 'V1__One.sql': 'CREATE TABLE one (id INT);\n', 'V1__One.sql.conf': 'executeInTransction=false\n' });
    const result = await conf.godwit(['migrate']);
    expectExit(result, 1);
    expect(result.stderr).toContain("ERROR: Unknown script configuration property 'executeInTransction' in V1__One.sql.conf");
    expect(result.stderr).toContain('Did you mean executeInTransaction?');
    expectNoStackTrace(result);
    expect(await tables(conf.db)).toEqual([]);

    const header = await place('unknown_header', { 'V1__One.sql': '-- flyway:shouldExecut=true\nCREATE TABLE one (id INT);\n' });
    const fromHeader = await header.godwit(['migrate']);
    expectExit(fromHeader, 1);
    expect(fromHeader.stderr).toContain("ERROR: Unknown script configuration property 'shouldExecut' in V1__One.sql");
    expect(await tables(header.db)).toEqual([]);
  });
});
