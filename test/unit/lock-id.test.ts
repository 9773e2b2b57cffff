/**
 * Flyway's lock keys (flyway-compat.md §4): godwit and Flyway only exclude each other if both derive the
 * same key from the history table's name, so every lock vector of the shared file is checked here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { javaStringHash } from '../../src/dialects/java-hash.js';
import { postgresLockId } from '../../src/dialects/postgres/postgres-dialect.js';

interface PostgresLockVector {
  dialect: 'postgresql';
  schema: string;
  table: string;
  hashed: string;
  advisory_lock_id: number;
}

interface MysqlLockVector {
  dialect: 'mysql';
  schema: string;
  table: string;
  hashed: string;
  lock_name: string;
}

type LockVector = PostgresLockVector | MysqlLockVector | { dialect: string };

// A copy of /work/shared/vectors/flyway-vectors.json, so that the tests do not depend on where the repository is cloned.
const vectors = JSON.parse(readFileSync(new URL('../fixtures/flyway-vectors.json', import.meta.url), 'utf8')) as { locks: LockVector[] };

const postgres = vectors.locks.filter((v): v is PostgresLockVector => v.dialect === 'postgresql');
const mysql = vectors.locks.filter((v): v is MysqlLockVector => v.dialect === 'mysql');

describe('lock vectors', () => {
  it('has PostgreSQL and MySQL vectors to check, and no dialect this file would silently skip', () => {
    expect(postgres.length).toBeGreaterThanOrEqual(4);
    expect(mysql.length).toBeGreaterThanOrEqual(3);
    expect(vectors.locks.length).toBe(postgres.length + mysql.length);
  });

  it('keeps every PostgreSQL id within the exact range of a JS number, so the JSON value is the true one', () => {
    for (const v of postgres) expect(Number.isSafeInteger(v.advisory_lock_id)).toBe(true);
  });
});

describe('postgresLockId: Flyway vectors', () => {
  it.each(postgres.map((v) => [v.hashed, v] as const))('%s', (_name, v) => {
    // The key is hashed over the quoted, qualified name, exactly as Flyway quotes it.
    expect(`"${v.schema}"."${v.table}"`).toBe(v.hashed);
    const id = postgresLockId(v.hashed);
    expect(typeof id).toBe('bigint');
    expect(id).toBe(BigInt(v.advisory_lock_id));
  });

  it('is "Flyway" in ASCII plus the Java hash of the quoted name', () => {
    const base = BigInt(`0x${Buffer.from('Flyway', 'ascii').toString('hex')}`);
    expect(base).toBe(77431708279161n);
    for (const v of postgres) expect(postgresLockId(v.hashed) - base).toBe(BigInt(javaStringHash(v.hashed)));
  });

  it('gives the id the contract names for the default table, 77433833903597', () => {
    expect(javaStringHash('"public"."flyway_schema_history"')).toBe(2125624436);
    expect(postgresLockId('"public"."flyway_schema_history"')).toBe(77433833903597n);
  });

  it('subtracts a negative hash (mixed-case schema below the base)', () => {
    const tenant = postgres.find((v) => v.schema === 'Tenant_1');
    expect(tenant).toBeDefined();
    expect(javaStringHash(tenant!.hashed)).toBeLessThan(0);
    expect(postgresLockId(tenant!.hashed)).toBeLessThan(77431708279161n);
  });

  it('depends on the quoting: an unquoted name is a different lock', () => {
    expect(postgresLockId('public.flyway_schema_history')).not.toBe(77433833903597n);
  });
});

describe('MySQL lock names via javaStringHash: Flyway vectors', () => {
  it.each(mysql.map((v) => [v.hashed, v] as const))('%s', (_name, v) => {
    expect(`\`${v.schema}\`.\`${v.table}\``).toBe(v.hashed);
    expect(`Flyway-${javaStringHash(v.hashed)}`).toBe(v.lock_name);
  });

  it('writes a negative hash with a double dash', () => {
    expect(`Flyway-${javaStringHash('`shop`.`flyway_schema_history`')}`).toBe('Flyway--1695041341');
  });
});

describe('javaStringHash: String.hashCode values known from the JVM', () => {
  it.each([
    ['', 0],
    ['a', 97],
    ['hello', 99162322],
    ['Aa', 2112],
    ['BB', 2112],
    // Overflows exactly to Integer.MIN_VALUE.
    ['polygenelubricants', -2147483648],
    // Hashed per UTF-16 code unit: the two surrogates of U+1F600, 31 * 0xD83D + 0xDE00.
    ['\u{1F600}', 1772899],
    ['é', 233],
  ])('%j → %d', (text, expected) => {
    expect(javaStringHash(text)).toBe(expected);
  });

  it('returns a signed 32-bit integer for long input', () => {
    const hash = javaStringHash('x'.repeat(10_000));
    expect(Number.isInteger(hash)).toBe(true);
    expect(hash).toBeGreaterThanOrEqual(-(2 ** 31));
    expect(hash).toBeLessThan(2 ** 31);
  });
});
