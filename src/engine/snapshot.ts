import type { EngineContext } from './context.js';
import { locationScans, placeholdersFor } from './context.js';
import type { MigrationInfo } from './info.js';
import { buildMigrationInfos } from './info.js';
import { cherryPickOf } from './cherry-pick.js';
import { resolveMigrations } from './resolver.js';
import { withoutSkipped } from './script-config.js';
import type { AppliedMigration, ResolvedMigration } from './types.js';
import type { OperationResult } from './results.js';
import { GODWIT_VERSION } from '../version.js';

/** The files on disk and the rows in the history table, matched into Flyway's info states. */
export interface Snapshot {
  resolved: ResolvedMigration[];
  applied: AppliedMigration[];
  infos: MigrationInfo[];
  tableExists: boolean;
}

export function resolveAll(ctx: EngineContext): Promise<ResolvedMigration[]> {
  const { config } = ctx;
  return resolveMigrations(config, {
    placeholdersFor: (script) => placeholdersFor(ctx, script),
    warn: (message) => ctx.log.warn(message),
    scans: locationScans(ctx),
  });
}

/**
 * With `known`, a snapshot read earlier in this run of the same files for the same target, only rows
 * ranked above its rows are read (see readAfter); when there are none, its states stand as they are.
 */
export async function readSnapshot(ctx: EngineContext, resolved: ResolvedMigration[], target = ctx.config.target, known?: Snapshot): Promise<Snapshot> {
  // No history table in a schema that does not exist: the catalog query answers both at once.
  const tableExists = await ctx.history.exists();
  if (tableExists && known?.tableExists) {
    const applied = await ctx.history.readAfter(known.applied);
    if (applied.length === known.applied.length) return known;
    return { resolved, applied, tableExists, infos: infosFor(ctx, resolved, applied, target) };
  }
  const applied = tableExists ? await ctx.history.read() : [];
  return { resolved, applied, tableExists, infos: infosFor(ctx, resolved, applied, target) };
}

export function infosFor(ctx: EngineContext, resolved: ResolvedMigration[], applied: AppliedMigration[], target = ctx.config.target): MigrationInfo[] {
  return buildMigrationInfos(withoutSkipped(resolved, applied), applied, { target, outOfOrder: ctx.config.outOfOrder, cherryPick: cherryPickOf(ctx.config.cherryPick) });
}

export function operationBase(ctx: EngineContext, operation: string): OperationResult {
  return { flywayVersion: GODWIT_VERSION, database: ctx.session.database, warnings: [], operation };
}
