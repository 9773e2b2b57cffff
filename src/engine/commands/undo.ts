import { GodwitError, MigrationFailedError } from '../../errors.js';
import { fireErrorCallbacks, withCallbacks } from '../callbacks.js';
import type { EngineContext } from '../context.js';
import { quotedSchema } from '../context.js';
import { formatDuration } from '../duration.js';
import type { MigrationInfo } from '../info.js';
import { currentVersion, isFailedState, isSyntheticType } from '../info.js';
import type { UndoOutput, UndoResult } from '../results.js';
import { withLock } from '../lock.js';
import type { RowInput } from '../schema-history.js';
import { prepareMigration } from '../code-migration.js';
import { emitProgress } from '../events.js';
import { infosFor, operationBase, readSnapshot, resolveAll } from '../snapshot.js';
import type { ResolvedMigration } from '../types.js';
import { isReservedTarget, MigrationVersion } from '../version.js';
import type { LockedScript } from './migrate.js';
import { migrationFailed, runGroupStep, runLocked } from './migrate.js';
import { validateSnapshot } from './validate.js';
import type { CherryPick } from '../cherry-pick.js';
import { cherryPickOf, itemMatches, requireKnownPicks } from '../cherry-pick.js';

const UNDO_EVENTS: LockedScript['events'] = { before: 'beforeEachUndo', after: 'afterEachUndo', error: 'afterEachUndoError' };

/**
 * The versioned migration undo reverts next: the one applied last (by installed_rank) that is neither
 * undone nor deleted. Baseline and schema markers are not migrations and cannot be undone.
 */
function latestApplied(infos: MigrationInfo[]): MigrationInfo | null {
  let latest: MigrationInfo | null = null;
  for (const info of infos) {
    const row = info.applied;
    if (row === null || info.category !== 'Versioned' || info.state === 'Undone' || info.state === 'Deleted' || isSyntheticType(row.type)) continue;
    if (latest === null || row.installedRank > (latest.applied?.installedRank ?? -1)) latest = info;
  }
  return latest;
}

function isLiveVersioned(info: MigrationInfo): boolean {
  return info.applied !== null && info.category === 'Versioned' && info.state !== 'Undone' && info.state !== 'Deleted' && !isSyntheticType(info.applied.type);
}

/**
 * With cherryPick, the applied migrations undo reverts, in the reverse of the order they are listed
 * (Flyway Teams: `undo -cherryPick=3,2,1` undoes 1, then 2, then 3), whatever was applied after them.
 */
function pickedApplied(infos: MigrationInfo[], picks: readonly string[]): MigrationInfo[] {
  const chosen: MigrationInfo[] = [];
  for (const item of [...picks].reverse()) {
    const matching = infos.filter((i) => isLiveVersioned(i) && itemMatches(item, i.version, i.description) && !chosen.includes(i));
    chosen.push(...matching.sort((a, b) => (b.applied?.installedRank ?? 0) - (a.applied?.installedRank ?? 0)));
  }
  return chosen;
}

/** `2 - Add phone`, as Flyway Teams names the version in undo's log lines (no quotes, unlike migrate). */
function describeVersion(version: MigrationVersion, description: string): string {
  return description === '' ? version.text : `${version.text} - ${description}`;
}

/** The file the user should create: `U2__Add_phone.sql`, with the configured prefix, separator and suffix. */
function expectedUndoFile(ctx: EngineContext, info: MigrationInfo, version: MigrationVersion): string {
  const { config } = ctx;
  const rawVersion = info.resolved?.rawVersion || version.text;
  const description = info.description === '' ? '' : `${config.sqlMigrationSeparator}${info.description.replaceAll(' ', '_')}`;
  return `${config.undoSqlMigrationPrefix}${rawVersion}${description}${config.sqlMigrationSuffixes[0] ?? '.sql'}`;
}

/** The undo file to run for `info`, unless its script configuration says it should not execute. */
function undoFileOf(info: MigrationInfo): ResolvedMigration | null {
  return info.undo?.scriptConfig?.shouldExecute?.value === false ? null : info.undo;
}

/**
 * Flyway Teams' undo: reverts the most recently applied versioned migration with its `U` file, in one
 * transaction under the lock, and records an UNDO_SQL row (UNDO_JDBC for a code file); the version then shows as Undone and its
 * file as Pending. With a version as `target` it keeps going in reverse applied order while versions
 * are at or above the target, stopping at the first one without an undo file.
 */
export async function undo(ctx: EngineContext): Promise<UndoResult> {
  const { config, history, log } = ctx;
  const started = performance.now();
  const schema = quotedSchema(ctx);
  const resolved = await resolveAll(ctx);
  const picks = cherryPickOf(config.cherryPick);
  requireKnownPicks(picks, resolved);
  // cherryPick names the migrations to undo, so a target does not bound them.
  const floor = picks !== null || isReservedTarget(config.target) ? null : MigrationVersion.parse(config.target);
  const snapshot = await readSnapshot(ctx, resolved, 'latest');
  if (config.validateOnMigrate && snapshot.tableExists) {
    await withCallbacks(ctx, 'Validate', async () => validateSnapshot(ctx, snapshot, { pendingIsError: false }));
  }

  const initialVersion = currentVersion(snapshot.infos)?.version?.text ?? null;
  const result: UndoResult = {
    ...operationBase(ctx, 'undo'),
    operation: 'undo',
    initialSchemaVersion: initialVersion,
    targetSchemaVersion: initialVersion,
    schemaName: ctx.defaultSchema,
    undoneMigrations: [],
    migrationsUndone: 0,
  };
  if (!snapshot.tableExists) {
    log.info(`Schema ${schema} has no schema history table ${history.qualifiedName}: nothing to undo.`);
    return result;
  }

  // Every picked undo is checked before the first runs: none without its undo file, none failed.
  if (picks !== null) pickedApplied(snapshot.infos, picks).forEach((info) => stepFor(ctx, info, 0));
  await withCallbacks(ctx, 'Undo', async () => {
    log.info(`Current version of schema ${schema}: ${initialVersion ?? '<< Empty Schema >>'}`);
    // Recording without running needs no transaction per undo: one for all of them, as group does.
    if (config.group || config.skipExecutingMigrations) await undoGroup(ctx, resolved, floor, picks, result.undoneMigrations);
    else await undoEach(ctx, resolved, floor, picks, result.undoneMigrations);
  });

  const finalVersion = currentVersion((await readSnapshot(ctx, resolved, 'latest')).infos)?.version?.text ?? null;
  result.targetSchemaVersion = finalVersion;
  result.migrationsUndone = result.undoneMigrations.length;
  const count = result.migrationsUndone;
  if (count > 0) {
    const now = finalVersion === null ? '' : `, now at version v${finalVersion}`;
    log.info(`Successfully undid ${count} migration${count === 1 ? '' : 's'} to schema ${schema}${now} (execution time ${formatDuration(performance.now() - started)})`);
  }
  return result;
}

/** The next undo to run, after `done` ran; or null when undo is finished, having logged why. */
interface UndoStep {
  info: MigrationInfo;
  version: MigrationVersion;
  undoFile: ResolvedMigration;
}

/** The applied migration undo reverts next: the latest applied one, or with cherryPick the next one picked. */
function candidate(infos: MigrationInfo[], picks: CherryPick): MigrationInfo | null {
  return picks === null ? latestApplied(infos) : (pickedApplied(infos, picks)[0] ?? null);
}

function nextUndo(ctx: EngineContext, infos: MigrationInfo[], floor: MigrationVersion | null, picks: CherryPick, done: number): UndoStep | null {
  const { log } = ctx;
  const schema = quotedSchema(ctx);
  const info = candidate(infos, picks);
  const version = info?.version ?? null;
  if (info === null || version === null) {
    if (done === 0) log.info(`Schema ${schema} has no applied versioned migration${picks === null ? '' : ' among those picked by cherryPick'} to undo.`);
    return null;
  }
  // Each picked one was asked for by name: it is undone, or undo fails, however many ran before it.
  if (picks !== null) return stepFor(ctx, info, 0);
  if (done > 0 && floor === null) return null;
  if (floor !== null && version.compareTo(floor) < 0) {
    if (done === 0) log.info(`Schema ${schema} is at version ${version.text}, below the undo target ${floor.text}: nothing to undo.`);
    return null;
  }
  return stepFor(ctx, info, done);
}

/** The undo of an applied versioned migration, or the error that says why it cannot be undone. */
function stepFor(ctx: EngineContext, info: MigrationInfo, done: number): UndoStep | null {
  const { log } = ctx;
  const schema = quotedSchema(ctx);
  const version = info.version as MigrationVersion;
  if (isFailedState(info.state)) {
    throw new GodwitError('FAILED_VERSIONED_MIGRATION', `Unable to undo: schema ${schema} contains a failed migration to version ${version.text} !`, {
      hint: 'Remove any half-completed changes, then run repair to remove the failed row; undo then reverts the latest successful migration.',
    });
  }
  const undoFile = undoFileOf(info);
  if (undoFile === null) {
    if (done > 0) {
      log.info(`Stopping at version ${version.text}: it has no undo migration.`);
      return null;
    }
    const expected = expectedUndoFile(ctx, info, version);
    throw new GodwitError('UNDO_MIGRATION_NOT_FOUND', `Unable to undo migration to version ${version.text} (${info.description}): no undo migration ${expected} found.`, {
      hint: `Create ${expected} in one of the locations${info.resolved ? ` (beside ${info.resolved.script})` : ''} with the SQL that reverts it.`,
      location: info.resolved?.physicalPath ?? info.script,
    });
  }
  return { info, version, undoFile };
}

function undoRow(ctx: EngineContext, { version, undoFile }: UndoStep): Omit<RowInput, 'executionTime' | 'success'> {
  return {
    version: version.text,
    description: undoFile.description,
    type: undoFile.type,
    script: undoFile.script,
    checksum: undoFile.checksum,
    installedBy: ctx.config.installedBy ?? null,
  };
}

function subjectOf(ctx: EngineContext, { version, undoFile }: UndoStep): string {
  return `migration of schema ${quotedSchema(ctx)} to version ${describeVersion(version, undoFile.description)}`;
}

/** Each undo in a transaction of its own (when it can have one), each under the lock. */
async function undoEach(ctx: EngineContext, resolved: ResolvedMigration[], floor: MigrationVersion | null, picks: CherryPick, done: UndoOutput[]): Promise<void> {
  for (;;) {
    const step = nextUndo(ctx, infosFor(ctx, resolved, await ctx.history.read(), 'latest'), floor, picks, done.length);
    if (step === null) return;
    const appliedRank = step.info.applied?.installedRank;
    const script = await prepareMigration(ctx, step.undoFile);
    const executionTime = await runLocked(ctx, {
      script,
      row: undoRow(ctx, step),
      events: UNDO_EVENTS,
      announce: (rows) => {
        // Another process may have undone or applied something meanwhile: then plan again.
        if (candidate(infosFor(ctx, resolved, rows, 'latest'), picks)?.applied?.installedRank !== appliedRank) return null;
        return `Undoing ${subjectOf(ctx, step)}${script.transactional ? '' : ' [non-transactional]'}`;
      },
      failed: (error, rolledBack) => migrationFailed(ctx, step.undoFile, error, rolledBack, `Undo of ${subjectOf(ctx, step)}`, 'FAILED_UNDO_MIGRATION'),
    });
    if (executionTime === null) {
      if (floor === null && picks === null) return;
      continue;
    }
    emitProgress(ctx.progress, ctx.log, step.undoFile, { event: 'succeeded', executionTime });
    done.push(undoOutput(step.version, step.undoFile, executionTime));
  }
}

/**
 * group=true: every undo down to the target in one transaction, under one lock, planned from the rows
 * read under it; on a database with transactional DDL a failure anywhere rolls all of them back.
 * skipExecutingMigrations records the undo rows this way too, running neither the undo scripts nor the
 * beforeEachUndo and afterEachUndo callbacks, as Flyway's migrate skips beforeEachMigrate and afterEachMigrate
 * (Flyway's undo code is not public; its documentation says only that undo skips execution too).
 */
async function undoGroup(ctx: EngineContext, resolved: ResolvedMigration[], floor: MigrationVersion | null, picks: CherryPick, done: UndoOutput[]): Promise<void> {
  const { history, log } = ctx;
  const undone: UndoOutput[] = [];
  try {
    await withLock(ctx, { transaction: true }, async () => {
      for (;;) {
        const rows = await history.read();
        const step = nextUndo(ctx, infosFor(ctx, resolved, rows, 'latest'), floor, picks, undone.length);
        if (step === null) return;
        if (ctx.config.skipExecutingMigrations) {
          log.debug(`Skipping execution of undo of ${subjectOf(ctx, step)}`);
          await history.append(rows, { ...undoRow(ctx, step), executionTime: 0, success: true });
          emitProgress(ctx.progress, log, step.undoFile, { event: 'succeeded', executionTime: 0 });
          undone.push(undoOutput(step.version, step.undoFile, 0));
          continue;
        }
        const script = await prepareMigration(ctx, step.undoFile);
        if (!script.transactional) {
          throw new GodwitError('NON_TRANSACTIONAL_IN_GROUP', `Undo migration ${step.undoFile.script} cannot run in a transaction, so it cannot be applied with group=true.`, {
            location: step.undoFile.script,
            hint: 'Run undo without -group=true, or make the undo migration transactional.',
          });
        }
        const executionTime = await runGroupStep(
          ctx,
          {
            script,
            row: undoRow(ctx, step),
            events: UNDO_EVENTS,
            announcement: `Undoing ${subjectOf(ctx, step)}`,
            failed: (error, rolledBack) => migrationFailed(ctx, step.undoFile, error, rolledBack, `Undo of ${subjectOf(ctx, step)}`, 'FAILED_UNDO_MIGRATION'),
          },
          rows,
        );
        undone.push(undoOutput(step.version, step.undoFile, executionTime));
      }
    });
  } catch (error) {
    if (error instanceof MigrationFailedError) await fireErrorCallbacks(ctx, 'afterEachUndoError', error);
    throw error;
  }
  done.push(...undone);
}

function undoOutput(version: MigrationVersion, file: ResolvedMigration, executionTime: number): UndoOutput {
  return { version: version.text, description: file.description, filepath: file.physicalPath, executionTime };
}
