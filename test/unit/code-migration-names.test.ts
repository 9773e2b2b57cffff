import { describe, expect, it } from 'vitest';
import { settingsToArguments } from '../../src/config/settings.js';
import { parseCodeMigrationFilename, type NamingConfig } from '../../src/engine/filename.js';

const naming: NamingConfig = {
  sqlMigrationPrefix: 'V',
  undoSqlMigrationPrefix: 'U',
  repeatableSqlMigrationPrefix: 'R',
  sqlMigrationSeparator: '__',
  sqlMigrationSuffixes: ['.sql'],
};

function summary(name: string) {
  const result = parseCodeMigrationFilename(name, naming);
  if (result === null || result.kind === 'invalid' || result.kind === 'callback' || result.kind === 'repeatable') return result;
  return { kind: result.kind, version: result.version.text, description: result.description };
}

describe('parseCodeMigrationFilename', () => {
  it('reads versioned, undo and repeatable names with each JavaScript and TypeScript ending', () => {
    expect(summary('V7__Backfill_emails.ts')).toEqual({ kind: 'versioned', version: '7', description: 'Backfill emails' });
    expect(summary('V7_1__Backfill.mjs')).toEqual({ kind: 'versioned', version: '7.1', description: 'Backfill' });
    expect(summary('U7__Backfill_emails.cjs')).toEqual({ kind: 'undo', version: '7', description: 'Backfill emails' });
    expect(summary('R__Refresh_views.js')).toEqual({ kind: 'repeatable', description: 'Refresh views' });
    expect(summary('V8__Typed.mts')).toMatchObject({ kind: 'versioned', version: '8' });
    expect(summary('V9__Typed.cts')).toMatchObject({ kind: 'versioned', version: '9' });
  });

  it('leaves helper modules, declaration files and callbacks alone', () => {
    expect(summary('Repository.ts')).toBeNull();
    expect(summary('Utils.js')).toBeNull();
    expect(summary('V1__Types.d.ts')).toBeNull();
    expect(summary('beforeMigrate.ts')).toBeNull();
    expect(summary('V1__Backfill.sql')).toBeNull();
    expect(summary('V1__notes.txt')).toBeNull();
  });

  it('reports a broken name that has the separator, as for SQL files', () => {
    expect(summary('Vx__Backfill.ts')).toEqual({ kind: 'invalid', error: 'Invalid versioned migration name format: Vx__Backfill.ts (could not recognise version number x)' });
    expect(summary('R1__Views.js')).toMatchObject({ kind: 'invalid' });
  });
});

describe('settingsToArguments', () => {
  it('writes values as the command line would, with the maps flattened', () => {
    expect(
      settingsToArguments({ url: 'pglite:memory', outOfOrder: true, connectRetries: 2, locations: ['filesystem:a', 'filesystem:b'], placeholders: { owner: 'ann' }, jdbcProperties: { ssl: 'true' }, target: undefined }),
    ).toEqual({ url: 'pglite:memory', outOfOrder: 'true', connectRetries: '2', locations: 'filesystem:a,filesystem:b', 'placeholders.owner': 'ann', 'jdbcProperties.ssl': 'true' });
  });

  it('refuses a placeholders value that is not an object', () => {
    expect(() => settingsToArguments({ placeholders: 'owner=ann' as unknown as Record<string, string> })).toThrow('Invalid value for placeholders: expected an object of names to strings.');
  });
});
