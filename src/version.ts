import { readFileSync } from 'node:fs';

/** godwit's own version, from the package.json that ships beside dist/. */
export const GODWIT_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
