import type { TableSize } from './types.js';

/**
 * The throughput a rewrite or a validating scan is assumed to reach. Real servers range from a few to
 * several hundred MB/s depending on disks, indexes and load; the figure only has to say "seconds" or
 * "hours", and every message states it, so nobody mistakes it for a measurement.
 */
export const ASSUMED_BYTES_PER_SECOND = 100 * 1024 * 1024;

/** Rows above this make an unbounded UPDATE/DELETE a problem (one long transaction, one long lock). */
const LARGE_TABLE_ROWS = 100_000;

/**
 * Whether an unbounded UPDATE/DELETE deserves a finding: offline every existing table might be large; with
 * a connection only those the database estimates above LARGE_TABLE_ROWS (or has no estimate for).
 */
export function mightBeLarge(connected: boolean, size: TableSize | undefined): boolean {
  return !connected || size === undefined || size.rows === null || size.rows >= LARGE_TABLE_ROWS;
}

export function rowsNote(size: TableSize | undefined): string {
  return size?.rows === null || size === undefined ? '' : ` (~${Math.round(size.rows)} rows)`;
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 1) return 'under a second';
  if (seconds < 120) return `about ${Math.round(seconds)} s`;
  if (seconds < 7200) return `about ${Math.round(seconds / 60)} min`;
  return `about ${(seconds / 3600).toFixed(1)} h`;
}

/**
 * " (table orders: 1.2 GB, ~3400000 rows; holding the lock for about 12 s, assuming 100 MB/s)", or ""
 * when the size is unknown. `lock` names what is held, as the database calls it.
 */
export function lockEstimate(size: TableSize | undefined, table: string, lock: string): string {
  if (!size) return '';
  const seconds = size.bytes / ASSUMED_BYTES_PER_SECOND;
  return ` (table ${table}: ${formatBytes(size.bytes)}, ${size.rows === null ? 'rows not yet estimated' : `~${Math.round(size.rows)} rows`}; ${lock} held for ${formatSeconds(seconds)}, assuming the server rewrites or scans 100 MB/s)`;
}
