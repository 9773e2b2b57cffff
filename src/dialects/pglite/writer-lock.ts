import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectionError } from '../../errors.js';

const LOCK_FILE = 'godwit.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite has no server to arbitrate between processes: two that open one data directory corrupt it. So
 * the first claims the directory with a pid file; a second fails at once naming the holder. A holder
 * that died (crash, SIGKILL) leaves a pid nobody runs under, and the next run takes over.
 */
export function claimDataDirectory(directory: string): () => void {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
        throw new ConnectionError(`The embedded database ${directory} is in use by another godwit process (pid ${holder}).`, {
          hint: 'Wait for that process to finish: an embedded database has one writer at a time.',
          location: 'url',
        });
      }
      rmSync(path, { force: true });
    }
  }
  throw new ConnectionError(`Could not claim the embedded database ${directory}: its lock file ${path} keeps reappearing.`, { location: 'url' });
}
