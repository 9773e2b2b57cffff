import { describe, it, expect } from 'vitest';
import { GodwitError } from '../../src/errors.js';
import { isReservedTarget, MigrationVersion } from '../../src/engine/version.js';

const v = (raw: string) => MigrationVersion.parse(raw);

describe('MigrationVersion.parse', () => {
  it('reads _ as . and keeps the text as written', () => {
    expect(v('1_1').text).toBe('1.1');
    expect(v('01_002').text).toBe('01.002');
    expect(v('2.0.0').toString()).toBe('2.0.0');
  });

  it('accepts parts larger than any JS number', () => {
    const big = v('20240101123045999999999.1');
    expect(big.compareTo(v('20240101123045999999998.9'))).toBe(1);
    expect(big.equals(v('20240101123045999999999.1.0'))).toBe(true);
  });

  it.each(['', 'a', '1.a', '1.', '1..2', '.1', '-1', '+1', '1 2', '1.2-beta', '١'])('rejects %j', (raw) => {
    let caught: unknown;
    try {
      v(raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GodwitError);
    expect((caught as GodwitError).code).toBe('INVALID_VERSION');
    expect((caught as GodwitError).message).toBe(`Version may only contain 0..9 and . (dot). Invalid version: ${raw.replaceAll('_', '.')}`);
  });

  it('names the normalised version in the error', () => {
    expect(() => v('1_x')).toThrow('Version may only contain 0..9 and . (dot). Invalid version: 1.x');
  });
});

describe('MigrationVersion ordering', () => {
  it('treats missing parts and leading zeros as equal', () => {
    expect(v('1').equals(v('1.0'))).toBe(true);
    expect(v('1').equals(v('01'))).toBe(true);
    expect(v('1.0.0').compareTo(v('1'))).toBe(0);
    expect(v('1.0.1').equals(v('1'))).toBe(false);
  });

  it('compares numerically, part by part', () => {
    expect(v('1.10').compareTo(v('1.9'))).toBe(1);
    expect(v('1.9').compareTo(v('1.10'))).toBe(-1);
    expect(v('2').compareTo(v('1.999'))).toBe(1);
    expect(v('1.0.1').compareTo(v('1'))).toBe(1);
    expect(v('1').compareTo(v('1.0.1'))).toBe(-1);
  });

  it('sorts a mixed list the way Flyway does', () => {
    const sorted = ['1.10', '1.2', '10', '1_1', '1', '02', '1.1.1'].map(v).sort((a, b) => a.compareTo(b)).map(String);
    expect(sorted).toEqual(['1', '1.1', '1.1.1', '1.2', '1.10', '02', '10']);
  });
});

describe('isReservedTarget', () => {
  it('knows latest, current and next in any case', () => {
    expect(['latest', 'current', 'next', 'LATEST', 'Next'].every(isReservedTarget)).toBe(true);
    expect(isReservedTarget('1')).toBe(false);
    expect(isReservedTarget('last')).toBe(false);
  });
});
