import { GodwitError } from '../../errors.js';
import type { EngineContext } from '../context.js';
import { quotedSchema } from '../context.js';
import { withLock } from '../lock.js';
import { SCHEMA_MARKER_DESCRIPTION } from '../schema-history.js';

/**
 * Creates the missing schemas (when createSchemas allows) and, if any were created, the history table
 * with its schema-creation marker row: one locked transaction, so a concurrent run sees all or none.
 */
export async function createMissingSchemas(ctx: EngineContext): Promise<string[]> {
  const { dialect, config, history } = ctx;
  const missingNow = async () => {
    const missing: string[] = [];
    for (const schema of ctx.schemas) {
      if (!(await dialect.schemaExists(schema))) missing.push(schema);
    }
    return missing;
  };
  // Schemas that exist stay: only a run that may create one needs the lock (and looks again under it).
  if ((await missingNow()).length === 0) return [];
  return withLock(ctx, { transaction: true }, async () => {
    const missing = await missingNow();
    if (missing.length === 0) return missing;
    if (!config.createSchemas) {
      throw new GodwitError('SCHEMA_NOT_FOUND', `Unable to proceed: schema(s) ${missing.map((s) => quotedSchema(ctx, s)).join(', ')} do not exist and createSchemas is false.`, {
        hint: 'Create the schemas first, or set -createSchemas=true.',
        location: 'createSchemas',
      });
    }
    for (const schema of missing) {
      ctx.log.info(`Creating schema ${quotedSchema(ctx, schema)} ...`);
      await dialect.createSchema(schema);
    }
    if (!(await history.exists())) {
      ctx.log.info(`Creating Schema History table ${history.qualifiedName} ...`);
      await history.create();
    }
    await history.append(await history.read(), {
      version: null,
      description: SCHEMA_MARKER_DESCRIPTION,
      type: 'SCHEMA',
      script: missing.map((s) => dialect.quoteIdentifier(s)).join(','),
      checksum: null,
      installedBy: config.installedBy ?? null,
      executionTime: 0,
      success: true,
    });
    return missing;
  });
}

/** Schemas among the managed ones that already hold objects. */
export async function nonEmptySchemas(ctx: EngineContext): Promise<string[]> {
  const result: string[] = [];
  for (const schema of ctx.schemas) {
    if ((await ctx.dialect.schemaExists(schema)) && !(await ctx.dialect.isSchemaEmpty(schema))) result.push(schema);
  }
  return result;
}
