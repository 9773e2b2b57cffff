/**
 * For PostgreSQL suites whose scenarios each work in a schema of their own on one database of the file
 * and driver (so that they can run concurrently): migration folders in a temporary directory, the CLI
 * pointed at one schema.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { CliResult } from './cli.js';
import type { Driver, Target } from './drivers.js';

export interface Scenarios {
  /** The file's database on this driver; set once beforeAll has run. */
  readonly db: Target;
  /** Writes files (paths relative to the folder) into the folder `name`; returns the folder. */
  writeSet(name: string, files: Record<string, string | Buffer>): string;
  /** Runs the CLI on `dir` as the only location, managing `schema`. */
  godwit(dir: string, schema: string, args: string[]): Promise<CliResult>;
  /** The tables of `schema` other than the history table, by name. */
  tables(schema: string): Promise<string[]>;
}

/** Registers the database and folder of a suite (call it inside the describe). */
export function useScenarios(driver: Driver, prefix: string, setup?: (db: Target) => Promise<void>): Scenarios {
  let db: Target | undefined;
  let root: string | undefined;

  beforeAll(async () => {
    db = await driver.target(prefix);
    root = mkdtempSync(join(tmpdir(), `godwit-${prefix}-`));
    await setup?.(db);
  });

  afterAll(async () => {
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const database = (): Target => {
    if (db === undefined) throw new Error('the database is set up in beforeAll');
    return db;
  };
  return {
    get db() {
      return database();
    },
    writeSet(name, files) {
      const dir = join(root ?? '', name);
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), content);
      }
      return dir;
    },
    godwit(dir, schema, args) {
      return database().cli([`-locations=filesystem:${dir}`, `-schemas=${schema}`, ...args]);
    },
    async tables(schema) {
      const { rows } = await database().client.query<{ t: string }>(
        "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'flyway_schema_history' ORDER BY 1",
        [schema],
      );
      return rows.map((r) => r.t);
    },
  };
}
