/**
 * info lists a migration whose shouldExecute is false and that never ran, as Flyway Teams does, instead of
 * hiding it; `-outputType=json` carries its expression. migrate and validate still leave it alone.
 */
import { describe, expect, it } from 'vitest';
import { useScenarios } from '../helpers/pg-scenarios.js';
import { infoRows } from '../helpers/output.js';
import { DRIVERS, SUITE_OPTIONS } from '../helpers/drivers.js';
import { expectExit } from '../helpers/cli.js';

interface JsonInfo {
  migrations: { version: string; description: string; state: string; shouldExecuteExpression: string; undoable: string }[];
}

function versioned(info: JsonInfo): JsonInfo['migrations'] {
  return info.migrations.filter((m) => m.version !== '');
}

describe.each(DRIVERS)('info and shouldExecute on $name', SUITE_OPTIONS, (driver) => {
  const { writeSet, godwit } = useScenarios(driver, 'info_should');

  it('shows a migration that should not execute as Ignored, with its expression, until the expression holds', async () => {
    const dir = writeSet('should', {
      'V1__Always.sql': 'CREATE TABLE always (id INT);\n',
      'V2__Prod_only.sql': '-- flyway:shouldExecute=${env}==prod\nCREATE TABLE prod_only (id INT);\n',
      'V3__Next.sql': 'CREATE TABLE next (id INT);\n',
      'V4__Prod_later.sql': 'CREATE TABLE prod_later (id INT);\n',
      'V4__Prod_later.sql.conf': 'shouldExecute=${env}==prod\n',
      'U4__Prod_later.sql': 'DROP TABLE prod_later;\n',
    });
    const dev = ['-placeholders.env=dev'];
    expectExit(await godwit(dir, 'is_main', ['migrate', ...dev]), 0);

    const text = await godwit(dir, 'is_main', ['info', ...dev]);
    expectExit(text, 0);
    // The schema-creation marker (no version) is not what this test is about.
    expect(infoRows(text.stdout).filter((r) => r.version !== '').map((r) => `${r.version}|${r.state}`)).toEqual(['1|Success', '2|Ignored', '3|Success', '4|Ignored']);

    const json = JSON.parse((await godwit(dir, 'is_main', ['info', '-outputType=json', ...dev])).stdout) as JsonInfo;
    expect(versioned(json).map((m) => [m.version, m.state, m.shouldExecuteExpression])).toEqual([
      ['1', 'Success', ''],
      ['2', 'Ignored', 'dev==prod'],
      ['3', 'Success', ''],
      ['4', 'Ignored', 'dev==prod'],
    ]);
    // Listing them does not make validate or migrate treat them as ignored migrations to complain about.
    expectExit(await godwit(dir, 'is_main', ['validate', ...dev]), 0);

    // Once the expression holds they are due like any other: V2 below the applied V3 needs outOfOrder.
    const prod = JSON.parse((await godwit(dir, 'is_main', ['info', '-outputType=json', '-placeholders.env=prod'])).stdout) as JsonInfo;
    expect(versioned(prod).map((m) => [m.version, m.state, m.shouldExecuteExpression])).toEqual([
      ['1', 'Success', ''],
      ['2', 'Ignored', 'prod==prod'],
      ['3', 'Success', ''],
      ['4', 'Pending', 'prod==prod'],
    ]);
    expectExit(await godwit(dir, 'is_main', ['migrate', '-placeholders.env=prod', '-outOfOrder=true']), 0);
    const applied = JSON.parse((await godwit(dir, 'is_main', ['info', '-outputType=json', '-placeholders.env=prod'])).stdout) as JsonInfo;
    expect(versioned(applied).map((m) => `${m.version}|${m.state}|${m.shouldExecuteExpression}`)).toEqual([
      '1|Success|',
      '3|Success|',
      '2|Out of Order|prod==prod',
      '4|Success|prod==prod',
    ]);
  });
});
