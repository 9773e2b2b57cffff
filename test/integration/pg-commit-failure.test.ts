/**
 * A migration whose COMMIT fails (a deferred constraint it broke) on PostgreSQL and PGlite. On the
 * server godwit holds each COMMIT back to travel with the next migration's lock and history read, so the
 * refusal arrives with the next migration's round trip, or with the last flush: either way it must be
 * reported as the failure of the migration it would have committed, which rolled back, and nothing of
 * the next one may run. PGlite and the session lock commit alone, and must report it the same way.
 */
import { describe, expect, it } from 'vitest';
import { useScenarios } from '../helpers/pg-scenarios.js';
import { DRIVERS, SUITE_OPTIONS } from '../helpers/drivers.js';
import { expectExit, expectNoStackTrace } from '../helpers/cli.js';

const PARENT = 'CREATE TABLE parent (id INT PRIMARY KEY);\nCREATE TABLE child (id INT PRIMARY KEY, parent_id INT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);\n';
const ORPHAN = 'INSERT INTO child VALUES (1, 42);\n';

describe.each(DRIVERS)('a refused COMMIT on $name', SUITE_OPTIONS, (driver) => {
  const scenarios = useScenarios(driver, 'commit_failure');
  const { writeSet, godwit } = scenarios;

  async function state(schema: string): Promise<{ history: string[]; tables: string[]; children: number }> {
    const client = scenarios.db.client;
    const history = await client.query<{ r: string }>(`SELECT installed_rank || '|' || coalesce(version, '') || '|' || CASE WHEN success THEN 't' ELSE 'f' END AS r FROM "${schema}".flyway_schema_history ORDER BY installed_rank`);
    const children = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".child`);
    return { history: history.rows.map((r) => r.r), tables: await scenarios.tables(schema), children: children.rows[0]!.n };
  }

  function expectCommitFailure(stderr: string, dir: string): void {
    expect(stderr).toContain('Migration of schema "cf_');
    expect(stderr).toContain('to version "2 - orphan" failed! Changes successfully rolled back.');
    expect(stderr).toContain('Migration V2__orphan.sql failed');
    expect(stderr).toContain('SQL State  : 23503');
    expect(stderr).toContain(`Location   : V2__orphan.sql (${dir}/V2__orphan.sql)`);
    expect(stderr).toContain('Statement  : COMMIT');
    expect(stderr).not.toContain('Line       :');
    expect(stderr).not.toContain('Migrating schema "cf_mid" to version "3');
  }

  it('fails the migration it would have committed when the next one follows, and runs nothing of that one', async () => {
    const dir = writeSet('mid', { 'V1__parent.sql': PARENT, 'V2__orphan.sql': ORPHAN, 'V3__after.sql': 'CREATE TABLE after_it (id INT);\n' });
    const result = await godwit(dir, 'cf_mid', ['migrate']);
    expectExit(result, 1);
    expectNoStackTrace(result);
    expectCommitFailure(result.stderr, dir);
    expect(await state('cf_mid')).toEqual({ history: ['0||t', '1|1|t'], tables: ['child', 'parent'], children: 0 });

    // What did get applied, and the failure, as Flyway's JSON shows them.
    const json = await godwit(dir, 'cf_mid', ['migrate', '-outputType=json']);
    expectExit(json, 1);
    const parsed = JSON.parse(json.stdout) as { migrationsExecuted: number; error: { errorCode: string; path: string; lineNumber: number | null; sqlState: string } };
    expect(parsed).toMatchObject({ migrationsExecuted: 0, error: { errorCode: 'FAILED_VERSIONED_MIGRATION', path: `${dir}/V2__orphan.sql`, lineNumber: null, sqlState: '23503' } });

    writeSet('mid', { 'V2__orphan.sql': 'INSERT INTO parent VALUES (42);\nINSERT INTO child VALUES (1, 42);\n' });
    expectExit(await godwit(dir, 'cf_mid', ['migrate']), 0);
    expect(await state('cf_mid')).toEqual({ history: ['0||t', '1|1|t', '2|2|t', '3|3|t'], tables: ['after_it', 'child', 'parent'], children: 1 });
  });

  it('fails the last migration when its COMMIT goes alone, and reports the ones before it as applied', async () => {
    const dir = writeSet('last', { 'V1__parent.sql': PARENT, 'V2__orphan.sql': ORPHAN });
    const result = await godwit(dir, 'cf_last', ['migrate', '-outputType=json']);
    expectExit(result, 1);
    const parsed = JSON.parse(result.stdout) as { error: { message: string } };
    expectCommitFailure(`${result.stderr}\n${parsed.error.message}`, dir);
    expect(parsed).toMatchObject({ migrationsExecuted: 1, migrations: [{ version: '1' }], success: false, error: { sqlState: '23503' } });
    expect(await state('cf_last')).toEqual({ history: ['0||t', '1|1|t'], tables: ['child', 'parent'], children: 0 });
  });

  it('reports it the same way with a session lock, where each COMMIT goes alone', async () => {
    const dir = writeSet('session', { 'V1__parent.sql': PARENT, 'V2__orphan.sql': ORPHAN, 'V3__after.sql': 'CREATE TABLE after_it (id INT);\n' });
    const result = await godwit(dir, 'cf_session', ['migrate', '-postgresql.transactional.lock=false']);
    expectExit(result, 1);
    expectCommitFailure(result.stderr, dir);
    expect(await state('cf_session')).toEqual({ history: ['0||t', '1|1|t'], tables: ['child', 'parent'], children: 0 });
  });
});
