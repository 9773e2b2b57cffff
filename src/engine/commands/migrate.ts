import { GodwitError, MigrationFailedError } from '../../errors.js';
import type { EngineContext } from '../context.js';
import { quotedSchema } from '../context.js';
import { formatDuration } from '../duration.js';
import type { MigrationInfo } from '../info.js';
import { currentVersion, pendingMigrations } from '../info.js';
import type { CallbackEvent } from '../filename.js';
import { fireCallbacks, fireErrorCallbacks, hasCallbacks, withCallbacks } from '../callbacks.js';
import type { RowInput } from '../schema-history.js';
import { fitted } from '../schema-history.js';
import { withLock } from '../lock.js';
import type { MigrateOutput, MigrateResult } from '../results.js';
import { runIfHistoryUnchanged, ScriptStatementError, soleBatch, statementFailure } from '../script.js';
import type { PreparedMigration } from '../code-migration.js';
import { CodeMigrationError, prepareMigration, runPrepared } from '../code-migration.js';
import { emitProgress } from '../events.js';
import type { Snapshot } from '../snapshot.js';
import { infosFor, operationBase, readSnapshot, resolveAll } from '../snapshot.js';
import type { AppliedMigration, ResolvedMigration } from '../types.js';
import { HeldCommitError, StatementError } from '../../dialects/dialect.js';
import { isReservedTarget, MigrationVersion } from '../version.js';
import { writeBaseline } from './baseline.js';
import { nonEmptySchemas, createMissingSchemas } from './prepare-schemas.js';
import { validateSnapshot } from './validate.js';
import { describeMigration, failureMessage } from './migrate-messages.js';
import { cherryPickOf, refuseDescendingPicks, requireKnownPicks } from '../cherry-pick.js';

/** Flyway's `target`, made concrete once: `next` must mean the next one at the start, not every pass. */
function concreteTarget(ctx: EngineContext, snapshot: Snapshot): string {
  const { target } = ctx.config;
  if (target === 'next') {
    const next = dueMigrations(snapshot.infos).find((i) => i.version !== null);
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

/** What runLocked runs and records: a migration, or the undo of one. */
export interface LockedScript {
  script: PreparedMigration;
  /** The history row to write, without the outcome. */
  row: Omit<RowInput, 'executionTime' | 'success'>;
  /**
   * Called under the lock with the rows just read: the line to log before running, or null when the
   * script is no longer due because another process got there first.
   */
  announce(rows: AppliedMigration[]): string | null;
  /** The history as last seen, to read only what was written since; without it, all of it is read. */
  known?: AppliedMigration[];
  /** Callbacks run just before and after the script, in its transaction, and after it failed. */
  events: { before: CallbackEvent; after: CallbackEvent; error: CallbackEvent };
  /** Reports the failure as Flyway does and builds the error to throw. */
  failed(error: ScriptStatementError, rolledBack: boolean): MigrationFailedError;
  /**
   * Given, the COMMIT may be held back to travel with the next round trip (see LockedWorkOptions), and
   * this is called with the execution time once it went through; the caller flushes the dialect.
   */
  landed?: (executionTime: number) => void;
}

/**
 * One script of a group=true run, inside the group's transaction and lock: its callbacks, the script
 * and its success row. Returns the execution time; a refused statement becomes the job's failure.
 */
export async function runGroupStep(ctx: EngineContext, job: Omit<LockedScript, 'announce' | 'known'> & { announcement: string }, rows: AppliedMigration[]): Promise<number> {
  const { log } = ctx;
  const migration = job.script.migration;
  await fireCallbacks(ctx, job.events.before, { inCurrentTransaction: true });
  log.info(job.announcement);
  emitProgress(ctx.progress, log, migration, { event: 'started' });
  const started = performance.now();
  try {
    await runPrepared(ctx, job.script);
    await fireCallbacks(ctx, job.events.after, { inCurrentTransaction: true });
  } catch (error) {
    if (!(error instanceof ScriptStatementError)) throw error;
    const failure = job.failed(error, ctx.dialect.supportsTransactionalDdl);
    emitProgress(ctx.progress, log, migration, { event: 'failed', error: failure });
    throw failure;
  }
  const executionTime = Math.round(performance.now() - started);
  await ctx.history.append(rows, { ...job.row, executionTime, success: true });
  emitProgress(ctx.progress, log, migration, { event: 'succeeded', executionTime });
  return executionTime;
}

/**
 * Runs one prepared script under the lock and records it, in one transaction when the script is
 * transactional. Returns the execution time, or null when the script was no longer due. On failure a
 * database with transactional DDL keeps nothing, not even a row; otherwise a failed row is written.
 */
export async function runLocked(ctx: EngineContext, job: LockedScript): Promise<number | null> {
  const { history, dialect, log } = ctx;
  const { script } = job;
  let executionTime = 0;
  let recorded = false;
  const landed = job.landed;
  const options = { transaction: script.transactional, landed: landed && ((measured?: number) => recorded && landed(measured ?? executionTime)) };
  try {
    return await withLock(ctx, options, async () => {
      let started = 0;
      let begun = false;
      const start = (announcement: string) => {
        log.info(announcement);
        emitProgress(ctx.progress, log, script.migration, { event: 'started' });
        started = performance.now();
        begun = true;
      };
      let rows: AppliedMigration[] | null = null;
      try {
        rows = job.known === undefined ? null : await runEarly(ctx, job, job.known, start);
        const ranEarly = rows !== null;
        if (rows === null) {
          rows = job.known ? await history.readAfter(job.known) : await history.read();
          const announcement = job.announce(rows);
          if (announcement === null) return null;
          await fireCallbacks(ctx, job.events.before, { inCurrentTransaction: true });
          start(announcement);
        }
        if (!ranEarly) await runPrepared(ctx, script);
        await fireCallbacks(ctx, job.events.after, { inCurrentTransaction: true });
      } catch (error) {
        // Failed before the script began (the history read, a callback before it): nothing to record.
        if (!begun) throw error;
        executionTime = Math.round(performance.now() - started);
        // What ran stays in the database (no transaction, or DDL that commits itself): record the
        // failure while the lock is still ours, so no other process re-runs the half-applied script.
        if (!(script.transactional && dialect.supportsTransactionalDdl)) {
          if (script.transactional) await dialect.rollback();
          await history.append(await history.read(), { ...job.row, executionTime, success: false });
        }
        throw error;
      }
      executionTime = Math.round(performance.now() - started);
      await history.append(rows, { ...job.row, executionTime, success: true });
      recorded = true;
      return executionTime;
    });
  } catch (caught) {
    // Once the row is written, what remains to fail is the COMMIT (a deferred constraint, mostly), also
    // when it was held back to travel with the lock's release.
    const error = !recorded ? caught : caught instanceof StatementError ? refusedCommit(caught) : caught instanceof HeldCommitError ? heldFailure(caught) : caught;
    if (!(error instanceof ScriptStatementError)) throw error;
    const rolledBack = script.transactional && dialect.supportsTransactionalDdl;
    const failure = job.failed(error, rolledBack);
    emitProgress(ctx.progress, log, script.migration, { event: 'failed', error: failure });
    await fireErrorCallbacks(ctx, job.events.error, failure);
    throw failure;
  }
}

/**
 * A small transactional script sent right behind the lock and the history read, and stopped by the
 * database unless the history is still `known` (SchemaHistory.runIfUnchanged): the migration then
 * waits for the server once less. Only with no callback to run before it. When its COMMIT may be held
 * back and no callback runs after it, it need not even be waited for (GuardedRun.detach): the next
 * migration goes out behind it, and its failure comes back as a HeldCommitError from there. Returns
 * the rows under the lock when the script ran (or runs); null when it did not go this way or was
 * stopped, and nothing of it ran.
 */
async function runEarly(ctx: EngineContext, job: LockedScript, known: AppliedMigration[], start: (announcement: string) => void): Promise<AppliedMigration[] | null> {
  const statements = 'run' in job.script ? null : soleBatch(job.script);
  if (statements === null || !ctx.dialect.executeIfHistoryUnchanged) return null;
  if (await hasCallbacks(ctx, job.events.before)) return null;
  const rows = [...known];
  const announcement = job.announce(rows);
  if (announcement === null) return null;
  const detach = job.landed !== undefined && !(await hasCallbacks(ctx, job.events.after));
  return (await runIfHistoryUnchanged(ctx, known, statements, { started: () => start(announcement), detach })) ? rows : null;
}

/** What was held back and refused: the script's statement that failed, or else its COMMIT. */
function heldFailure(error: HeldCommitError): ScriptStatementError {
  return error.statement === undefined ? refusedCommit(error.error) : statementFailure(error.statement, error.error);
}

/** A COMMIT the database refused, as the failing statement of the script it would have committed. */
function refusedCommit(error: StatementError): ScriptStatementError {
  return new ScriptStatementError({ sql: 'COMMIT', line: 0, nonTransactional: false }, 0, error);
}

/**
 * Applies one prepared migration under the lock. Returns the history as it now stands (the rows read
 * under the lock plus the one written) and whether rows of another process showed up in it, or null
 * when another process got there first. `planned` is the info the caller picked `script` by, from
 * `known`: while the read under the lock finds nothing new, it still holds and is not rebuilt.
 */
async function applyOne(ctx: EngineContext, resolved: ResolvedMigration[], target: string, planned: MigrationInfo, script: PreparedMigration, known: KnownHistory, done: MigrateOutput[], holding: Holding): Promise<KnownHistory | null> {
  const migration = script.migration;
  let underLock: AppliedMigration[] = [];
  const row = rowFor(ctx, migration);
  let hasLanded = false;
  const executionTime = await runLocked(ctx, {
    script,
    row,
    known: known.rows,
    events: { before: 'beforeEachMigrate', after: 'afterEachMigrate', error: 'afterEachMigrateError' },
    announce: (rows) => {
      underLock = rows;
      const unchanged = rows.length === known.rows.length;
      const next = unchanged ? planned : dueMigrations(infosFor(ctx, resolved, rows, target))[0];
      if (next?.resolved !== migration) return null;
      const outOfOrder = next.version !== null && isBelow(next.version, unchanged ? known.highest : highestApplied(rows));
      return `Migrating schema ${quotedSchema(ctx)} ${describeMigration(migration)}${outOfOrder ? ' [out of order]' : ''}${script.transactional ? '' : ' [non-transactional]'}`;
    },
    failed: (error, rolledBack) => migrationFailed(ctx, migration, error, rolledBack),
    // Reported as applied only once committed: the next migration's first round trip carries the COMMIT.
    landed: (time) => {
      hasLanded = true;
      if (holding.migration === migration) holding.migration = null;
      emitProgress(ctx.progress, ctx.log, migration, { event: 'succeeded', executionTime: time });
      done.push(output(ctx, migration, time));
    },
  });
  if (executionTime === null) return null;
  if (!hasLanded) holding.migration = migration;
  const foreign = underLock.length !== known.rows.length;
  const installedRank = (foreign ? underLock.reduce((max, r) => Math.max(max, r.installedRank), 0) : known.lastRank) + 1;
  const stored = fitted({ ...row, executionTime, success: true });
  const written: AppliedMigration = {
    ...stored,
    version: migration.version,
    installedRank,
    installedBy: stored.installedBy ?? ctx.session.user,
    installedOn: new Date(),
  };
  const highest = foreign ? highestApplied(underLock) : known.highest;
  underLock.push(written);
  return {
    rows: underLock,
    foreign,
    lastRank: installedRank,
    highest: migration.version !== null && isBelow(highest, migration.version) ? migration.version : highest,
  };
}

/** The migration whose COMMIT the dialect holds back (Dialect.commitLater), until it lands. */
interface Holding {
  migration: ResolvedMigration | null;
}

/**
 * The COMMIT of the migration held back, or its detached script, was refused where it travelled: that
 * migration failed, and rolled back. Reported as its failure would have been had it not waited; where
 * the DDL its script ran stays, recorded as runLocked records a failure it waited for.
 */
async function heldCommitFailed(ctx: EngineContext, migration: ResolvedMigration, error: HeldCommitError): Promise<MigrationFailedError> {
  if (error.statement !== undefined && !ctx.dialect.supportsTransactionalDdl) {
    const row = { ...rowFor(ctx, migration), executionTime: error.elapsedMs ?? 0, success: false };
    await withLock(ctx, { transaction: false }, async () => {
      await ctx.history.append(await ctx.history.read(), row);
    });
  }
  const failure = migrationFailed(ctx, migration, heldFailure(error), ctx.dialect.supportsTransactionalDdl);
  emitProgress(ctx.progress, ctx.log, migration, { event: 'failed', error: failure });
  await fireErrorCallbacks(ctx, 'afterEachMigrateError', failure);
  return failure;
}

/**
 * The history as this process knows it, with what each migration needs from it kept up to date as rows
 * are added: a thousand migrations must not each scan a thousand rows.
 */
interface KnownHistory {
  rows: AppliedMigration[];
  /** Rows of another process appeared in the last read: the due list must be rebuilt. */
  foreign: boolean;
  lastRank: number;
  /** The highest version applied successfully: a due migration below it runs out of order. */
  highest: MigrationVersion | null;
}

function knownHistory(rows: AppliedMigration[]): KnownHistory {
  return { rows, foreign: false, lastRank: rows.reduce((max, r) => Math.max(max, r.installedRank), 0), highest: highestApplied(rows) };
}

function highestApplied(rows: AppliedMigration[]): MigrationVersion | null {
  let highest: MigrationVersion | null = null;
  for (const r of rows) if (r.success && r.version !== null && isBelow(highest, r.version)) highest = r.version;
  return highest;
}

/** Whether `version` lies below `than`; nothing lies below null. */
function isBelow(version: MigrationVersion | null, than: MigrationVersion | null): boolean {
  return than !== null && (version === null || version.compareTo(than) < 0);
}

function isOutOfOrder(info: MigrationInfo, rows: AppliedMigration[]): boolean {
  return info.version !== null && isBelow(info.version, highestApplied(rows));
}

/**
 * skipExecutingMigrations: every due migration gets its success row (its real checksum, execution time
 * 0) in one transaction, and nothing of it runs: not the script, not the beforeEachMigrate and
 * afterEachMigrate callbacks. Flyway Teams does the same and logs each one at debug level only.
 */
async function recordAll(ctx: EngineContext, resolved: ResolvedMigration[], target: string, done: MigrateOutput[]): Promise<void> {
  await withLock(ctx, { transaction: true }, async () => {
    for (;;) {
      const rows = await ctx.history.read();
      const infos = infosFor(ctx, resolved, rows, target);
      refuseFailed(ctx, infos);
      const next = dueMigrations(infos)[0];
      const migration = next?.resolved;
      if (!next || !migration) return;
      ctx.log.debug(`Skipping execution of migration of schema ${quotedSchema(ctx)} ${describeMigration(migration)}${isOutOfOrder(next, rows) ? ' [out of order]' : ''}`);
      await ctx.history.append(rows, { ...rowFor(ctx, migration), executionTime: 0, success: true });
      emitProgress(ctx.progress, ctx.log, migration, { event: 'succeeded', executionTime: 0 });
      done.push(output(ctx, migration, 0));
    }
  });
}

/**
 * The pending migrations migrate runs, in order: those whose script configuration says shouldExecute
 * is false are skipped (an undone or outdated one can still be pending after its expression changed).
 */
function dueMigrations(infos: MigrationInfo[]): MigrationInfo[] {
  return pendingMigrations(infos).filter((i) => i.resolved?.scriptConfig?.shouldExecute?.value !== false);
}

/** Reports a failed migration as Flyway does, and builds the error that carries where it failed. */
export function migrationFailed(
  ctx: EngineContext,
  migration: ResolvedMigration,
  error: ScriptStatementError,
  rolledBack: boolean,
  subject = `Migration of schema ${quotedSchema(ctx)} ${describeMigration(migration)}`,
  code = migration.kind === 'repeatable' ? 'FAILED_REPEATABLE_MIGRATION' : 'FAILED_VERSIONED_MIGRATION',
): MigrationFailedError {
  ctx.log.error(`${subject} failed! ${rolledBack ? 'Changes successfully rolled back.' : 'Please restore backups and roll back database and code!'}`);
  // A refused COMMIT (line 0) belongs to the whole script, not to a line of it.
  const line = error instanceof CodeMigrationError ? error.codeLine : error.line === 0 ? null : error.line;
  return new MigrationFailedError(
    code,
    failureMessage(migration, error),
    {
      script: migration.script,
      path: migration.physicalPath,
      version: migration.version?.text ?? null,
      description: migration.description,
      line,
      // A code migration that failed outside a query has no statement to show.
      statement: error.statement.sql === '' ? null : error.statement.sql,
      sqlState: error.error.sqlState,
      rolledBack,
    },
    {
      location: line === null ? migration.script : `${migration.script}:${line}`,
      cause: error.error,
      hint: rolledBack
        ? `Nothing of this migration was kept. Fix the ${error instanceof CodeMigrationError ? 'code' : 'script'} and run ${migration.kind === 'undo' ? 'undo' : 'migrate'} again.`
        : `The database could not roll back: what ran ${line === null ? 'before the failure' : `before line ${line}`} stays applied. Remove it by hand, then run repair.`,
    },
  );
}

function rowFor(ctx: EngineContext, migration: ResolvedMigration): Omit<RowInput, 'executionTime' | 'success'> {
  return {
    version: migration.version?.text ?? null,
    description: migration.description,
    type: migration.type,
    script: migration.script,
    checksum: migration.checksum,
    installedBy: ctx.config.installedBy ?? null,
  };
}

/** group=true: every pending migration in one transaction, under one lock; all or nothing. */
async function applyGroup(ctx: EngineContext, resolved: ResolvedMigration[], target: string, done: MigrateOutput[]): Promise<void> {
  const { history } = ctx;
  await withLock(ctx, { transaction: true }, async () => {
    let rows = await history.read();
    for (const info of dueMigrations(infosFor(ctx, resolved, rows, target))) {
      const migration = info.resolved;
      if (!migration) continue;
      const script = await prepareMigration(ctx, migration);
      if (!script.transactional) {
        throw new GodwitError('NON_TRANSACTIONAL_IN_GROUP', `Migration ${migration.script} cannot run in a transaction, so it cannot be applied with group=true.`, {
          location: migration.script,
          hint: 'Run it on its own (without -group=true), or make it transactional.',
        });
      }
      const executionTime = await runGroupStep(
        ctx,
        {
          script,
          row: rowFor(ctx, migration),
          events: { before: 'beforeEachMigrate', after: 'afterEachMigrate', error: 'afterEachMigrateError' },
          announcement: `Migrating schema ${quotedSchema(ctx)} ${describeMigration(migration)}${isOutOfOrder(info, rows) ? ' [out of order]' : ''}`,
          failed: (error, rolledBack) => migrationFailed(ctx, migration, error, rolledBack),
        },
        rows,
      );
      rows = await history.read();
      done.push(output(ctx, migration, executionTime));
    }
  });
}

export async function migrate(ctx: EngineContext): Promise<MigrateResult> {
  const { config, log } = ctx;
  const started = performance.now();
  // -check=error|warning: refuse dangerous pending migrations before anything runs (docs/check.md).
  if (config.check.toLowerCase() !== 'off') await (await import('../../check/guard.js')).refuseDangerous(ctx);
  const resolved = await resolveAll(ctx);
  const cherryPick = cherryPickOf(config.cherryPick);
  requireKnownPicks(cherryPick, resolved);
  if (cherryPick !== null) refuseDescendingPicks(dueMigrations((await readSnapshot(ctx, resolved)).infos), config.outOfOrder);
  let validated: Snapshot | undefined;
  if (config.validateOnMigrate) {
    const snapshot = await readSnapshot(ctx, resolved);
    await withCallbacks(ctx, 'Validate', async () => validateSnapshot(ctx, snapshot, { pendingIsError: false }));
    validated = snapshot;
  }
  await prepareHistory(ctx);
  // As in Flyway, beforeMigrate runs once the history table exists, before the first migration.
  await fireCallbacks(ctx, 'beforeMigrate');

  // As Flyway refreshes its cached history: what validation read stands, rows ranked above it are added.
  const initial = await readSnapshot(ctx, resolved, config.target, validated);
  const target = concreteTarget(ctx, initial);
  const initialVersion = currentVersion(initial.infos)?.version?.text ?? null;
  log.info(`Current version of schema ${quotedSchema(ctx)}: ${initialVersion ?? '<< Empty Schema >>'}`);
  if (config.outOfOrder) log.warn(`outOfOrder mode is active. Migration of schema ${quotedSchema(ctx)} may not be reproducible.`);
  warnFuture(ctx, initial);

  const done: MigrateOutput[] = [];
  let rows = initial.applied;
  const holding: Holding = { migration: null };
  try {
    if (config.skipExecutingMigrations) {
      await recordAll(ctx, resolved, target, done);
    } else if (config.group) {
      refuseFailed(ctx, initial.infos);
      await applyGroup(ctx, resolved, target, done);
    } else {
      // The history is read under the lock for each migration; between them, what this process wrote
      // stands for it. Should another process apply something meanwhile, the check under the lock sees
      // it, and the history is read afresh.
      // Applying the first due migration leaves the rest due, in order: the list is rebuilt only when
      // it runs out or rows of another process appear, not once per migration (quadratic in their number).
      let known = knownHistory(rows);
      let due: MigrationInfo[] = [];
      let built: MigrationInfo[] | null = target === config.target ? initial.infos : null;
      let confirmed = false;
      for (;;) {
        if (due.length === 0) {
          const infos = built ?? infosFor(ctx, resolved, rows, target);
          built = null;
          refuseFailed(ctx, infos);
          due = dueMigrations(infos);
        }
        const next = due.shift();
        if (!next?.resolved) {
          if (confirmed || done.length > 0) break;
          // As Flyway, which looks for due migrations under the lock even when it expects none: a run
          // that starts while another one applies waits for it, then reports what that one left.
          confirmed = true;
          const fresh = await withLock(ctx, { transaction: true }, () => ctx.history.readAfter(rows));
          if (fresh.length === rows.length) break;
          known = knownHistory(fresh);
          rows = fresh;
          continue;
        }
        const applied = await applyOne(ctx, resolved, target, next, await prepareMigration(ctx, next.resolved), known, done, holding);
        known = applied ?? knownHistory(await ctx.history.read());
        rows = known.rows;
        if (applied === null || applied.foreign) due = [];
      }
      await ctx.dialect.flush?.();
    }
  } catch (caught) {
    let error = caught;
    const held = holding.migration;
    if (held !== null) {
      // A failure of this process's own (an unreadable next script, …) still lets the last COMMIT go.
      if (!(error instanceof HeldCommitError)) {
        try {
          await ctx.dialect.flush?.();
        } catch (flushed) {
          if (flushed instanceof HeldCommitError) error = flushed;
        }
      }
      if (error instanceof HeldCommitError) error = await heldCommitFailed(ctx, held, error);
    } else {
      // A lock release held back between migrations still goes: the session may be used again.
      await ctx.dialect.flush?.().catch(() => undefined);
    }
    // Flyway's failed-migrate JSON is the result so far plus the error: what did get applied.
    if (error instanceof MigrationFailedError) {
      const reached = config.group ? [] : done;
      error.partialResult = {
        ...operationBase(ctx, 'migrate'),
        operation: 'migrate',
        initialSchemaVersion: initialVersion,
        targetSchemaVersion: reached.filter((m) => m.version !== '').at(-1)?.version ?? initialVersion,
        schemaName: ctx.defaultSchema,
        migrations: reached,
        migrationsExecuted: reached.length,
        success: false,
        databaseType: ctx.dialect.displayName,
      };
    }
    await fireErrorCallbacks(ctx, 'afterMigrateError', error);
    throw error;
  }

  // Nothing applied: the history is as read at the start, unless another process wrote to it meanwhile.
  const final = done.length === 0 && rows === initial.applied ? initial : await readSnapshot(ctx, resolved);
  const finalVersion = currentVersion(final.infos)?.version?.text ?? null;
  const elapsed = formatDuration(performance.now() - started);
  if (done.length === 0) {
    log.info(`Schema ${quotedSchema(ctx)} is up to date. No migration necessary.`);
  } else {
    const versionPart = done.some((m) => m.version !== '') && finalVersion ? `, now at version v${finalVersion}` : '';
    log.info(`Successfully applied ${done.length} migration${done.length === 1 ? '' : 's'} to schema ${quotedSchema(ctx)}${versionPart} (execution time ${elapsed})`);
    await fireCallbacks(ctx, 'afterMigrateApplied');
  }
  await fireCallbacks(ctx, 'afterMigrate');
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
