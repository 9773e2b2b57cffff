import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConfig } from '../../src/config/load.js';
import { configErrorOf, loadIn, project, writeFiles } from './config-files-project.js';

const toml = (table: string) => `[flyway]\ntable = "${table}"\n`;
const conf = (table: string) => `flyway.table=${table}\n`;

/** Every place a config file can come from, lowest precedence first, as a file each one would add. */
const LOCATIONS = [
  { name: 'install conf/', file: 'conf/flyway.toml' },
  { name: 'install conf/ user', file: 'conf/flyway.user.toml' },
  { name: 'home', file: 'home/flyway.toml' },
  { name: 'home user', file: 'home/flyway.user.toml' },
  { name: 'current directory', file: 'flyway.toml' },
  { name: 'current directory user', file: 'flyway.user.toml' },
  { name: 'working directory', file: 'project/flyway.toml' },
  { name: 'working directory user', file: 'project/flyway.user.toml' },
  { name: 'FLYWAY_CONFIG_FILES', file: 'project/from-env.toml' },
  { name: '-configFiles', file: 'project/from-arg.toml' },
] as const;

function loadWith(dir: string) {
  // Relative names resolve against the working directory, here `project/`.
  return loadIn(dir, { settings: { workingDirectory: 'project', configFiles: 'from-arg.toml' }, env: { FLYWAY_CONFIG_FILES: 'from-env.toml' } });
}

describe('default locations and named files', () => {
  it.each(LOCATIONS.map((location, index) => [location.name, index] as const))('%s wins over every location before it', (_name, index) => {
    const dir = project();
    // Named files must exist even when the location under test is an earlier one.
    writeFiles(dir, { 'project/from-env.toml': '', 'project/from-arg.toml': '' });
    for (const location of LOCATIONS.slice(0, index + 1)) writeFiles(dir, { [location.file]: toml(location.name) });
    const { config, sources, files } = loadWith(dir);
    expect(config.table).toBe(LOCATIONS[index]?.name);
    expect(sources.table).toBe(`file ${LOCATIONS[index]?.file} [flyway]`);
    expect(files.length).toBe(index < 8 ? index + 3 : 10);
  });

  it('reads the files in the documented order', () => {
    const dir = project();
    for (const location of LOCATIONS) writeFiles(dir, { [location.file]: toml(location.name) });
    expect(loadWith(dir).files).toEqual(LOCATIONS.map((location) => path.join(dir, location.file)));
  });

  it('searches the working directory only when one is given', () => {
    const dir = project({ 'project/flyway.toml': toml('in project') });
    expect(loadIn(dir).config.table).toBe('flyway_schema_history');
    expect(loadIn(dir, { env: { FLYWAY_WORKING_DIRECTORY: 'project' } }).config.table).toBe('in project');
  });

  it('reads a file found twice (home = current directory) once', () => {
    const dir = project({ 'flyway.toml': toml('t') });
    expect(loadIn(dir, { home: dir }).files).toEqual([path.join(dir, 'flyway.toml')]);
  });

  it('refuses a named file that does not exist, naming it and where it was named', () => {
    const dir = project();
    const error = configErrorOf(() => loadIn(dir, { settings: { configFiles: 'missing.toml' } }));
    expect(error.message).toBe(`Unable to load config file: ${path.join(dir, 'missing.toml')}`);
    expect(error.hint).toContain('It is named in -configFiles.');
    const fromEnv = configErrorOf(() => loadIn(dir, { env: { FLYWAY_CONFIG_FILES: 'a.conf' } }));
    expect(fromEnv.hint).toContain('It is named in FLYWAY_CONFIG_FILES.');
  });

  it('reads both named lists, the environment\'s first', () => {
    const dir = project({ 'a.toml': toml('a'), 'b.toml': toml('b') });
    const { config, files } = loadIn(dir, { settings: { configFiles: 'b.toml' }, env: { FLYWAY_CONFIG_FILES: 'a.toml' } });
    expect(config.table).toBe('b');
    expect(config.configFiles).toEqual(['a.toml', 'b.toml']);
    expect(files).toEqual([path.join(dir, 'a.toml'), path.join(dir, 'b.toml')]);
  });
});

describe('format choice', () => {
  it('reads .conf files when no TOML file exists', () => {
    const dir = project({ 'flyway.conf': conf('from conf'), 'home/flyway.conf': conf('from home') });
    const { config, files } = loadIn(dir);
    expect(config.table).toBe('from conf');
    expect(files).toEqual([path.join(dir, 'home/flyway.conf'), path.join(dir, 'flyway.conf')]);
  });

  it('ignores .conf files at default locations once a TOML file is found, and says so under -X', () => {
    const dir = project({ 'home/flyway.toml': toml('from toml'), 'flyway.conf': `${conf('from conf')}flyway.outOfOrder=true\n` });
    const loaded = loadIn(dir);
    expect(loaded.config).toMatchObject({ table: 'from toml', outOfOrder: false });
    expect(loaded.files).toEqual([path.join(dir, 'home/flyway.toml')]);
    expect(loaded.skippedFiles).toEqual([path.join(dir, 'flyway.conf')]);
    expect(describeConfig(loaded)).toContain(
      `Config file not read: ${path.join(dir, 'flyway.conf')} (TOML configuration was found, so .conf files at default locations are ignored)`,
    );
  });

  it('switches to TOML when a TOML file is only named', () => {
    const dir = project({ 'flyway.conf': conf('from conf'), 'named.toml': '[flyway]\noutOfOrder = true\n' });
    const { config } = loadIn(dir, { settings: { configFiles: 'named.toml' } });
    expect(config.table).toBe('flyway_schema_history');
    expect(config.outOfOrder).toBe(true);
  });

  it('reads a named .conf file beside TOML ones', () => {
    const dir = project({ 'flyway.toml': toml('from toml'), 'extra.conf': 'flyway.outOfOrder=true\n' });
    expect(loadIn(dir, { settings: { configFiles: 'extra.conf' } }).config).toMatchObject({ table: 'from toml', outOfOrder: true });
  });

  it('merges a mixed named list in the order given, later files winning', () => {
    const dir = project({ 'a.conf': conf('from conf'), 'b.toml': toml('from toml') });
    const forward = loadIn(dir, { settings: { configFiles: 'a.conf,b.toml' } });
    expect(forward.config.table).toBe('from toml');
    expect(forward.sources.table).toBe('file b.toml [flyway]');
    const backward = loadIn(dir, { settings: { configFiles: 'b.toml,a.conf' } });
    expect(backward.config.table).toBe('from conf');
    expect(backward.sources.table).toBe('file a.conf');
  });

  it('lets a later .conf file\'s flyway.url override an earlier TOML environment\'s url', () => {
    const dir = project({ 'a.toml': '[environments.default]\nurl = "jdbc:postgresql://toml/db"\n', 'b.conf': 'flyway.url=jdbc:postgresql://conf/db\n' });
    expect(loadIn(dir, { settings: { configFiles: 'a.toml,b.conf' } }).config.url).toBe('jdbc:postgresql://conf/db');
    expect(loadIn(dir, { settings: { configFiles: 'b.conf,a.toml' } }).config.url).toBe('jdbc:postgresql://toml/db');
  });
});

describe('configFileEncoding', () => {
  const latin1 = Buffer.from('flyway.placeholders.city=Z\u00fcrich\n', 'latin1');

  it('decodes config files in the encoding given', () => {
    const dir = project({ 'flyway.conf': latin1 });
    expect(loadIn(dir, { settings: { configFileEncoding: 'ISO-8859-1' } }).config.placeholders.city).toBe('Z\u00fcrich');
    expect(loadIn(dir, { env: { FLYWAY_CONFIG_FILE_ENCODING: 'ISO-8859-1' } }).config.placeholders.city).toBe('Z\u00fcrich');
  });

  it('refuses a file that is not valid in the encoding, and an unknown encoding', () => {
    const dir = project({ 'flyway.conf': latin1 });
    expect(configErrorOf(() => loadIn(dir)).message).toBe('flyway.conf is not valid UTF-8.');
    expect(configErrorOf(() => loadIn(dir, { settings: { configFileEncoding: 'EBCDIC-XYZ' } })).message).toBe(
      "Unsupported config file encoding: 'EBCDIC-XYZ'.",
    );
  });
});

describe('precedence of every source over every other', () => {
  /** Each source sets `table` to its own name; sources are listed lowest precedence first. */
  const SOURCES = [
    { name: 'toml', source: 'file flyway.toml [flyway]' },
    { name: 'conf', source: 'file later.conf' },
    { name: 'env', source: 'environment' },
    { name: 'arg', source: 'command line' },
  ] as const;
  const subsets = Array.from({ length: 1 << SOURCES.length }, (_, mask) => SOURCES.filter((_, i) => mask & (1 << i)));

  it.each(subsets.map((subset) => [subset.map((s) => s.name).join(' + ') || 'none', subset] as const))('%s', (_label, subset) => {
    const present = new Set(subset.map((s) => s.name));
    const dir = project({ 'flyway.toml': present.has('toml') ? toml('toml') : '', 'later.conf': present.has('conf') ? conf('conf') : '' });
    const settings: Record<string, string> = { configFiles: 'later.conf' };
    if (present.has('arg')) settings.table = 'arg';
    const { config, sources } = loadIn(dir, { settings, env: present.has('env') ? { FLYWAY_TABLE: 'env' } : {} });
    const winner = subset.at(-1);
    expect(config.table).toBe(winner?.name ?? 'flyway_schema_history');
    expect(sources.table).toBe(winner?.source ?? 'default');
  });
});

describe('workingDirectory and locations', () => {
  it('keeps relative filesystem: locations from a config file relative, for the resolver to join with the working directory', () => {
    const dir = project({ 'app/flyway.toml': '[flyway]\nlocations = ["filesystem:db/migrations"]\n' });
    const { config } = loadIn(dir, { settings: { workingDirectory: 'app' } });
    expect(config.workingDirectory).toBe(path.join(dir, 'app'));
    expect(config.locations).toEqual(['filesystem:db/migrations']);
  });
});
