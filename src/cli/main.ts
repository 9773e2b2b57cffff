import { parseArgv, helpText, type ParsedArgs } from '../config/argv.js';
import { GodwitError } from '../errors.js';
import { describeConfig, loadConfig } from '../config/load.js';
import { redact } from '../config/redact.js';
import { Godwit } from '../engine/godwit.js';
import type { CommandResult } from '../engine/results.js';
import { GODWIT_VERSION } from '../version.js';
import { consoleLogger } from './console-logger.js';
import { errorJson, formatError } from './errors.js';
import { renderInfo } from './render-info.js';

function run(godwit: Godwit, command: string, parsed: ParsedArgs): Promise<CommandResult> {
  switch (command) {
    case 'init':
      return godwit.init();
    case 'new':
      return godwit.newMigration({ ...parsed.scaffold, description: parsed.scaffold.description ?? '' });
    case 'undo':
      return Promise.reject(
        new GodwitError('NOT_IMPLEMENTED', 'undo is not available in this version of godwit yet.', {
          hint: 'Apply the U<version>__*.sql file by hand meanwhile, then run repair.',
        }),
      );
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
    default:
      return Promise.reject(new Error(`No engine command for '${command}'`));
  }
}

/**
 * The CLI: parse, load the configuration, map each command onto the engine, print. Returns the exit
 * code; the only place that decides one.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const debug = argv.includes('-X');
  const json = argv.includes('-outputType=json');
  const secrets: Array<string | undefined> = [env.FLYWAY_PASSWORD];
  const clean = (text: string) => redact(text, secrets);
  try {
    const parsed = parseArgv(argv);
    secrets.push(parsed.settings.password);
    if (parsed.version || parsed.commands.includes('version')) {
      process.stdout.write(`godwit ${GODWIT_VERSION}\n`);
      return 0;
    }
    if (parsed.help || parsed.commands.length === 0 || parsed.commands.includes('help')) {
      process.stdout.write(`${helpText()}\n`);
      return 0;
    }
    const loaded = loadConfig({ settings: parsed.settings, env, cwd: process.cwd() });
    const { config } = loaded;
    secrets.push(config.password);
    const logger = consoleLogger({ quiet: parsed.quiet, debug: parsed.debug, json: config.outputType === 'json', redact: clean });
    for (const line of describeConfig(loaded)) logger.debug(line);

    const godwit = new Godwit(config, { logger });
    const results: CommandResult[] = [];
    try {
      for (const command of parsed.commands) {
        const result = await run(godwit, command, parsed);
        results.push(result);
        if (config.outputType !== 'json' && result.operation === 'info') process.stdout.write(`${clean(renderInfo(result))}\n`);
      }
    } finally {
      await godwit.close();
    }
    if (config.outputType === 'json') {
      const document = results.length === 1 ? results[0] : { individualResults: results };
      process.stdout.write(`${clean(JSON.stringify(document, null, 2))}\n`);
    }
    return 0;
  } catch (error) {
    if (json) process.stdout.write(`${clean(JSON.stringify(errorJson(error), null, 2))}\n`);
    else process.stderr.write(`${clean(formatError(error, debug))}\n`);
    return 1;
  }
}
