import type { MigrateResult } from './engine/results.js';

/**
 * Every failure godwit reports on purpose is a GodwitError. `code` is stable (Flyway's error code names
 * where one fits) so that scripts and the JSON output can tell errors apart; the message is written for a
 * person and names the file, line or setting at fault.
 */
export interface ErrorDetails {
  hint?: string;
  /** `file:line:col`, or a setting and where it came from. */
  location?: string;
  cause?: unknown;
}

export class GodwitError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly location: string | undefined;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = details.hint;
    this.location = details.location;
  }
}

export class ConfigError extends GodwitError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('CONFIGURATION', message, details);
  }
}

export class ConnectionError extends GodwitError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('DB_CONNECTION', message, details);
  }
}

/** Bad migration file names, unreadable files, duplicate versions: problems found before any SQL runs. */
export class ResolverError extends GodwitError {
  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
  }
}

/** A script that cannot be split or prepared (unterminated quote, missing placeholder). */
export class ScriptError extends GodwitError {
  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
  }
}

export interface ValidationFinding {
  code: string;
  version: string | null;
  description: string;
  script: string | null;
  message: string;
}

export class ValidationError extends GodwitError {
  readonly findings: ValidationFinding[];

  constructor(findings: ValidationFinding[], details: ErrorDetails = {}) {
    super(
      'VALIDATE_ERROR',
      `Validate failed: Migrations have failed validation\n${findings.map((f) => f.message).join('\n')}`,
      details,
    );
    this.findings = findings;
  }
}

export interface MigrationFailure {
  script: string;
  /** The file on disk, for the `path` of Flyway's JSON error. */
  path?: string;
  version: string | null;
  description: string;
  /** 1-based line in the file where the failing statement starts, or where the server placed the error. */
  line: number | null;
  statement: string | null;
  sqlState: string | null;
  rolledBack: boolean;
}

export class MigrationFailedError extends GodwitError {
  readonly failure: MigrationFailure;
  /** What migrate had done before this failure (success false), for Flyway's failed-migrate JSON. */
  partialResult: MigrateResult | undefined;

  constructor(code: string, message: string, failure: MigrationFailure, details: ErrorDetails = {}) {
    super(code, message, details);
    this.failure = failure;
  }
}

export class LockTimeoutError extends GodwitError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('LOCK_TIMEOUT', message, details);
  }
}

export class CleanDisabledError extends GodwitError {
  constructor(details: ErrorDetails = {}) {
    super(
      'CLEAN_DISABLED',
      "Unable to execute clean as it has been disabled with the 'flyway.cleanDisabled' property.",
      { hint: 'Set -cleanDisabled=false to allow clean on this database.', ...details },
    );
  }
}

/** The run was stopped from outside (a signal, or Godwit.cancel()) before it could finish. */
export class CancelledError extends GodwitError {
  constructor(reason: string, details: ErrorDetails = {}) {
    super('CANCELLED', `Cancelled: ${reason}.`, details);
  }
}

/** A bug in godwit, not a user mistake: always shown with its stack. */
export class InternalError extends GodwitError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('INTERNAL', message, details);
  }
}
