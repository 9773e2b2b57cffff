import { cherryPickOf } from '../cherry-pick.js';
import type { EngineContext } from '../context.js';
import type { MigrationInfo } from '../info.js';
import { buildMigrationInfos, currentVersion } from '../info.js';
import type { InfoMigration, InfoResult } from '../results.js';
import { withoutSkipped } from '../script-config.js';
import type { Snapshot } from '../snapshot.js';
import { operationBase, readSnapshot, resolveAll } from '../snapshot.js';

function infoOutput(info: MigrationInfo): InfoMigration {
  const rawVersion = info.resolved?.rawVersion ?? info.version?.text ?? '';
  return {
    category: info.category,
    version: info.version?.text ?? '',
    rawVersion,
    description: info.description,
    type: info.type,
    installedOnUTC: info.installedOn ? info.installedOn.toISOString() : '',
    state: info.state,
    undoable: info.undoable,
    filepath: info.resolved?.physicalPath ?? '',
    undoFilepath: info.undo?.physicalPath ?? '',
    installedBy: info.installedBy ?? '',
    shouldExecuteExpression: info.resolved?.scriptConfig?.shouldExecute?.expression ?? '',
    executionTime: info.executionTime ?? 0,
  };
}

/**
 * The infos info lists: the snapshot's, plus the migrations whose shouldExecute is false and that never
 * ran, which migrate and validate leave out. Flyway Teams lists those rather than hiding them; godwit shows
 * them as Ignored, Flyway's state for a migration that exists but that migrate will not apply as things
 * stand (a later change of the placeholders can make it Pending). An undo file that would not execute
 * stays left out, so that `undoable` says what undo can do.
 */
function listedInfos(ctx: EngineContext, snapshot: Snapshot): MigrationInfo[] {
  const kept = new Set(withoutSkipped(snapshot.resolved, snapshot.applied));
  if (kept.size === snapshot.resolved.length) return snapshot.infos;
  const shown = snapshot.resolved.filter((m) => m.kind !== 'undo' || kept.has(m));
  return buildMigrationInfos(shown, snapshot.applied, { target: ctx.config.target, outOfOrder: ctx.config.outOfOrder, cherryPick: cherryPickOf(ctx.config.cherryPick) }).map((i) =>
    i.applied === null && i.resolved !== null && !kept.has(i.resolved) ? { ...i, state: 'Ignored' } : i,
  );
}

export async function info(ctx: EngineContext): Promise<InfoResult> {
  const resolved = await resolveAll(ctx);
  const snapshot = await readSnapshot(ctx, resolved);
  let allSchemasEmpty = true;
  for (const schema of ctx.schemas) {
    if ((await ctx.dialect.schemaExists(schema)) && !(await ctx.dialect.isSchemaEmpty(schema))) allSchemasEmpty = false;
  }
  return {
    ...operationBase(ctx, 'info'),
    operation: 'info',
    schemaVersion: currentVersion(snapshot.infos)?.version?.text ?? null,
    schemaName: ctx.schemas.join(', '),
    allSchemasEmpty,
    migrations: listedInfos(ctx, snapshot).map(infoOutput),
  };
}
