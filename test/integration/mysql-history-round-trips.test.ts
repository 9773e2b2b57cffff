/**
 * On MySQL-family servers godwit sends a migration's history row as literal SQL together with its
 * COMMIT (one round trip fewer). The row must still be Flyway's, value for value, with text a literal
 * could get wrong: quotes, backslashes (read differently under NO_BACKSLASH_ESCAPES), and `?` in the
 * table name, which a placeholder-filling step would take for a parameter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, requireMysqlServers, type TestDatabase } from '../helpers/mysql.js';
import { writeLocation } from '../helpers/locations.js';
import { flywayChecksum } from '../helpers/output.js';

const servers = await requireMysqlServers();

const FIRST = "CREATE TABLE it_s (note VARCHAR(20) DEFAULT 'a''b');";
const SECOND = 'CREATE TABLE two (id INT);';

describe.each(servers)('history rows written with the COMMIT on $label', (server) => {
  let db: TestDatabase;
  let root: string;
  const table = 'hist?_\\x';

  beforeAll(async () => {
    db = await createTestDatabase(server, 'my_round_trips');
    root = mkdtempSync(join(tmpdir(), 'godwit-mysql-round-trips-'));
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it.each([
    ['the default sql_mode', 'plain', []],
    ['NO_BACKSLASH_ESCAPES', 'nobackslash', ["-initSql=SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')"]],
  ])('writes quotes, backslashes and ? exactly under %s', async (_mode, suffix, extra) => {
    const schema = db.extraName(suffix);
    const location = writeLocation(root, suffix, { "V1__it's_a\\path_?.sql": `${FIRST}\n`, 'V2__two.sql': `${SECOND}\n` });
    const result = await runCli([...db.args, location, `-schemas=${schema}`, `-table=${table}`, ...extra, 'migrate']);
    expect(result.code, result.stdout + result.stderr).toBe(0);

    const [rows] = await db.client.query<RowDataPacket[]>(
      `SELECT installed_rank, version, description, type, script, checksum, installed_by, success FROM \`${schema}\`.\`${table}\` WHERE installed_rank > 0 ORDER BY installed_rank`,
    );
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { installed_rank: 1, version: '1', description: "it's a\\path ?", type: 'SQL', script: "V1__it's_a\\path_?.sql", checksum: flywayChecksum(FIRST), installed_by: server.user, success: 1 },
      { installed_rank: 2, version: '2', description: 'two', type: 'SQL', script: 'V2__two.sql', checksum: flywayChecksum(SECOND), installed_by: server.user, success: 1 },
    ]);
  });
});
