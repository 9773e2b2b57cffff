import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes (or overwrites) files of a migration folder `root/name`; returns the -locations argument. */
export function writeLocation(root: string, name: string, files: Record<string, Buffer | string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return `-locations=filesystem:${dir}`;
}
