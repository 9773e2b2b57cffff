import { describe, expect, it } from 'vitest';
import { buildMigrationInfos } from '../../src/engine/info.js';
import type { RepairPlan } from '../../src/engine/repair-plan.js';
import { planRepair } from '../../src/engine/repair-plan.js';
import type { AppliedMigration, ResolvedMigration } from '../../src/engine/types.js';
import { parseIgnorePatterns } from '../../src/engine/validate.js';
import { vFile, rFile, vRow, rRow } from '../helpers/migrations.js';

function plan(resolved: ResolvedMigration[], applied: AppliedMigration[], patterns: string[] = []): RepairPlan {
  const infos = buildMigrationInfos(resolved, applied, { target: 'latest', outOfOrder: false });
  return planRepair(infos, resolved, parseIgnorePatterns(patterns));
}

const ranks = (rows: AppliedMigration[]): number[] => rows.map((r) => r.installedRank);

describe('planRepair', () => {
  it('does nothing for a history that matches its files', () => {
    expect(plan([vFile('1'), rFile('views', 300)], [vRow(1, '1'), rRow(2, 'views', 300)])).toEqual({ remove: [], markDeleted: [], align: [] });
  });

  it('removes failed rows, versioned and repeatable', () => {
    const result = plan([vFile('1'), vFile('2'), rFile('views', 300)], [vRow(1, '1'), rRow(3, 'views', 300, { success: false }), vRow(2, '2', { success: false })]);
    expect(ranks(result.remove)).toEqual([2, 3]);
    expect(result.markDeleted).toEqual([]);
  });

  it('marks missing and future rows deleted, but only removes failed ones', () => {
    const result = plan([vFile('1'), vFile('3')], [vRow(1, '1'), vRow(2, '2'), vRow(3, '2.5', { success: false }), vRow(4, '3'), vRow(5, '4'), vRow(6, '5', { success: false })]);
    expect(ranks(result.remove)).toEqual([3, 6]);
    expect(ranks(result.markDeleted)).toEqual([2, 5]);
  });

  it('marks the latest run of a removed repeatable deleted', () => {
    expect(ranks(plan([], [rRow(1, 'views', 1), rRow(2, 'views', 2)]).markDeleted)).toEqual([2]);
  });

  it('marks the previous run deleted when the failed latest run of a removed repeatable goes', () => {
    const result = plan([], [rRow(1, 'views', 1), rRow(2, 'views', 2, { success: false })]);
    expect(ranks(result.remove)).toEqual([2]);
    expect(ranks(result.markDeleted)).toEqual([1]);
  });

  it('leaves alone what the ignore patterns match', () => {
    const rows = [vRow(1, '1'), vRow(2, '2'), vRow(3, '4'), rRow(4, 'views', 1)];
    const files = [vFile('3')];
    expect(ranks(plan(files, rows).markDeleted)).toEqual([1, 2, 3, 4]);
    expect(ranks(plan(files, rows, ['*:future']).markDeleted)).toEqual([1, 2, 4]);
    expect(ranks(plan(files, rows, ['versioned:missing']).markDeleted)).toEqual([3, 4]);
    expect(ranks(plan(files, rows, ['*:missing', '*:future']).markDeleted)).toEqual([]);
  });

  it('never marks the schema marker, the baseline or already deleted rows', () => {
    const gone = vRow(2, '2');
    const rows = [
      rRow(0, '<< Flyway Schema Creation >>', 0, { type: 'SCHEMA', checksum: null }),
      vRow(1, '1', { type: 'BASELINE', description: '<< Flyway Baseline >>', checksum: null }),
      gone,
      { ...gone, installedRank: 3, type: 'DELETE' },
    ];
    expect(plan([vFile('3')], rows)).toEqual({ remove: [], markDeleted: [], align: [] });
  });

  it('realigns a versioned row to its file: checksum, description and type', () => {
    const rows = [vRow(1, '1', { checksum: 1 }), vRow(2, '2', { description: 'old' }), vRow(3, '3', { type: 'JDBC' }), vRow(4, '4')];
    const result = plan([vFile('1'), vFile('2'), vFile('3'), vFile('4')], rows);
    expect(result.align).toEqual([
      { applied: rows[0], description: 'v1', type: 'SQL', checksum: 100 },
      { applied: rows[1], description: 'v2', type: 'SQL', checksum: 100 },
      { applied: rows[2], description: 'v3', type: 'SQL', checksum: 100 },
    ]);
  });

  it('writes the description shortened as the table stores it, and leaves an already shortened one', () => {
    const long = 'x'.repeat(250);
    const stored = `${'x'.repeat(197)}...`;
    expect(plan([vFile('1', { description: long })], [vRow(1, '1', { description: stored })]).align).toEqual([]);
    const result = plan([vFile('1', { description: long })], [vRow(1, '1', { description: 'short' })]);
    expect(result.align.map((a) => a.description)).toEqual([stored]);
  });

  it('accepts the equivalent checksum on a versioned row', () => {
    expect(plan([vFile('1', { checksum: 5, equivalentChecksum: 100 })], [vRow(1, '1')]).align).toEqual([]);
  });

  it('realigns an undo row to its undo file', () => {
    const undo: ResolvedMigration = { ...vFile('2'), kind: 'undo', type: 'UNDO_SQL', script: 'U2__v2.sql', checksum: 222 };
    const undoRow = vRow(3, '2', { type: 'UNDO_SQL', script: 'U2__v2.sql', checksum: 1 });
    const result = plan([vFile('1'), vFile('2'), undo], [vRow(1, '1'), vRow(2, '2'), undoRow]);
    expect(result.align).toEqual([{ applied: undoRow, description: 'v2', type: 'UNDO_SQL', checksum: 222 }]);
  });

  it('keeps a baseline row as it is even when the file of its version differs', () => {
    const baseline = vRow(1, '1', { type: 'BASELINE', description: '<< Flyway Baseline >>', checksum: null });
    expect(plan([vFile('1', { checksum: 5 }), vFile('2')], [baseline, vRow(2, '2')]).align).toEqual([]);
  });

  it('moves a repeatable row that holds the raw-text checksum to the new one, every run of it', () => {
    const rows = [rRow(1, 'views', 7), rRow(2, 'views', 7)];
    const result = plan([rFile('views', 300, 7)], rows);
    expect(result.align).toEqual([
      { applied: rows[0], description: 'views', type: 'SQL', checksum: 300 },
      { applied: rows[1], description: 'views', type: 'SQL', checksum: 300 },
    ]);
  });

  it('leaves a changed repeatable for migrate to run again', () => {
    expect(plan([rFile('views', 300, 7)], [rRow(1, 'views', 8)]).align).toEqual([]);
    expect(plan([rFile('views', 300)], [rRow(1, 'views', 8)]).align).toEqual([]);
  });

  it('realigns the type of a repeatable whose checksum is current', () => {
    const row = rRow(1, 'views', 300, { type: 'JDBC' });
    expect(plan([rFile('views', 300)], [row]).align).toEqual([{ applied: row, description: 'views', type: 'SQL', checksum: 300 }]);
  });
});
