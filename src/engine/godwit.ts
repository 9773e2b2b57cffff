import type { Config } from '../config/config.js';
import type { GodwitSettings, LoadSettingsInput } from '../config/settings.js';
import { configFromSettings, loadSettings } from '../config/settings.js';
import type { ProgressListener } from './events.js';
import { displayUrl } from '../config/jdbc-url.js';
import type { Dialect } from '../dialects/dialect.js';
import { CancelledError, ConfigError, MigrationFailedError } from '../errors.js';
import type { CallbackOperation } from './callbacks.js';
import { withCallbacks } from './callbacks.js';
import type { StatementObserver } from './connect.js';
import { openDialect } from './connect.js';
import type { DryRunOutput } from './dry-run-output.js';
import type { EngineContext } from './context.js';
import { createContext } from './context.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import type { BaselineResult, CleanResult, InfoResult, InitResult, MigrateResult, NewMigrationResult, OperationResult, RepairResult, UndoResult, ValidateResult } from './results.js';
import type { NewMigrationOptions } from './commands/scaffold.js';
import type { CheckOptions } from '../check/run.js';
import type { CheckResult } from '../check/types.js';

/** A command with its before/after callbacks around it (migrate and undo fire theirs from inside). */
function withEvents<T>(operation: CallbackOperation, command: (ctx: EngineContext) => Promise<T>): (ctx: EngineContext) => Promise<T> {
  return (ctx) => withCallbacks(ctx, operation, () => command(ctx));
}

export interface GodwitOptions {
  logger?: Logger;
  /** Hears of every statement of a migration (or callback) as it is sent and as it returns: for progress. */
  statements?: StatementObserver;
  /** Hears of each migration (and undo) as it starts, succeeds or fails. */
  onProgress?: ProgressListener;
}

/**
 * The engine's front: one method per Flyway command. The first command opens the connection and later
 * ones reuse it (so `migrate info` on an in-memory database sees one database); close() ends it.
 *
 * Build one with Godwit.create({ url, locations, … }) from configuration keys alone, with Godwit.load()
 * from config files and FLYWAY_* variables as the CLI does, or with `new Godwit(config)` from a Config
 * that loadConfig produced.
 */
export class Godwit {
  private readonly logger: Logger;
  private session: Promise<Dialect> | undefined;
  private readonly cancellation = new AbortController();
  private readonly statements: StatementObserver | undefined;
  /** -dryRunOutput: where the SQL goes instead of the database; opened by the first command. */
  private dryRun: Promise<DryRunOutput> | undefined;
  private dryRunFailed = false;
  /** The session as the dry run sees it, kept across commands so that each sees what the last "did". */
  private recorder: { session: Dialect; recording: Dialect } | undefined;
  private readonly onProgress: ProgressListener | undefined;

  /**
   * From configuration keys as the command line takes them (`url`, `locations`, `placeholders`, …),
   * everything else at its default. No config file and no environment variable is read, so a test
   * gets the same configuration on every machine. Relative locations resolve against `cwd`.
   */
  static create(settings: GodwitSettings = {}, options: GodwitOptions & { cwd?: string } = {}): Godwit {
    return new Godwit(configFromSettings(settings, options.cwd).config, options);
  }

  /**
   * Configured as the CLI is: flyway.toml / flyway.conf from the usual places, FLYWAY_* variables, and
   * `settings` on top as if given on the command line.
   */
  static load(input: LoadSettingsInput = {}, options: GodwitOptions = {}): Godwit {
    return new Godwit(loadSettings(input).config, options);
  }

  constructor(
    readonly config: Config,
    options: GodwitOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.statements = options.statements;
    this.onProgress = options.onProgress;
  }

  // Each command's code is loaded when it runs: a migrate does not load clean, repair, undo or scaffold.
  migrate(): Promise<MigrateResult> {
    return this.run(async (ctx) => (await import('./commands/migrate.js')).migrate(ctx));
  }

  info(): Promise<InfoResult> {
    return this.run(withEvents('Info', async (ctx) => (await import('./commands/info.js')).info(ctx)));
  }

  validate(): Promise<ValidateResult> {
    return this.run(withEvents('Validate', async (ctx) => (await import('./commands/validate.js')).validate(ctx)));
  }

  baseline(): Promise<BaselineResult> {
    return this.run(withEvents('Baseline', async (ctx) => (await import('./commands/baseline.js')).baseline(ctx)));
  }

  repair(): Promise<RepairResult> {
    return this.run(withEvents('Repair', async (ctx) => (await import('./commands/repair.js')).repair(ctx)));
  }

  clean(): Promise<CleanResult> {
    return this.run(withEvents('Clean', async (ctx) => (await import('./commands/clean.js')).clean(ctx)));
  }

  /** Reverts the latest applied versioned migration (or down to -target) with its U file. */
  undo(): Promise<UndoResult> {
    return this.run(async (ctx) => (await import('./commands/undo.js')).undo(ctx));
  }

  /**
   * Lints migrations for what would lock or break a running system (docs/check.md): the pending ones, or
   * `all`, or the files named. Connects for the pending set and table sizes unless `offline` (or no url).
   */
  async check(options: CheckOptions & { offline: boolean }): Promise<CheckResult> {
    const { runCheck } = await import('../check/run.js');
    if (options.offline || !this.config.url) return runCheck(this.config, options, undefined, this.logger);
    return this.run((ctx) => runCheck(this.config, options, ctx, ctx.log));
  }

  /**
   * Stops the running command, e.g. from a signal handler: cancels the statement in flight on the server
   * and refuses later statements, so the open migration rolls back (where the database can) and the
   * lock is released; the command then fails. Commands started afterwards fail at once. `reason` ends up
   * in the error message (`SIGTERM received`).
   */
  cancel(reason: string): void {
    this.cancellation.abort(reason);
  }

  /** Writes a commented flyway.toml and an empty sql/ folder into the working directory; no database. */
  async init(): Promise<InitResult> {
    return (await import('./commands/scaffold.js')).initProject(this.config, this.logger);
  }

  /** Creates the next migration file in the first location; no database. */
  async newMigration(options: Partial<NewMigrationOptions> & { description: string }): Promise<NewMigrationResult> {
    return (await import('./commands/scaffold.js')).newMigration(this.config, { kind: 'versioned', versionStyle: 'sequential', now: new Date(), ...options }, this.logger);
  }

  private async run<T extends OperationResult>(command: (ctx: EngineContext) => Promise<T>): Promise<T> {
    const warnings: string[] = [];
    const output = await this.openDryRun();
    const log: Logger = {
      info: (m) => {
        output?.comment(m);
        this.logger.info(m);
      },
      debug: (m) => this.logger.debug(m),
      error: (m) => this.logger.error(m),
      warn: (m) => {
        warnings.push(m);
        this.logger.warn(m);
      },
    };
    const { signal } = this.cancellation;
    if (signal.aborted) throw new CancelledError(String(signal.reason));
    try {
      const connected = await this.connect(log);
      const dialect = output ? await this.recording(connected, output) : connected;
      const ctx = await createContext(this.config, dialect, log);
      if (this.onProgress) ctx.progress = this.onProgress;
      await dialect.setCurrentSchema(ctx.defaultSchema);
      const result = await command(ctx);
      result.warnings = warnings;
      return result;
    } catch (error) {
      this.dryRunFailed = true;
      if (error instanceof MigrationFailedError && error.partialResult) error.partialResult.warnings = warnings;
      throw error;
    }
  }

  private async recording(session: Dialect, output: DryRunOutput): Promise<Dialect> {
    if (this.recorder?.session !== session) {
      const { recordingDialect } = await import('./dry-run.js');
      this.recorder = { session, recording: recordingDialect(session, output, this.config.initSql) };
    }
    return this.recorder.recording;
  }

  /**
   * The dry run's script, shared by the commands of one run (`clean migrate` writes one script, and a
   * later `info` shows the state it would leave). Opened before connecting, so a bad path fails first.
   */
  private async openDryRun(): Promise<DryRunOutput | undefined> {
    const { dryRunOutput, outputType, workingDirectory } = this.config;
    if (dryRunOutput === undefined) return undefined;
    if (dryRunOutput === '-' && outputType === 'json') {
      throw new ConfigError('-dryRunOutput=- and -outputType=json both want stdout.', {
        hint: 'Write the dry run to a file (-dryRunOutput=plan.sql), or drop -outputType=json.',
        location: 'dryRunOutput',
      });
    }
    if (this.dryRun === undefined) {
      this.dryRun = import('./dry-run-output.js').then(({ DryRunOutput }) => DryRunOutput.open(dryRunOutput, workingDirectory));
      try {
        const { target } = await this.dryRun;
        this.logger.info(`Dry run: nothing is changed in the database; the SQL goes to ${target === '-' ? 'stdout' : target}.`);
      } catch (error) {
        this.dryRun = undefined;
        throw error;
      }
    }
    return this.dryRun;
  }

  private connect(log: Logger): Promise<Dialect> {
    this.session ??= (async () => {
      const dialect = await openDialect(this.config, log, { signal: this.cancellation.signal, statements: this.statements });
      const { statementTimeout, lockTimeout } = this.config;
      if (statementTimeout > 0 || lockTimeout > 0) await dialect.setTimeouts({ statementMs: statementTimeout * 1000, lockMs: lockTimeout * 1000 });
      log.info(`Database: ${displayUrl(this.config.url ?? '')} (${dialect.displayName} ${await dialect.serverVersion()})`);
      return dialect;
    })();
    // A failed attempt must not be remembered: the next command tries again.
    this.session.catch(() => {
      this.session = undefined;
    });
    return this.session;
  }

  /**
   * Ends the connection; the next command opens a new one. A dry run's script is written now, or
   * removed when a command failed (it would not be what runs).
   */
  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session) await (await session.catch(() => undefined))?.close();
    const dryRun = await this.dryRun?.catch(() => undefined);
    this.dryRun = undefined;
    this.recorder = undefined;
    if (dryRun === undefined) return;
    if (this.dryRunFailed) {
      await dryRun.discard();
      return;
    }
    await dryRun.finish();
    if (dryRun.target !== '-') this.logger.info(`Dry run: the SQL is in ${dryRun.target}; the database was not changed.`);
  }
}
