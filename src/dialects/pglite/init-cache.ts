import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { PGlite } from '@electric-sql/pglite';

/**
 * PGlite runs initdb on every new database, which costs seconds. Its result is the same every time for
 * one PGlite version, so the first start saves it (an uncompressed tar: loading it is twice as fast as
 * gzip) and every later start loads it instead.
 */
function pgliteVersion(): string {
  // The package exports no ./package.json, so find it by walking up from its entry point.
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === '@electric-sql/pglite' && manifest.version) return manifest.version;
    } catch {
      // no manifest at this level: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

const PGLITE_VERSION = pgliteVersion();

function cacheDirectory(): string {
  if (process.env.GODWIT_CACHE_DIR) return process.env.GODWIT_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME ?? (homedir() ? join(homedir(), '.cache') : tmpdir());
  return join(base, 'godwit');
}

export function cachePath(): string {
  return join(cacheDirectory(), `pglite-${PGLITE_VERSION}-initdb.tar`);
}

export async function readCachedInit(): Promise<Blob | undefined> {
  try {
    return new Blob([await readFile(cachePath())]);
  } catch {
    return undefined;
  }
}

export async function dropCachedInit(): Promise<void> {
  await rm(cachePath(), { force: true });
}

/** Best effort: a read-only home must not make the migration fail, only the next start slower. */
export async function saveInit(db: PGlite): Promise<void> {
  try {
    const dump = await db.dumpDataDir('none');
    const path = cachePath();
    await mkdir(cacheDirectory(), { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, path);
  } catch {
    return;
  }
}

