import { describe, it, expect } from 'vitest';
import { parseMigrationFilename, type NamingConfig } from '../../src/engine/filename.js';

const naming: NamingConfig = {
  sqlMigrationPrefix: 'V',
  undoSqlMigrationPrefix: 'U',
  repeatableSqlMigrationPrefix: 'R',
  sqlMigrationSeparator: '__',
  sqlMigrationSuffixes: ['.sql'],
};

const parse = (name: string, overrides: Partial<NamingConfig> = {}) => parseMigrationFilename(name, { ...naming, ...overrides });

/** The parse result with the version as text, for compact expectations. */
function summary(name: string, overrides: Partial<NamingConfig> = {}) {
  const result = parse(name, overrides);
  if (result === null || result.kind === 'invalid' || result.kind === 'callback' || result.kind === 'repeatable') return result;
  return { ...result, version: result.version.text };
}

describe('parseMigrationFilename: valid names', () => {
  it('parses a versioned migration', () => {
    expect(summary('V1.1__Add_phone.sql')).toEqual({ kind: 'versioned', version: '1.1', rawVersion: '1.1', description: 'Add phone' });
  });

  it('reads _ in the version as a dot but keeps the raw version', () => {
    expect(summary('V1_1__x.sql')).toEqual({ kind: 'versioned', version: '1.1', rawVersion: '1_1', description: 'x' });
    expect(summary('V01_002__x.sql')).toMatchObject({ version: '01.002', rawVersion: '01_002' });
  });

  it('splits at the first separator only and does not trim the description', () => {
    expect(summary('V2__a__b_.sql')).toMatchObject({ version: '2', description: 'a  b ' });
    expect(summary('V3__ spaced .sql')).toMatchObject({ description: ' spaced ' });
  });

  it('allows an empty description with or without the separator', () => {
    expect(summary('V1.sql')).toMatchObject({ kind: 'versioned', version: '1', description: '' });
    expect(summary('V1__.sql')).toMatchObject({ kind: 'versioned', version: '1', description: '' });
  });

  it('parses repeatable and undo migrations', () => {
    expect(parse('R__Views.sql')).toEqual({ kind: 'repeatable', description: 'Views' });
    expect(parse('R__.sql')).toEqual({ kind: 'repeatable', description: '' });
    expect(summary('U1.1__Add_phone.sql')).toEqual({ kind: 'undo', version: '1.1', rawVersion: '1.1', description: 'Add phone' });
  });

  it('matches the suffix without regard to case', () => {
    expect(summary('V1__x.SQL')).toMatchObject({ kind: 'versioned', description: 'x' });
  });

  it('uses the first configured suffix the name ends with', () => {
    expect(summary('V1__x.pg.sql', { sqlMigrationSuffixes: ['.pg.sql', '.sql'] })).toMatchObject({ description: 'x' });
    expect(summary('V1__x.pg.sql', { sqlMigrationSuffixes: ['.sql', '.pg.sql'] })).toMatchObject({ description: 'x.pg' });
  });

  it('honours custom prefixes and separators', () => {
    const custom = { sqlMigrationPrefix: 'M', repeatableSqlMigrationPrefix: 'RR', sqlMigrationSeparator: '-' };
    expect(summary('M7-seed_data.sql', custom)).toMatchObject({ kind: 'versioned', version: '7', description: 'seed data' });
    expect(parse('RR-views.sql', custom)).toEqual({ kind: 'repeatable', description: 'views' });
  });

  it('prefers the longest prefix also where a custom prefix begins like a callback event', () => {
    const custom = { sqlMigrationPrefix: 'b', undoSqlMigrationPrefix: 'af' };
    expect(summary('b3__x.sql', custom)).toMatchObject({ kind: 'versioned', version: '3' });
    expect(parse('beforeMigrate.sql', custom)).toEqual({ kind: 'callback', event: 'beforeMigrate', description: '' });
    expect(summary('af2__x.sql', custom)).toMatchObject({ kind: 'undo', version: '2' });
    expect(parse('afterMigrate__a.sql', custom)).toEqual({ kind: 'callback', event: 'afterMigrate', description: 'a' });
  });

  it('takes any name for a migration when its prefix is empty, after the prefixes the name starts with', () => {
    const custom = { sqlMigrationPrefix: '' };
    expect(summary('2__x.sql', custom)).toMatchObject({ kind: 'versioned', version: '2', description: 'x' });
    expect(parse('R__views.sql', custom)).toEqual({ kind: 'repeatable', description: 'views' });
    expect(parse('afterMigrate.sql', custom)).toMatchObject({ kind: 'callback' });
    // It starts like the after… events without being one: a versioned name with a version that does not parse.
    expect(parse('a2__x.sql', custom)).toEqual({ kind: 'invalid', error: 'Invalid versioned migration name format: a2__x.sql (could not recognise version number a2)' });
  });
});

describe('parseMigrationFilename: callbacks and non-migrations', () => {
  it('recognises callbacks, preferring the longest event name', () => {
    expect(parse('afterMigrate.sql')).toEqual({ kind: 'callback', event: 'afterMigrate', description: '' });
    expect(parse('beforeEachMigrate__set_role.sql')).toEqual({ kind: 'callback', event: 'beforeEachMigrate', description: 'set role' });
    expect(parse('afterEachMigrateStatementError.sql')).toMatchObject({ event: 'afterEachMigrateStatementError' });
    expect(parse('afterMigrateApplied.sql')).toMatchObject({ event: 'afterMigrateApplied' });
  });

  it('matches prefixes with case', () => {
    expect(parse('v1__x.sql')).toEqual({ kind: 'invalid', error: 'Unrecognised migration name format: v1__x.sql' });
    expect(parse('AfterMigrate.sql')).toEqual({ kind: 'invalid', error: 'Unrecognised migration name format: AfterMigrate.sql' });
  });

  it('returns null for files without a migration suffix and for script configurations', () => {
    expect(parse('V1__x.txt')).toBeNull();
    expect(parse('V1__x.sql.conf')).toBeNull();
    expect(parse('README.md')).toBeNull();
    expect(parse('V1__x.conf', { sqlMigrationSuffixes: ['.conf'] })).toBeNull();
  });
});

describe('parseMigrationFilename: invalid names', () => {
  it('requires a version for versioned and undo migrations', () => {
    expect(parse('V__Add.sql')).toEqual({
      kind: 'invalid',
      error: 'Invalid versioned migration name format: V__Add.sql (It must contain a version and should look like this: V1.2__Add.sql)',
    });
    expect(parse('U.sql')).toEqual({
      kind: 'invalid',
      error: 'Invalid versioned migration name format: U.sql (It must contain a version and should look like this: U1.2__description.sql)',
    });
  });

  it('rejects versions that are not numbers, quoting them as written', () => {
    expect(parse('V1_a__x.sql')).toEqual({
      kind: 'invalid',
      error: 'Invalid versioned migration name format: V1_a__x.sql (could not recognise version number 1_a)',
    });
    expect(parse('V1_Add.sql')).toEqual({
      kind: 'invalid',
      error: 'Invalid versioned migration name format: V1_Add.sql (could not recognise version number 1_Add)',
    });
  });

  it('forbids a version on repeatables and callbacks', () => {
    expect(parse('R1__Views.sql')).toEqual({
      kind: 'invalid',
      error: 'Invalid repeatable migration / callback name format: R1__Views.sql (It cannot contain a version and should look like this: R__Views.sql)',
    });
    expect(parse('afterMigrateX.sql')).toEqual({
      kind: 'invalid',
      error: 'Invalid repeatable migration / callback name format: afterMigrateX.sql (It cannot contain a version and should look like this: afterMigrate__description.sql)',
    });
  });

  it('reports names with no known prefix', () => {
    expect(parse('create_tables.sql')).toEqual({ kind: 'invalid', error: 'Unrecognised migration name format: create_tables.sql' });
  });
});
