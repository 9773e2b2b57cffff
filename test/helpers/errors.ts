import { GodwitError } from '../../src/errors.js';

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
