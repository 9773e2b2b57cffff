/**
 * Configuration as an API caller writes it: a plain object keyed by Flyway's names, the keys `-key=value`
 * takes on the command line, with JavaScript values. It is turned into the command line's strings and
 * goes through the same loader, so both accept and refuse exactly the same things.
 */
import type { LoadedConfig } from './config.js';
import type { RegisteredKey } from './keys.js';
import { JDBC_PROPERTIES_PREFIX, PLACEHOLDERS_PREFIX } from './keys.js';
import { loadConfig } from './load.js';
import { ConfigError } from '../errors.js';

type SettingValue<Type> = Type extends 'boolean' ? boolean | string : Type extends 'integer' ? number | string : Type extends 'list' ? readonly string[] | string : string;

/**
 * Every configuration key, typed (`outOfOrder: true`, `locations: ['filesystem:db']`), plus the
 * `placeholders` and `jdbcProperties` maps; `placeholders.name` and `environments.dev.url` written
 * flat work too.
 */
export type GodwitSettings = { [K in RegisteredKey as K['name']]?: SettingValue<K['type']> } & {
  placeholders?: Readonly<Record<string, string>>;
  jdbcProperties?: Readonly<Record<string, string>>;
  [flat: `placeholders.${string}` | `jdbcProperties.${string}` | `environments.${string}`]: string | undefined;
};

export interface LoadSettingsInput {
  settings?: GodwitSettings;
  /** Read for FLYWAY_* variables, like the CLI: `process.env` when absent. */
  env?: NodeJS.ProcessEnv;
  /** Where flyway.toml / flyway.conf are looked for and relative paths start: `process.cwd()` when absent. */
  cwd?: string;
  /** The home directory searched for config files: `os.homedir()` when absent. */
  home?: string;
}

/** The command line's strings: lists joined with commas, the two maps flattened to `placeholders.<name>`. */
export function settingsToArguments(settings: GodwitSettings): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings) as Array<[string, unknown]>) {
    if (value === undefined) continue;
    if (name === 'placeholders' || name === 'jdbcProperties') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ConfigError(`Invalid value for ${name}: expected an object of names to strings.`, { location: `${name} (settings)` });
      }
      const prefix = name === 'placeholders' ? PLACEHOLDERS_PREFIX : JDBC_PROPERTIES_PREFIX;
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) flat[prefix + key] = String(item);
    } else if (Array.isArray(value)) {
      flat[name] = value.map(String).join(',');
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      flat[name] = String(value);
    } else {
      throw new ConfigError(`Invalid value for ${name}: expected a string, number, boolean or list of strings.`, { location: `${name} (settings)` });
    }
  }
  return flat;
}

/** Only these settings and the defaults: no config file, no environment variable (Godwit.create). */
export function configFromSettings(settings: GodwitSettings, cwd = process.cwd()): LoadedConfig {
  return loadConfig({ settings: settingsToArguments(settings), env: {}, cwd, discoverFiles: false, settingsSource: 'settings' });
}

/** As the CLI loads it: config files, FLYWAY_* variables, then these settings on top (Godwit.load). */
export function loadSettings(input: LoadSettingsInput = {}): LoadedConfig {
  return loadConfig({
    settings: settingsToArguments(input.settings ?? {}),
    env: input.env ?? process.env,
    cwd: input.cwd ?? process.cwd(),
    ...(input.home === undefined ? {} : { home: input.home }),
    settingsSource: 'settings',
  });
}
