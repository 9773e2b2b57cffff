import type { EngineContext } from '../context.js';
import type { MigrationInfo } from '../info.js';
import { currentVersion } from '../info.js';
import type { InfoMigration, InfoResult } from '../results.js';
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
    shouldExecuteExpression: '',
    executionTime: info.executionTime ?? 0,
  };
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
    migrations: snapshot.infos.map(infoOutput),
  };
}
