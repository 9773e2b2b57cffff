import { GodwitError, MigrationFailedError } from '../../errors.js';
import type { EngineContext } from '../context.js';
import { quotedSchema } from '../context.js';
import { formatDuration } from '../duration.js';
import type { MigrationInfo } from '../info.js';
import { currentVersion, pendingMigrations } from '../info.js';
import { withLock } from '../lock.js';
import type { MigrateOutput, MigrateResult } from '../results.js';
import type { PreparedScript } from '../script.js';
import { prepareScript, runScript, ScriptStatementError } from '../script.js';
import type { Snapshot } from '../snapshot.js';
import { infosFor, operationBase, readSnapshot, resolveAll } from '../snapshot.js';
import type { ResolvedMigration } from '../types.js';
import { isReservedTarget, MigrationVersion } from '../version.js';
import { writeBaseline } from './baseline.js';
import { nonEmptySchemas, createMissingSchemas } from './prepare-schemas.js';
import { validateSnapshot } from './validate.js';
import { describeMigration, failureMessage } from './migrate-messages.js';

/** Flyway's `target`, made concrete once: `next` must mean the next one at the start, not every pass. */
function concreteTarget(ctx: EngineContext, snapshot: Snapshot): string {
  const { target } = ctx.config;
  if (target === 'next') {
    const next = pendingMigrations(snapshot.infos).find((i) => i.version !== null);
    return next?.version?.text ?? 'current';
  }
  if (!isReservedTarget(target)) {
    const version = MigrationVersion.parse(target);
    if (ctx.config.failOnMissingTarget && !snapshot.resolved.some((m) => m.version?.equals(version))) {
      throw new GodwitError('CONFIGURATION', `No migration with a target version ${target} could be found. Ensure target is specified correctly and the migration exists.`, { location: 'target' });
    }
  }
  return target;
}

/**
 * Ensures schemas and the history table exist, baselining non-empty schemas when configured to. The
 * emptiness check runs under the lock: otherwise a concurrent first run would see the history table
 * that another process just created and call the schema non-empty.
 */
async function prepareHistory(ctx: EngineContext): Promise<void> {
  const { history, config } = ctx;
  await createMissingSchemas(ctx);
  if (await history.exists()) return;
  await withLock(ctx, { transaction: true }, async () => {
    if (await history.exists()) return;
    const nonEmpty = await nonEmptySchemas(ctx);
    if (nonEmpty.length === 0) {
      ctx.log.info(`Creating Schema History table ${history.qualifiedName} ...`);
      await history.create();
    } else if (config.baselineOnMigrate) {
      await writeBaseline(ctx);
    } else {
      throw new GodwitError(
        'NON_EMPTY_SCHEMA_WITHOUT_SCHEMA_HISTORY_TABLE',
        `Found non-empty schema(s) ${nonEmpty.map((s) => quotedSchema(ctx, s)).join(',')} but no schema history table. Use baseline() or set baselineOnMigrate to true to initialize the schema history table.`,
      );
    }
  });
}

function refuseFailed(ctx: EngineContext, infos: MigrationInfo[]): void {
  const failed = infos.filter((i) => i.state === 'Failed' || i.state === 'Failed (Missing)' || i.state === 'Failed (Future)');
  const first = failed[0];
  if (!first) return;
  const futureOnly = failed.every((i) => i.state === 'Failed (Future)') && ctx.config.ignoreMigrationPatterns.some((p) => /^(\*|versioned):(\*|future)$/i.test(p));
  const schema = quotedSchema(ctx);
  const message = first.version
    ? `Schema ${schema} contains a failed migration to version ${first.version.text} !`
    : `Schema ${schema} contains a failed repeatable migration ("${first.description}") !`;
  if (futureOnly) {
    ctx.log.warn(message);
    return;
  }
  throw new GodwitError(first.version ? 'FAILED_VERSIONED_MIGRATION' : 'FAILED_REPEATABLE_MIGRATION', message, {
    hint: 'Remove any half-completed changes, then run repair to remove the failed row from the schema history.',
  });
}

function warnFuture(ctx: EngineContext, snapshot: Snapshot): void {
  const future = snapshot.infos.filter((i) => i.state === 'Future' && i.version);
  const latestFile = snapshot.resolved.filter((m) => m.kind === 'versioned').at(-1);
  const newest = future.at(-1);
  if (newest?.version) {
    ctx.log.warn(`Schema ${quotedSchema(ctx)} has a version (${newest.version.text}) that is newer than the latest available migration (${latestFile?.version?.text ?? ''}) !`);
  }
}

function output(ctx: EngineContext, migration: ResolvedMigration, executionTime: number): MigrateOutput {
  return {
    category: migration.kind === 'repeatable' ? 'Repeatable' : 'Versioned',
    version: migration.version?.text ?? '',
    description: migration.description,
    type: migration.type,
    filepath: migration.physicalPath,
    executionTime,
  };
}

/** Applies one prepared migration under the lock; returns false when another process got there first. */
async function applyOne(ctx: EngineContext, resolved: ResolvedMigration[], target: string, script: PreparedScript, done: MigrateOutput[]): Promise<boolean> {
  const { history, dialect, log } = ctx;
  const migration = script.migration;
  let executionTime = 0;
  try {
    return await withLock(ctx, { transaction: script.transactional }, async () => {
      const rows = await history.read();
      const next = pendingMigrations(infosFor(ctx, resolved, rows, target))[0];
      if (next?.resolved !== migration) return false;
      const outOfOrder = next.version !== null && rows.some((r) => r.success && r.version !== null && next.version !== null && r.version.compareTo(next.version) > 0);
      log.info(`Migrating schema ${quotedSchema(ctx)} ${describeMigration(migration)}${outOfOrder ? ' [out of order]' : ''}${script.transactional ? '' : ' [non-transactional]'}`);
      const started = performance.now();
      try {
        await runScript(ctx, script);
      } catch (error) {
        executionTime = Math.round(performance.now() - started);
        if (!script.transactional) await history.append(await history.read(), failedRow(ctx, migration, executionTime));
        throw error;
      }
      executionTime = Math.round(performance.now() - started);
      await history.append(rows, { ...rowFor(ctx, migration), executionTime, success: true });
      done.push(output(ctx, migration, executionTime));
      return true;
    });
  } catch (error) {
    if (!(error instanceof ScriptStatementError)) throw error;
    const rolledBack = script.transactional && dialect.supportsTransactionalDdl;
    if (script.transactional && !rolledBack) {
      await withLock(ctx, { transaction: false }, async () => history.append(await history.read(), failedRow(ctx, migration, executionTime)));
    }
    throw migrationFailed(ctx, migration, error, rolledBack);
  }
}

/** Reports a failed migration as Flyway does, and builds the error that carries where it failed. */
function migrationFailed(ctx: EngineContext, migration: ResolvedMigration, error: ScriptStatementError, rolledBack: boolean): MigrationFailedError {
  ctx.log.error(
    `Migration of schema ${quotedSchema(ctx)} ${describeMigration(migration)} failed! ${rolledBack ? 'Changes successfully rolled back.' : 'Please restore backups and roll back database and code!'}`,
  );
  return new MigrationFailedError(
    migration.kind === 'repeatable' ? 'FAILED_REPEATABLE_MIGRATION' : 'FAILED_VERSIONED_MIGRATION',
    failureMessage(migration, error),
    {
      script: migration.script,
      version: migration.version?.text ?? null,
      description: migration.description,
      line: error.line,
      statement: error.statement.sql,
      sqlState: error.error.sqlState,
      rolledBack,
    },
    {
      location: `${migration.script}:${error.line}`,
      cause: error.error,
      hint: rolledBack
        ? 'Nothing of this migration was kept. Fix the script and run migrate again.'
        : `The database could not roll back: what ran before line ${error.line} stays applied. Remove it by hand, then run repair.`,
    },
  );
}

function rowFor(ctx: EngineContext, migration: ResolvedMigration) {
  return {
    version: migration.version?.text ?? null,
    description: migration.description,
    type: migration.type,
    script: migration.script,
    checksum: migration.checksum,
    installedBy: ctx.config.installedBy ?? null,
  };
}

function failedRow(ctx: EngineContext, migration: ResolvedMigration, executionTime: number) {
  return { ...rowFor(ctx, migration), executionTime, success: false };
}

/** group=true: every pending migration in one transaction, under one lock; all or nothing. */
async function applyGroup(ctx: EngineContext, resolved: ResolvedMigration[], target: string, done: MigrateOutput[]): Promise<void> {
  const { history, log } = ctx;
  await withLock(ctx, { transaction: true }, async () => {
    let rows = await history.read();
    for (const info of pendingMigrations(infosFor(ctx, resolved, rows, target))) {
      const migration = info.resolved;
      if (!migration) continue;
      const script = await prepareScript(ctx, migration);
      if (!script.transactional) {
        throw new GodwitError('NON_TRANSACTIONAL_IN_GROUP', `Migration ${migration.script} cannot run in a transaction, so it cannot be applied with group=true.`, {
          location: migration.script,
          hint: 'Run it on its own (without -group=true), or make it transactional.',
        });
      }
      log.info(`Migrating schema ${quotedSchema(ctx)} ${describeMigration(migration)}`);
      const started = performance.now();
      try {
        await runScript(ctx, script);
      } catch (error) {
        if (error instanceof ScriptStatementError) throw migrationFailed(ctx, migration, error, ctx.dialect.supportsTransactionalDdl);
        throw error;
      }
      const executionTime = Math.round(performance.now() - started);
      await history.append(rows, { ...rowFor(ctx, migration), executionTime, success: true });
      rows = await history.read();
      done.push(output(ctx, migration, executionTime));
    }
  });
}

export async function migrate(ctx: EngineContext): Promise<MigrateResult> {
  const { config, log } = ctx;
  const started = performance.now();
  const resolved = await resolveAll(ctx);
  if (config.validateOnMigrate) await validateSnapshot(ctx, await readSnapshot(ctx, resolved), { pendingIsError: false });
  await prepareHistory(ctx);

  const initial = await readSnapshot(ctx, resolved);
  const target = concreteTarget(ctx, initial);
  const initialVersion = currentVersion(initial.infos)?.version?.text ?? null;
  log.info(`Current version of schema ${quotedSchema(ctx)}: ${initialVersion ?? '<< Empty Schema >>'}`);
  if (config.outOfOrder) log.warn(`outOfOrder mode is active. Migration of schema ${quotedSchema(ctx)} may not be reproducible.`);
  warnFuture(ctx, initial);

  const done: MigrateOutput[] = [];
  if (config.group) {
    refuseFailed(ctx, initial.infos);
    await applyGroup(ctx, resolved, target, done);
  } else {
    for (;;) {
      const infos = infosFor(ctx, resolved, await ctx.history.read(), target);
      refuseFailed(ctx, infos);
      const next = pendingMigrations(infos)[0]?.resolved;
      if (!next) break;
      await applyOne(ctx, resolved, target, await prepareScript(ctx, next), done);
    }
  }

  const final = await readSnapshot(ctx, resolved);
  const finalVersion = currentVersion(final.infos)?.version?.text ?? null;
  const elapsed = formatDuration(performance.now() - started);
  if (done.length === 0) {
    log.info(`Schema ${quotedSchema(ctx)} is up to date. No migration necessary.`);
  } else {
    const versionPart = done.some((m) => m.version !== '') && finalVersion ? `, now at version v${finalVersion}` : '';
    log.info(`Successfully applied ${done.length} migration${done.length === 1 ? '' : 's'} to schema ${quotedSchema(ctx)}${versionPart} (execution time ${elapsed})`);
  }
  return {
    ...operationBase(ctx, 'migrate'),
    operation: 'migrate',
    initialSchemaVersion: initialVersion,
    targetSchemaVersion: finalVersion,
    schemaName: ctx.defaultSchema,
    migrations: done,
    migrationsExecuted: done.length,
    success: true,
    databaseType: ctx.dialect.displayName,
  };
}
