import { expect } from 'vitest';
import { GodwitError, MigrationFailedError } from '../../src/errors.js';
import type { Godwit } from '../../src/index.js';

/** Runs `fn` and returns the error it threw; fails the test when it throws nothing or something else. */
export function errorOf<T extends GodwitError = GodwitError>(fn: () => unknown, type: abstract new (...args: never[]) => T = GodwitError as never): T {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}

/** Runs a migrate that must fail as a migration's failure, and returns that error. */
export async function migrateFailure(godwit: Godwit): Promise<MigrationFailedError> {
  const error = await godwit.migrate().then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MigrationFailedError);
  return error as MigrationFailedError;
}
