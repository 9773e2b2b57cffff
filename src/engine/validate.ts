import { ConfigError } from '../errors.js';
import type { ValidationFinding } from '../errors.js';
import type { MigrationInfo, MigrationState } from './info.js';
import { abbreviateDescription, baselineVersion, checksumMatches, isFailedState, isSyntheticType } from './info.js';
import type { CherryPick } from './cherry-pick.js';
import { isPicked } from './cherry-pick.js';
import type { AppliedMigration, ResolvedMigration } from './types.js';

/** One `ignoreMigrationPatterns` entry, `type:state`. */
export interface ValidatePattern {
  type: 'versioned' | 'repeatable' | '*';
  state: 'missing' | 'pending' | 'ignored' | 'future' | '*';
}

const PATTERN_TYPES: readonly ValidatePattern['type'][] = ['*', 'repeatable', 'versioned'];
const PATTERN_STATES: readonly ValidatePattern['state'][] = ['*', 'missing', 'pending', 'ignored', 'future'];
const PATTERN_HINT = "Use type:state with type one of *, repeatable, versioned and state one of *, missing, pending, ignored, future, e.g. -ignoreMigrationPatterns='*:future'.";

/** Parses `ignoreMigrationPatterns` as Flyway does: trimmed, case-insensitive, blank entries skipped. */
export function parseIgnorePatterns(patterns: string[]): ValidatePattern[] {
  return patterns.filter((p) => p.trim() !== '').map(parsePattern);
}

function parsePattern(pattern: string): ValidatePattern {
  const parts = pattern.split(':');
  // Java's String.split drops trailing empty parts, so Flyway reads `*:` as one part.
  while (parts.at(-1) === '') parts.pop();
  const [rawType, rawState] = parts;
  if (parts.length !== 2 || rawType === undefined || rawState === undefined) {
    throw new ConfigError(`Invalid pattern '${pattern}'. Pattern must be of the form <migration_type>:<migration_state>`, {
      location: 'ignoreMigrationPatterns',
      hint: PATTERN_HINT,
    });
  }
  const type = PATTERN_TYPES.find((t) => t === rawType.trim().toLowerCase());
  if (type === undefined) {
    throw new ConfigError(`Invalid migration type '${rawType}'. Valid types are: [${PATTERN_TYPES.join(', ')}]`, { location: 'ignoreMigrationPatterns', hint: PATTERN_HINT });
  }
  const state = PATTERN_STATES.find((s) => s === rawState.trim().toLowerCase());
  if (state === undefined) {
    throw new ConfigError(`Invalid migration state '${rawState}'. Valid states are: [${PATTERN_STATES.join(', ')}]`, { location: 'ignoreMigrationPatterns', hint: PATTERN_HINT });
  }
  return { type, state };
}

/**
 * Flyway matches a pattern's state against the display name, so `missing` matches `Missing` but not
 * `Failed (Missing)`, and `*` matches every state.
 */
export function matchesIgnorePattern(patterns: readonly ValidatePattern[], isVersioned: boolean, state: MigrationState): boolean {
  return patterns.some(
    (p) => (p.state === '*' || p.state === state.toLowerCase()) && (p.type === '*' || p.type === (isVersioned ? 'versioned' : 'repeatable')),
  );
}

/**
 * Flyway's MigrationInfoImpl.validate for every info, collecting all findings (at most one each).
 * `pendingIsError` is false for migrate: pending files and outdated repeatables are then its work.
 * A migration left out by `cherryPick` is not waiting to be applied, so it is not reported as such;
 * what was applied of it is still checked.
 */
export function validateMigrations(infos: MigrationInfo[], patterns: ValidatePattern[], options: { pendingIsError: boolean; cherryPick?: CherryPick }): ValidationFinding[] {
  const baseline = baselineVersion(infos.flatMap((i) => (i.applied ? [i.applied] : [])));
  const futureIgnored = matchesIgnorePattern(patterns, true, 'Future');
  const pendingIgnored = (isVersioned: boolean): boolean => !options.pendingIsError || matchesIgnorePattern(patterns, isVersioned, 'Pending');
  const findings: ValidationFinding[] = [];

  for (const info of infos) {
    const finding = check(info);
    if (finding) findings.push({ code: finding.code, version: info.version?.text ?? null, description: info.description, script: info.script, message: finding.message });
  }
  return findings;

  function check(info: MigrationInfo): { code: string; message: string } | null {
    const { state, version, description, resolved, applied } = info;
    const isVersioned = version !== null;
    const id = version?.text ?? description;
    if (state === 'Above Target' || state === 'Deleted' || state === 'Undone') return null;
    if ((applied === null || state === 'Outdated') && !isPicked(options.cherryPick ?? null, version, description)) return null;
    if (matchesIgnorePattern(patterns, isVersioned, state)) return null;
    // `*:future` also lets a failed future migration through: it belongs to a newer deployment.
    if (state === 'Failed (Future)' && futureIgnored) return null;

    if (isFailedState(state)) {
      return isVersioned
        ? finding('FAILED_VERSIONED_MIGRATION', `Detected failed migration to version ${id} (${description}).`, 'Please remove any half-completed changes then run repair to fix the schema history.')
        : finding('FAILED_REPEATABLE_MIGRATION', `Detected failed repeatable migration: ${id}.`, 'Please remove any half-completed changes then run repair to fix the schema history.');
    }
    if (applied !== null && resolved === null && !isSyntheticType(applied.type) && state !== 'Superseded') {
      return finding(
        isVersioned ? 'APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED' : 'APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED',
        `Detected applied migration not resolved locally: ${id}.`,
        'If you removed this migration intentionally, run repair to mark the migration as deleted.',
      );
    }
    // A repeatable file is only Ignored when cherryPick leaves it out, and then it returned above.
    if (state === 'Ignored') {
      return finding(
        'RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED',
        `Detected resolved migration not applied to database: ${id}.`,
        "To ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true.",
      );
    }
    if (state === 'Pending' && !pendingIgnored(isVersioned)) {
      return isVersioned
        ? finding('RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED', `Detected resolved migration not applied to database: ${id}.`, "To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.")
        : finding(
            'RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED',
            `Detected resolved repeatable migration not applied to database: ${id}.`,
            "To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.",
          );
    }
    if (state === 'Outdated' && !pendingIgnored(false)) {
      return finding('OUTDATED_REPEATABLE_MIGRATION', `Detected outdated resolved repeatable migration that should be re-applied to database: ${id}.`, 'Run migrate to execute this migration.');
    }
    if (applied !== null && resolved !== null && (version === null || baseline === null || version.compareTo(baseline) > 0)) {
      return mismatch(applied, resolved);
    }
    return null;
  }
}

/**
 * Type, checksum and description, in that order. Only a versioned file's checksum is compared: a
 * repeatable run that reaches here either matches its file or is Outdated/Superseded by design.
 */
function mismatch(applied: AppliedMigration, resolved: ResolvedMigration): { code: string; message: string } | null {
  const id = applied.version === null ? applied.script : `version ${applied.version.text}`;
  if (applied.type !== resolved.type) return mismatchFinding('TYPE_MISMATCH', 'type', id, applied.type, resolved.type);
  if (resolved.version !== null && !checksumMatches(resolved, applied.checksum)) {
    return mismatchFinding('CHECKSUM_MISMATCH', 'checksum', id, String(applied.checksum), String(resolved.checksum));
  }
  if (abbreviateDescription(resolved.description) !== applied.description) {
    return mismatchFinding('DESCRIPTION_MISMATCH', 'description', id, applied.description, resolved.description);
  }
  return null;
}

function mismatchFinding(code: string, what: string, id: string, applied: string, resolved: string): { code: string; message: string } {
  return finding(
    code,
    `Migration ${what} mismatch for migration ${id}\n-> Applied to database : ${applied}\n-> Resolved locally    : ${resolved}`,
    'Either revert the changes to the migration, or run repair to update the schema history.',
  );
}

function finding(code: string, problem: string, advice: string): { code: string; message: string } {
  return { code, message: `${problem}\n${advice}` };
}
