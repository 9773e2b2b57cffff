import type { Config } from '../config/config.js';
import { redactUrl } from '../config/jdbc-url.js';
import type { Dialect } from '../dialects/dialect.js';
import { baseline } from './commands/baseline.js';
import { clean } from './commands/clean.js';
import { info } from './commands/info.js';
import { migrate } from './commands/migrate.js';
import { repair } from './commands/repair.js';
import { validate } from './commands/validate.js';
import { openDialect } from './connect.js';
import type { EngineContext } from './context.js';
import { createContext } from './context.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import type { BaselineResult, CleanResult, CommandResult, InfoResult, MigrateResult, RepairResult, ValidateResult } from './results.js';

export interface GodwitOptions {
  logger?: Logger;
}

/**
 * The engine's front: one method per Flyway command. Each call opens its own connection, runs the
 * command and closes the connection, also when the command fails.
 */
export class Godwit {
  private readonly logger: Logger;

  constructor(
    readonly config: Config,
    options: GodwitOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  migrate(): Promise<MigrateResult> {
    return this.run(migrate);
  }

  info(): Promise<InfoResult> {
    return this.run(info);
  }

  validate(): Promise<ValidateResult> {
    return this.run(validate);
  }

  baseline(): Promise<BaselineResult> {
    return this.run(baseline);
  }

  repair(): Promise<RepairResult> {
    return this.run(repair);
  }

  clean(): Promise<CleanResult> {
    return this.run(clean);
  }

  private async run<T extends CommandResult>(command: (ctx: EngineContext) => Promise<T>): Promise<T> {
    const warnings: string[] = [];
    const log: Logger = {
      info: (m) => this.logger.info(m),
      debug: (m) => this.logger.debug(m),
      warn: (m) => {
        warnings.push(m);
        this.logger.warn(m);
      },
    };
    let dialect: Dialect | undefined;
    try {
      dialect = await openDialect(this.config, log);
      log.info(`Database: ${redactUrl(this.config.url ?? '')} (${dialect.displayName} ${await dialect.serverVersion()})`);
      const ctx = await createContext(this.config, dialect, log);
      await dialect.setCurrentSchema(ctx.defaultSchema);
      const result = await command(ctx);
      result.warnings = warnings;
      return result;
    } finally {
      await dialect?.close();
    }
  }
}
