/**
 * Merges defaults, config files, `FLYWAY_*` variables and `-key=value` arguments into one Config,
 * remembering where each value came from. Precedence, lowest first: defaults, config files (in load
 * order, see discovery.ts), environment, command line; merge.ts applies it.
 */
import os from 'node:os';
import path from 'node:path';
import type { Config, ConfigSource, LoadedConfig } from './config.js';
import { displayPath, readConfigFile } from './config-file.js';
import { discoverConfigFiles, type Discovery, type NamedFile } from './discovery.js';
import { environmentLayer } from './env-vars.js';
import {
  CONFIG_KEYS,
  convertValue,
  findKey,
  invalidValue,
  JDBC_PROPERTIES_PREFIX,
  LAUNCH_KEYS,
  PLACEHOLDERS_PREFIX,
  type ConfigKey,
  type ConfigValue,
  type RegisteredField,
} from './keys.js';
import { addFlatSetting, newLayer, type Entry, type Layer } from './layer.js';
import { environmentNames, winningEntry, winningFlatEntry, winningMapEntries } from './merge.js';
import { ConfigError } from '../errors.js';

export { describeConfig } from './describe.js';

export interface LoadInput {
  /** From `parseArgv`: Flyway key names → raw values given on the command line. */
  settings: Record<string, string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The user's home directory, searched for flyway.toml / flyway.conf; `os.homedir()` when absent. */
  home?: string;
  /** false: no config file from the default locations, only those named by configFiles. */
  discoverFiles?: boolean;
  /** Where `settings` came from, for sources and messages: the command line, or an API caller's object. */
  settingsSource?: 'command line' | 'settings';
}

export function loadConfig(input: LoadInput): LoadedConfig {
  const environmentVariables = environmentLayer(input.env);
  const commandLine = argumentLayer(input.settings, input.settingsSource ?? 'command line');
  const launch = [environmentVariables, commandLine];

  const workingDirectoryEntry = winningFlatEntry(launch, 'workingDirectory');
  const workingDirectory = path.resolve(input.cwd, String(valueOf('workingDirectory', workingDirectoryEntry)));
  const named = namedFiles(environmentVariables, commandLine);
  const discovery = discoverConfigFiles({
    cwd: input.cwd,
    home: input.home ?? os.homedir(),
    workingDirectory,
    workingDirectorySet: workingDirectoryEntry !== undefined,
    named,
    defaultLocations: input.discoverFiles,
  });
  const encoding = String(valueOf('configFileEncoding', winningFlatEntry(launch, 'configFileEncoding')));
  const layers = [...discovery.files.map((file) => readConfigFile(file, encoding, input.env, input.cwd)), ...launch];

  const environmentEntry = winningFlatEntry(layers, 'environment');
  const environment = String(valueOf('environment', environmentEntry));
  checkEnvironmentExists(environment, environmentEntry, layers, discovery, input.cwd);

  const values: Record<string, ConfigValue> = {};
  const sources: Record<string, ConfigSource> = {};
  const winners = new Map<string, Entry>();
  for (const spec of CONFIG_KEYS) {
    const flatOnly = spec.name === 'environment' || LAUNCH_KEYS.includes(spec.name);
    const entry = flatOnly ? winningFlatEntry(layers, spec.name) : winningEntry(layers, environment, spec.name);
    if (entry !== undefined) winners.set(spec.name, entry);
    sources[spec.name] = entry?.source ?? 'default';
    if (spec.name !== 'outputType') values[spec.field] = valueOf(spec.name, entry);
  }
  values.workingDirectory = workingDirectory;
  // Both lists are read (the environment's first), so the setting shows both, as given.
  values.configFiles = named.map((file) => file.path);
  const outputType = winners.get('outputType');
  values.outputType = outputType === undefined ? 'text' : checkOutputType(String(materialize(outputType, 'outputType')));

  const config = assemble(values, true);
  for (const [prefix, target] of [[PLACEHOLDERS_PREFIX, config.placeholders], [JDBC_PROPERTIES_PREFIX, config.jdbcProperties]] as const) {
    for (const [name, entry] of winningMapEntries(layers, environment, prefix)) {
      target[name] = mapValue(prefix + name, entry);
      sources[prefix + name] = entry.source;
    }
  }
  checkRanges(config, winners);
  return { config, sources, files: discovery.files.map((file) => file.path), skippedFiles: discovery.skipped };
}

/** The command-line settings as a layer; names are checked again because library callers pass them directly. */
function argumentLayer(settings: Record<string, string>, source: 'command line' | 'settings'): Layer {
  const layer = newLayer();
  const keyPrefix = source === 'settings' ? '' : '-';
  for (const [name, value] of Object.entries(settings)) {
    addFlatSetting(layer, name, { value, source, origin: source }, { spelled: `${keyPrefix}${name}`, source, keyPrefix }, false);
  }
  return layer;
}

/** FLYWAY_CONFIG_FILES then -configFiles: Flyway reads both lists, the environment's first. */
function namedFiles(environmentVariables: Layer, commandLine: Layer): NamedFile[] {
  return [
    { layer: environmentVariables, origin: 'FLYWAY_CONFIG_FILES' },
    { layer: commandLine, origin: '-configFiles' },
  ].flatMap(({ layer, origin }) => {
    const entry = layer.flat.get('configFiles');
    const files = entry === undefined ? [] : (valueOf('configFiles', entry) as string[]);
    return files.map((file) => ({ path: file, origin }));
  });
}

/** The typed value of a registry key from its winning entry, or its default when no layer sets it. */
function valueOf(name: string, entry: Entry | undefined): ConfigValue {
  const spec = findKey(name) as ConfigKey;
  if (entry === undefined) return spec.defaultValue === undefined ? undefined : convertValue(spec, spec.defaultValue, 'default');
  const value = materialize(entry, name);
  if (!Array.isArray(value)) return convertValue(spec, value, entry.origin);
  if (spec.type === 'list') return value.map((item) => item.trim()).filter((item) => item !== '');
  throw invalidValue(spec, value.join(','), entry.origin, 'Expected a single value, not a list.');
}

/** The entry's text with TOML references resolved; done here, for winners only (see Entry.resolve). */
function materialize(entry: Entry, key: string): string | string[] {
  const { resolve, value } = entry;
  if (resolve === undefined) return value;
  return Array.isArray(value) ? value.map((item) => resolve(item, key)) : resolve(value, key);
}

function mapValue(key: string, entry: Entry): string {
  const value = materialize(entry, key);
  if (!Array.isArray(value)) return value;
  throw new ConfigError(`Invalid value for flyway.${key} (from ${entry.origin}). Expected a single value, not a list.`, {
    location: `flyway.${key} (${entry.origin})`,
  });
}

/** Flyway's message, naming where the environment was chosen and which files were read. */
function checkEnvironmentExists(environment: string, entry: Entry | undefined, layers: readonly Layer[], discovery: Discovery, cwd: string): void {
  const defined = environmentNames(layers);
  // "default" needs no table: without one, the flat settings (-url, FLYWAY_URL, flyway.conf) are the connection.
  if (environment === 'default' || defined.includes(environment)) return;
  const files = discovery.files.map((file) => displayPath(file.path, cwd));
  throw new ConfigError(
    `Environment '${environment}' not found. Check that this environment exists in your configuration (config files read: ${files.length === 0 ? 'none' : files.join(', ')}).`,
    {
      hint: `It is selected by ${entry?.origin ?? 'default'}. ${defined.length === 0 ? 'No environment is defined.' : `Environments defined: ${defined.join(', ')}.`}`,
      location: `environment (${entry?.origin ?? 'default'})`,
    },
  );
}

/** Config fields no registry key fills; `assemble` takes `true` only while this is empty. */
type UncoveredField = Exclude<keyof Config, RegisteredField | 'placeholders' | 'jdbcProperties'>;

/**
 * The registry pairs each field with a converter of the right type (checked in keys.ts), and the second
 * parameter fails to compile if a Config field has no key, so this cast is the one place types are trusted.
 */
function assemble(values: Record<string, ConfigValue>, _everyFieldHasAKey: [UncoveredField] extends [never] ? true : never): Config {
  return { ...values, placeholders: {}, jdbcProperties: {} } as unknown as Config;
}

/** Flyway's own check and message: only `json` (any case) or nothing is accepted; godwit adds `sarif` for check. */
function checkOutputType(value: string): 'text' | 'json' | 'sarif' {
  const lower = value.toLowerCase();
  if (lower === 'json' || lower === 'sarif') return lower;
  if (lower === '') return 'text';
  throw new ConfigError(`'${lower}' is an invalid value for the -outputType option. Use 'json'.`, {
    hint: 'Leave -outputType out for text output.',
    location: 'outputType',
  });
}

function checkRanges(config: Config, winners: ReadonlyMap<string, Entry>): void {
  const check = (name: string, ok: boolean, expected: string): void => {
    if (ok) return;
    const spec = findKey(name) as ConfigKey;
    const entry = winners.get(name);
    const raw = entry === undefined ? String(spec.defaultValue) : String(materialize(entry, name));
    throw invalidValue(spec, raw, entry?.origin ?? 'default', expected);
  };
  check('connectRetries', config.connectRetries >= 0, 'Expected 0 or more.');
  check('connectRetriesInterval', config.connectRetriesInterval >= 0, 'Expected 0 or more.');
  check('lockRetryCount', config.lockRetryCount >= -1, 'Expected -1 (retry forever) or a count of 0 or more.');
  check('statementTimeout', config.statementTimeout >= 0, 'Expected a number of seconds, 0 for no limit.');
  check('lockTimeout', config.lockTimeout >= 0, 'Expected a number of seconds, 0 for no limit.');
  check('placeholderPrefix', config.placeholderPrefix !== '', 'It must not be empty.');
  check('placeholderSuffix', config.placeholderSuffix !== '', 'It must not be empty.');
}
