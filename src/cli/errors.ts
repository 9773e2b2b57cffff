import { GodwitError, MigrationFailedError } from '../errors.js';

/**
 * Errors from the database driver that reach the top carry a SQLSTATE; they are not godwit bugs. pg
 * keeps it in `code`, mysql2 in `sqlState` (its `code` is a name such as ER_SIGNAL_EXCEPTION).
 */
function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, sqlState: state } = error as { code?: unknown; sqlState?: unknown };
  for (const value of [code, state]) if (typeof value === 'string' && /^[0-9A-Z]{5}$/.test(value)) return value;
  return undefined;
}

export function isUserError(error: unknown): boolean {
  return (error instanceof GodwitError && error.code !== 'INTERNAL') || sqlState(error) !== undefined;
}

export function errorCode(error: unknown): string {
  if (error instanceof GodwitError) return error.code;
  return sqlState(error) !== undefined ? 'DB_ERROR' : 'INTERNAL';
}

function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let cause = (error as { cause?: unknown }).cause;
  while (cause !== undefined && cause !== null && lines.length < 10) {
    lines.push(`Caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
    cause = (cause as { cause?: unknown }).cause;
  }
  return lines;
}

/**
 * The text for stderr: `ERROR: message` and the hint for every user mistake; the stack and cause chain
 * only with -X, and always for a bug in godwit. `hint: false` when the advice no longer fits, as after a
 * signal, whose own report follows.
 */
export function formatError(error: unknown, debug: boolean, options: { hint?: boolean } = {}): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines: string[] = [];
  if (isUserError(error)) {
    const state = error instanceof GodwitError ? undefined : sqlState(error);
    lines.push(`ERROR: ${message}${state ? ` (SQL State: ${state})` : ''}`);
    if (error instanceof GodwitError && error.hint && options.hint !== false) lines.push(`Hint: ${error.hint}`);
    if (debug && error instanceof Error && error.stack) lines.push(error.stack, ...causeChain(error));
  } else {
    lines.push(`ERROR: Unexpected error: ${message}`);
    if (error instanceof Error && error.stack) lines.push(error.stack, ...causeChain(error));
  }
  return lines.join('\n');
}

/** Flyway's `ErrorCause`: a cause chain, innermost last; stack traces only with -X. */
export interface ErrorCauseJson {
  message: string;
  stackTrace: string | null;
  cause: ErrorCauseJson | null;
}

/** Flyway's `error` object (ErrorOutputItem, plus sqlState for a failed migration as Flyway 11 prints it). */
export interface ErrorItemJson {
  errorCode: string;
  message: string;
  /** Only for a bug in godwit (Flyway: only for faults), or with -X. */
  stackTrace: string | null;
  lineNumber: number | null;
  path: string | null;
  sqlState?: string | null;
  cause: ErrorCauseJson | null;
}

function causeJson(error: unknown, debug: boolean, depth = 0): ErrorCauseJson | null {
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause === undefined || cause === null || depth >= 10) return null;
  return {
    message: cause instanceof Error ? cause.message : String(cause),
    stackTrace: debug && cause instanceof Error ? (cause.stack ?? null) : null,
    cause: causeJson(cause, debug, depth + 1),
  };
}

export function errorItem(error: unknown, debug = false): ErrorItemJson {
  const message = error instanceof Error ? error.message : String(error);
  const showStack = (debug || !isUserError(error)) && error instanceof Error;
  const item: ErrorItemJson = {
    errorCode: errorCode(error),
    message,
    stackTrace: showStack ? (error.stack ?? null) : null,
    lineNumber: null,
    path: null,
    cause: causeJson(error, debug),
  };
  if (error instanceof MigrationFailedError) {
    item.lineNumber = error.failure.line;
    item.path = error.failure.path ?? error.failure.script;
    item.sqlState = error.failure.sqlState;
  } else if (sqlState(error) !== undefined) {
    item.sqlState = sqlState(error) ?? null;
  }
  return item;
}

/**
 * The JSON document for a failed run: Flyway prints a failed migrate as the migrate result so far
 * (success false) plus `error`; every other failure as `{"error": …}`.
 */
export function errorJson(error: unknown, debug = false): Record<string, unknown> & { error: ErrorItemJson } {
  const partial = error instanceof MigrationFailedError ? error.partialResult : undefined;
  return { ...(partial ?? {}), error: errorItem(error, debug) };
}
