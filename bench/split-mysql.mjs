#!/usr/bin/env node
/**
 * CPU and wall time of the MySQL splitter alone over one script, fed as the engine feeds it: the file
 * decoded in 64 KiB pieces by the engine's reader, each pushed into a StatementStream running the MySQL
 * split pass. The pieces are all read before the clock starts, so reading and decoding are not counted.
 * Prints the statement count and total SQL length; with --hash, also a SHA-256 over every statement's
 * line, text and flags, to compare the statements of two builds (hashing slows the run: time without it).
 * Build first:
 *
 *   npm run build && node bench/split-mysql.mjs [--hash] <script.sql> [more.sql …]
 */
import { createHash } from 'node:crypto';
import { mysqlSplitPass } from '../dist/dialects/mysql/splitter.js';
import { StatementStream } from '../dist/dialects/statement-stream.js';
import { scriptPieces } from '../dist/engine/script-reader.js';

const args = process.argv.slice(2);
const hashing = args.includes('--hash');
const files = args.filter((arg) => arg !== '--hash');
if (files.length === 0) {
  console.error('usage: node bench/split-mysql.mjs [--hash] <script.sql> [more.sql …]');
  process.exit(2);
}

const scripts = [];
for (const file of files) {
  const pieces = [];
  for await (const piece of scriptPieces(file, 'UTF-8')) pieces.push(piece);
  scripts.push({ file, pieces });
}

const hash = createHash('sha256');
let count = 0;
let chars = 0;
const take = (statements) => {
  count += statements.length;
  for (const statement of statements) {
    chars += statement.sql.length;
    if (hashing) {
      hash.update(`${statement.line}\0${statement.sql}\0${statement.nonTransactional}\0${statement.copyData ?? ''}\0`);
    }
  }
};

const cpuBefore = process.cpuUsage();
const wallBefore = process.hrtime.bigint();
for (const { file, pieces } of scripts) {
  const stream = new StatementStream(mysqlSplitPass(file));
  for (const piece of pieces) take(stream.push(piece));
  take(stream.end());
}
const wall = Number(process.hrtime.bigint() - wallBefore) / 1e6;
const cpu = process.cpuUsage(cpuBefore);

const ms = (value) => `${value.toFixed(0)} ms`;
console.log(`files       ${scripts.length}`);
console.log(`statements  ${count}`);
console.log(`sql chars   ${chars}`);
console.log(`cpu         ${ms((cpu.user + cpu.system) / 1000)} (user ${ms(cpu.user / 1000)}, system ${ms(cpu.system / 1000)})`);
console.log(`wall        ${ms(wall)}`);
if (hashing) console.log(`sha256      ${hash.digest('hex')}`);
