/**
 * The dry run's dialect wrapper refuses what it cannot render: a write method added to Dialect later
 * (a bulk load, say) must fail loudly in a dry run instead of reaching the database.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/dialects/dialect.js';
import { InternalError } from '../../src/errors.js';
import { DryRunOutput } from '../../src/engine/dry-run-output.js';
import { recordingDialect } from '../../src/engine/dry-run.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Only what the wrapper touches; every call a write would make is recorded in `sent`. */
function fakeDialect(sent: string[]): Dialect {
  const fake = {
    quoteIdentifier: (name: string) => `"${name}"`,
    schemaExists: async () => true,
    historyTableExists: async () => false,
    insertHistoryRow: async () => {
      sent.push('insertHistoryRow');
    },
    bulkLoad: async () => {
      sent.push('bulkLoad');
    },
    render: {
      insertHistoryRow: async () => ['INSERT 1'],
      statement: ({ sql }: { sql: string }) => `${sql};\n`,
    },
  };
  return fake as unknown as Dialect;
}

async function output(): Promise<{ out: DryRunOutput; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'godwit-recording-'));
  dirs.push(dir);
  const file = join(dir, 'plan.sql');
  return { out: await DryRunOutput.open(file, dir), file };
}

describe('recordingDialect', () => {
  it('renders writes instead of sending them, and reads see them', async () => {
    const sent: string[] = [];
    const { out, file } = await output();
    const dialect = recordingDialect(fakeDialect(sent), out);
    expect(dialect.quoteIdentifier('a')).toBe('"a"');
    await dialect.insertHistoryRow('s', 't', { installedRank: 1, version: '1', description: 'd', type: 'SQL', script: 'V1__d.sql', checksum: 1, installedBy: 'me', executionTime: 0, success: true });
    expect(sent).toEqual([]);
    expect((await dialect.readHistory('s', 't')).map((r) => r.script)).toEqual(['V1__d.sql']);
    await out.finish();
    expect(readFileSync(file, 'utf8')).toMatch(/\nINSERT 1;\n$/);
  });

  it('writes a batch statement by statement, and never sends it', async () => {
    const sent: string[] = [];
    const { out, file } = await output();
    const dialect = recordingDialect({ ...fakeDialect(sent), executeBatch: async () => void sent.push('executeBatch') } as Dialect, out);
    await dialect.executeBatch?.([
      { sql: 'INSERT INTO t VALUES (1)', line: 1, nonTransactional: false },
      { sql: 'INSERT INTO t VALUES (2)', line: 2, nonTransactional: false },
    ]);
    expect(sent).toEqual([]);
    await out.finish();
    expect(readFileSync(file, 'utf8')).toMatch(/\nINSERT INTO t VALUES \(1\);\nINSERT INTO t VALUES \(2\);\n$/);
  });

  it('refuses a method it has no rendering for', async () => {
    const sent: string[] = [];
    const { out } = await output();
    const dialect = recordingDialect(fakeDialect(sent), out) as Dialect & { bulkLoad(): Promise<void> };
    expect(() => dialect.bulkLoad()).toThrow(InternalError);
    expect(() => dialect.bulkLoad()).toThrow('Dialect.bulkLoad has no dry-run rendering');
    expect(sent).toEqual([]);
    await out.discard();
  });
});
