import { cherryPickOf, isPicked, requireKnownPicks } from '../cherry-pick.js';
import type { EngineContext } from '../context.js';
import { formatDuration } from '../duration.js';
import { withLock } from '../lock.js';
import { planRepair } from '../repair-plan.js';
import type { RepairOutput, RepairResult } from '../results.js';
import { infosFor, operationBase, resolveAll } from '../snapshot.js';
import type { AppliedMigration } from '../types.js';
import { parseIgnorePatterns } from '../validate.js';

function repairOutput(row: AppliedMigration): RepairOutput {
  return { version: row.version?.text ?? '', description: row.description, filepath: row.script };
}

/**
 * Flyway's repair, under the lock and in one transaction: failed rows go, missing migrations get a
 * DELETE marker row (history is appended to, never rewritten), and rows whose file changed its
 * checksum, description or type are realigned to the file.
 */
export async function repair(ctx: EngineContext): Promise<RepairResult> {
  const { history, log } = ctx;
  const started = performance.now();
  const resolved = await resolveAll(ctx);
  const result: RepairResult = {
    ...operationBase(ctx, 'repair'),
    operation: 'repair',
    repairActions: [],
    migrationsRemoved: [],
    migrationsDeleted: [],
    migrationsAligned: [],
  };
  if (!(await ctx.dialect.schemaExists(history.schema)) || !(await history.exists())) {
    log.info(`Repair of failed migration in Schema History table ${history.qualifiedName} not necessary as table doesn't exist.`);
    return result;
  }
  await withLock(ctx, { transaction: true }, async () => {
    const rows = await history.read();
    const picks = cherryPickOf(ctx.config.cherryPick);
    requireKnownPicks(picks, [...resolved, ...rows]);
    // With cherryPick, Flyway Teams repairs only the rows of the migrations picked.
    const picked = (row: AppliedMigration): boolean => isPicked(picks, row.version, row.description);
    const full = planRepair(infosFor(ctx, resolved, rows), resolved, parseIgnorePatterns(ctx.config.ignoreMigrationPatterns));
    const plan = { remove: full.remove.filter(picked), markDeleted: full.markDeleted.filter(picked), align: full.align.filter((a) => picked(a.applied)) };

    await history.delete(plan.remove.map((r) => r.installedRank));
    result.migrationsRemoved = plan.remove.map(repairOutput);
    if (plan.remove.length > 0) result.repairActions.push('removed failed migrations');

    let current = await history.read();
    for (const row of plan.markDeleted) {
      await history.append(current, {
        version: row.version?.text ?? null,
        description: row.description,
        type: 'DELETE',
        script: row.script,
        checksum: row.checksum,
        installedBy: ctx.config.installedBy ?? null,
        executionTime: 0,
        success: row.success,
      });
      current = await history.read();
    }
    result.migrationsDeleted = plan.markDeleted.map(repairOutput);
    if (plan.markDeleted.length > 0) result.repairActions.push('marked missing migrations as deleted');

    for (const { applied, description, type, checksum } of plan.align) {
      log.info(`Repairing Schema History table for version ${applied.version?.text ?? ''} (Description: ${description}, Type: ${type}, Checksum: ${checksum ?? ''})  ...`);
      await history.update(applied.installedRank, { description, type, checksum });
    }
    result.migrationsAligned = plan.align.map((a) => repairOutput(a.applied));
    if (plan.align.length > 0) result.repairActions.push('aligned applied migration checksums');
  });

  const elapsed = formatDuration(performance.now() - started);
  if (result.repairActions.length === 0) {
    log.info(`Repair of failed migration in Schema History table ${history.qualifiedName} not necessary. No failed migration detected.`);
  } else {
    log.info(`Successfully repaired schema history table ${history.qualifiedName} (execution time ${elapsed}).`);
  }
  return result;
}
