import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import type { SqlStatement } from '../dialects/dialect.js';
import { parseMigrationFilename } from '../engine/filename.js';
import { filesystemPath, listFiles, locationRoots } from '../engine/resolver.js';

/** `SET lock_timeout`, `SET LOCAL …`, `SET SESSION lock_wait_timeout`, `SELECT set_config('lock_timeout', …)`. */
const SETS_LOCK_TIMEOUT = /^\s*(SET\b[^;]*\block_(wait_)?timeout\b|SELECT\s+set_config\s*\(\s*'lock_timeout')/i;

/** Callbacks that run before every migration in its session, so a lock timeout they set applies to it. */
const SETUP_EVENTS = new Set(['beforeMigrate', 'beforeEachMigrate']);

async function callbackFiles(config: Config): Promise<string[]> {
  const roots = config.skipDefaultCallbacks ? [] : await locationRoots(config, () => undefined);
  // Missing `callbacks` entries are migrate's to report; here they simply set nothing.
  for (const entry of config.callbacks) {
    if (entry.trim().startsWith('filesystem:')) roots.push(filesystemPath(entry, config.workingDirectory));
  }
  const files: string[] = [];
  for (const root of roots) {
    const info = await stat(root).catch(() => null);
    if (info?.isDirectory()) files.push(...(await listFiles(root)));
    else if (info?.isFile()) files.push(root);
  }
  return files.filter((file) => {
    const name = parseMigrationFilename(path.basename(file), config);
    return name?.kind === 'callback' && SETUP_EVENTS.has(name.event);
  });
}

/**
 * Whether every migration already runs with a lock timeout: godwit's -lockTimeout, an initSql that sets
 * one, or a beforeMigrate / beforeEachMigrate callback that does. Then require-lock-timeout stays quiet.
 */
export async function lockTimeoutFromSetup(config: Config, split: (text: string, file: string) => SqlStatement[]): Promise<boolean> {
  if (config.lockTimeout > 0) return true;
  const setsIt = (text: string, file: string) => split(text, file).some((s) => SETS_LOCK_TIMEOUT.test(s.sql));
  if (config.initSql !== undefined && setsIt(config.initSql, 'initSql')) return true;
  for (const file of await callbackFiles(config)) {
    if (setsIt(await readFile(file, 'utf8'), file)) return true;
  }
  return false;
}
