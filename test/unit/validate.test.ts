import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import type { ValidationFinding } from '../../src/errors.js';
import type { InfoOptions, MigrationInfo } from '../../src/engine/info.js';
import { buildMigrationInfos } from '../../src/engine/info.js';
import type { AppliedMigration, ResolvedMigration } from '../../src/engine/types.js';
import type { ValidatePattern } from '../../src/engine/validate.js';
import { matchesIgnorePattern, parseIgnorePatterns, validateMigrations } from '../../src/engine/validate.js';
import { vFile, rFile, vRow, rRow } from '../helpers/migrations.js';

function infos(resolved: ResolvedMigration[], applied: AppliedMigration[], options: Partial<InfoOptions> = {}): MigrationInfo[] {
  return buildMigrationInfos(resolved, applied, { target: 'latest', outOfOrder: false, ...options });
}

const VALIDATE = { pendingIsError: true };
const MIGRATE = { pendingIsError: false };

function messages(findings: ValidationFinding[]): string[] {
  return findings.map((f) => f.message);
}

function codes(findings: ValidationFinding[]): string[] {
  return findings.map((f) => f.code);
}

function validate(resolved: ResolvedMigration[], applied: AppliedMigration[], patterns: string[] = [], options = VALIDATE): ValidationFinding[] {
  return validateMigrations(infos(resolved, applied), parseIgnorePatterns(patterns), options);
}

describe('parseIgnorePatterns', () => {
  it('reads type:state, trimmed and in any case, skipping blank entries', () => {
    expect(parseIgnorePatterns(['*:future', ' Versioned : MISSING ', '', 'repeatable:*', '*:ignored', '*:pending'])).toEqual([
      { type: '*', state: 'future' },
      { type: 'versioned', state: 'missing' },
      { type: 'repeatable', state: '*' },
      { type: '*', state: 'ignored' },
      { type: '*', state: 'pending' },
    ]);
  });

  it.each([['missing'], ['*:'], ['a:b:c'], [':']])('rejects %j as not of the form type:state', (pattern) => {
    expect(() => parseIgnorePatterns([pattern])).toThrow(ConfigError);
    expect(() => parseIgnorePatterns([pattern])).toThrow(`Invalid pattern '${pattern}'. Pattern must be of the form <migration_type>:<migration_state>`);
  });

  it('names an unknown type or state', () => {
    expect(() => parseIgnorePatterns(['baseline:missing'])).toThrow("Invalid migration type 'baseline'. Valid types are: [*, repeatable, versioned]");
    expect(() => parseIgnorePatterns([':missing'])).toThrow("Invalid migration type ''. Valid types are: [*, repeatable, versioned]");
    expect(() => parseIgnorePatterns(['*:Failed'])).toThrow("Invalid migration state 'Failed'. Valid states are: [*, missing, pending, ignored, future]");
  });

  it('throws a configuration error pointing at the setting', () => {
    try {
      parseIgnorePatterns(['nope']);
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).code).toBe('CONFIGURATION');
      expect((error as ConfigError).location).toBe('ignoreMigrationPatterns');
    }
  });
});

describe('matchesIgnorePattern', () => {
  const patterns = (...p: ValidatePattern[]): ValidatePattern[] => p;

  it('matches a state by its display name, so missing does not cover Failed (Missing)', () => {
    expect(matchesIgnorePattern(patterns({ type: '*', state: 'missing' }), true, 'Missing')).toBe(true);
    expect(matchesIgnorePattern(patterns({ type: '*', state: 'missing' }), true, 'Failed (Missing)')).toBe(false);
    expect(matchesIgnorePattern(patterns({ type: '*', state: '*' }), false, 'Outdated')).toBe(true);
  });

  it('matches the type', () => {
    expect(matchesIgnorePattern(patterns({ type: 'versioned', state: 'pending' }), true, 'Pending')).toBe(true);
    expect(matchesIgnorePattern(patterns({ type: 'versioned', state: 'pending' }), false, 'Pending')).toBe(false);
    expect(matchesIgnorePattern(patterns({ type: 'repeatable', state: 'pending' }), false, 'Pending')).toBe(true);
  });
});

describe('validateMigrations: messages', () => {
  it('reports a failed versioned and a failed repeatable migration', () => {
    const findings = validate([vFile('1'), vFile('2'), rFile('views')], [vRow(1, '1'), vRow(2, '2', { success: false }), rRow(3, 'views', 300, { success: false })]);
    expect(findings).toEqual([
      {
        code: 'FAILED_VERSIONED_MIGRATION',
        version: '2',
        description: 'v2',
        script: 'V2__v2.sql',
        message: 'Detected failed migration to version 2 (v2).\nPlease remove any half-completed changes then run repair to fix the schema history.',
      },
      {
        code: 'FAILED_REPEATABLE_MIGRATION',
        version: null,
        description: 'views',
        script: 'R__views.sql',
        message: 'Detected failed repeatable migration: views.\nPlease remove any half-completed changes then run repair to fix the schema history.',
      },
    ]);
  });

  it('reports failed missing and failed future migrations as failed', () => {
    const findings = validate([vFile('2')], [vRow(1, '1', { success: false }), vRow(2, '2'), vRow(3, '3', { success: false })], []);
    expect(codes(findings)).toEqual(['FAILED_VERSIONED_MIGRATION', 'FAILED_VERSIONED_MIGRATION']);
    expect(findings.map((f) => f.version)).toEqual(['1', '3']);
  });

  it('reports applied migrations that are not resolved locally', () => {
    const findings = validate([vFile('3'), rFile('other')], [vRow(1, '1'), vRow(2, '3'), rRow(3, 'views', 1), rRow(4, 'other', 300)]);
    expect(findings).toEqual([
      {
        code: 'APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED',
        version: '1',
        description: 'v1',
        script: 'V1__v1.sql',
        message: 'Detected applied migration not resolved locally: 1.\nIf you removed this migration intentionally, run repair to mark the migration as deleted.',
      },
      {
        code: 'APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED',
        version: null,
        description: 'views',
        script: 'R__views.sql',
        message: 'Detected applied migration not resolved locally: views.\nIf you removed this migration intentionally, run repair to mark the migration as deleted.',
      },
    ]);
  });

  it('reports a future migration unless *:future ignores it', () => {
    expect(messages(validate([vFile('1')], [vRow(1, '1'), vRow(2, '2')]))).toEqual([
      'Detected applied migration not resolved locally: 2.\nIf you removed this migration intentionally, run repair to mark the migration as deleted.',
    ]);
    expect(validate([vFile('1')], [vRow(1, '1'), vRow(2, '2')], ['*:future'])).toEqual([]);
  });

  it('lets a failed future migration through under *:future, as it belongs to a newer deployment', () => {
    const rows = [vRow(1, '1'), vRow(2, '2', { success: false })];
    expect(codes(validate([vFile('1')], rows))).toEqual(['FAILED_VERSIONED_MIGRATION']);
    expect(validate([vFile('1')], rows, ['*:future'])).toEqual([]);
    expect(codes(validate([vFile('1')], rows, ['repeatable:future']))).toEqual(['FAILED_VERSIONED_MIGRATION']);
  });

  it('reports an ignored migration with the outOfOrder advice', () => {
    const findings = validate([vFile('1'), vFile('1.5'), vFile('2')], [vRow(1, '1'), vRow(2, '2')]);
    expect(findings).toEqual([
      {
        code: 'RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED',
        version: '1.5',
        description: 'v1.5',
        script: 'V1.5__v1.5.sql',
        message:
          "Detected resolved migration not applied to database: 1.5.\nTo ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true.",
      },
    ]);
  });

  it('reports an ignored migration during migrate too', () => {
    expect(codes(validate([vFile('1'), vFile('1.5'), vFile('2')], [vRow(1, '1'), vRow(2, '2')], ['*:pending'], MIGRATE))).toEqual(['RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED']);
  });

  it('reports pending versioned and repeatable migrations for the validate command', () => {
    const findings = validate([vFile('1'), vFile('3'), rFile('views')], [vRow(1, '1')]);
    expect(findings).toEqual([
      {
        code: 'RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED',
        version: '3',
        description: 'v3',
        script: 'V3__v3.sql',
        message: "Detected resolved migration not applied to database: 3.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.",
      },
      {
        code: 'RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED',
        version: null,
        description: 'views',
        script: 'R__views.sql',
        message: "Detected resolved repeatable migration not applied to database: views.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.",
      },
    ]);
  });

  it('reports an outdated repeatable, and its file as not applied', () => {
    const findings = validate([rFile('views', 2)], [rRow(1, 'views', 1)]);
    expect(findings).toEqual([
      {
        code: 'OUTDATED_REPEATABLE_MIGRATION',
        version: null,
        description: 'views',
        script: 'R__views.sql',
        message: 'Detected outdated resolved repeatable migration that should be re-applied to database: views.\nRun migrate to execute this migration.',
      },
      {
        code: 'RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED',
        version: null,
        description: 'views',
        script: 'R__views.sql',
        message: "Detected resolved repeatable migration not applied to database: views.\nTo fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.",
      },
    ]);
  });

  it('leaves pending and outdated migrations to migrate', () => {
    const files = [vFile('1'), vFile('2'), rFile('views', 2), rFile('new')];
    const rows = [vRow(1, '1'), rRow(2, 'views', 1)];
    expect(validate(files, rows, ['*:pending'], MIGRATE)).toEqual([]);
    expect(validate(files, rows, [], MIGRATE)).toEqual([]);
    expect(validate(files, rows, ['*:pending'], VALIDATE)).toEqual([]);
  });

  it('keeps an outdated repeatable an error when only versioned pending migrations are ignored', () => {
    expect(codes(validate([rFile('views', 2)], [rRow(1, 'views', 1)], ['versioned:pending']))).toEqual(['OUTDATED_REPEATABLE_MIGRATION', 'RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED']);
  });

  it('reports a type mismatch', () => {
    expect(validate([vFile('1')], [vRow(1, '1', { type: 'JDBC' })])).toEqual([
      {
        code: 'TYPE_MISMATCH',
        version: '1',
        description: 'v1',
        script: 'V1__v1.sql',
        message:
          'Migration type mismatch for migration version 1\n-> Applied to database : JDBC\n-> Resolved locally    : SQL\nEither revert the changes to the migration, or run repair to update the schema history.',
      },
    ]);
  });

  it('reports a checksum mismatch, including a NULL stored checksum', () => {
    expect(messages(validate([vFile('1.1', { checksum: 456 })], [vRow(1, '1.1', { checksum: 123 })]))).toEqual([
      'Migration checksum mismatch for migration version 1.1\n-> Applied to database : 123\n-> Resolved locally    : 456\nEither revert the changes to the migration, or run repair to update the schema history.',
    ]);
    expect(messages(validate([vFile('1', { checksum: -7 })], [vRow(1, '1', { checksum: null })]))).toEqual([
      'Migration checksum mismatch for migration version 1\n-> Applied to database : null\n-> Resolved locally    : -7\nEither revert the changes to the migration, or run repair to update the schema history.',
    ]);
    expect(codes(validate([vFile('1', { checksum: -7 })], [vRow(1, '1', { checksum: null })]))).toEqual(['CHECKSUM_MISMATCH']);
  });

  it('accepts the equivalent checksum', () => {
    expect(validate([vFile('1', { checksum: 456, equivalentChecksum: 123 })], [vRow(1, '1', { checksum: 123 })])).toEqual([]);
  });

  it('reports a description mismatch, but not a description the table had to shorten', () => {
    expect(messages(validate([vFile('1', { description: 'b' })], [vRow(1, '1', { description: 'a' })]))).toEqual([
      'Migration description mismatch for migration version 1\n-> Applied to database : a\n-> Resolved locally    : b\nEither revert the changes to the migration, or run repair to update the schema history.',
    ]);
    expect(codes(validate([vFile('1', { description: 'b' })], [vRow(1, '1', { description: 'a' })]))).toEqual(['DESCRIPTION_MISMATCH']);
    const long = 'd'.repeat(250);
    expect(validate([vFile('1', { description: long })], [vRow(1, '1', { description: `${'d'.repeat(197)}...` })])).toEqual([]);
  });

  it('checks type, then checksum, then description, reporting only the first', () => {
    const file = vFile('1', { checksum: 2, description: 'b' });
    expect(codes(validate([file], [vRow(1, '1', { type: 'JDBC', checksum: 1, description: 'a' })]))).toEqual(['TYPE_MISMATCH']);
    expect(codes(validate([file], [vRow(1, '1', { checksum: 1, description: 'a' })]))).toEqual(['CHECKSUM_MISMATCH']);
  });

  it('names a repeatable by its script in a mismatch', () => {
    expect(messages(validate([rFile('views')], [rRow(1, 'views', 300, { type: 'JDBC' })]))).toEqual([
      'Migration type mismatch for migration R__views.sql\n-> Applied to database : JDBC\n-> Resolved locally    : SQL\nEither revert the changes to the migration, or run repair to update the schema history.',
    ]);
  });

  it('does not compare migrations at or below the baseline', () => {
    const baseline = vRow(1, '2', { type: 'BASELINE', description: '<< Flyway Baseline >>', script: '<< Flyway Baseline >>', checksum: null });
    const files = [vFile('1'), vFile('2'), vFile('2.5', { checksum: 9 }), vFile('3', { checksum: 9 })];
    const rows = [baseline, vRow(2, '2.5', { checksum: 1 }), vRow(3, '3', { checksum: 1 })];
    expect(findingVersions(validate(files, rows))).toEqual(['2.5', '3']);
    // Rows at or below the baseline, applied out of order, are left alone.
    const below = [baseline, vRow(2, '1', { checksum: 1 }), vRow(3, '2', { checksum: 1 })];
    expect(validate([vFile('1', { checksum: 9 }), vFile('2', { checksum: 9 })], below)).toEqual([]);
  });
});

function findingVersions(findings: ValidationFinding[]): (string | null)[] {
  return findings.map((f) => f.version);
}

describe('validateMigrations: what is not checked', () => {
  it('skips files above the target', () => {
    const resolved = [vFile('1'), vFile('2')];
    expect(validateMigrations(infos(resolved, [vRow(1, '1')], { target: '1' }), [], VALIDATE)).toEqual([]);
  });

  it('skips undone rows and deleted rows, even without their files', () => {
    const undoFile: ResolvedMigration = { ...vFile('2'), kind: 'undo', type: 'UNDO_SQL', script: 'U2__v2.sql', checksum: 200 };
    const rows = [vRow(1, '1'), vRow(2, '2'), vRow(3, '2', { type: 'UNDO_SQL', script: 'U2__v2.sql', checksum: 200 }), vRow(4, '3'), vRow(5, '3', { type: 'DELETE' })];
    const all = infos([vFile('1'), undoFile], rows);
    expect(all.map((i) => i.state)).toEqual(['Success', 'Undone', 'Success', 'Deleted', 'Success']);
    expect(validateMigrations(all, [], VALIDATE)).toEqual([]);
  });

  it('skips older runs of a removed repeatable', () => {
    expect(findingVersions(validate([], [rRow(1, 'views', 1), rRow(2, 'views', 2)], ['*:missing']))).toEqual([]);
    expect(codes(validate([], [rRow(1, 'views', 1), rRow(2, 'views', 2)]))).toEqual(['APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED']);
  });

  it('skips what the patterns match, by type', () => {
    const files = [vFile('1')];
    const rows = [vRow(1, '0.5'), vRow(2, '1'), rRow(3, 'views', 1)];
    expect(codes(validate(files, rows, ['repeatable:missing']))).toEqual(['APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED']);
    expect(codes(validate(files, rows, ['versioned:missing']))).toEqual(['APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED']);
    expect(validate(files, rows, ['*:missing'])).toEqual([]);
  });

  it('skips ignored migrations under *:ignored', () => {
    expect(validate([vFile('1'), vFile('1.5'), vFile('2')], [vRow(1, '1'), vRow(2, '2')], ['*:ignored'])).toEqual([]);
  });

  it('skips everything, mismatches and failures included, under *:*', () => {
    const rows = [vRow(1, '1', { checksum: 1 }), vRow(2, '2', { success: false }), vRow(3, '4')];
    expect(validate([vFile('1'), vFile('2'), vFile('3')], rows, ['*:*'])).toEqual([]);
    expect(codes(validate([vFile('1'), vFile('2'), vFile('3')], rows))).toEqual(['CHECKSUM_MISMATCH', 'FAILED_VERSIONED_MIGRATION', 'RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED', 'APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED']);
  });

  it('skips the schema marker, baseline and deletion rows, which have no file', () => {
    const schema = rRow(0, '<< Flyway Schema Creation >>', 0, { type: 'SCHEMA', checksum: null });
    const baseline = vRow(1, '1', { type: 'BASELINE', description: '<< Flyway Baseline >>', checksum: null });
    expect(validate([vFile('2')], [schema, baseline, vRow(2, '2')])).toEqual([]);
  });
});
