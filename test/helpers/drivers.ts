/**
 * One suite, two drivers: the PostgreSQL integration suites run once against the PostgreSQL server and
 * once against PGlite (`pglite:<dir>`), since on both it is PostgreSQL that decides what the migrations
 * do. A suite loops over `DRIVERS` (`describe.each(DRIVERS)`) and asks its driver for targets: a database
 * the CLI is pointed at, and a client that reads it back.
 *
 * On PGlite the client is PGlite itself, opened in this process on the CLI's data directory. A data
 * directory has one writer at a time, so a target runs its CLI and client calls one after another (also
 * for concurrent tests), closes its PGlite before each CLI run and opens it again at the next query. The
 * client claims the directory the way godwit does, so a CLI run that slipped past `target.cli` fails with
 * "in use" instead of corrupting the directory.
 */
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { readCachedInit, saveInit } from '../../src/dialects/pglite/init-cache.js';
import { claimDataDirectory } from '../../src/dialects/pglite/writer-lock.js';
import { it } from 'vitest';
import { runCli, type CliOptions, type CliResult } from './cli.js';
import { createTestDatabase, requirePostgres } from './postgres.js';
import { tempDirectory } from './pglite.js';

export type DriverName = 'postgresql' | 'pglite';

/** Rows as `pg` returns them: the subset of `pg.QueryResult` the suites read. */
export interface TargetResult<R> {
  rows: R[];
  rowCount: number | null;
}

export interface TargetClient {
  // Row types are the caller's claim, exactly as with pg's `client.query<R>()`, whose default is any too.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query<R = any>(sql: string, params?: unknown[]): Promise<TargetResult<R>>;
}

export interface Target {
  driver: DriverName;
  /** The URL as the CLI gets it (`-url=…`). */
  url: string;
  /** The arguments that point the CLI at this database. */
  args: string[];
  /** Whom godwit records as installed_by: the session user. */
  user: string;
  /** The database's own name (current_database()), as JSON output reports it. */
  database: string;
  /** Reads and sets up the database, outside godwit. */
  client: TargetClient;
  /** Runs the CLI on this database (`args` first). */
  cli(args: string[], options?: CliOptions): Promise<CliResult>;
  drop(): Promise<void>;
}

export interface Driver {
  name: DriverName;
  /**
   * False on PGlite, whose one data directory serves one client at a time: concurrent scenarios would
   * only queue for it, each with the wait counted in its own timeout.
   */
  concurrent: boolean;
  /** A new, empty database. */
  target(prefix: string): Promise<Target>;
}

/** For `describe.each(DRIVERS)(name, SUITE_OPTIONS, fn)`: PGlite's CLI runs start slower than the server's. */
export const SUITE_OPTIONS = { timeout: 120_000 };

/** The `it` of a suite whose scenarios keep apart by schema: concurrent where the driver allows it. */
export function scenarioIt(driver: Driver): typeof it.concurrent {
  return driver.concurrent ? it.concurrent : it;
}

/** Shared by every file of the run: one initdb, then each PGlite start loads its result. */
const PGLITE_CACHE = join(tmpdir(), 'godwit-test-initdb-cache');
process.env.GODWIT_CACHE_DIR = PGLITE_CACHE;

/** pg returns int8 and numeric as text; PGlite parses them as numbers unless told otherwise. */
const AS_PG_DOES = { 20: (text: string) => text, 1700: (text: string) => text };

async function openPglite(dataDir: string): Promise<PGlite> {
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  const init = fresh ? await readCachedInit() : undefined;
  const db = await PGlite.create({ dataDir, parsers: AS_PG_DOES, ...(init ? { loadDataDir: init } : {}) });
  if (fresh && !init) await saveInit(db);
  return db;
}

function pgliteTarget(prefix: string): Target {
  const dataDir = tempDirectory(prefix);
  const url = `pglite:${dataDir}`;
  let open: { db: PGlite; release: () => void } | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const close = async () => {
    if (!open) return;
    const { db, release } = open;
    open = undefined;
    try {
      await db.close();
    } finally {
      release();
    }
  };
  return {
    driver: 'pglite',
    url,
    args: [`-url=${url}`],
    user: 'postgres',
    database: 'postgres',
    client: {
      query: <R>(sql: string, params?: unknown[]) =>
        exclusive(async (): Promise<TargetResult<R>> => {
          if (!open) {
            const release = await claimDataDirectory(dataDir);
            try {
              open = { db: await openPglite(dataDir), release };
            } catch (error) {
              release();
              throw error;
            }
          }
          // Like pg, a query without parameters may hold several statements and answers with the last.
          const result = params === undefined || params.length === 0 ? (await open.db.exec(sql)).at(-1) : await open.db.query<R>(sql, params);
          if (result === undefined) return { rows: [], rowCount: 0 };
          return { rows: result.rows as R[], rowCount: result.fields.length > 0 ? result.rows.length : (result.affectedRows ?? 0) };
        }),
    },
    cli: (args, options = {}) =>
      exclusive(async () => {
        await close();
        // A CLI run is over before V8's optimised WebAssembly would pay off: tiering PGlite up in the
        // background only takes CPU from the test files running beside it (half of a run's CPU time).
        return runCli([`-url=${url}`, ...args], { timeoutMs: 60_000, nodeArgs: ['--liftoff-only'], ...options });
      }),
    drop: () =>
      exclusive(async () => {
        await close();
        rmSync(dataDir, { recursive: true, force: true });
      }),
  };
}

const server = await requirePostgres();

/** The server when one is found (requirePostgres says loudly when not), and PGlite always. */
export const DRIVERS: Driver[] = [
  ...(server === null
    ? []
    : [
        {
          name: 'postgresql' as const,
          concurrent: true,
          target: async (prefix: string): Promise<Target> => {
            const db = await createTestDatabase(server, prefix);
            return {
              driver: 'postgresql',
              url: db.jdbcUrl,
              args: db.args,
              user: db.user,
              database: db.name,
              client: db.client,
              cli: (args, options = {}) => runCli([...db.args, ...args], { timeoutMs: 30_000, ...options }),
              drop: db.drop,
            };
          },
        },
      ]),
  { name: 'pglite', concurrent: false, target: async (prefix) => pgliteTarget(prefix) },
];
