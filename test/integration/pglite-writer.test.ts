/**
 * One writer per PGlite data directory (issue 5): PGlite has no server between processes, so godwit
 * claims the directory with a `godwit.pid` file. A second process fails at once naming the holder; a
 * pid file left by a process that is gone is taken over; a run killed in the middle of a migration leaves
 * a directory that the next run opens, with the killed migration not applied at all.
 *
 * The long migrations sleep in the database (`pg_sleep`), so a test knows the first process is inside
 * its migration once it has logged "Migrating schema …".
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliOptions, type CliResult } from '../helpers/cli.js';
import {
  expectExit,
  expectNoStackTrace,
  expectUserError,
  history,
  inspect,
  migratingLines,
  rows,
  startCli,
  tempDirectory,
  writeFiles,
} from '../helpers/pglite.js';

/** Shared by the whole file; the first PGlite start fills it. */
const cacheDir = tempDirectory('pglite-writer-cache');
const root = tempDirectory('pglite-writer');
const ENV = { GODWIT_CACHE_DIR: cacheDir };

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

function godwit(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runCli(args, { timeoutMs: 60_000, ...options, env: { ...ENV, ...options.env } });
}

/** The pid of a process that has run and exited: no process has it now. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a second process on the same data directory', () => {
  const dataDir = join(root, 'writer/db');
  const pidFile = join(dataDir, 'godwit.pid');
  const migrations = join(root, 'writer-sql');
  const args = [`-url=pglite:${dataDir}`, `-locations=filesystem:${migrations}`];

  it('fails at once naming the directory and the holder\'s pid, while the first completes', async () => {
    writeFiles(migrations, {
      'V1__Table.sql': 'CREATE TABLE w (id INT);\n',
      'V2__Sleep.sql': 'SELECT pg_sleep(3);\nINSERT INTO w VALUES (2);\n',
    });
    const first = startCli([...args, 'migrate'], { env: ENV });
    await first.waitForStdout(/^Migrating schema "public" to version "2 - Sleep"$/m);
    expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(first.pid));

    const second = await godwit([...args, 'migrate']);
    const firstRunningWhenSecondEnded = !first.exited;
    expectUserError(second);
    expect(second.stderr).toContain(`The embedded database ${dataDir} is in use by another godwit process (pid ${first.pid}).`);
    expect(second.stdout).not.toContain('Migrating schema');
    expect(firstRunningWhenSecondEnded, 'the second process waited for the first instead of failing at once').toBe(true);
    // The loser leaves the holder's claim alone.
    expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(first.pid));

    const done = await first.done;
    expectExit(done, 0);
    expectNoStackTrace(done);
    expect(migratingLines(done.stdout)).toEqual(['Migrating schema "public" to version "1 - Table"', 'Migrating schema "public" to version "2 - Sleep"']);
    expect(done.stdout).toMatch(/Successfully applied 2 migrations to schema "public", now at version v2 /);
    expect(existsSync(pidFile)).toBe(false);
  }, 90_000);

  it('takes over a godwit.pid left by a process that no longer runs', async () => {
    const stale = await deadPid();
    writeFileSync(pidFile, String(stale));
    writeFiles(migrations, { 'V3__After.sql': 'INSERT INTO w VALUES (3);\n' });
    // PATH relative to -workingDirectory names the same directory.
    const result = await godwit([`-workingDirectory=${root}`, '-url=pglite:writer/db', `-locations=filesystem:${migrations}`, 'migrate']);
    expectExit(result, 0);
    expectNoStackTrace(result);
    expect(result.stdout).toContain('Current version of schema "public": 2');
    expect(migratingLines(result.stdout)).toEqual(['Migrating schema "public" to version "3 - After"']);
    expect(existsSync(pidFile)).toBe(false);
    await inspect(dataDir, async (db) => {
      expect((await history(db)).map((r) => [r.installed_rank, r.version, r.success])).toEqual([
        [1, '1', true],
        [2, '2', true],
        [3, '3', true],
      ]);
      expect(await rows(db, 'SELECT id FROM w ORDER BY id')).toEqual([{ id: 2 }, { id: 3 }]);
    });
  }, 60_000);
});

describe('a run killed in the middle of a migration', () => {
  const dataDir = join(root, 'killed/db');
  const migrations = join(root, 'killed-sql');
  const V2 = 'CREATE TABLE half (id INT);\nINSERT INTO half VALUES (1);\nSELECT pg_sleep(${pause});\nINSERT INTO half VALUES (2);\n';
  const args = [`-url=pglite:${dataDir}`, `-locations=filesystem:${migrations}`];

  it('leaves a directory that the next run opens, and the killed migration is applied exactly once', async () => {
    writeFiles(migrations, { 'V1__Table.sql': 'CREATE TABLE k (id INT);\n', 'V2__Slow.sql': V2 });
    const killed = startCli([...args, '-placeholders.pause=30', 'migrate'], { env: ENV });
    await killed.waitForStdout(/^Migrating schema "public" to version "2 - Slow"$/m);
    await sleep(500);
    expect(killed.exited).toBe(false);
    killed.kill('SIGKILL');
    const ended = await killed.done;
    expect(ended.signal).toBe('SIGKILL');
    expect(ended.stdout).not.toContain('Successfully applied');

    const next = await godwit([...args, '-placeholders.pause=0', 'migrate']);
    expectExit(next, 0);
    expectNoStackTrace(next);
    // V1 was committed before the kill and survived it; V2 starts over.
    expect(next.stdout).toContain('Current version of schema "public": 1');
    expect(migratingLines(next.stdout)).toEqual(['Migrating schema "public" to version "2 - Slow"']);
    expect(next.stdout).toMatch(/Successfully applied 1 migration to schema "public", now at version v2 /);

    await inspect(dataDir, async (db) => {
      expect((await history(db)).map((r) => [r.installed_rank, r.version, r.script, r.success])).toEqual([
        [1, '1', 'V1__Table.sql', true],
        [2, '2', 'V2__Slow.sql', true],
      ]);
      expect(await rows(db, 'SELECT id FROM half ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    });
  }, 90_000);
});
