import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { ConnectionError } from '../../errors.js';
import type { PgConnection } from '../postgres/connection.js';
import { readCachedInit, saveInit } from './init-cache.js';
import { claimDataDirectory } from './writer-lock.js';

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

async function open(dataDir: string | undefined): Promise<PGlite> {
  const fresh = dataDir === undefined || !existsSync(join(dataDir, 'PG_VERSION'));
  const cached = fresh ? await readCachedInit() : undefined;
  const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), ...(cached ? { loadDataDir: cached } : {}) });
  if (fresh && !cached) await saveInit(db);
  return db;
}

/** An in-process PostgreSQL session on PGlite, for `pglite:memory` and `pglite:PATH` URLs. */
export async function connectPglite(options: PgliteOptions): Promise<PgConnection> {
  const memory = options.database === 'memory' || options.database === '';
  const dataDir = memory ? undefined : isAbsolute(options.database) ? options.database : resolve(options.workingDirectory, options.database);
  const release = dataDir ? claimDataDirectory(dataDir) : () => undefined;
  let db: PGlite;
  try {
    db = await open(dataDir);
  } catch (error) {
    release();
    const message = error instanceof Error ? error.message : String(error);
    throw new ConnectionError(`Unable to open the embedded database ${dataDir ?? 'in memory'}: ${message}`, { cause: error, location: 'url' });
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
