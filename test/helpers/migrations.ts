/** Factories for resolved files and history rows, shared by the pure engine tests. */
import type { AppliedMigration, ResolvedMigration } from '../../src/engine/types.js';
import { MigrationVersion } from '../../src/engine/version.js';

export const v = (s: string): MigrationVersion => MigrationVersion.parse(s);
export const INSTALLED_ON = new Date('2024-10-01T19:02:02Z');

export function vFile(version: string, extra: Partial<ResolvedMigration> = {}): ResolvedMigration {
  const description = extra.description ?? `v${version}`;
  return {
    kind: 'versioned',
    version: v(version),
    rawVersion: version,
    description,
    script: `V${version}__${description}.sql`,
    physicalPath: `/db/V${version}__${description}.sql`,
    type: 'SQL',
    checksum: 100,
    equivalentChecksum: null,
    ...extra,
  };
}

export function uFile(version: string, extra: Partial<ResolvedMigration> = {}): ResolvedMigration {
  return { ...vFile(version), kind: 'undo', type: 'UNDO_SQL', script: `U${version}__v${version}.sql`, physicalPath: `/db/U${version}__v${version}.sql`, checksum: 200, ...extra };
}

export function rFile(description: string, checksum = 300, equivalentChecksum: number | null = null): ResolvedMigration {
  return {
    kind: 'repeatable',
    version: null,
    rawVersion: '',
    description,
    script: `R__${description}.sql`,
    physicalPath: `/db/R__${description}.sql`,
    type: 'SQL',
    checksum,
    equivalentChecksum,
  };
}

export function vRow(rank: number, version: string, extra: Partial<AppliedMigration> = {}): AppliedMigration {
  return {
    installedRank: rank,
    version: v(version),
    description: `v${version}`,
    type: 'SQL',
    script: `V${version}__v${version}.sql`,
    checksum: 100,
    installedBy: 'alice',
    installedOn: INSTALLED_ON,
    executionTime: 7,
    success: true,
    ...extra,
  };
}

export function rRow(rank: number, description: string, checksum: number | null, extra: Partial<AppliedMigration> = {}): AppliedMigration {
  return { ...vRow(rank, '1'), version: null, description, script: `R__${description}.sql`, checksum, ...extra };
}

export const undoRow = (rank: number, version: string, extra: Partial<AppliedMigration> = {}): AppliedMigration =>
  vRow(rank, version, { type: 'UNDO_SQL', script: `U${version}__v${version}.sql`, checksum: 200, ...extra });
export const deleteRow = (of: AppliedMigration, rank: number): AppliedMigration => ({ ...of, installedRank: rank, type: 'DELETE', executionTime: 0 });
export const schemaRow = (rank = 0): AppliedMigration =>
  rRow(rank, '<< Flyway Schema Creation >>', null, { type: 'SCHEMA', script: '"app"', executionTime: 0 });
export const baselineRow = (rank: number, version: string): AppliedMigration =>
  vRow(rank, version, { type: 'BASELINE', description: '<< Flyway Baseline >>', script: '<< Flyway Baseline >>', checksum: null, executionTime: 0 });
