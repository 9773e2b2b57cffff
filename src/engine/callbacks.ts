import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, GodwitError } from '../errors.js';
import { stripBom } from './checksum.js';
import { failureMessage } from './commands/migrate-messages.js';
import type { EngineContext } from './context.js';
import { locationScans, placeholdersFor } from './context.js';
import type { CallbackEvent } from './filename.js';
import { parseMigrationFilename } from './filename.js';
import { inTransaction } from './lock.js';
import { compareText, filesystemPath, locationRoots, readWithScriptConfig, scanLocation, scriptPath } from './resolver.js';
import { prepareStatements, runScript, ScriptStatementError } from './script.js';

/** A SQL callback script (`beforeMigrate.sql`, `afterEachMigrate__Grants.sql`), found but not yet read. */
export interface CallbackScript {
  event: CallbackEvent;
  description: string;
  /** Relative to its location, `/`-separated: for messages and `${flyway:filename}`. */
  script: string;
  physicalPath: string;
}

/** The commands whose before/after/error events godwit fires, as Flyway names them in event names. */
export type CallbackOperation = 'Migrate' | 'Validate' | 'Clean' | 'Info' | 'Baseline' | 'Repair' | 'Undo';

const OPERATIONS: readonly CallbackOperation[] = ['Migrate', 'Validate', 'Clean', 'Info', 'Baseline', 'Repair', 'Undo'];

/** Every event godwit fires; a script for another of Flyway's events is reported, never silently skipped. */
const FIRED = new Set<CallbackEvent>([
  ...OPERATIONS.flatMap((op) => [`before${op}`, `after${op}`, `after${op}Error`] as CallbackEvent[]),
  'beforeEachMigrate', 'afterEachMigrate', 'afterEachMigrateError', 'afterMigrateApplied',
  'beforeEachUndo', 'afterEachUndo', 'afterEachUndoError',
]);

const found = new WeakMap<EngineContext, Promise<CallbackScript[]>>();

/** The callback scripts of this run, scanned once per command. */
export function callbackScripts(ctx: EngineContext): Promise<CallbackScript[]> {
  let scripts = found.get(ctx);
  if (scripts === undefined) {
    scripts = discover(ctx);
    found.set(ctx, scripts);
  }
  return scripts;
}

/**
 * Callback scripts in the locations (unless skipDefaultCallbacks), then those the `callbacks` setting
 * names. Within an event they run by description, a script without one first, as Flyway sorts them.
 */
async function discover(ctx: EngineContext): Promise<CallbackScript[]> {
  const { config } = ctx;
  const scripts: CallbackScript[] = [];
  // The migration scan has already reported missing or duplicate locations.
  const roots = config.skipDefaultCallbacks ? [] : await locationRoots(config, () => undefined);
  for (const root of roots) scripts.push(...(await scan(ctx, root)));
  for (const entry of config.callbacks) scripts.push(...(await fromSetting(ctx, entry)));

  for (const script of scripts) {
    if (!FIRED.has(script.event)) {
      ctx.log.warn(`godwit does not fire the ${script.event} event: callback ${script.physicalPath} is never run.`);
    }
  }
  return scripts.sort((a, b) => compareText(a.description, b.description) || compareText(a.physicalPath, b.physicalPath));
}

async function scan(ctx: EngineContext, root: string): Promise<CallbackScript[]> {
  const scripts: CallbackScript[] = [];
  for (const { file, name } of await scanLocation(root, ctx.config, locationScans(ctx))) {
    if (name?.kind !== 'callback') continue;
    scripts.push({ event: name.event, description: name.description, script: scriptPath(root, file), physicalPath: file });
  }
  return scripts;
}

/**
 * One `callbacks` entry. Flyway takes Java class names there as well; godwit runs scripts only, so
 * anything but a `filesystem:` folder or callback script is refused rather than ignored.
 */
async function fromSetting(ctx: EngineContext, entry: string): Promise<CallbackScript[]> {
  const location = 'callbacks';
  if (!entry.trim().startsWith('filesystem:')) {
    throw new ConfigError(`Unable to load callback '${entry}': godwit runs SQL callback scripts only, not Java classes.`, {
      hint: 'Name a folder or script of SQL callbacks, e.g. -callbacks=filesystem:sql/callbacks, or put the scripts in one of the locations.',
      location,
    });
  }
  const target = filesystemPath(entry, ctx.config.workingDirectory);
  const info = await stat(target).catch(() => null);
  if (info === null) {
    throw new ConfigError(`Unable to load callback '${entry}': ${target} not found.`, { hint: 'Correct the path in -callbacks (relative paths start at the working directory).', location });
  }
  if (info.isDirectory()) return scan(ctx, target);
  const name = parseMigrationFilename(path.basename(target), ctx.config);
  if (name?.kind !== 'callback') {
    throw new ConfigError(`Unable to load callback '${entry}': ${path.basename(target)} is not named after a callback event.`, {
      hint: 'Name it after the event it runs on, optionally with a description: beforeMigrate.sql, afterMigrate__Grants.sql.',
      location,
    });
  }
  return [{ event: name.event, description: name.description, script: path.basename(target), physicalPath: target }];
}

export interface FireOptions {
  /**
   * Run on the connection as it is, inside the migration's transaction if it has one (the
   * beforeEach/afterEach events), instead of each script in a transaction of its own.
   */
  inCurrentTransaction?: boolean;
}

/** Runs the scripts of one event in order, with placeholders and script configuration applied. */
export async function fireCallbacks(ctx: EngineContext, event: CallbackEvent, options: FireOptions = {}): Promise<void> {
  for (const callback of await callbackScripts(ctx)) {
    if (callback.event !== event) continue;
    const { text, scriptConfig } = await readWithScriptConfig(callback.physicalPath, callback.script, ctx.config, () => placeholdersFor(ctx, callback.script));
    if (scriptConfig.shouldExecute?.value === false) continue;
    const prepared = prepareStatements(ctx, { ...callback, scriptConfig }, stripBom(text));
    // Flyway logs " - " even for a script without a description; kept so that log scrapers match.
    ctx.log.info(`Executing SQL callback: ${event} - ${callback.description}${prepared.transactional ? '' : ' [non-transactional]'}`);
    const run = () => runScript(ctx, prepared).catch((error: unknown) => {
      throw error instanceof ScriptStatementError ? callbackFailed(callback, error) : error;
    });
    if (options.inCurrentTransaction || !prepared.transactional) await run();
    else await inTransaction(ctx, run);
  }
}

/** Whether any callback script of this run answers `event`. */
export async function hasCallbacks(ctx: EngineContext, event: CallbackEvent): Promise<boolean> {
  return (await callbackScripts(ctx)).some((c) => c.event === event);
}

/**
 * Fires an error event after `failure`. The original failure is what the user must see, so a callback
 * that fails in turn is only logged.
 */
export async function fireErrorCallbacks(ctx: EngineContext, event: CallbackEvent, failure: unknown): Promise<void> {
  if (!(await hasCallbacks(ctx, event))) return;
  try {
    await fireCallbacks(ctx, event);
  } catch (error) {
    ctx.log.error(`${event} callback failed after ${failure instanceof Error ? failure.message.split('\n')[0] : 'an error'}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** before<Operation>, the work, then after<Operation> or after<Operation>Error. */
export async function withCallbacks<T>(ctx: EngineContext, operation: CallbackOperation, work: () => Promise<T>): Promise<T> {
  await fireCallbacks(ctx, `before${operation}`);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await fireErrorCallbacks(ctx, `after${operation}Error`, error);
    throw error;
  }
  await fireCallbacks(ctx, `after${operation}`);
  return result;
}

function callbackFailed(callback: CallbackScript, error: ScriptStatementError): GodwitError {
  return new GodwitError('CALLBACK_FAILED', failureMessage(callback, error, `Callback ${callback.script} (${callback.event}) failed`), {
    location: `${callback.script}:${error.line}`,
    cause: error.error,
    hint: `Fix the callback script, or move it out of the locations to stop it running on ${callback.event}.`,
  });
}
