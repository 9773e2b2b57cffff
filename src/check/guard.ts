import { GodwitError } from '../errors.js';
import type { EngineContext } from '../engine/context.js';
import { runCheck } from './run.js';
import { migrateGuardLevel, SEVERITY_RANK } from './settings.js';

/**
 * migrate's `-check=error|warning`: checks the pending migrations with the run's connection and refuses
 * to start when a finding reaches that level, so nothing runs and nothing needs rolling back.
 */
export async function refuseDangerous(ctx: EngineContext): Promise<void> {
  const level = migrateGuardLevel(ctx.config);
  if (level === undefined) return;
  const result = await runCheck(ctx.config, { all: false, files: [] }, ctx, ctx.log);
  const blocking = result.findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[level]);
  for (const finding of blocking) ctx.log.error(`${finding.path}:${finding.line} ${finding.rule} ${finding.message} Fix: ${finding.fix}`);
  const first = blocking[0];
  if (!first) return;
  throw new GodwitError(
    'CHECK_FAILED',
    `godwit check found ${blocking.length} ${level === 'error' ? 'error' : 'finding'}${blocking.length === 1 ? '' : 's'} in the pending migrations (first: ${first.rule} in ${first.file} at line ${first.line}); nothing was migrated.`,
    {
      location: `${first.file}:${first.line}`,
      hint: 'Rewrite the migration the safe way shown with each finding, or mark a deliberate one with -- godwit:ignore <rule> <reason>; godwit check lists them all.',
    },
  );
}
