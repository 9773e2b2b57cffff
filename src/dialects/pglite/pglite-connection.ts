import { existsSync, readdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { ConnectionError } from '../../errors.js';
import type { PgConnection } from '../postgres/connection.js';
import { cachePath, dropCachedInit, readCachedInit, saveInit } from './init-cache.js';
import { claimDataDirectory, PID_FILE } from './writer-lock.js';

export interface PgliteOptions {
  /** `memory`, or a data directory path from `pglite:PATH`. */
  database: string;
  /** What a relative PATH is resolved against. */
  workingDirectory: string;
}

/** PGlite reads COPY input from its virtual /dev/blob device instead of the wire protocol's STDIN. */
function copyFromBlob(sql: string): string {
  return sql.replace(/\bfrom\s+stdin\b/i, "FROM '/dev/blob'");
}

async function create(dataDir: string | undefined, init: Blob | undefined): Promise<PGlite> {
  return PGlite.create({ ...(dataDir ? { dataDir } : {}), ...(init ? { loadDataDir: init } : {}) });
}

async function open(dataDir: string | undefined): Promise<PGlite> {
  const fresh = dataDir === undefined || !existsSync(join(dataDir, 'PG_VERSION'));
  if (!fresh) return create(dataDir, undefined);
  const cached = await readCachedInit();
  if (cached) {
    try {
      return await create(dataDir, cached);
    } catch {
      // A damaged cache file must cost one slow start, not every start: forget it and run initdb
      // on a directory emptied of what the failed load left.
      await dropCachedInit();
      if (dataDir) emptyDirectory(dataDir);
    }
  }
  const db = await create(dataDir, undefined);
  await saveInit(db);
  return db;
}

function emptyDirectory(dataDir: string): void {
  for (const entry of readdirSync(dataDir)) {
    if (entry !== PID_FILE) rmSync(join(dataDir, entry), { recursive: true, force: true });
  }
}

/**
 * A directory that holds files but no database is somebody's project folder (a typo such as
 * `pglite:.`): turning it into a data directory would scatter PostgreSQL's files among theirs.
 */
function refuseForeignDirectory(dataDir: string): void {
  if (!existsSync(dataDir) || existsSync(join(dataDir, 'PG_VERSION'))) return;
  const entries = readdirSync(dataDir).filter((entry) => entry !== PID_FILE);
  if (entries.length > 0) {
    throw new ConnectionError(`${dataDir} is not an embedded database but holds other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}).`, {
      hint: 'Point pglite: at a new or empty directory, e.g. pglite:.godwit/db.',
      location: 'url',
    });
  }
}

/** An in-process PostgreSQL session on PGlite, for `pglite:memory` and `pglite:PATH` URLs. */
export async function connectPglite(options: PgliteOptions): Promise<PgConnection> {
  const memory = options.database === 'memory' || options.database === '';
  const dataDir = memory ? undefined : isAbsolute(options.database) ? options.database : resolve(options.workingDirectory, options.database);
  if (dataDir) refuseForeignDirectory(dataDir);
  const release = dataDir ? await claimDataDirectory(dataDir) : () => undefined;
  let db: PGlite;
  try {
    db = await open(dataDir);
  } catch (error) {
    release();
    const message = error instanceof Error ? error.message : String(error);
    throw new ConnectionError(`Unable to open the embedded database ${dataDir ?? 'in memory'}: ${message}`, {
      cause: error,
      location: 'url',
      hint: `If this persists, delete the initdb cache ${cachePath()} and try again.`,
    });
  }
  let closed = false;
  return {
    query: async (sql, params) => {
      const result = await db.query<Record<string, unknown>>(sql, params);
      return { rows: result.rows, rowCount: result.fields.length > 0 ? result.rows.length : (result.affectedRows ?? 0) };
    },
    copyFrom: async (sql, data) => {
      await db.query(copyFromBlob(sql), [], { blob: new Blob([data]) });
    },
    // Statements run in this very process: there is nothing to cancel from outside them.
    cancel: async () => undefined,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}
