import { describe, expect, it } from 'vitest';
import { ConfigError, GodwitError } from '../../src/errors.js';
import type { InfoOptions, MigrationInfo } from '../../src/engine/info.js';
import { abbreviateDescription, baselineVersion, buildMigrationInfos, currentVersion, pendingMigrations } from '../../src/engine/info.js';
import type { AppliedMigration, ResolvedMigration } from '../../src/engine/types.js';
import { INSTALLED_ON, vFile, uFile, rFile, vRow, rRow, undoRow, deleteRow, schemaRow, baselineRow } from '../helpers/migrations.js';

const LATEST: InfoOptions = { target: 'latest', outOfOrder: false };

function build(resolved: ResolvedMigration[], applied: AppliedMigration[], options: Partial<InfoOptions> = {}): MigrationInfo[] {
  return buildMigrationInfos(resolved, applied, { ...LATEST, ...options });
}

/** category|version|description|state|undoable, one per info, in order. */
function summary(infos: MigrationInfo[]): string[] {
  return infos.map((i) => `${i.category}|${i.version?.text ?? ''}|${i.description}|${i.state}|${i.undoable}`);
}

function only(infos: MigrationInfo[], predicate: (i: MigrationInfo) => boolean): MigrationInfo {
  const found = infos.filter(predicate);
  expect(found).toHaveLength(1);
  return found[0] as MigrationInfo;
}

describe('buildMigrationInfos: files without rows', () => {
  it('returns nothing for nothing', () => {
    expect(build([], [])).toEqual([]);
  });

  it('lists pending versioned by version, then repeatables by description in UTF-16 order', () => {
    const infos = build([rFile('b'), vFile('10'), rFile('B'), vFile('9'), vFile('1.1'), rFile('a')], []);
    expect(summary(infos)).toEqual([
      'Versioned|1.1|v1.1|Pending|No',
      'Versioned|9|v9|Pending|No',
      'Versioned|10|v10|Pending|No',
      'Repeatable||B|Pending|',
      'Repeatable||a|Pending|',
      'Repeatable||b|Pending|',
    ]);
  });

  it('fills a file-only info from the file', () => {
    const file = vFile('1');
    const info = only(build([file], []), () => true);
    expect(info).toEqual({
      category: 'Versioned',
      version: file.version,
      description: 'v1',
      type: 'SQL',
      script: 'V1__v1.sql',
      state: 'Pending',
      installedOn: null,
      installedBy: null,
      executionTime: null,
      installedRank: null,
      undoable: 'No',
      resolved: file,
      undo: null,
      applied: null,
    });
  });

  it('marks a file below the last applied version Ignored, and Pending with outOfOrder', () => {
    const files = [vFile('1'), vFile('2'), vFile('3')];
    const rows = [vRow(1, '1'), vRow(2, '3')];
    expect(summary(build(files, rows))).toEqual(['Versioned|1|v1|Success|No', 'Versioned|2|v2|Ignored|No', 'Versioned|3|v3|Success|No']);
    expect(summary(build(files, rows, { outOfOrder: true }))).toEqual(['Versioned|1|v1|Success|No', 'Versioned|3|v3|Success|No', 'Versioned|2|v2|Pending|No']);
  });

  it('places an Ignored file just before the first row with a higher version, after repeatable rows before it', () => {
    const files = [vFile('1'), vFile('1.5'), vFile('1.7'), vFile('2'), vFile('3'), rFile('views')];
    const rows = [vRow(1, '1'), rRow(2, 'views', 300), vRow(3, '2'), vRow(4, '3')];
    expect(summary(build(files, rows))).toEqual([
      'Versioned|1|v1|Success|No',
      'Repeatable||views|Success|',
      'Versioned|1.5|v1.5|Ignored|No',
      'Versioned|1.7|v1.7|Ignored|No',
      'Versioned|2|v2|Success|No',
      'Versioned|3|v3|Success|No',
    ]);
  });
});

describe('buildMigrationInfos: rows', () => {
  it('matches a row with its file and takes the row fields, including its type', () => {
    const file = vFile('1');
    const row = vRow(1, '1', { type: 'JDBC', description: 'renamed', checksum: 5 });
    const info = only(build([file], [row]), () => true);
    expect(info).toEqual({
      category: 'Versioned',
      version: row.version,
      description: 'renamed',
      type: 'JDBC',
      script: 'V1__v1.sql',
      state: 'Success',
      installedOn: INSTALLED_ON,
      installedBy: 'alice',
      executionTime: 7,
      installedRank: 1,
      undoable: 'No',
      resolved: file,
      undo: null,
      applied: row,
    });
  });

  it('sorts rows by installed rank whatever order they come in', () => {
    const infos = build([vFile('1'), vFile('2')], [vRow(2, '2'), vRow(1, '1')]);
    expect(infos.map((i) => i.installedRank)).toEqual([1, 2]);
  });

  it('marks a row whose version is not above the running maximum Out of Order', () => {
    const infos = build([vFile('1'), vFile('2'), vFile('3')], [vRow(1, '1'), vRow(2, '3'), vRow(3, '2')]);
    expect(summary(infos)).toEqual(['Versioned|1|v1|Success|No', 'Versioned|3|v3|Success|No', 'Versioned|2|v2|Out of Order|No']);
  });

  it('calls a row without a file Missing below the highest file and Future above it, with failed variants', () => {
    const files = [vFile('1'), vFile('4')];
    const rows = [vRow(1, '1'), vRow(2, '2'), vRow(3, '3', { success: false }), vRow(4, '4'), vRow(5, '5'), vRow(6, '6', { success: false })];
    expect(summary(build(files, rows))).toEqual([
      'Versioned|1|v1|Success|No',
      'Versioned|2|v2|Missing|No',
      'Versioned|3|v3|Failed (Missing)|No',
      'Versioned|4|v4|Success|No',
      'Versioned|5|v5|Future|No',
      'Versioned|6|v6|Failed (Future)|No',
    ]);
  });

  it('counts undo files as resolved versions, as Flyway does, and calls a row at the highest one Future', () => {
    expect(summary(build([uFile('3')], [vRow(1, '2'), vRow(2, '3')]))).toEqual(['Versioned|2|v2|Missing|No', 'Versioned|3|v3|Future|Yes']);
  });

  it('calls every row Future when there are no versioned files', () => {
    expect(summary(build([], [vRow(1, '1')]))).toEqual(['Versioned|1|v1|Future|No']);
  });

  it('marks a failed row with a file Failed, and keeps the file from being pending', () => {
    const infos = build([vFile('1'), vFile('2'), uFile('2')], [vRow(1, '1'), vRow(2, '2', { success: false })]);
    expect(summary(infos)).toEqual(['Versioned|1|v1|Success|No', 'Versioned|2|v2|Failed|No']);
  });

  it('shows the schema marker as Success with a blank category', () => {
    const infos = build([vFile('1')], [schemaRow(0), vRow(1, '1')]);
    expect(summary(infos)).toEqual(['||<< Flyway Schema Creation >>|Success|', 'Versioned|1|v1|Success|No']);
    expect(infos[0]?.type).toBe('SCHEMA');
  });

  it('reads JDBC, SCRIPT, CUSTOM, UNDO_JDBC and UNDO_SCRIPT rows', () => {
    const rows = [vRow(1, '1', { type: 'JDBC' }), vRow(2, '2', { type: 'SCRIPT' }), vRow(3, '3', { type: 'CUSTOM' }), vRow(4, '3', { type: 'UNDO_JDBC' }), vRow(5, '2', { type: 'UNDO_SCRIPT' })];
    expect(summary(build([], rows))).toEqual([
      'Versioned|1|v1|Future|No',
      'Versioned|2|v2|Undone|',
      'Versioned|3|v3|Undone|',
      'Undo|3|v3|Future|',
      'Undo|2|v2|Future|',
    ]);
  });

  it('refuses an unknown row type, naming it and its rank', () => {
    const build7 = (): MigrationInfo[] => build([], [vRow(1, '1'), vRow(7, '2', { type: 'SPRING_JDBC' })]);
    expect(build7).toThrow(GodwitError);
    expect(build7).toThrow("Unknown migration type 'SPRING_JDBC' in the schema history row with installed_rank 7.");
    try {
      build7();
    } catch (error) {
      expect((error as GodwitError).code).toBe('UNKNOWN_MIGRATION_TYPE');
    }
  });
});

describe('buildMigrationInfos: repeatables', () => {
  it('marks the latest run Success when its checksum matches, older runs Superseded, and lists no pending file', () => {
    const infos = build([rFile('views', 2)], [rRow(1, 'views', 1), rRow(2, 'views', 2)]);
    expect(summary(infos)).toEqual(['Repeatable||views|Superseded|', 'Repeatable||views|Success|']);
  });

  it('accepts the equivalent (raw-text) checksum as a match', () => {
    const infos = build([rFile('views', 2, 9)], [rRow(1, 'views', 9)]);
    expect(summary(infos)).toEqual(['Repeatable||views|Success|']);
  });

  it('marks a changed repeatable Outdated and lists its file as Pending', () => {
    const file = rFile('views', 3);
    const infos = build([file, vFile('1')], [rRow(1, 'views', 1), rRow(2, 'views', 2)]);
    expect(summary(infos)).toEqual(['Repeatable||views|Superseded|', 'Repeatable||views|Outdated|', 'Versioned|1|v1|Pending|No', 'Repeatable||views|Pending|']);
    expect(infos[1]?.resolved).toBe(file);
    expect(infos[3]?.resolved).toBe(file);
  });

  it('runs a repeatable reverted to an older content again', () => {
    const infos = build([rFile('views', 1)], [rRow(1, 'views', 1), rRow(2, 'views', 2)]);
    expect(summary(infos)).toEqual(['Repeatable||views|Superseded|', 'Repeatable||views|Outdated|', 'Repeatable||views|Pending|']);
  });

  it('marks only the latest run of a removed repeatable Missing (or Failed (Missing))', () => {
    expect(summary(build([], [rRow(1, 'views', 1), rRow(2, 'views', 2)]))).toEqual(['Repeatable||views|Superseded|', 'Repeatable||views|Missing|']);
    expect(summary(build([], [rRow(1, 'views', 1), rRow(2, 'views', 2, { success: false })]))).toEqual([
      'Repeatable||views|Superseded|',
      'Repeatable||views|Failed (Missing)|',
    ]);
  });

  it('marks a failed latest run with a file Failed', () => {
    expect(summary(build([rFile('views', 2)], [rRow(1, 'views', 2, { success: false })]))).toEqual(['Repeatable||views|Failed|']);
  });
});

describe('buildMigrationInfos: baseline', () => {
  it('shows the baseline row, files below it and the file at it first', () => {
    const files = [vFile('1'), vFile('2'), vFile('3'), vFile('4')];
    const infos = build(files, [schemaRow(0), baselineRow(1, '3'), vRow(2, '4')]);
    expect(summary(infos)).toEqual([
      'Versioned|1|v1|Below Baseline|No',
      'Versioned|2|v2|Below Baseline|No',
      'Versioned|3|v3|Ignored (Baseline)|No',
      '||<< Flyway Schema Creation >>|Success|',
      '|3|<< Flyway Baseline >>|Baseline|No',
      'Versioned|4|v4|Success|No',
    ]);
  });

  it('only counts a BASELINE row among the first two rows', () => {
    const rows = [vRow(1, '1'), vRow(2, '2'), baselineRow(3, '5')];
    expect(baselineVersion(rows)).toBeNull();
    expect(baselineVersion([vRow(2, '2'), baselineRow(1, '5')])?.text).toBe('5');
    const infos = build([vFile('3')], rows);
    expect(summary(infos)).toEqual(['Versioned|1|v1|Missing|No', 'Versioned|2|v2|Missing|No', 'Versioned|3|v3|Ignored|No', '|5|<< Flyway Baseline >>|Baseline|No']);
  });
});

describe('buildMigrationInfos: target', () => {
  const files = [vFile('1'), vFile('2'), vFile('3'), rFile('views')];

  it('marks files above a version target Above Target and orders them with the pending ones', () => {
    expect(summary(build(files, [], { target: '2' }))).toEqual([
      'Versioned|1|v1|Pending|No',
      'Versioned|2|v2|Pending|No',
      'Versioned|3|v3|Above Target|No',
      'Repeatable||views|Pending|',
    ]);
  });

  it('reads current as the last applied version', () => {
    expect(summary(build(files, [vRow(1, '1')], { target: 'current' }))).toEqual([
      'Versioned|1|v1|Success|No',
      'Versioned|2|v2|Above Target|No',
      'Versioned|3|v3|Above Target|No',
      'Repeatable||views|Pending|',
    ]);
  });

  it('reads current on an empty history as below every version', () => {
    expect(summary(build(files, [], { target: 'CURRENT' })).map((s) => s.split('|')[3])).toEqual(['Above Target', 'Above Target', 'Above Target', 'Pending']);
  });

  it('reads next as the first pending migration only', () => {
    expect(summary(build(files, [vRow(1, '1')], { target: 'Next' }))).toEqual([
      'Versioned|1|v1|Success|No',
      'Versioned|2|v2|Pending|No',
      'Versioned|3|v3|Above Target|No',
      'Repeatable||views|Pending|',
    ]);
  });

  it('with next and outOfOrder, takes an older ignored file as the next one', () => {
    const infos = build([vFile('1'), vFile('2'), vFile('3'), vFile('4')], [vRow(1, '1'), vRow(2, '3')], { target: 'next', outOfOrder: true });
    expect(summary(infos)).toEqual(['Versioned|1|v1|Success|No', 'Versioned|3|v3|Success|No', 'Versioned|2|v2|Pending|No', 'Versioned|4|v4|Above Target|No']);
  });

  it('reads latest in any case as no target', () => {
    expect(summary(build(files, [], { target: 'LATEST' })).every((s) => s.includes('|Pending|'))).toBe(true);
  });

  it('rejects a target that is not a version', () => {
    expect(() => build(files, [], { target: 'v2' })).toThrow(ConfigError);
    expect(() => build(files, [], { target: 'v2' })).toThrow("Invalid target 'v2': use latest, current, next or a version such as 1.2.");
  });
});

describe('buildMigrationInfos: repair DELETE rows', () => {
  it('shows the DELETE row as Success with a blank category, and the row it marks as Deleted', () => {
    const missing = vRow(2, '2');
    const infos = build([vFile('1')], [vRow(1, '1'), missing, deleteRow(missing, 3)]);
    expect(summary(infos)).toEqual(['Versioned|1|v1|Success|No', 'Versioned|2|v2|Deleted|', '|2|v2|Success|']);
    expect(infos[2]?.type).toBe('DELETE');
  });

  it('lists the file of a deleted version as Pending again when it reappears', () => {
    const row2 = vRow(2, '2');
    const file2 = vFile('2');
    const infos = build([vFile('1'), file2], [vRow(1, '1'), row2, deleteRow(row2, 3)]);
    expect(summary(infos)).toEqual(['Versioned|1|v1|Success|No', 'Versioned|2|v2|Deleted|', '|2|v2|Success|', 'Versioned|2|v2|Pending|No']);
    expect(infos[3]?.resolved).toBe(file2);
  });

  it('marks a deleted repeatable run, and lists its reappearing file as Pending', () => {
    const run = rRow(2, 'views', 300);
    expect(summary(build([], [rRow(1, 'views', 1), run, deleteRow(run, 3)]))).toEqual([
      'Repeatable||views|Superseded|',
      'Repeatable||views|Deleted|',
      '||views|Success|',
    ]);
    expect(summary(build([rFile('views', 300)], [run, deleteRow(run, 3)]))).toEqual(['Repeatable||views|Deleted|', '||views|Success|', 'Repeatable||views|Pending|']);
  });

  it('marks the row applied again after a deletion separately', () => {
    const first = vRow(1, '1');
    const again = vRow(3, '1');
    const infos = build([vFile('1')], [first, deleteRow(first, 2), again, deleteRow(again, 4)]);
    expect(summary(infos)).toEqual(['Versioned|1|v1|Deleted|', '|1|v1|Success|', 'Versioned|1|v1|Deleted|', '|1|v1|Success|', 'Versioned|1|v1|Pending|No']);
  });

  it('no longer counts a deleted version as the last applied one', () => {
    const future = vRow(2, '5');
    const infos = build([vFile('1'), vFile('2')], [vRow(1, '1'), future, deleteRow(future, 3)]);
    expect(summary(infos)).toEqual(['Versioned|1|v1|Success|No', 'Versioned|5|v5|Deleted|', '|5|v5|Success|', 'Versioned|2|v2|Pending|No']);
  });

  it('refuses two DELETE rows for one applied migration', () => {
    const row = vRow(1, '1');
    expect(() => build([], [row, deleteRow(row, 2), deleteRow(row, 3)])).toThrow('Corrupted schema history: multiple delete entries for version 1');
  });

  it('ignores a failed DELETE row', () => {
    const row = vRow(1, '1');
    expect(summary(build([vFile('1')], [row, { ...deleteRow(row, 2), success: false }]))).toEqual(['Versioned|1|v1|Success|No', '|1|v1|Success|']);
  });
});

describe('buildMigrationInfos: undo', () => {
  const files = [vFile('1'), vFile('2'), uFile('1'), uFile('2')];

  it('marks the undone row Undone, shows the undo row, and offers the file again', () => {
    const infos = build(files, [vRow(1, '1'), vRow(2, '2'), undoRow(3, '2')]);
    expect(summary(infos)).toEqual(['Versioned|1|v1|Success|Yes', 'Versioned|2|v2|Undone|', 'Undo|2|v2|Success|', 'Versioned|2|v2|Pending|Yes']);
    expect(infos[2]?.resolved).toBe(files[3]);
    expect(infos[2]?.undo).toBeNull();
    expect(infos[0]?.undo).toBe(files[2]);
  });

  it('does not count a re-applied version as out of order, nor an undo row', () => {
    const infos = build(files, [vRow(1, '1'), vRow(2, '2'), undoRow(3, '2'), vRow(4, '2'), undoRow(5, '2'), vRow(6, '2')]);
    expect(summary(infos)).toEqual([
      'Versioned|1|v1|Success|Yes',
      'Versioned|2|v2|Undone|',
      'Undo|2|v2|Success|',
      'Versioned|2|v2|Undone|',
      'Undo|2|v2|Success|',
      'Versioned|2|v2|Success|Yes',
    ]);
  });

  it('never calls an undo row Out of Order, even below the last applied version', () => {
    const infos = build(files, [vRow(1, '1'), vRow(2, '2'), undoRow(3, '1', { checksum: 200 })]);
    expect(summary(infos)).toEqual(['Versioned|1|v1|Undone|', 'Versioned|1|v1|Ignored|Yes', 'Versioned|2|v2|Success|Yes', 'Undo|1|v1|Success|']);
  });

  it('undoes only versioned rows: not a baseline, not an earlier undo row', () => {
    const infos = build([vFile('2'), uFile('1'), uFile('2')], [baselineRow(1, '1'), undoRow(2, '1'), vRow(3, '2'), undoRow(4, '2'), undoRow(5, '2')]);
    expect(summary(infos)).toEqual([
      '|1|<< Flyway Baseline >>|Baseline|Yes',
      'Undo|1|v1|Success|',
      'Versioned|2|v2|Undone|',
      'Undo|2|v2|Success|',
      'Undo|2|v2|Success|',
      'Versioned|2|v2|Pending|Yes',
    ]);
  });

  it('leaves the row in place when the undo failed', () => {
    const infos = build(files, [vRow(1, '1'), vRow(2, '2'), undoRow(3, '2', { success: false })]);
    expect(summary(infos)).toEqual(['Versioned|1|v1|Success|Yes', 'Versioned|2|v2|Success|Yes', 'Undo|2|v2|Failed|']);
  });

  it('says No when there is no undo file or the migration failed', () => {
    const infos = build([vFile('1'), vFile('2'), uFile('2'), vFile('3'), uFile('3')], [vRow(1, '1'), vRow(2, '2', { success: false })]);
    expect(summary(infos)).toEqual(['Versioned|1|v1|Success|No', 'Versioned|2|v2|Failed|No', 'Versioned|3|v3|Pending|Yes']);
  });

  it('does not list undo files on their own', () => {
    expect(build([uFile('1')], [])).toEqual([]);
  });
});

describe('currentVersion', () => {
  it('is null for an empty or marker-only history', () => {
    expect(currentVersion(build([vFile('1')], []))).toBeNull();
    expect(currentVersion(build([vFile('1')], [schemaRow()]))).toBeNull();
  });

  it('is the highest applied version, not the last one applied', () => {
    const infos = build([vFile('1'), vFile('2'), vFile('3')], [vRow(1, '1'), vRow(2, '3'), vRow(3, '2')]);
    expect(currentVersion(infos)?.installedRank).toBe(2);
  });

  it('counts a failed migration, as Flyway does', () => {
    expect(currentVersion(build([vFile('1'), vFile('2')], [vRow(1, '1'), vRow(2, '2', { success: false })]))?.installedRank).toBe(2);
  });

  it('is the baseline after a baseline', () => {
    expect(currentVersion(build([], [baselineRow(1, '5')]))?.version?.text).toBe('5');
  });

  it('skips deleted and undone rows, deletion markers and undo rows', () => {
    const row3 = vRow(3, '3');
    const infos = build([vFile('1'), vFile('2'), uFile('2')], [vRow(1, '1'), vRow(2, '2'), row3, deleteRow(row3, 4), undoRow(5, '2')]);
    expect(currentVersion(infos)?.installedRank).toBe(1);
  });

  it('falls back to the latest applied repeatable', () => {
    const infos = build([rFile('a', 1), rFile('b', 2)], [schemaRow(0), rRow(1, 'b', 2), rRow(2, 'a', 1)]);
    expect(currentVersion(infos)?.installedRank).toBe(2);
  });
});

describe('pendingMigrations', () => {
  it('lists what migrate applies next: versioned by version, then repeatables, outdated ones included', () => {
    const files = [vFile('1'), vFile('2'), vFile('3'), vFile('4'), rFile('b', 5), rFile('a', 6)];
    const rows = [vRow(1, '1'), vRow(2, '3'), rRow(3, 'b', 4)];
    expect(summary(pendingMigrations(build(files, rows)))).toEqual(['Versioned|4|v4|Pending|No', 'Repeatable||a|Pending|', 'Repeatable||b|Pending|']);
    expect(summary(pendingMigrations(build(files, rows, { outOfOrder: true })))).toEqual([
      'Versioned|2|v2|Pending|No',
      'Versioned|4|v4|Pending|No',
      'Repeatable||a|Pending|',
      'Repeatable||b|Pending|',
    ]);
  });

  it('leaves out files above the target', () => {
    expect(summary(pendingMigrations(build([vFile('1'), vFile('2')], [], { target: '1' })))).toEqual(['Versioned|1|v1|Pending|No']);
  });
});

describe('abbreviateDescription', () => {
  it('keeps 200 characters and cuts longer ones to 197 plus ...', () => {
    expect(abbreviateDescription('x'.repeat(200))).toBe('x'.repeat(200));
    expect(abbreviateDescription('x'.repeat(201))).toBe(`${'x'.repeat(197)}...`);
  });
});
