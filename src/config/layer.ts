/**
 * One source of settings (a config file, the environment variables, the command line) as raw values keyed
 * by Flyway's names, before any of them is converted. Every source is reduced to this shape so that
 * precedence is one rule applied to a list of layers, whatever the format they came from.
 */
import type { ConfigSource } from './config.js';
import {
  classifyKey,
  ENVIRONMENT_KEYS,
  envVarName,
  JDBC_PROPERTIES_PREFIX,
  LAUNCH_KEYS,
  notSupported,
  PLACEHOLDERS_PREFIX,
  suggestKey,
  type KeyOrigin,
} from './keys.js';
import { ConfigError } from '../errors.js';

export interface Entry {
  /** As written: a string, or the items of a TOML array. */
  value: string | string[];
  source: ConfigSource;
  /** Where to point in a message about the value: `FLYWAY_URL`, `command line`, `flyway.conf:3`, `flyway.toml [flyway]`. */
  origin: string;
  /**
   * Turns the written text into the value (TOML's `${env.NAME}`). Run only on values that win, because
   * Flyway resolves only the environment in use: a variable that only `[environments.prod]` needs must not
   * be required to run against dev.
   */
  resolve?: (text: string, key: string) => string;
}

export interface Layer {
  /** Registry key names, `placeholders.<name>` (lower-cased) and `jdbcProperties.<name>`. */
  flat: Map<string, Entry>;
  /** Environment name → the same kind of map, holding that environment's settings and its `flyway` overrides. */
  environments: Map<string, Map<string, Entry>>;
}

export function newLayer(): Layer {
  return { flat: new Map(), environments: new Map() };
}

/** Environment settings Flyway has and godwit does not implement; ignoring them would connect differently. */
const REFUSED_ENVIRONMENT_KEYS: readonly string[] = ['driver', 'jarDirs', 'resolvers', 'provisioner'];
const FLYWAY_PREFIX = 'flyway.';

/**
 * Adds a key written flat, as arguments, variables and `.conf` lines write it (`url`, `placeholders.x`,
 * `environments.dev.url`). `inFile` refuses the keys that choose which files are read.
 */
export function addFlatSetting(layer: Layer, name: string, entry: Entry, origin: KeyOrigin, inFile: boolean): void {
  const classified = classifyKey(name, origin);
  switch (classified.kind) {
    case 'key':
      if (inFile && LAUNCH_KEYS.includes(classified.key.name)) throw launchKeyInFile(classified.key.name, origin);
      layer.flat.set(classified.key.name, entry);
      break;
    case 'placeholder':
      layer.flat.set(PLACEHOLDERS_PREFIX + classified.name, entry);
      break;
    case 'jdbcProperty':
      layer.flat.set(JDBC_PROPERTIES_PREFIX + classified.name, entry);
      break;
    case 'environment':
      addEnvironmentSetting(layer, classified.environment, classified.key, entry, origin);
      break;
  }
}

/**
 * Adds a key of one environment: `url` or `jdbcProperties.ssl` (`[environments.dev]`), or `flyway.<key>`
 * (`[environments.dev.flyway]`), whichever source wrote it.
 */
export function addEnvironmentSetting(layer: Layer, environment: string, key: string, entry: Entry, origin: KeyOrigin): void {
  const name = environmentKey(environment, key, origin);
  let settings = layer.environments.get(environment);
  if (settings === undefined) {
    settings = new Map();
    layer.environments.set(environment, settings);
  }
  settings.set(name, entry);
}

/** The name an environment's key is kept under (`flyway.locations` → `locations`), or the error that refuses it. */
export function environmentKey(environment: string, key: string, origin: KeyOrigin): string {
  if (key.startsWith(FLYWAY_PREFIX)) {
    const name = key.slice(FLYWAY_PREFIX.length);
    const classified = classifyKey(name, { ...origin, spelled: name });
    if (classified.kind === 'placeholder') return PLACEHOLDERS_PREFIX + classified.name;
    if (classified.kind === 'key' && !misplacedInEnvironmentFlyway(classified.key.name)) return classified.key.name;
    throw misplaced(name, `[environments.${environment}.flyway]`, origin, 'Connection settings go directly in [environments.<name>]; -environment, -workingDirectory and -configFiles only on the command line, in the environment or in [flyway].');
  }
  if ((key.startsWith(JDBC_PROPERTIES_PREFIX) && key.length > JDBC_PROPERTIES_PREFIX.length) || ENVIRONMENT_KEYS.includes(key)) return key;
  if (REFUSED_ENVIRONMENT_KEYS.includes(key)) throw notSupported(origin);
  const where = origin.showSource ? ` (in ${origin.source})` : '';
  const suggestion = suggestKey(key, [...ENVIRONMENT_KEYS, 'jdbcProperties', 'flyway']);
  throw new ConfigError(`Unknown configuration property: environments.${environment}.${key}${where}`, {
    hint:
      (suggestion === undefined ? '' : `Did you mean ${suggestion}? `) +
      `An environment holds ${ENVIRONMENT_KEYS.join(', ')}, jdbcProperties, and Flyway settings under [environments.${environment}.flyway].`,
    location: `${origin.spelled} (${origin.source})`,
  });
}

function misplacedInEnvironmentFlyway(name: string): boolean {
  return ENVIRONMENT_KEYS.includes(name) || LAUNCH_KEYS.includes(name) || name === 'environment';
}

export function misplaced(name: string, table: string, origin: KeyOrigin, hint: string): ConfigError {
  return new ConfigError(`${name} cannot be set in ${table} (in ${origin.source}).`, { hint, location: `${name} (${origin.source})` });
}

function launchKeyInFile(name: string, origin: KeyOrigin): ConfigError {
  return new ConfigError(`${origin.spelled} cannot be set in a config file (in ${origin.source}).`, {
    hint: `It decides which config files are read: give -${name}=… on the command line or set ${envVarName(name)}.`,
    location: `${origin.spelled} (${origin.source})`,
  });
}
