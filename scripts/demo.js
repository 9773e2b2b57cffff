#!/usr/bin/env node
/**
 * `npm run demo`: migrates the example shop in fixtures/shop on the local PostgreSQL, into its own
 * schema `shop`, then prints info. Run it twice: the second run finds the schema up to date.
 * GODWIT_DEMO_URL and GODWIT_DEMO_USER point it elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const url = process.env.GODWIT_DEMO_URL ?? 'jdbc:postgresql://127.0.0.1:5432/postgres';
const user = process.env.GODWIT_DEMO_USER ?? 'postgres';
const args = [
  `${root}bin/godwit.js`,
  `-url=${url}`,
  `-user=${user}`,
  '-schemas=shop',
  `-locations=filesystem:${root}fixtures/shop/sql`,
  'migrate',
  'info',
];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
