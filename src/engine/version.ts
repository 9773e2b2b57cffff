import { ResolverError } from '../errors.js';

// A dot only separates parts when a digit follows, as in Flyway: `1.` stays one (invalid) part.
const PART_BOUNDARY = /\.(?=[0-9])/;
const DIGITS = /^[0-9]+$/;
const RESERVED_TARGETS = new Set(['latest', 'current', 'next']);

/**
 * A migration version as Flyway compares it: numeric parts of any size, a missing part counting as 0,
 * so `1` = `1.0` = `01` and `1.10` > `1.9`. `text` keeps what was written (with `_` read as `.`),
 * because that is what Flyway shows and stores in the history table.
 */
export class MigrationVersion {
  readonly text: string;
  private readonly parts: readonly bigint[];

  private constructor(text: string, parts: bigint[]) {
    this.text = text;
    this.parts = parts;
  }

  static parse(raw: string): MigrationVersion {
    const text = raw.replaceAll('_', '.');
    const parts = text.split(PART_BOUNDARY).map((part) => {
      if (!DIGITS.test(part)) {
        throw new ResolverError('INVALID_VERSION', `Version may only contain 0..9 and . (dot). Invalid version: ${text}`);
      }
      return BigInt(part);
    });
    return new MigrationVersion(text, parts);
  }

  compareTo(other: MigrationVersion): number {
    const length = Math.max(this.parts.length, other.parts.length);
    for (let i = 0; i < length; i++) {
      const a = this.parts[i] ?? 0n;
      const b = other.parts[i] ?? 0n;
      if (a !== b) return a < b ? -1 : 1;
    }
    return 0;
  }

  equals(other: MigrationVersion): boolean {
    return this.compareTo(other) === 0;
  }

  toString(): string {
    return this.text;
  }
}

/** `latest`, `current` and `next` name a target rather than a version; Flyway ignores their case. */
export function isReservedTarget(s: string): boolean {
  return RESERVED_TARGETS.has(s.toLowerCase());
}
