/**
 * `undo -group=true` on PostgreSQL and PGlite, through the built CLI: every undo down to -target in one
 * transaction under one lock, so that a failing undo rolls back the ones before it too.
 */
import { describe, expect, it } from 'vitest';
import { useScenarios } from '../helpers/pg-scenarios.js';
import { DRIVERS, SUITE_OPTIONS } from '../helpers/drivers.js';
import { expectExit, expectNoStackTrace } from '../helpers/cli.js';

const MIGRATIONS = {
  'V1__Create_a.sql': 'CREATE TABLE a (id INT);\n',
  'U1__Create_a.sql': 'DROP TABLE a;\n',
  'V2__Create_b.sql': 'CREATE TABLE b (id INT);\n',
  'U2__Create_b.sql': 'DROP TABLE b;\n',
  'V3__Create_c.sql': 'CREATE TABLE c (id INT);\n',
  'U3__Create_c.sql': 'DROP TABLE c;\n',
};

describe.each(DRIVERS)('undo -group=true on $name', SUITE_OPTIONS, (driver) => {
  const scenarios = useScenarios(driver, 'undo_group');
  const { writeSet, godwit } = scenarios;

  async function history(schema: string): Promise<string[]> {
    const { rows } = await scenarios.db.client.query<{ r: string }>(
      `SELECT version || '|' || type AS r FROM "${schema}".flyway_schema_history WHERE type <> 'SCHEMA' ORDER BY installed_rank`,
    );
    return rows.map((r) => r.r);
  }

  it('undoes down to the target in one transaction', async () => {
    const dir = writeSet('ok', MIGRATIONS);
    expectExit(await godwit(dir, 'ug_ok', ['migrate']), 0);

    // The plan shows it: one BEGIN and one COMMIT around both undos.
    const plan = await godwit(dir, 'ug_ok', ['undo', '-group=true', '-target=2', '-dryRunOutput=-']);
    expectExit(plan, 0);
    expect(plan.stdout.match(/^BEGIN;$/gm)).toHaveLength(1);
    expect(plan.stdout).toMatch(/BEGIN;\nSELECT pg_advisory_xact_lock\(\d+\);\n[^]*DROP TABLE c;\n[^]*DROP TABLE b;\n[^]*COMMIT;\n/);

    const result = await godwit(dir, 'ug_ok', ['undo', '-group=true', '-target=2', '-outputType=json']);
    expectExit(result, 0);
    expect(JSON.parse(result.stdout)).toMatchObject({ migrationsUndone: 2, targetSchemaVersion: '1', undoneMigrations: [{ version: '3' }, { version: '2' }] });
    expect(result.stderr).toContain('Undoing migration of schema "ug_ok" to version 3 - Create c\nUndoing migration of schema "ug_ok" to version 2 - Create b\n');
    expect(await scenarios.tables('ug_ok')).toEqual(['a']);
    expect(await history('ug_ok')).toEqual(['1|SQL', '2|SQL', '3|SQL', '3|UNDO_SQL', '2|UNDO_SQL']);
  });

  it('rolls back every undo of the group when one fails, where undo without group keeps the ones before', async () => {
    const failing = { ...MIGRATIONS, 'U1__Create_a.sql': 'DROP TABLE a;\nSELECT * FROM no_such_table;\n' };
    const dir = writeSet('fail', failing);
    for (const schema of ['ug_fail', 'ug_each']) expectExit(await godwit(dir, schema, ['migrate']), 0);

    const grouped = await godwit(dir, 'ug_fail', ['undo', '-group=true', '-target=1']);
    expectExit(grouped, 1);
    expect(grouped.stdout).toContain('Undoing migration of schema "ug_fail" to version 2 - Create b');
    expect(grouped.stderr).toContain('ERROR: Undo of migration of schema "ug_fail" to version 1 - Create a failed! Changes successfully rolled back.');
    expect(grouped.stderr).toContain('Line       : 2');
    expectNoStackTrace(grouped);
    expect(await scenarios.tables('ug_fail')).toEqual(['a', 'b', 'c']);
    expect(await history('ug_fail')).toEqual(['1|SQL', '2|SQL', '3|SQL']);

    const each = await godwit(dir, 'ug_each', ['undo', '-target=1']);
    expectExit(each, 1);
    expect(await scenarios.tables('ug_each')).toEqual(['a']);
    expect(await history('ug_each')).toEqual(['1|SQL', '2|SQL', '3|SQL', '3|UNDO_SQL', '2|UNDO_SQL']);
  });

  it('refuses an undo file that cannot run in a transaction, rolling back the undos before it', async () => {
    const dir = writeSet('nontx', { ...MIGRATIONS, 'U2__Create_b.sql': '-- flyway:executeInTransaction=false\nDROP TABLE b;\n' });
    expectExit(await godwit(dir, 'ug_nontx', ['migrate']), 0);
    const result = await godwit(dir, 'ug_nontx', ['undo', '-group=true', '-target=1']);
    expectExit(result, 1);
    expect(result.stderr).toContain('ERROR: Undo migration U2__Create_b.sql cannot run in a transaction, so it cannot be applied with group=true.');
    expectNoStackTrace(result);
    expect(await scenarios.tables('ug_nontx')).toEqual(['a', 'b', 'c']);
    expect(await history('ug_nontx')).toEqual(['1|SQL', '2|SQL', '3|SQL']);
  });
});
