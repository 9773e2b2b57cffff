/**
 * On MySQL-family servers a small migration travels in one text behind a guard that fails, before
 * anything of the script runs, when the history has rows godwit has not seen. A row written in between
 * by a writer that takes no lock (here an afterEachMigrate callback, standing in for one) must stop it:
 * the migration that row records is neither run nor announced, and the next one still applies. A
 * migration that fails behind the guard is reported and recorded as it would be without it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, runCli } from '../helpers/cli.js';
import { createTestDatabase, requireMysqlServers, type TestDatabase } from '../helpers/mysql.js';
import { writeLocation } from '../helpers/locations.js';
import { flywayChecksum } from '../helpers/output.js';

const servers = await requireMysqlServers();

const TWO = 'CREATE TABLE two (id INT);\n';

/** Records V2 as applied, at rank 100, the first time it runs. */
const RECORD_TWO = `INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
SELECT 100, '2', 'two', 'SQL', 'V2__two.sql', ${flywayChecksum(TWO)}, 'someone', 0, 1 FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM flyway_schema_history WHERE version = '2');
`;

describe.each(servers)('a history that grew between two migrations on $label', (server) => {
  let db: TestDatabase;
  let root: string;

  beforeAll(async () => {
    db = await createTestDatabase(server, 'my_grew');
    root = mkdtempSync(join(tmpdir(), 'godwit-mysql-grew-'));
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function column(sql: string): Promise<string[]> {
    const [rows] = await db.client.query<RowDataPacket[]>(sql);
    return rows.map((row) => String(Object.values(row)[0]));
  }

  it('neither runs nor announces the migration recorded meanwhile, and applies the one after it', async () => {
    const schema = db.extraName('grew');
    const location = writeLocation(root, 'grew', {
      'V1__one.sql': 'CREATE TABLE one (id INT);\n',
      'V2__two.sql': TWO,
      'V3__three.sql': 'CREATE TABLE three (id INT);\n',
      'afterEachMigrate.sql': RECORD_TWO,
    });
    const result = await runCli([...db.args, location, `-schemas=${schema}`, 'migrate']);
    expectExit(result, 0);
    expect(result.stdout).toContain(`Migrating schema \`${schema}\` to version "1 - one"`);
    expect(result.stdout).toContain(`Migrating schema \`${schema}\` to version "3 - three"`);
    expect(result.stdout).not.toContain('to version "2 - two"');
    expect(await column(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name <> 'flyway_schema_history' ORDER BY 1`)).toEqual(['one', 'three']);
    expect(await column(`SELECT CONCAT(installed_rank, '|', COALESCE(version, '')) FROM \`${schema}\`.flyway_schema_history ORDER BY installed_rank`)).toEqual(['0|', '1|1', '100|2', '101|3']);
  });

  it('records a migration that fails behind the guard as failed, keeping what its DDL committed, with its line', async () => {
    const schema = db.extraName('fails');
    const location = writeLocation(root, 'fails', {
      'V1__one.sql': 'CREATE TABLE one (id INT);\n',
      'V2__two.sql': 'CREATE TABLE two (id INT);\n\nINSERT INTO nowhere VALUES (1);\n',
    });
    const result = await runCli([...db.args, location, `-schemas=${schema}`, 'migrate']);
    expectExit(result, 1);
    expect(result.stdout).toContain(`Migrating schema \`${schema}\` to version "2 - two"`);
    expect(result.stderr).toContain('V2__two.sql');
    expect(result.stderr).toMatch(/Line\s*:\s*3/);
    expect(await column(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name <> 'flyway_schema_history' ORDER BY 1`)).toEqual(['one', 'two']);
    expect(await column(`SELECT CONCAT(installed_rank, '|', version, '|', success) FROM \`${schema}\`.flyway_schema_history WHERE installed_rank > 0 ORDER BY installed_rank`)).toEqual(['1|1|1', '2|2|0']);
  });
});
