import { pathToFileURL } from 'node:url';
import type { SqlStatement } from '../dialects/dialect.js';
import { StatementError } from '../dialects/dialect.js';
import { ScriptError } from '../errors.js';
import type { EngineContext } from './context.js';
import { placeholdersFor } from './context.js';
import type { Logger } from './logger.js';
import type { PreparedScript } from './script.js';
import { prepareScript, runScript, ScriptStatementError } from './script.js';
import type { ResolvedMigration } from './types.js';

/** What a JavaScript or TypeScript migration's default export receives. */
export interface MigrationContext {
  /**
   * Runs one statement on the migration's connection, inside its transaction unless the module exports
   * `executeInTransaction = false`, and returns the rows. Parameters are written the database's way:
   * `$1` on PostgreSQL, `?` on MySQL and MariaDB. A refusal rejects with the database's error (`sqlState`).
   */
  // No constraint on Row: an interface (which has no index signature) must do as the row type.
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  dialect: {
    /** `postgresql`, `pglite`, `mysql` or `mariadb`. */
    name: string;
    displayName: string;
    supportsTransactionalDdl: boolean;
    /** Quotes a name the database's way: the safe path from data to SQL text. */
    quoteIdentifier(name: string): string;
  };
  /** The configured placeholders (names lower-cased) and Flyway's built-in `flyway:…` ones. */
  placeholders: Readonly<Record<string, string>>;
  logger: Logger;
  migration: { version: string | null; description: string; script: string; type: string };
  /** The schema that holds the history table, first on the search path (PostgreSQL) or in use (MySQL). */
  defaultSchema: string;
  /** Whether the migration runs inside a transaction. */
  inTransaction: boolean;
}

/** The default export of a code migration. */
export type CodeMigration = (context: MigrationContext) => Promise<void> | void;

/** A code migration loaded and checked: ready to run, nothing sent yet. */
export interface PreparedCode {
  migration: ResolvedMigration;
  transactional: boolean;
  run: CodeMigration;
}

export type PreparedMigration = PreparedScript | PreparedCode;

export function isCodeMigration(migration: ResolvedMigration): boolean {
  return migration.type === 'JDBC' || migration.type === 'UNDO_JDBC';
}

/** Reads a migration for running, whichever kind of file it is; nothing touches the database. */
export function prepareMigration(ctx: EngineContext, migration: ResolvedMigration): Promise<PreparedMigration> {
  return isCodeMigration(migration) ? prepareCode(ctx, migration) : prepareScript(ctx, migration);
}

export function runPrepared(ctx: EngineContext, prepared: PreparedMigration): Promise<void> {
  return 'run' in prepared ? runCode(ctx, prepared) : runScript(ctx, prepared);
}

/**
 * A code migration that failed: the query the database refused (statement and sqlState) or whatever
 * the function threw. `codeLine` is where in the file, from the stack, when it could be told (the
 * inherited `line` is then 0); the SQL statement is empty when no query failed.
 */
export class CodeMigrationError extends ScriptStatementError {
  constructor(
    statement: SqlStatement,
    readonly codeLine: number | null,
    error: StatementError,
  ) {
    super(statement, codeLine ?? 0, error);
    this.name = 'CodeMigrationError';
  }
}

/** TypeScript goes through jiti, loaded only now: plain JavaScript projects never pay for it. */
async function importModule(file: string, checksum: number): Promise<unknown> {
  if (/\.[cm]?ts$/i.test(file)) {
    const { createJiti } = await import('jiti');
    // No caches: an edited migration must be read afresh, and nothing is written beside the project.
    const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false });
    return jiti.import(file);
  }
  // The checksum in the URL makes an edited file a new module for Node's ESM cache, within one process.
  return import(`${pathToFileURL(file).href}?checksum=${checksum}`);
}

function propertyOf(value: unknown, key: string): unknown {
  return (typeof value === 'object' || typeof value === 'function') && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Loads the module and checks its shape: a default export that is a function, and `executeInTransaction`,
 * when exported, a boolean. Loading runs the module's top level; a syntax error or a throwing import
 * fails here, before the lock is taken.
 */
export async function prepareCode(ctx: EngineContext, migration: ResolvedMigration): Promise<PreparedCode> {
  const { script, physicalPath } = migration;
  let loaded: unknown;
  try {
    loaded = await importModule(physicalPath, migration.checksum);
  } catch (cause) {
    const line = lineIn(cause, physicalPath);
    throw new ScriptError('CODE_MIGRATION_LOAD_FAILED', `Unable to load code migration ${script}: ${messageOf(cause)}`, {
      location: line === null ? script : `${script}:${line}`,
      hint: `Check that ${physicalPath} runs under Node.js ${process.versions.node} (TypeScript is loaded with jiti, without a type check).`,
      cause,
    });
  }
  const exported = propertyOf(loaded, 'default');
  const run = typeof exported === 'function' ? exported : propertyOf(exported, 'default');
  if (typeof run !== 'function') {
    throw new ScriptError('CODE_MIGRATION_INVALID', `Code migration ${script} has no default export function (found ${run === undefined ? 'none' : typeof run}).`, {
      location: script,
      hint: 'Write `export default async function (context) { await context.query(...) }` (or `module.exports = async (context) => …` in a .cjs file).',
    });
  }
  const declared = propertyOf(loaded, 'executeInTransaction') ?? propertyOf(run, 'executeInTransaction');
  if (declared !== undefined && typeof declared !== 'boolean') {
    throw new ScriptError('CODE_MIGRATION_INVALID', `Code migration ${script} exports executeInTransaction = ${JSON.stringify(declared)}; it must be true or false.`, {
      location: script,
      hint: 'Write `export const executeInTransaction = false;` to run the migration outside a transaction.',
    });
  }
  return { migration, transactional: declared ?? ctx.config.executeInTransaction, run: run as CodeMigration };
}

/** Where each refused query came from, so the failure can name its SQL and line even when user code rethrows it. */
interface FailedQuery {
  sql: string;
  line: number | null;
}

async function runCode(ctx: EngineContext, prepared: PreparedCode): Promise<void> {
  const { dialect } = ctx;
  const { migration, transactional } = prepared;
  const file = migration.physicalPath;
  const failedQueries = new WeakMap<StatementError, FailedQuery>();
  const context: MigrationContext = {
    query: async <Row>(sql: string, params: readonly unknown[] = []) => {
      // Captured before the first await, while the caller's frame is still on the stack.
      const callSite = new Error();
      try {
        return (await dialect.query(sql, params)) as Row[];
      } catch (error) {
        if (error instanceof StatementError) failedQueries.set(error, { sql, line: lineIn(callSite, file) });
        throw error;
      }
    },
    dialect: {
      name: dialect.name,
      displayName: dialect.displayName,
      supportsTransactionalDdl: dialect.supportsTransactionalDdl,
      quoteIdentifier: (name) => dialect.quoteIdentifier(name),
    },
    placeholders: Object.freeze(placeholdersFor(ctx, migration.script)),
    logger: ctx.log,
    migration: { version: migration.version?.text ?? null, description: migration.description, script: migration.script, type: migration.type },
    defaultSchema: ctx.defaultSchema,
    inTransaction: transactional,
  };
  try {
    await prepared.run(context);
  } catch (thrown) {
    const query = thrown instanceof StatementError ? failedQueries.get(thrown) : undefined;
    if (thrown instanceof StatementError && query) {
      throw new CodeMigrationError({ sql: query.sql, line: query.line ?? 0, nonTransactional: false }, query.line, thrown);
    }
    const line = lineIn(thrown, file);
    throw new CodeMigrationError({ sql: '', line: line ?? 0, nonTransactional: false }, line, new StatementError(messageOf(thrown), null, null, null, thrown));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
}

/**
 * The line of the first stack frame in `file`: Node names ES modules by URL (with the checksum query),
 * jiti's (TypeScript, whose transform keeps lines) by path. Syntax errors name the file and line too.
 */
function lineIn(error: unknown, file: string): number | null {
  const stack = error instanceof Error ? error.stack : undefined;
  if (stack === undefined) return null;
  // The path also occurs inside its URL and in messages: the first occurrence followed by `:line` wins.
  for (let at = stack.indexOf(file); at !== -1; at = stack.indexOf(file, at + 1)) {
    const match = /^(?:\?[^:\s)]*)?:(\d+)/.exec(stack.slice(at + file.length));
    if (match) return Number(match[1]);
  }
  return null;
}
