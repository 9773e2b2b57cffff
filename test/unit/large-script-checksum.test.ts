import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checksum } from '../../src/engine/checksum.js';
import { replacePlaceholders } from '../../src/engine/placeholders.js';
import { resolveMigrations, type ResolverConfig } from '../../src/engine/resolver.js';
import { GodwitError } from '../../src/errors.js';

/*
 * Scripts over a megabyte are checksummed as they stream past instead of read whole: the checksums,
 * the header's settings and the errors must be exactly those of reading them whole.
 */

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

function config(dir: string, overrides: Partial<ResolverConfig> = {}): ResolverConfig {
  return {
    locations: [`filesystem:${dir}`], workingDirectory: dir, failOnMissingLocations: false, validateMigrationNaming: false, encoding: 'UTF-8',
    placeholderReplacement: true, placeholderPrefix: '${', placeholderSuffix: '}',
    sqlMigrationPrefix: 'V', undoSqlMigrationPrefix: 'U', repeatableSqlMigrationPrefix: 'R', sqlMigrationSeparator: '__', sqlMigrationSuffixes: ['.sql'],
    ...overrides,
  };
}

/** Several megabytes with CRLF and non-ASCII text, and placeholders wherever the pieces happen to be cut. */
function largeScript(lines: number): string {
  const body = Array.from({ length: lines }, (_, n) => `INSERT INTO t VALUES (${n}, 'Grüße ☃ ${'${who}'} 𝄞');${n % 3 === 0 ? '\r\n' : '\n'}`).join('');
  return `\uFEFF-- flyway:executeInTransaction=false\n${body}`;
}

async function resolveOne(files: Record<string, string | Buffer>, overrides: Partial<ResolverConfig> = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'godwit-large-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return resolveMigrations(config(dir, overrides), { placeholdersFor: () => ({ who: 'wörld' }), warn: () => undefined });
}

describe('checksums of scripts read in pieces', () => {
  it('equal the whole-text checksums, raw and with placeholders replaced, with the header read', async () => {
    const text = largeScript(60_000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 << 20);
    const [versioned, repeatable] = await resolveOne({ 'V1__big.sql': text, 'R__big.sql': text });
    expect(versioned?.checksum).toBe(checksum(text));
    expect(versioned?.scriptConfig).toEqual({ executeInTransaction: false });
    const replaced = replacePlaceholders(text, { who: 'wörld' }, { prefix: '${', suffix: '}', file: 'R__big.sql' });
    expect(repeatable?.checksum).toBe(checksum(replaced));
    expect(repeatable?.equivalentChecksum).toBe(checksum(text));
    expect(repeatable?.checksum).not.toBe(repeatable?.equivalentChecksum);
  });

  it('decodes UTF-16 and reports an undecodable byte at its line, as reading whole does', async () => {
    const text = largeScript(40_000);
    const utf16 = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text.slice(1), 'utf16le').swap16()]);
    const [migration] = await resolveOne({ 'V1__big.sql': utf16 }, { encoding: 'UTF-16' });
    expect(migration?.checksum).toBe(checksum(text));

    const bytes = Buffer.from(`${'SELECT 1;\n'.repeat(200_000)}SELECT '\xff';\n`, 'latin1');
    const error = await resolveOne({ 'V2__bad.sql': bytes }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(GodwitError);
    expect((error as GodwitError).code).toBe('CHECKSUM_ERROR');
    expect((error as GodwitError).location).toMatch(/V2__bad\.sql:200001$/);
  });
});
