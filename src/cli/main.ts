import { parseArgv, type ParsedArgs } from '../config/argv.js';
import { ConfigError, MigrationFailedError } from '../errors.js';
import { redact } from '../config/redact.js';
import type { Godwit } from '../engine/godwit.js';
import type { CommandResult } from '../engine/results.js';
import { GODWIT_VERSION } from '../version.js';
import { errorJson, formatError } from './errors.js';
import type { Progress } from './progress.js';
import { signalExitCode, watchSignals, type StopSignal } from './signals.js';

function run(godwit: Godwit, command: string, parsed: ParsedArgs): Promise<CommandResult> {
  switch (command) {
    case 'init':
      return godwit.init();
    case 'new':
      return godwit.newMigration({ ...parsed.scaffold, description: parsed.scaffold.description ?? '' });
    case 'undo':
      return godwit.undo();
    case 'migrate':
      return godwit.migrate();
    case 'info':
      return godwit.info();
    case 'validate':
      return godwit.validate();
    case 'baseline':
      return godwit.baseline();
    case 'repair':
      return godwit.repair();
    case 'clean':
      return godwit.clean();
    case 'check':
      return godwit.check(parsed.check);
    default:
      return Promise.reject(new Error(`No engine command for '${command}'`));
  }
}

/** godwit check found something at or above godwit.check.failOn: distinct from 1 (an error), so CI can tell them apart. */
export const CHECK_FAILED_EXIT_CODE = 2;

/** What stderr says when a stop signal ended the run, after the error (if any) was reported. */
function stoppedMessage(signal: StopSignal, error: unknown): string {
  const head = `godwit stopped on ${signal} (exit ${signalExitCode(signal)})`;
  if (error instanceof MigrationFailedError) {
    return error.failure.rolledBack
      ? `${head}: migration ${error.failure.script} was cancelled and rolled back, nothing of it was kept; the lock is released.`
      : `${head}: migration ${error.failure.script} was cancelled part-way and the database could not roll it back (see the error above); the lock is released.`;
  }
  return error === undefined ? `${head}, after the commands had completed.` : `${head}; the lock is released.`;
}

/**
 * The CLI: parse, load the configuration, map each command onto the engine, print. Returns the exit
 * code; the only place that decides one. SIGINT/SIGTERM cancel the running command (the engine rolls
 * back and releases the lock), and the exit code becomes 130/143; a second signal exits at once.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let debug = argv.includes('-X');
  // Until the configuration has loaded (it may be what fails), the flag or variable decides.
  let json = argv.includes('-outputType=json') || env.FLYWAY_OUTPUT_TYPE === 'json';
  const secrets: Array<string | undefined> = [env.FLYWAY_PASSWORD];
  const clean = (text: string) => redact(text, secrets);
  let godwit: Godwit | undefined;
  let progress: Progress | undefined;
  const signals = watchSignals({
    first: (signal) => {
      progress?.beforeLog();
      process.stderr.write(`${signal} received: cancelling the running statement and rolling back the open migration. Send ${signal} again to exit at once.\n`);
      godwit?.cancel(`${signal} received`);
    },
    again: (signal) => {
      process.stderr.write(`${signal} received again: exiting at once. The database rolls back the open transaction when it notices the lost connection.\n`);
      process.exit(signalExitCode(signal));
    },
  });
  let failure: unknown;
  let checkFailed = false;
  try {
    const parsed = parseArgv(argv);
    secrets.push(parsed.settings.password);
    debug = parsed.debug;
    if (parsed.version || parsed.commands.includes('version')) {
      process.stdout.write(`godwit ${GODWIT_VERSION}\n`);
      return 0;
    }
    if (parsed.help || parsed.commands.length === 0 || parsed.commands.includes('help')) {
      process.stdout.write(`${(await import('../config/help.js')).helpText()}\n`);
      return 0;
    }
    // Loaded only for a command: --version and --help stay quick, and each driver loads with its dialect.
    const [{ describeConfig, loadConfig }, { Godwit }, { consoleLogger }, { Progress }] = await Promise.all([
      import('../config/load.js'),
      import('../engine/godwit.js'),
      import('./console-logger.js'),
      import('./progress.js'),
    ]);
    const loaded = loadConfig({ settings: parsed.settings, env, cwd: process.cwd() });
    const { config } = loaded;
    secrets.push(config.password);
    json = config.outputType !== 'text';
    if (config.outputType === 'sarif' && parsed.commands.some((c) => c !== 'check')) {
      throw new ConfigError('-outputType=sarif is for godwit check only.', { location: 'outputType', hint: 'Use -outputType=json for the other commands.' });
    }
    // Progress of long statements goes to stderr: live on a terminal, an occasional plain line elsewhere.
    progress = parsed.quiet ? undefined : new Progress({ stream: process.stderr, live: process.stderr.isTTY === true && env.TERM !== 'dumb' });
    // A dry run to stdout keeps stdout for the script, as JSON mode keeps it for the document.
    const logsToStderr = json || config.dryRunOutput === '-';
    const logger = consoleLogger({ quiet: parsed.quiet, debug: parsed.debug, json: logsToStderr, redact: clean, beforeWrite: () => progress?.beforeLog() });
    // Only -X prints them: a run without it need not describe every setting.
    if (parsed.debug) for (const line of describeConfig(loaded)) logger.debug(line);
    await (await import('./preload-pg.js')).preloadPg(config.url);

    godwit = new Godwit(config, { logger, statements: progress });
    if (signals.received) godwit.cancel(`${signals.received} received`);
    const results: CommandResult[] = [];
    try {
      for (const command of parsed.commands) {
        const result = await run(godwit, command, parsed);
        results.push(result);
        if (!json && result.operation === 'info') {
          const { renderInfo } = await import('./render-info.js');
          process.stdout.write(`${clean(renderInfo(result))}\n`);
        }
        if (result.operation === 'check') checkFailed ||= !result.passed;
        if (!json && result.operation === 'check') process.stdout.write(clean((await import('./render-check.js')).renderCheck(result)));
      }
    } finally {
      progress?.stop();
      await godwit.close();
    }
    if (config.outputType === 'sarif') {
      process.stdout.write(`${clean(JSON.stringify((await import('./render-check.js')).sarifLog(results), null, 2))}\n`);
    } else if (json) {
      const document = results.length === 1 ? results[0] : { individualResults: results };
      process.stdout.write(`${clean(JSON.stringify(document, null, 2))}\n`);
    }
  } catch (error) {
    failure = error;
    if (json) process.stdout.write(`${clean(JSON.stringify(errorJson(error, debug), null, 2))}\n`);
    else process.stderr.write(`${clean(formatError(error, debug, { hint: signals.received === undefined }))}\n`);
  } finally {
    signals.dispose();
  }
  const signal = signals.received;
  if (signal) {
    process.stderr.write(`${stoppedMessage(signal, failure)}\n`);
    return signalExitCode(signal);
  }
  if (failure !== undefined) return 1;
  return checkFailed ? CHECK_FAILED_EXIT_CODE : 0;
}
