import { crc32 } from 'node:zlib';

/** Reading godwit's output and history table in tests: the shapes several suites share. */

export interface HistoryRow {
  installed_rank: number;
  version: string | null;
  description: string;
  type: string;
  script: string;
  checksum: number | null;
  installed_by: string;
  /** Present where a query selects it. */
  installed_on?: Date;
  execution_time: number;
  success: boolean;
}

export interface InfoRow {
  category: string;
  version: string;
  description: string;
  type: string;
  state: string;
}

/** Rows of the `info` table printed on stdout (header excluded). */
export function infoRows(stdout: string): InfoRow[] {
  return stdout
    .split(/\r?\n/)
    .filter((line) => line.startsWith('|') && !/^\|\s*Category\s*\|/.test(line) && !line.includes('No migrations found'))
    .map((line) => {
      const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
      return { category: cells[0]!, version: cells[1]!, description: cells[2]!, type: cells[3]!, state: cells[5]! };
    });
}

/** A V2 that creates a table, fills it, then fails on its third statement, several lines in. */
export const FAILS_ON_THIRD_STATEMENT = [
  '-- V2 creates a table, fills it, then fails on its third statement.',
  '',
  'CREATE TABLE v2_made (id INT);',
  '',
  'INSERT INTO v2_made VALUES (1);',
  '',
  '/* the next statement refers to a table',
  '   that does not exist */',
  '',
  'INSERT INTO no_such_table (id)',
  'VALUES (1);',
  '',
].join('\n');

/** flyway-compat.md §2: signed CRC-32 of the UTF-8 text without a leading BOM and without any CR or LF. */
export function flywayChecksum(text: string): number {
  return crc32(Buffer.from(text.replace(/^\uFEFF/, '').replace(/[\r\n]/g, ''), 'utf8')) | 0;
}
