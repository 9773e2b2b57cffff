import { CleanDisabledError } from '../../errors.js';
import type { EngineContext } from '../context.js';
import { quotedSchema } from '../context.js';
import { formatDuration } from '../duration.js';
import { withLock } from '../lock.js';
import type { CleanResult } from '../results.js';
import { operationBase } from '../snapshot.js';

/** The schemas a schema-creation marker says godwit or Flyway created: those are dropped, not emptied. */
function createdSchemas(ctx: EngineContext, script: string): string[] {
  return ctx.schemas.filter((schema) => script.split(',').includes(ctx.dialect.quoteIdentifier(schema)));
}

/**
 * Drops every object in the managed schemas, and the schemas that the tool itself created. Refused
 * unless cleanDisabled is false: one wrong URL would otherwise erase a production database.
 */
export async function clean(ctx: EngineContext): Promise<CleanResult> {
  if (ctx.config.cleanDisabled) throw new CleanDisabledError({ location: 'cleanDisabled' });
  const { dialect, history, log } = ctx;
  const result: CleanResult = { ...operationBase(ctx, 'clean'), operation: 'clean', schemasCleaned: [], schemasDropped: [] };

  const hasHistory = (await dialect.schemaExists(history.schema)) && (await history.exists());
  const marker = hasHistory ? (await history.read()).find((r) => r.type === 'SCHEMA') : undefined;
  const toDrop = marker ? createdSchemas(ctx, marker.script) : [];

  await withLock(ctx, { transaction: true }, async () => {
    for (const schema of ctx.schemas) {
      if (toDrop.includes(schema) || !(await dialect.schemaExists(schema))) continue;
      const started = performance.now();
      await dialect.cleanSchema(schema);
      result.schemasCleaned.push(schema);
      log.info(`Successfully cleaned schema ${quotedSchema(ctx, schema)} (execution time ${formatDuration(performance.now() - started)})`);
    }
    for (const schema of toDrop) {
      if (!(await dialect.schemaExists(schema))) continue;
      const started = performance.now();
      await dialect.dropSchema(schema);
      result.schemasDropped.push(schema);
      log.info(`Successfully dropped schema ${quotedSchema(ctx, schema)} (execution time ${formatDuration(performance.now() - started)})`);
    }
  });
  return result;
}
