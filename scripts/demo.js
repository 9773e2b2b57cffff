#!/usr/bin/env node
/**
 * `npm run demo`: migrates the example shop in fixtures/shop on the embedded PostgreSQL (its
 * flyway.toml points at pglite:.godwit/shop), then prints info. Run it twice: the second run finds
 * the schema up to date. Extra arguments are passed on (`npm run demo -- -X`).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = [`${root}bin/godwit.js`, `-workingDirectory=${root}fixtures/shop`, ...process.argv.slice(2), 'migrate', 'info'];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
