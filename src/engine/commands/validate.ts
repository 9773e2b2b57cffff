import { ValidationError } from '../../errors.js';
import type { EngineContext } from '../context.js';
import { quotedSchema } from '../context.js';
import { formatDuration } from '../duration.js';
import { cherryPickOf } from '../cherry-pick.js';
import type { ValidateResult } from '../results.js';
import type { Snapshot } from '../snapshot.js';
import { operationBase, readSnapshot, resolveAll } from '../snapshot.js';
import { parseIgnorePatterns, validateMigrations } from '../validate.js';

/**
 * Checks the files against the history table and throws a ValidationError listing every finding. The
 * validate command counts pending migrations as errors; migrate validates with `*:pending` added.
 */
export function validateSnapshot(ctx: EngineContext, snapshot: Snapshot, options: { pendingIsError: boolean }): ValidateResult {
  const started = performance.now();
  const { config, log } = ctx;
  const patterns = parseIgnorePatterns(options.pendingIsError ? config.ignoreMigrationPatterns : [...config.ignoreMigrationPatterns, '*:pending']);
  const findings = validateMigrations(snapshot.infos, patterns, { pendingIsError: options.pendingIsError, cherryPick: cherryPickOf(config.cherryPick) });
  if (findings.length > 0) throw new ValidationError(findings);
  const count = snapshot.infos.filter((i) => i.resolved !== null || i.applied !== null).length;
  if (snapshot.resolved.length === 0) log.warn('No migrations found. Are your locations set up correctly?');
  log.info(`Successfully validated ${count} migration${count === 1 ? '' : 's'} (execution time ${formatDuration(performance.now() - started)})`);
  return {
    ...operationBase(ctx, 'validate'),
    operation: 'validate',
    validationSuccessful: true,
    validateCount: count,
    errorDetails: null,
    invalidMigrations: [],
  };
}

export async function validate(ctx: EngineContext): Promise<ValidateResult> {
  const resolved = await resolveAll(ctx);
  if (!(await ctx.dialect.schemaExists(ctx.history.schema))) ctx.log.info(`Schema ${quotedSchema(ctx)} doesn't exist yet`);
  return validateSnapshot(ctx, await readSnapshot(ctx, resolved), { pendingIsError: true });
}
