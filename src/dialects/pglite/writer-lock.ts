import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { ConnectionError } from '../../errors.js';

export const PID_FILE = 'godwit.pid';

function inUse(directory: string, holder: number | undefined): ConnectionError {
  const who = holder === undefined ? 'another godwit process' : `another godwit process (pid ${holder})`;
  return new ConnectionError(`The embedded database ${directory} is in use by ${who}.`, {
    hint: 'Wait for that process to finish: an embedded database has one writer at a time.',
    location: 'url',
  });
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function listen(server: Server, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(name, () => resolve());
  });
}

/**
 * On Linux the claim is an abstract Unix socket named after the directory: binding it is atomic and
 * exclusive, and the kernel frees it when the process dies however it dies, so no stale state can
 * outlive a crash. The pid file beside it only tells a second process whom it is waiting for.
 */
async function claimWithSocket(directory: string, pidPath: string): Promise<() => void> {
  const name = `\0godwit-pglite-${createHash('sha256').update(realpathSync(directory)).digest('hex').slice(0, 32)}`;
  const server = createServer();
  try {
    await listen(server, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw inUse(directory, readHolder(pidPath));
    throw error;
  }
  server.unref();
  writeFileSync(pidPath, String(process.pid));
  return () => {
    if (readHolder(pidPath) === process.pid) rmSync(pidPath, { force: true });
    server.close();
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Elsewhere, a pid file created exclusively; one whose process is gone is taken over. */
function claimWithPidFile(directory: string, pidPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(pidPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(pidPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(pidPath);
      if (holder !== undefined && holder !== process.pid && alive(holder)) throw inUse(directory, holder);
      rmSync(pidPath, { force: true });
    }
  }
  throw new ConnectionError(`Could not claim the embedded database ${directory}: its lock file ${pidPath} keeps reappearing.`, { location: 'url' });
}

/**
 * PGlite has no server to arbitrate between processes: two that open one data directory corrupt it.
 * The first claims the directory; a second fails at once, naming the holder's pid. Returns the release.
 */
export async function claimDataDirectory(directory: string): Promise<() => void> {
  mkdirSync(directory, { recursive: true });
  const pidPath = join(directory, PID_FILE);
  return process.platform === 'linux' ? claimWithSocket(directory, pidPath) : claimWithPidFile(directory, pidPath);
}

