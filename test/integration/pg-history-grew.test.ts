/**
 * On the server a small migration travels right behind its lock and history read, and a guard in the
 * database lets it run only while the history is as godwit last saw it. A row written in between by a
 * writer that takes no lock (here an afterEachMigrate callback, standing in for one) must stop it: the
 * migration that row records is neither run again nor announced, and the next one still applies.
 * PGlite reads the history first, and must end the same way.
 */
import { describe, expect, it } from 'vitest';
import { useScenarios } from '../helpers/pg-scenarios.js';
import { DRIVERS, SUITE_OPTIONS } from '../helpers/drivers.js';
import { expectExit } from '../helpers/cli.js';
import { flywayChecksum } from '../helpers/output.js';

const TWO = 'CREATE TABLE two (id INT);\n';

/** Records V2 as applied, at rank 100, the first time it runs. */
const RECORD_TWO = `INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
SELECT 100, '2', 'two', 'SQL', 'V2__two.sql', ${flywayChecksum(TWO)}, current_user, 0, true
WHERE NOT EXISTS (SELECT 1 FROM flyway_schema_history WHERE version = '2');
`;

describe.each(DRIVERS)('a history that grew between two migrations on $name', SUITE_OPTIONS, (driver) => {
  const scenarios = useScenarios(driver, 'history_grew');

  it('neither runs nor announces the migration recorded meanwhile, and applies the one after it', async () => {
    const dir = scenarios.writeSet('grew', {
      'V1__one.sql': 'CREATE TABLE one (id INT);\n',
      'V2__two.sql': TWO,
      'V3__three.sql': 'CREATE TABLE three (id INT);\n',
      'afterEachMigrate.sql': RECORD_TWO,
    });
    const result = await scenarios.godwit(dir, 'grew', ['migrate']);
    expectExit(result, 0);
    expect(await scenarios.tables('grew')).toEqual(['one', 'three']);
    expect(result.stdout).toContain('Migrating schema "grew" to version "1 - one"');
    expect(result.stdout).toContain('Migrating schema "grew" to version "3 - three"');
    expect(result.stdout).not.toContain('to version "2 - two"');
    const history = await scenarios.db.client.query<{ r: string }>(
      "SELECT installed_rank || '|' || coalesce(version, '') AS r FROM grew.flyway_schema_history ORDER BY installed_rank",
    );
    expect(history.rows.map((row) => row.r)).toEqual(['0|', '1|1', '100|2', '101|3']);
  });
});
