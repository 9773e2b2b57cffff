import type { GuardedRun, SqlStatement } from '../dialects/dialect.js';
import { BatchStatementError, StatementError } from '../dialects/dialect.js';
import { StatementStream } from '../dialects/statement-stream.js';
import { ScriptError } from '../errors.js';
import type { EngineContext } from './context.js';
import { placeholdersFor } from './context.js';
import { PlaceholderStream, replacePlaceholders } from './placeholders.js';
import { fileSize, keptScriptText, loadScriptText } from './resolver.js';
import { scriptPieces } from './script-reader.js';
import type { ScriptConfig } from './script-config.js';
import type { AppliedMigration, ResolvedMigration } from './types.js';

/** A script checked, with placeholders replaced and split: ready to run, nothing sent yet. */
export interface PreparedScript {
  migration: ResolvedMigration;
  /**
   * Held in memory for a small script; read from the file again on each pass for a large one, in the
   * groups that each piece of the file completes.
   */
  statements: SqlStatement[] | AsyncIterable<SqlStatement[]>;
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

/** Scripts up to this size are read once and kept split; larger ones are read again to run. */
const KEEP_WHOLE_BYTES = 1 << 20;
/**
 * Statement text sent in one round trip: few round trips, and well below MySQL's max_allowed_packet.
 * Measured on W3 (a million INSERTs), 8 to 32 KiB ran faster than 256 KiB, wall and CPU alike, and the
 * batch text stays below V8's large-object size, so that a young-generation collection frees it.
 */
const BATCH_CHARS = 1 << 15;

/**
 * Reads and splits a migration before anything runs, so that a broken script (unterminated quote,
 * unknown placeholder, mixed statement kinds) fails without touching the database. A large script is
 * checked in a pass that keeps no statement, then read again as it runs, so that memory does not grow
 * with it; where the database can take back all of it, it is checked as it runs instead (checkedAsItRuns).
 */
export async function prepareScript(ctx: EngineContext, migration: ResolvedMigration): Promise<PreparedScript> {
  const kept = keptScriptText(migration);
  if (kept !== undefined) return { migration, ...prepareStatements(ctx, migration, kept) };
  if (fileSize(migration.physicalPath) <= KEEP_WHOLE_BYTES) {
    return { migration, ...prepareStatements(ctx, migration, await loadScriptText(migration, ctx.config.encoding)) };
  }
  if (await checkedAsItRuns(ctx, migration)) {
    return { migration, statements: { [Symbol.asyncIterator]: () => refusingMixed(ctx, migration) }, transactional: true };
  }
  const statements: AsyncIterable<SqlStatement[]> = { [Symbol.asyncIterator]: () => scriptStatements(ctx, migration) };
  const kinds = new StatementKinds();
  for await (const group of statements) for (const statement of group) kinds.add(statement);
  return { migration, statements, transactional: kinds.check(ctx, migration) };
}

/**
 * Whether a large script may skip the pass that checks it before it runs. Reading it twice before the
 * first statement leaves the server idle for seconds on a script of a hundred megabytes. When it runs
 * in one transaction and the database rolls back DDL too, a fault found as it streams (a bad
 * placeholder, an unterminated string, a statement that cannot run in a transaction) rolls back
 * whatever ran before it, and the run fails with the error the check would have given (a dry run
 * keeps its script until the command succeeds). Not with mixed=true or a non-transactional statement
 * first: the script then runs outside a transaction when the check says so.
 */
async function checkedAsItRuns(ctx: EngineContext, migration: ResolvedMigration): Promise<boolean> {
  const { config, dialect } = ctx;
  if (!dialect.supportsTransactionalDdl || config.mixed) return false;
  if (!(migration.scriptConfig?.executeInTransaction ?? config.executeInTransaction)) return false;
  for await (const group of scriptStatements(ctx, migration)) {
    if (group.length > 0) return !group[0]!.nonTransactional;
  }
  return true;
}

/**
 * The statements of a script that started with a transactional one: a non-transactional statement
 * after it makes the script mixed, which is refused before that statement is sent.
 */
async function* refusingMixed(ctx: EngineContext, migration: ResolvedMigration): AsyncGenerator<SqlStatement[]> {
  for await (const group of scriptStatements(ctx, migration)) {
    for (const statement of group) if (statement.nonTransactional) throw mixedMigration(migration, statement);
    yield group;
  }
}

/**
 * A script's statements read from its file piece by piece, placeholders replaced as the text streams
 * past. They come in the groups each piece completes: an async generator's yield costs a few promises,
 * and a million statements yielded one by one would make that most of the garbage of the run.
 */
async function* scriptStatements(ctx: EngineContext, migration: ResolvedMigration): AsyncGenerator<SqlStatement[]> {
  const { config, dialect } = ctx;
  const encoding = migration.scriptConfig?.encoding ?? config.encoding;
  const options = { prefix: config.placeholderPrefix, suffix: config.placeholderSuffix, file: migration.script };
  const placeholders = (migration.scriptConfig?.placeholderReplacement ?? config.placeholderReplacement)
    ? new PlaceholderStream(placeholdersFor(ctx, migration.script), options)
    : null;
  const splitter = new StatementStream(dialect.splitPass(migration.script));
  const replace = async (piece: string | null): Promise<string> => {
    if (placeholders === null) return piece ?? '';
    try {
      return piece === null ? placeholders.end() : placeholders.push(piece);
    } catch (error) {
      // Only the whole text tells the line and column of a bad placeholder.
      replacePlaceholders(await loadScriptText(migration, config.encoding), placeholdersFor(ctx, migration.script), options);
      throw error;
    }
  };
  for await (const piece of scriptPieces(migration.physicalPath, encoding)) yield splitter.push(await replace(piece));
  yield splitter.push(await replace(null));
  yield splitter.end();
}

/** What the statements of a script are, for the checks made before it runs. */
class StatementKinds {
  private total = 0;
  private nonTransactional = 0;
  private firstNonTransactional: SqlStatement | undefined;

  add(statement: SqlStatement): void {
    this.total++;
    if (!statement.nonTransactional) return;
    this.nonTransactional++;
    this.firstNonTransactional ??= statement;
  }

  /**
   * Refuses a script that mixes statements that must run outside a transaction with others (unless
   * mixed is set); returns whether it runs in a transaction. The script configuration decides where it
   * says so (§10).
   */
  check(ctx: EngineContext, source: ScriptSource): boolean {
    const { config } = ctx;
    const offending = this.firstNonTransactional;
    if (offending && this.nonTransactional < this.total && !config.mixed) throw mixedMigration(source, offending);
    return source.scriptConfig?.executeInTransaction ?? (config.executeInTransaction && this.nonTransactional === 0);
  }
}

function mixedMigration(source: ScriptSource, offending: SqlStatement): ScriptError {
  return new ScriptError(
    'MIXED_MIGRATION',
    `Detected both transactional and non-transactional statements within the same migration (even though mixed is false). Offending statement found at line ${offending.line}: ${offending.sql} [non-transactional]`,
    { location: `${source.script}:${offending.line}`, hint: 'Move the statement into a migration of its own, or set -mixed=true to run this one outside a transaction.' },
  );
}

function checkStatements(ctx: EngineContext, source: ScriptSource, statements: SqlStatement[]): boolean {
  const kinds = new StatementKinds();
  for (const statement of statements) kinds.add(statement);
  return kinds.check(ctx, source);
}

/**
 * Replaces placeholders in a script's text and splits it. The script configuration decides, where it
 * says so, whether placeholders are replaced and whether the script runs in a transaction (§10).
 */
export function prepareStatements(ctx: EngineContext, source: ScriptSource, raw: string): { statements: SqlStatement[]; transactional: boolean } {
  const { config, dialect } = ctx;
  const scriptConfig = source.scriptConfig ?? {};
  let text = raw;
  // Most scripts hold no placeholder: their values (built-ins included) are then not even built.
  if ((scriptConfig.placeholderReplacement ?? config.placeholderReplacement) && raw.includes(config.placeholderPrefix)) {
    text = replacePlaceholders(text, placeholdersFor(ctx, source.script), {
      prefix: config.placeholderPrefix,
      suffix: config.placeholderSuffix,
      file: source.script,
    });
  }
  const statements = dialect.splitScript(text, source.script);
  return { statements, transactional: checkStatements(ctx, source, statements) };
}

/** The file line of a server error: the statement's start plus the lines before the reported position. */
function errorLine(statement: SqlStatement, error: StatementError): number {
  if (error.position === null) return statement.line;
  const before = statement.sql.slice(0, Math.max(0, error.position - 1));
  const breaks = before.match(/\r\n|\r|\n/g);
  return statement.line + (breaks ? breaks.length : 0);
}

export function statementFailure(statement: SqlStatement, error: StatementError): ScriptStatementError {
  return new ScriptStatementError(statement, errorLine(statement, error), error);
}

/** A refused statement of a batch as if it had run alone; any other failure as it is. */
function batchFailure(statements: SqlStatement[], error: unknown): unknown {
  return error instanceof BatchStatementError ? statementFailure(statements[error.index]!, error.error) : error;
}

/** COPY with its rows, and a statement that cannot run in a transaction, go to the database alone. */
function goesAlone(statement: SqlStatement): boolean {
  return statement.copyData !== undefined || statement.nonTransactional;
}

/**
 * The statements of a script that can go to the database in one batch, right behind the round trip
 * before it (SchemaHistory.runIfUnchanged): a transactional script held in memory, short enough for
 * one batch, without COPY rows. Null for any other.
 */
export function soleBatch(script: { statements: SqlStatement[] | AsyncIterable<SqlStatement[]>; transactional: boolean }): SqlStatement[] | null {
  if (!script.transactional || !Array.isArray(script.statements) || script.statements.length === 0) return null;
  let chars = 0;
  for (const statement of script.statements) {
    if (goesAlone(statement)) return null;
    chars += statement.sql.length;
  }
  return chars < BATCH_CHARS ? script.statements : null;
}

/**
 * Runs soleBatch's statements behind the history read of `known`, if it would find nothing new
 * (SchemaHistory.runIfUnchanged). A refused statement is reported as if it had run alone.
 */
export async function runIfHistoryUnchanged(ctx: Pick<EngineContext, 'history'>, known: AppliedMigration[], statements: SqlStatement[], run: GuardedRun): Promise<boolean> {
  try {
    return await ctx.history.runIfUnchanged(known, statements, run);
  } catch (error) {
    throw batchFailure(statements, error);
  }
}

/**
 * Runs a script's statements. In a transaction, consecutive statements go to the database in batches
 * of about BATCH_CHARS, one round trip each; COPY with its rows, and statements that cannot run in a
 * transaction, go alone. A refused statement is reported as if it had run alone.
 */
export async function runScript(ctx: Pick<EngineContext, 'dialect'>, script: { statements: SqlStatement[] | AsyncIterable<SqlStatement[]>; transactional: boolean }): Promise<void> {
  const { dialect } = ctx;
  let batch: SqlStatement[] = [];
  let chars = 0;
  // Batches sent and not yet answered, oldest first: the server runs one while the next is read and
  // cut, and, where the dialect allows, the one after it waits on the connection, so the server never
  // waits for godwit between them. A large script then costs about the server's time or godwit's,
  // whichever is larger, instead of their sum. Each holds its failure, if any, until settled.
  const inFlight: Array<Promise<{ failure: unknown } | null>> = [];
  // Whether the last batch sent may have the next one queued behind it (Dialect.mayQueueBatch).
  let lastQueueable = false;
  // Waits until at most `keep` batches are in flight. The first failure is thrown once every batch
  // sent after it has ended too (refused, by then), as it would have been had none been sent.
  const settle = async (keep: number) => {
    while (inFlight.length > keep) {
      const outcome = await inFlight.shift();
      if (outcome) {
        await Promise.all(inFlight.splice(0));
        throw outcome.failure;
      }
    }
  };
  const runOne = async (statement: SqlStatement) => {
    try {
      await dialect.execute(statement);
    } catch (error) {
      if (error instanceof StatementError) throw statementFailure(statement, error);
      throw error;
    }
  };
  const runBatch = async (statements: SqlStatement[]) => {
    try {
      await dialect.executeBatch?.(statements);
    } catch (error) {
      throw batchFailure(statements, error);
    }
  };
  const flush = async () => {
    const statements = batch;
    batch = [];
    chars = 0;
    const queueable = statements.length > 1 && dialect.mayQueueBatch?.(statements) === true;
    await settle(queueable && lastQueueable ? 1 : 0);
    if (statements.length === 1) return runOne(statements[0]!);
    if (statements.length === 0) return;
    lastQueueable = queueable;
    inFlight.push(
      runBatch(statements).then(
        () => null,
        (failure: unknown) => ({ failure }),
      ),
    );
  };
  const batching = script.transactional && dialect.executeBatch !== undefined;
  const groups = Array.isArray(script.statements) ? [script.statements] : script.statements;
  try {
    for await (const group of groups) {
      for (const statement of group) {
        if (!batching || goesAlone(statement)) {
          await flush();
          await runOne(statement);
          continue;
        }
        batch.push(statement);
        chars += statement.sql.length;
        if (chars >= BATCH_CHARS) await flush();
      }
    }
    await flush();
    await settle(0);
  } catch (error) {
    // Whatever ended the loop, the batches in flight are waited for before anything else is sent (the
    // rollback); their failure, if any, is the one reported, as it would have been without the overlap.
    await settle(0);
    throw error;
  }
}
