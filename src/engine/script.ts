import type { SqlStatement } from '../dialects/dialect.js';
import { StatementError } from '../dialects/dialect.js';
import { ScriptError } from '../errors.js';
import type { EngineContext } from './context.js';
import { placeholdersFor } from './context.js';
import { replacePlaceholders } from './placeholders.js';
import { loadScriptText } from './resolver.js';
import type { ScriptConfig } from './script-config.js';
import type { ResolvedMigration } from './types.js';

/** A script read, with placeholders replaced and split: ready to run, nothing sent yet. */
export interface PreparedScript {
  migration: ResolvedMigration;
  statements: SqlStatement[];
  transactional: boolean;
}

/** A statement of a script that the database refused, with where it sits in the file. */
export class ScriptStatementError extends Error {
  constructor(
    readonly statement: SqlStatement,
    readonly line: number,
    readonly error: StatementError,
  ) {
    super(error.message);
    this.name = 'ScriptStatementError';
  }
}

/** A script file to run: a migration, or a callback. */
export interface ScriptSource {
  /** Relative to its location: for messages and `${flyway:filename}`. */
  script: string;
  physicalPath: string;
  scriptConfig?: ScriptConfig;
}

/**
 * Reads and splits a migration before anything runs, so that a broken script (unterminated quote,
 * unknown placeholder, mixed statement kinds) fails without touching the database.
 */
export async function prepareScript(ctx: EngineContext, migration: ResolvedMigration): Promise<PreparedScript> {
  return { migration, ...(await prepareStatements(ctx, migration, await loadScriptText(migration, ctx.config.encoding))) };
}

/**
 * Replaces placeholders in a script's text and splits it. The script configuration decides, where it
 * says so, whether placeholders are replaced and whether the script runs in a transaction (§10).
 */
export function prepareStatements(ctx: EngineContext, source: ScriptSource, raw: string): Pick<PreparedScript, 'statements' | 'transactional'> {
  const { config, dialect } = ctx;
  const scriptConfig = source.scriptConfig ?? {};
  let text = raw;
  if (scriptConfig.placeholderReplacement ?? config.placeholderReplacement) {
    text = replacePlaceholders(text, placeholdersFor(ctx, source.script), {
      prefix: config.placeholderPrefix,
      suffix: config.placeholderSuffix,
      file: source.script,
    });
  }
  const statements = dialect.splitScript(text, source.script);
  const nonTransactional = statements.filter((s) => s.nonTransactional);
  const offending = nonTransactional[0];
  if (offending && nonTransactional.length < statements.length && !config.mixed) {
    throw new ScriptError(
      'MIXED_MIGRATION',
      `Detected both transactional and non-transactional statements within the same migration (even though mixed is false). Offending statement found at line ${offending.line}: ${offending.sql} [non-transactional]`,
      { location: `${source.script}:${offending.line}`, hint: 'Move the statement into a migration of its own, or set -mixed=true to run this one outside a transaction.' },
    );
  }
  const transactional = scriptConfig.executeInTransaction ?? (config.executeInTransaction && nonTransactional.length === 0);
  return { statements, transactional };
}

/** The file line of a server error: the statement's start plus the lines before the reported position. */
function errorLine(statement: SqlStatement, error: StatementError): number {
  if (error.position === null) return statement.line;
  const before = statement.sql.slice(0, Math.max(0, error.position - 1));
  const breaks = before.match(/\r\n|\r|\n/g);
  return statement.line + (breaks ? breaks.length : 0);
}

export async function runScript(ctx: EngineContext, script: Pick<PreparedScript, 'statements'>): Promise<void> {
  for (const statement of script.statements) {
    try {
      await ctx.dialect.execute(statement);
    } catch (error) {
      if (error instanceof StatementError) throw new ScriptStatementError(statement, errorLine(statement, error), error);
      throw error;
    }
  }
}
