/**
 * What the PGlite integration tests share: a cache directory of their own for PGlite's initdb result, a
 * way to look inside a data directory once the CLI has exited, a CLI process that can be watched and
 * killed while it runs, and the output checks every CLI test makes.
 *
 * A data directory has one writer at a time: open one here only after the CLI process that used it has
 * exited, and close it before the next CLI run (the test process takes no godwit.pid lock of its own).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { expect } from 'vitest';
import { REPO_ROOT, type CliResult } from './cli.js';
import { type HistoryRow, infoRows } from './output.js';

const BIN = fileURLToPath(new URL('../../bin/godwit.js', import.meta.url));

/** A fresh, empty directory under the OS temp directory. */
export function tempDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `godwit-${prefix}-`));
}

/** flyway-compat.md §2, computed independently of godwit: signed CRC-32 of the UTF-8 text without a leading BOM and without any CR or LF. */
export function flywayChecksum(text: string): number {
  return crc32(Buffer.from(text.replace(/^\uFEFF/, '').replace(/[\r\n]/g, ''), 'utf8')) | 0;
}

/** Writes (or overwrites) migration files into `dir`; returns `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return dir;
}

/** Opens a data directory in this process, runs `fn` on it, and closes it again whatever happens. */
export async function inspect<T>(dataDir: string, fn: (db: PGlite) => Promise<T>): Promise<T> {
  const db = await PGlite.create({ dataDir });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export async function rows<T = Record<string, unknown>>(db: PGlite, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query<T>(sql, params)).rows;
}


/** The history table of `schema` without installed_on, by rank. */
export function history(db: PGlite, schema = 'public'): Promise<HistoryRow[]> {
  return rows<HistoryRow>(
    db,
    `SELECT installed_rank, version, description, type, script, checksum, installed_by, execution_time, success
     FROM "${schema}"."flyway_schema_history" ORDER BY installed_rank`,
  );
}

/** `[version or description, state]` per info row: compact enough to compare whole tables. */
export function infoStates(stdout: string): Array<[string, string]> {
  return infoRows(stdout).map((r) => [r.version || r.description, r.state]);
}

/** The lines godwit logs as it starts each migration. */
export function migratingLines(stdout: string): string[] {
  return stdout.split(/\r?\n/).filter((line) => line.startsWith('Migrating schema'));
}

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

export function expectNoStackTrace(result: CliResult): void {
  expect(result.stderr + result.stdout).not.toMatch(/^\s+at /m);
  expect(result.stderr + result.stdout).not.toMatch(STACK_FRAME);
}

/** The exit status with the output attached, so a failing assertion shows what godwit said. */
export function expectExit(result: CliResult, code: number): void {
  expect(result.signal, `killed by a signal:\n${result.stdout}\n${result.stderr}`).toBeNull();
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

/** A user error: exit 1, `ERROR: ` on stderr, no stack trace anywhere. */
export function expectUserError(result: CliResult): void {
  expectExit(result, 1);
  expect(result.stderr).toMatch(/^ERROR: /m);
  expectNoStackTrace(result);
}

/** `DEBUG: Connected in N ms` of a -X run. */
export function connectedMs(result: CliResult): number {
  const match = /^DEBUG: Connected in (\d+) ms$/m.exec(result.stdout);
  expect(match, `no "DEBUG: Connected in N ms" in:\n${result.stdout}\n${result.stderr}`).not.toBeNull();
  return Number(match![1]);
}

/** A CLI process still running: its output so far, a way to wait for a line, and its end. */
export interface RunningCli {
  pid: number;
  readonly stdout: string;
  readonly stderr: string;
  /** True once the process has ended. */
  readonly exited: boolean;
  /** Resolves once stdout matches, rejects when the process ends first or `timeoutMs` passes. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  done: Promise<CliResult>;
}

/** Starts the built CLI and returns at once: for the tests that act while a migration runs. */
export function startCli(args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): RunningCli {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('FLYWAY_')) env[key] = value;
  Object.assign(env, options.env ?? {});
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      exited = true;
      notify();
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    pid: child.pid!,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    get exited() {
      return exited;
    },
    waitForStdout(pattern, timeoutMs = 45_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout)) finish(resolve);
          else if (exited) finish(() => reject(new Error(`exited before printing ${pattern}:\n${stdout}\n${stderr}`)));
        };
        const timeout = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timeout);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    kill: (signal) => child.kill(signal),
    done,
  };
}
