import { ResolverError } from '../errors.js';

// A dot only separates parts when a digit follows, as in Flyway: `1.` stays one (invalid) part.
const PART_BOUNDARY = /\.(?=[0-9])/;
const DIGITS = /^[0-9]+$/;
const RESERVED_TARGETS = new Set(['latest', 'current', 'next']);
/** A part with a leading zero, or a last part of zeros: text that key() must rewrite. */
const NON_CANONICAL = /(?:^|\.)0[0-9]|\.0+$/;

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

  /**
   * The same string for versions that are equal, and only for those (`1`, `1.0` and `01` give `1`): a
   * Map key, where a history of thousands of rows would otherwise compare versions part by part.
   */
  key(): string {
    // Nearly every version is written that way already: its text is the key, with no parts turned to text.
    if (!NON_CANONICAL.test(this.text)) return this.text;
    let length = this.parts.length;
    while (length > 1 && this.parts[length - 1] === 0n) length--;
    return this.parts.slice(0, length).join('.');
  }

  toString(): string {
    return this.text;
  }
}

/** `latest`, `current` and `next` name a target rather than a version; Flyway ignores their case. */
export function isReservedTarget(s: string): boolean {
  return RESERVED_TARGETS.has(s.toLowerCase());
}
