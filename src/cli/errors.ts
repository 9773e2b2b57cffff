import { GodwitError } from '../errors.js';

/** Errors from the database driver that reach the top carry a SQLSTATE; they are not godwit bugs. */
function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
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
 * only with -X, and always for a bug in godwit.
 */
export function formatError(error: unknown, debug: boolean): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines: string[] = [];
  if (isUserError(error)) {
    const state = error instanceof GodwitError ? undefined : sqlState(error);
    lines.push(`ERROR: ${message}${state ? ` (SQL State: ${state})` : ''}`);
    if (error instanceof GodwitError && error.hint) lines.push(`Hint: ${error.hint}`);
    if (debug && error instanceof Error && error.stack) lines.push(error.stack, ...causeChain(error));
  } else {
    lines.push(`ERROR: Unexpected error: ${message}`);
    if (error instanceof Error && error.stack) lines.push(error.stack, ...causeChain(error));
  }
  return lines.join('\n');
}

export function errorJson(error: unknown): { error: { errorCode: string; message: string; cause?: { message: string } } } {
  const message = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: unknown }).cause;
  return {
    error: {
      errorCode: errorCode(error),
      message,
      ...(cause instanceof Error ? { cause: { message: cause.message } } : {}),
    },
  };
}
