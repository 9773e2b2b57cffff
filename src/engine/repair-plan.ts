import type { MigrationInfo, MigrationState } from './info.js';
import { abbreviateDescription, buildMigrationInfos, checksumMatches } from './info.js';
import type { AppliedMigration, ResolvedMigration } from './types.js';
import type { ValidatePattern } from './validate.js';
import { matchesIgnorePattern } from './validate.js';

export interface RepairAlignment {
  applied: AppliedMigration;
  description: string;
  type: string;
  checksum: number | null;
}

export interface RepairPlan {
  /** Failed rows, to delete. */
  remove: AppliedMigration[];
  /** Missing and future rows, each to get a DELETE row appended. */
  markDeleted: AppliedMigration[];
  /** Rows to update to their file's description, type and checksum. */
  align: RepairAlignment[];
}

const MISSING_STATES = new Set<MigrationState>(['Missing', 'Failed (Missing)', 'Future', 'Failed (Future)']);

/**
 * §6 repair, as Flyway's DbRepair does it: remove the failed rows, then look again at what is left
 * (with outOfOrder on and no target, as Flyway's repair does). Reading it again matters: a failed row
 * is removed rather than marked deleted, and removing a repeatable's failed latest run makes its
 * previous run the latest, which may then be missing.
 */
export function planRepair(infos: MigrationInfo[], resolved: ResolvedMigration[], patterns: ValidatePattern[]): RepairPlan {
  const rows = infos.flatMap((i) => (i.applied ? [i.applied] : [])).sort((a, b) => a.installedRank - b.installedRank);
  const remaining = rows.filter((r) => r.success);
  const after = buildMigrationInfos(resolved, remaining, { target: 'latest', outOfOrder: true });

  // Synthetic rows (schema marker, baseline, DELETE) are never Missing or Future and are never matched
  // with a file, so neither list can touch them: they keep their type.
  const markDeleted = after.flatMap((i) => (i.applied !== null && MISSING_STATES.has(i.state) && !matchesIgnorePattern(patterns, i.version !== null, i.state) ? [i.applied] : []));
  const align = after.flatMap((i) => {
    const alignment = i.applied !== null && i.resolved !== null ? alignmentFor(i.applied, i.resolved) : null;
    return alignment ? [alignment] : [];
  });
  return { remove: rows.filter((r) => !r.success), markDeleted, align };
}

/**
 * A versioned row follows its file whenever checksum, description or type differ. A repeatable row is
 * only realigned when it holds the raw-text checksum: a different checksum means the file really
 * changed, and migrate will run it again. A row written before placeholders entered repeatable
 * checksums holds the raw one, so it moves to the new checksum instead of re-running.
 */
function alignmentFor(applied: AppliedMigration, file: ResolvedMigration): RepairAlignment | null {
  const description = abbreviateDescription(file.description);
  const differs = applied.description !== description || applied.type !== file.type;
  const needed =
    file.version !== null
      ? differs || !checksumMatches(file, applied.checksum)
      : applied.checksum === (file.equivalentChecksum ?? file.checksum) && (differs || applied.checksum !== file.checksum);
  return needed ? { applied, description, type: file.type, checksum: file.checksum } : null;
}
