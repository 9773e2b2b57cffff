/**
 * The resolver reads every small script into one shared buffer, which grows with the largest one, and
 * streams scripts above 1 MiB. Scripts of every size around those bounds, in one location, must each get
 * the checksum and the kept text of their own bytes, not of a neighbour's left in the buffer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checksum } from '../../src/engine/checksum.js';
import { keptScriptText, resolveMigrations, type ResolverConfig } from '../../src/engine/resolver.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function location(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'godwit-resolver-reads-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

function config(dir: string): ResolverConfig {
  return {
    locations: [`filesystem:${dir}`], workingDirectory: dir, failOnMissingLocations: true, validateMigrationNaming: true, encoding: 'UTF-8',
    placeholderReplacement: true, placeholderPrefix: '${', placeholderSuffix: '}',
    sqlMigrationPrefix: 'V', undoSqlMigrationPrefix: 'U', repeatableSqlMigrationPrefix: 'R', sqlMigrationSeparator: '__', sqlMigrationSuffixes: ['.sql'],
  };
}

const resolve = (dir: string) => resolveMigrations(config(dir), { placeholdersFor: () => ({}), warn: () => {} });

/** A script of exactly `bytes` bytes, different from its neighbours in every line. */
function script(bytes: number, tag: string): string {
  const line = `-- ${tag} ${'x'.repeat(60)}\r\n`;
  const body = line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes - 1);
  return `${body}\n`;
}

describe('resolver reads', () => {
  it('gives each script, small or large, its own checksum and text', async () => {
    const sizes = [200, 70_000, 10, 300_000, 1 << 20, 5, (1 << 20) + 1, 100];
    // A BOM on some: it is in the file's bytes and the checksum leaves it out.
    const texts = sizes.map((size, i) => (i % 2 === 0 ? `\uFEFF${script(size - 3, `s${i}`)}` : script(size, `s${i}`)));
    const dir = await location(Object.fromEntries(texts.map((text, i) => [`V${i + 1}__s.sql`, text])));
    const migrations = await resolve(dir);
    expect(migrations.map((m) => m.checksum)).toEqual(texts.map((text) => checksum(text)));
    // Scripts up to 1 MiB are kept as read; the one above it is read again when it runs.
    expect(migrations.map((m) => keptScriptText(m) ?? null)).toEqual(texts.map((text, i) => (sizes[i]! > 1 << 20 ? null : text.replace(/^\uFEFF/, ''))));
  });
});
