import type { MigrationFailedError } from '../errors.js';
import type { Logger } from './logger.js';
import type { ResolvedMigration } from './types.js';

/** The migration a progress event is about: the file run by migrate, or the undo file run by undo. */
export interface MigrationProgress {
  operation: 'migrate' | 'undo';
  /** null for a repeatable. */
  version: string | null;
  description: string;
  /** `SQL`, `JDBC`, `UNDO_SQL`, `UNDO_JDBC`: the type its history row gets. */
  type: string;
  /** Relative to its location, as the history table's `script` column holds it. */
  script: string;
  filepath: string;
}

/**
 * One step of a migration, for a progress display or an application's log. `started` fires under the
 * lock just before the migration's first statement; `succeeded` once it is recorded (and committed,
 * except with group=true, where everything commits at the end); `failed` once it has been rolled back
 * where the database can.
 */
export type ProgressEvent =
  | (MigrationProgress & { event: 'started' })
  | (MigrationProgress & { event: 'succeeded'; executionTime: number })
  | (MigrationProgress & { event: 'failed'; error: MigrationFailedError });

export type ProgressListener = (event: ProgressEvent) => void;

type EventPayload = { event: 'started' } | { event: 'succeeded'; executionTime: number } | { event: 'failed'; error: MigrationFailedError };

/** Tells the listener, if any; a listener that throws is the caller's bug, reported but never fatal to the run. */
export function emitProgress(listener: ProgressListener | undefined, log: Logger, migration: ResolvedMigration, payload: EventPayload): void {
  if (!listener) return;
  const subject: MigrationProgress = {
    operation: migration.kind === 'undo' ? 'undo' : 'migrate',
    version: migration.version?.text ?? null,
    description: migration.description,
    type: migration.type,
    script: migration.script,
    filepath: migration.physicalPath,
  };
  try {
    listener({ ...subject, ...payload });
  } catch (error) {
    log.warn(`The onProgress listener threw on ${payload.event} of ${migration.script}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
