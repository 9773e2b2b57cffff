/**
 * `-dryRunOutput` on MySQL-family servers, through the built CLI: the dry run leaves the database as it
 * was, and its script, replayed by the `mariadb` client, reaches what a real migrate reaches. The script
 * names its database (history statements are qualified), so it is replayed on the database it was made
 * for, and compared with a second database that a real migrate filled.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult, expectExit } from '../helpers/cli.js';
import { flywayMysqlDdl, requireMysqlServers, useWorkspace, type MysqlServer, type TestDatabase } from '../helpers/mysql.js';

const servers = await requireMysqlServers();

const MIGRATIONS: Record<string, string> = {
  'V1__Accounts.sql': [
    'CREATE TABLE accounts (id INT PRIMARY KEY, owner VARCHAR(100) NOT NULL, balance DECIMAL(10, 2) NOT NULL DEFAULT 0);',
    "INSERT INTO accounts (id, owner) VALUES (1, 'O''Neill'), (2, 'Back\\\\slash'), (3, 'semi;colon');",
    '',
  ].join('\n'),
  'V2__Transfers.sql': [
    'CREATE TABLE transfers (id INT AUTO_INCREMENT PRIMARY KEY, source INT NOT NULL, target INT NOT NULL, amount DECIMAL(10, 2) NOT NULL);',
    '',
    'DELIMITER $$',
    'CREATE PROCEDURE transfer(IN a INT, IN b INT, IN amount DECIMAL(10, 2))',
    'BEGIN',
    '  UPDATE accounts SET balance = balance - amount WHERE id = a; -- debit',
    '  UPDATE accounts SET balance = balance + amount WHERE id = b;',
    '  INSERT INTO transfers (source, target, amount) VALUES (a, b, amount);',
    'END$$',
    '',
    'CREATE TRIGGER transfers_positive BEFORE INSERT ON transfers FOR EACH ROW',
    'BEGIN',
    "  IF NEW.amount <= 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'amount must be positive'; END IF;",
    'END$$',
    'DELIMITER ;',
    '',
    'CALL transfer(1, 2, ${opening});',
    '',
  ].join('\n'),
  'R__Balances.sql': 'CREATE OR REPLACE VIEW balances AS SELECT owner, balance FROM accounts;\n',
  'afterEachMigrate.sql': "INSERT INTO audit (note) VALUES ('migrated with ${opening}');\n",
  'beforeMigrate.sql': 'CREATE TABLE IF NOT EXISTS audit (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(100) NOT NULL);\n',
};

describe.each(servers)('-dryRunOutput on $label', (server: MysqlServer) => {
  const { database, location } = useWorkspace(server, 'godwit-dry-run-mysql-');
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'godwit-dry-run-mysql-plans-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function godwit(db: TestDatabase, args: string[]): Promise<CliResult> {
    return runCli([...db.args, location('sql', MIGRATIONS), '-placeholders.opening=25.50', ...args], { timeoutMs: 60_000 });
  }

  async function rows(db: TestDatabase, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    const [result] = await db.client.query<RowDataPacket[]>(sql, params);
    return result.map((row) => ({ ...row }));
  }

  /** The database's objects with their definitions, and the rows of its tables. */
  async function state(db: TestDatabase): Promise<Record<string, unknown>> {
    const tables = (await rows(db, "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'", [db.name])).map((r) => String(r.t));
    const contents: Record<string, unknown> = {};
    for (const table of tables.sort()) {
      contents[table] =
        table === 'flyway_schema_history'
          ? await rows(db, 'SELECT installed_rank, version, description, type, script, checksum, installed_by, success FROM flyway_schema_history ORDER BY installed_rank')
          : await rows(db, `SELECT * FROM \`${table}\` ORDER BY 1`);
    }
    return {
      contents,
      routines: await rows(db, 'SELECT routine_type, routine_name, routine_definition FROM information_schema.routines WHERE routine_schema = ? ORDER BY 2', [db.name]),
      triggers: await rows(db, 'SELECT trigger_name, action_statement FROM information_schema.triggers WHERE trigger_schema = ? ORDER BY 1', [db.name]),
      views: await rows(db, 'SELECT table_name FROM information_schema.views WHERE table_schema = ? ORDER BY 1', [db.name]),
    };
  }

  it('migrate: changes nothing, and the mariadb client replaying the script reaches what migrate reaches', async () => {
    const dry = await database('dry');
    const real = await database('real');
    const empty = await state(dry);
    expect(empty).toEqual({ contents: {}, routines: [], triggers: [], views: [] });

    const plan = join(root, 'migrate.sql');
    expectExit(await godwit(dry, ['migrate', `-dryRunOutput=${plan}`]), 0);
    expect(await state(dry)).toEqual(empty);

    const script = readFileSync(plan, 'utf8');
    const [createTable, createIndex] = flywayMysqlDdl(dry.name, server.flavour);
    expect(script).toContain(`${createTable};\n${createIndex};\n`);
    expect(script).toContain(`SELECT GET_LOCK('`);
    expect(script).toContain('-- Migrating schema `' + dry.name + '` to version "2 - Transfers"\n');
    // Routine bodies hold `;`: the client needs another delimiter around them.
    expect(script).toMatch(/DELIMITER (\S+)\nCREATE PROCEDURE transfer[^]*?END\1\nDELIMITER ;\n/);
    expect(script).toContain('CALL transfer(1, 2, 25.50);\n');
    expect(script).not.toContain('${');

    // --comments: by default the client strips comments, also from the routine bodies it stores.
    const replay = spawnSync('mariadb', ['--comments', '--default-character-set=utf8mb4', '-h', server.host, '-P', String(server.port), '-u', server.user, dry.name], {
      input: script,
      encoding: 'utf8',
      env: { ...process.env, MYSQL_PWD: server.password ?? '' },
    });
    expect(replay.status, `mariadb failed:\n${replay.stderr}`).toBe(0);

    expectExit(await godwit(real, ['migrate']), 0);
    const replayed = await state(dry);
    expect(replayed.contents).toHaveProperty('flyway_schema_history');
    expect((replayed.contents as Record<string, unknown[]>).flyway_schema_history).toHaveLength(3);
    expect(replayed).toEqual(await state(real));
    expectExit(await godwit(dry, ['validate']), 0);
  });

  it('creates a missing database in the script and switches to it only once it exists', async () => {
    const host = await database('host');
    const made = host.extraName('made');
    const plan = join(root, 'create.sql');
    expectExit(await godwit(host, [`-schemas=${made}`, 'migrate', `-dryRunOutput=${plan}`]), 0);
    expect(await rows(host, 'SELECT 1 FROM information_schema.schemata WHERE schema_name = ?', [made])).toEqual([]);
    const script = readFileSync(plan, 'utf8');
    expect(script.indexOf(`CREATE DATABASE \`${made}\`;\n`)).toBeGreaterThan(0);
    expect(script.indexOf(`USE \`${made}\`;\n`)).toBeGreaterThan(script.indexOf('CREATE DATABASE'));

    const replay = spawnSync('mariadb', ['--comments', '-h', server.host, '-P', String(server.port), '-u', server.user], {
      input: script,
      encoding: 'utf8',
      env: { ...process.env, MYSQL_PWD: server.password ?? '' },
    });
    expect(replay.status, `mariadb failed:\n${replay.stderr}`).toBe(0);
    const history = await rows(host, `SELECT type, script FROM \`${made}\`.flyway_schema_history ORDER BY installed_rank`);
    expect(history).toEqual([
      { type: 'SCHEMA', script: `\`${made}\`` },
      { type: 'SQL', script: 'V1__Accounts.sql' },
      { type: 'SQL', script: 'V2__Transfers.sql' },
      { type: 'SQL', script: 'R__Balances.sql' },
    ]);
    expectExit(await godwit(host, [`-schemas=${made}`, 'validate']), 0);
  });

  it('clean: changes nothing and writes the drops', async () => {
    const db = await database('clean');
    expectExit(await godwit(db, ['migrate']), 0);
    const before = await state(db);
    const result = await godwit(db, ['clean', '-cleanDisabled=false', '-dryRunOutput=-']);
    expectExit(result, 0);
    expect(await state(db)).toEqual(before);
    expect(result.stdout).toContain(`DROP PROCEDURE IF EXISTS \`${db.name}\`.\`transfer\`;\n`);
    expect(result.stdout).toContain('SET foreign_key_checks = 0;\n');
  });
});
