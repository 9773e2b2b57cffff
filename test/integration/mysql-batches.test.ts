/**
 * Scripts on MySQL-family servers go in multi-statement batches (MysqlDialect.executeBatch). What a user
 * must see regardless, through the built CLI: a statement the server refuses in the middle of a batch is
 * named with its file line, as when it ran alone, and nothing after it runs (DDL would commit itself, so
 * a table created after it must not exist); stored programs between DELIMITER lines and CALLs that
 * return results still work and are named; and SIGTERM stops a batch in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { expectExit, expectNoStackTrace } from '../helpers/cli.js';
import { requireMysqlServers, rowsOf as rows, useWorkspace, type TestDatabase } from '../helpers/mysql.js';
import { startCli } from '../helpers/pglite.js';

const servers = await requireMysqlServers();

/** `count` INSERTs into `table` from id `first`, one a line: some 60 bytes each, so 1000 fill about two batches. */
function inserts(table: string, first: number, count: number): string {
  let text = '';
  for (let id = first; id < first + count; id++) text += `INSERT INTO ${table} VALUES (${id}, 'row ${id} padding padding');\n`;
  return text;
}

describe.concurrent.each(servers)('batched scripts on $label', (server) => {
  const workspace = useWorkspace(server, 'godwit-mysql-batches-');

  const place = (name: string, files: Record<string, string>) => workspace.place('batch', name, files, 60_000);

  const tables = (db: TestDatabase) => rows(db, 'SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name');

  it('names the line of a statement refused deep inside a large script and runs nothing after it', async () => {
    // Line 1 creates the table, 2-3001 insert, 3002 commits them (DDL), 3003-6002 insert with a duplicate
    // key at 5003, and 6003 would create a table.
    const script =
      'CREATE TABLE big (id INT PRIMARY KEY, note VARCHAR(50));\n' +
      inserts('big', 1, 3000) +
      'CREATE TABLE marker (id INT);\n' +
      inserts('big', 3001, 2000) +
      "INSERT INTO big VALUES (17, 'again');\n" +
      inserts('big', 5001, 999) +
      'CREATE TABLE after_failure (id INT);\n';
    const { db, godwit } = await place('fail', { 'V1__Big.sql': script });
    const failed = await godwit(['migrate']);
    expectExit(failed, 1);
    expectNoStackTrace(failed);
    expect(failed.stderr).toContain('Line       : 5003');
    expect(failed.stderr).toContain("Statement  : INSERT INTO big VALUES (17, 'again')");
    expect(failed.stderr).toContain('Error Code : 1062');
    expect(failed.stderr).toContain('The database could not roll back: what ran before line 5003 stays applied.');
    // What the DDL at line 3002 committed stays; the rows after it roll back; nothing after 5003 ran.
    expect(await rows(db, 'SELECT count(*), min(id), max(id) FROM big')).toEqual(['3000|1|3000']);
    expect(await tables(db)).toEqual(['big', 'flyway_schema_history', 'marker']);
    expect(await rows(db, 'SELECT version, success FROM flyway_schema_history ORDER BY installed_rank')).toEqual(['1|0']);
  });

  it('applies a large script whole, every row in order', async () => {
    const { db, godwit } = await place('whole', { 'V1__Big.sql': `CREATE TABLE big (id INT PRIMARY KEY, note VARCHAR(50));\n${inserts('big', 1, 5000)}` });
    expectExit(await godwit(['migrate']), 0);
    expect(await rows(db, 'SELECT count(*), sum(id) FROM big')).toEqual([`5000|${(5000 * 5001) / 2}`]);
  });

  it('runs stored programs between DELIMITER lines and CALLs that return rows, and names a statement refused after them', async () => {
    const script = [
      'CREATE TABLE log (what VARCHAR(20));',
      'DELIMITER $$',
      'CREATE PROCEDURE note(what VARCHAR(20))',
      'BEGIN',
      '  INSERT INTO log VALUES (what);',
      '  SELECT what AS noted;',
      '  SELECT 2 AS second;',
      'END$$',
      'CREATE TRIGGER log_twice AFTER INSERT ON log FOR EACH ROW',
      'BEGIN',
      "  IF NEW.what = 'twice' THEN SET @twice = 1; END IF;",
      'END$$',
      'DELIMITER ;',
      "CALL note('one');",
      "CALL note('twice');",
      "INSERT INTO log VALUES ('three');",
      'INSERT INTO no_such_table VALUES (1);',
      "INSERT INTO log VALUES ('four');",
      '',
    ].join('\n');
    const { db, godwit } = await place('programs', { 'V1__Ok.sql': script.replace('INSERT INTO no_such_table VALUES (1);\n', '') });
    expectExit(await godwit(['migrate']), 0);
    expect(await rows(db, 'SELECT what FROM log')).toEqual(['one', 'twice', 'three', 'four']);
    expect(await rows(db, "SELECT routine_definition FROM information_schema.routines WHERE routine_schema = DATABASE() AND routine_name = 'note'")).toEqual([
      'BEGIN\n  INSERT INTO log VALUES (what);\n  SELECT what AS noted;\n  SELECT 2 AS second;\nEND',
    ]);

    const broken = await place('programs_fail', { 'V1__Breaks.sql': script });
    const failed = await broken.godwit(['migrate']);
    expectExit(failed, 1);
    expect(failed.stderr).toContain('Line       : 17');
    expect(failed.stderr).toContain('Statement  : INSERT INTO no_such_table VALUES (1)');
    expect(await rows(broken.db, 'SELECT count(*) FROM log')).toEqual(['0']);
  });

  it('names a CALL that fails after its procedure returned rows, last in its text, and keeps no row', async () => {
    const script = [
      'CREATE TABLE log (what VARCHAR(20));',
      'DELIMITER $$',
      'CREATE PROCEDURE boom()',
      'BEGIN',
      '  SELECT 1 AS first;',
      '  SELECT 2 AS second;',
      '  INSERT INTO no_such_table VALUES (1);',
      'END$$',
      'DELIMITER ;',
      "INSERT INTO log VALUES ('before');",
      'CALL boom();',
      "INSERT INTO log VALUES ('after');",
      '',
    ].join('\n');
    const { db, godwit } = await place('call_fails', { 'V1__Call.sql': script });
    const failed = await godwit(['migrate']);
    expectExit(failed, 1);
    expect(failed.stderr).toContain('Line       : 11');
    expect(failed.stderr).toContain('Statement  : CALL boom()');
    expect(await rows(db, 'SELECT count(*) FROM log')).toEqual(['0']);
  });
});

describe.each(servers.filter((server) => server.flavour === 'mariadb'))('SIGTERM during a batch on $label', (server) => {
  const workspace = useWorkspace(server, 'godwit-mysql-batch-cancel-');

  async function cancelWhile(db: TestDatabase, location: string, running: string): Promise<{ code: number | null; stderr: string; ms: number }> {
    const run = startCli([...db.args, location, 'migrate']);
    // Only this database's sessions: other test files run their own SLEEPs on the same server.
    const busy = async () => (await rows(db, 'SELECT info FROM information_schema.processlist WHERE db = DATABASE()')).some((row) => row.includes(running));
    for (let waited = 0; !(await busy()); waited += 50) {
      if (waited > 15_000) throw new Error(`timed out waiting for ${running}: ${run.stderr}`);
      await sleep(50);
    }
    const signalled = performance.now();
    process.kill(run.pid, 'SIGTERM');
    const result = await run.done;
    return { code: result.code, stderr: run.stderr, ms: performance.now() - signalled };
  }

  const history = (db: TestDatabase) => rows(db, 'SELECT version, success FROM flyway_schema_history ORDER BY installed_rank');

  it('stops at the statement it interrupts: nothing after it in the batch runs, its rows roll back', async () => {
    const db = await workspace.database('cancel_fails');
    const location = workspace.location('fails', {
      'V1__Table.sql': 'CREATE TABLE big (id BIGINT PRIMARY KEY, note VARCHAR(50));\n',
      'V2__Slow.sql': `${inserts('big', 1, 100)}INSERT INTO big SELECT seq + 1000, 'slow' FROM seq_1_to_1000000000;\n${inserts('big', 101, 100)}CREATE TABLE after_cancel (id INT);\n`,
    });
    const cancelled = await cancelWhile(db, location, 'seq_1_to_1000000000');
    expect(cancelled.code, cancelled.stderr).toBe(143);
    expect(cancelled.ms).toBeLessThan(5_000);
    expect(cancelled.stderr).toContain('migration V2__Slow.sql was cancelled part-way');
    expect(await rows(db, 'SELECT count(*) FROM big')).toEqual(['0']);
    expect(await rows(db, "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'after_cancel'")).toEqual(['0']);
    expect(await history(db)).toEqual(['1|1', '2|0']);
  });

  it('fails the migration when the interrupted statement returns normally (SLEEP) and the batch runs on', async () => {
    const db = await workspace.database('cancel_sleep');
    const location = workspace.location('sleeps', {
      'V1__Table.sql': 'CREATE TABLE big (id BIGINT PRIMARY KEY, note VARCHAR(50));\n',
      'V2__Slow.sql': `${inserts('big', 1, 100)}DO SLEEP(30);\n${inserts('big', 101, 100)}`,
    });
    const cancelled = await cancelWhile(db, location, 'SLEEP(30)');
    expect(cancelled.code, cancelled.stderr).toBe(143);
    expect(cancelled.ms).toBeLessThan(5_000);
    expect(cancelled.stderr).toContain('migration V2__Slow.sql was cancelled part-way');
    expect(await rows(db, 'SELECT count(*) FROM big')).toEqual(['0']);
    expect(await history(db)).toEqual(['1|1', '2|0']);
  });
});
