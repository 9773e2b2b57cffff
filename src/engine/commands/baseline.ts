import { GodwitError } from '../../errors.js';
import type { EngineContext } from '../context.js';
import { withLock } from '../lock.js';
import type { BaselineResult } from '../results.js';
import type { RowInput } from '../schema-history.js';
import { operationBase } from '../snapshot.js';
import { MigrationVersion } from '../version.js';
import { createMissingSchemas } from './prepare-schemas.js';

function baselineRow(ctx: EngineContext): RowInput {
  const { config } = ctx;
  return {
    version: MigrationVersion.parse(config.baselineVersion).text,
    description: config.baselineDescription,
    type: 'BASELINE',
    script: config.baselineDescription,
    checksum: null,
    installedBy: config.installedBy ?? null,
    executionTime: 0,
    success: true,
  };
}

/**
 * Marks the schemas as already at baselineVersion; the caller holds the lock. Used by the baseline
 * command and by migrate when baselineOnMigrate meets non-empty schemas without a history table.
 */
export async function writeBaseline(ctx: EngineContext): Promise<void> {
  const { history, log } = ctx;
  const row = baselineRow(ctx);
  const unable = `Unable to baseline schema history table ${history.qualifiedName} with (${row.version},${row.description})`;
  if (!(await history.exists())) {
    log.info(`Creating Schema History table ${history.qualifiedName} with baseline ...`);
    await history.create(row);
    log.info(`Successfully baselined schema with version: ${row.version}`);
    return;
  }
  const rows = await history.read();
  const existing = rows.slice(0, 2).find((r) => r.type === 'BASELINE');
  if (existing) {
    if (existing.version?.text === row.version && existing.description === row.description) {
      log.info(`Schema history table ${history.qualifiedName} already initialized with (${row.version},${row.description}). Skipping.`);
      return;
    }
    throw new GodwitError('BASELINE_ERROR', `${unable} as it has already been baselined with (${existing.version?.text ?? ''},${existing.description})`);
  }
  const marker = rows.find((r) => r.type === 'SCHEMA');
  if (marker && MigrationVersion.parse(row.version ?? '1').equals(MigrationVersion.parse('0'))) {
    throw new GodwitError('BASELINE_ERROR', `Unable to baseline schema history table ${history.qualifiedName} with version 0 as this version was used for schema creation`);
  }
  if (rows.some((r) => r.type !== 'SCHEMA')) {
    throw new GodwitError('BASELINE_ERROR', `${unable} as it already contains migrations`);
  }
  if (rows.length === 0) {
    throw new GodwitError('BASELINE_ERROR', `${unable} as it already exists, and is empty.\nDelete the schema history table, and run baseline again.`);
  }
  await history.append(rows, row);
  log.info(`Successfully baselined schema with version: ${row.version}`);
}

export async function baseline(ctx: EngineContext): Promise<BaselineResult> {
  await createMissingSchemas(ctx);
  await withLock(ctx, { transaction: true }, () => writeBaseline(ctx));
  return { ...operationBase(ctx, 'baseline'), operation: 'baseline', successfullyBaselined: true, baselineVersion: ctx.config.baselineVersion };
}
