/**
 * Merges defaults, `FLYWAY_*` variables and `-key=value` arguments into one Config, remembering where
 * each value came from. Precedence, lowest first: defaults, environment, command line (config files slot
 * in between defaults and environment in a later issue).
 */
import path from 'node:path';
import type { Config, ConfigSource, LoadedConfig } from './config.js';
import {
  CONFIG_KEYS,
  classifyKey,
  convertValue,
  envVarName,
  findKey,
  invalidValue,
  JDBC_PROPERTIES_PREFIX,
  PLACEHOLDERS_PREFIX,
  REFUSED_KEYS,
  type ConfigKey,
  type ConfigValue,
  type RegisteredField,
} from './keys.js';
import { MASK, redact } from './redact.js';
import { ConfigError } from '../errors.js';

export interface LoadInput {
  /** From `parseArgv`: Flyway key names → raw values given on the command line. */
  settings: Record<string, string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

interface RawValue {
  value: string;
  source: ConfigSource;
  /** Where to point in a message about a key's value: the variable name, or `command line`. */
  origin: string;
}

const ENV_PLACEHOLDERS = 'FLYWAY_PLACEHOLDERS_';
const ENV_JDBC_PROPERTIES = 'FLYWAY_JDBC_PROPERTIES_';

export function loadConfig(input: LoadInput): LoadedConfig {
  const scalars = new Map<string, RawValue>();
  const placeholders = new Map<string, RawValue>();
  const jdbcProperties = new Map<string, RawValue>();

  for (const [name, value] of environmentSettings(input.env)) {
    const raw: RawValue = { value, source: 'environment', origin: envVarName(name) };
    if (name.startsWith(PLACEHOLDERS_PREFIX)) placeholders.set(name.slice(PLACEHOLDERS_PREFIX.length), raw);
    else if (name.startsWith(JDBC_PROPERTIES_PREFIX)) jdbcProperties.set(name.slice(JDBC_PROPERTIES_PREFIX.length), raw);
    else scalars.set(name, raw);
  }

  for (const [name, value] of Object.entries(input.settings)) {
    const raw: RawValue = { value, source: 'command line', origin: 'command line' };
    const classified = classifyKey(name, { spelled: `-${name}`, source: 'command line' });
    if (classified.kind === 'key') scalars.set(classified.key.name, raw);
    else if (classified.kind === 'placeholder') placeholders.set(classified.name, raw);
    else if (classified.kind === 'jdbcProperty') jdbcProperties.set(classified.name, raw);
    // `environments.<env>.<key>` stays in the settings for the TOML loader; it has no Config field of its own.
  }

  const values: Record<string, ConfigValue> = {};
  const sources: Record<string, ConfigSource> = {};
  for (const spec of CONFIG_KEYS) {
    const raw = scalars.get(spec.name);
    sources[spec.name] = raw?.source ?? 'default';
    if (raw !== undefined) values[spec.field] = convertValue(spec, raw.value, raw.origin);
    else if (spec.defaultValue !== undefined) values[spec.field] = convertValue(spec, spec.defaultValue, 'default');
  }
  values.workingDirectory = path.resolve(input.cwd, String(values.workingDirectory));
  const outputType = scalars.get('outputType');
  values.outputType = outputType === undefined ? 'text' : checkOutputType(outputType.value);

  const config = assemble(values, true);
  for (const [name, raw] of placeholders) {
    config.placeholders[name] = raw.value;
    sources[PLACEHOLDERS_PREFIX + name] = raw.source;
  }
  for (const [name, raw] of jdbcProperties) {
    config.jdbcProperties[name] = raw.value;
    sources[JDBC_PROPERTIES_PREFIX + name] = raw.source;
  }
  checkRanges(config, scalars);
  return { config, sources };
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

/**
 * `FLYWAY_*` variables as Flyway key names. Variables for keys godwit refuses are refused here too, since
 * ignoring `FLYWAY_CALLBACKS` would run migrations without the callbacks the user set up. Empty variables
 * count as unset: Compose and Kubernetes produce them from unset substitutions.
 */
function environmentSettings(env: NodeJS.ProcessEnv): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const name of REFUSED_KEYS) {
    const variable = envVarName(name);
    if (env[variable]) classifyKey(name, { spelled: variable, source: 'environment' });
  }
  for (const spec of CONFIG_KEYS) {
    const value = env[spec.envVar];
    if (value) found.push([spec.name, value]);
  }
  for (const [variable, value] of Object.entries(env)) {
    if (!value) continue;
    // Flyway lower-cases placeholder names from the environment, where they can only be upper case.
    if (variable.startsWith(ENV_PLACEHOLDERS) && variable.length > ENV_PLACEHOLDERS.length) {
      found.push([PLACEHOLDERS_PREFIX + variable.slice(ENV_PLACEHOLDERS.length).toLowerCase(), value]);
    } else if (variable.startsWith(ENV_JDBC_PROPERTIES) && variable.length > ENV_JDBC_PROPERTIES.length) {
      found.push([JDBC_PROPERTIES_PREFIX + variable.slice(ENV_JDBC_PROPERTIES.length), value]);
    }
  }
  return found;
}

/** Flyway's own check and message: only `json` (any case) or nothing is accepted. */
function checkOutputType(value: string): 'text' | 'json' {
  const lower = value.toLowerCase();
  if (lower === 'json') return 'json';
  if (lower === '') return 'text';
  throw new ConfigError(`'${lower}' is an invalid value for the -outputType option. Use 'json'.`, {
    hint: 'Leave -outputType out for text output.',
    location: 'outputType',
  });
}

function checkRanges(config: Config, scalars: ReadonlyMap<string, RawValue>): void {
  const check = (name: string, ok: boolean, expected: string): void => {
    if (ok) return;
    const spec = findKey(name) as ConfigKey;
    const raw = scalars.get(name);
    throw invalidValue(spec, raw?.value ?? String(spec.defaultValue), raw?.origin ?? 'default', expected);
  };
  check('connectRetries', config.connectRetries >= 0, 'Expected 0 or more.');
  check('connectRetriesInterval', config.connectRetriesInterval >= 0, 'Expected 0 or more.');
  check('lockRetryCount', config.lockRetryCount >= -1, 'Expected -1 (retry forever) or a count of 0 or more.');
  check('placeholderPrefix', config.placeholderPrefix !== '', 'It must not be empty.');
  check('placeholderSuffix', config.placeholderSuffix !== '', 'It must not be empty.');
}

/** The effective configuration for `-X`: `key = value (source)`, secrets and URL passwords masked. */
export function describeConfig(loaded: LoadedConfig): string[] {
  const { config, sources } = loaded;
  const lines: string[] = [];
  const line = (name: string, value: unknown, secret: boolean): void => {
    const shown = value === undefined ? '<unset>' : secret ? MASK : Array.isArray(value) ? value.join(',') : String(value);
    lines.push(`${name} = ${shown} (${sources[name] ?? 'default'})`);
  };
  for (const spec of CONFIG_KEYS) line(spec.name, config[spec.field], spec.secret);
  for (const [name, value] of Object.entries(config.placeholders)) line(PLACEHOLDERS_PREFIX + name, value, false);
  for (const [name, value] of Object.entries(config.jdbcProperties)) {
    line(JDBC_PROPERTIES_PREFIX + name, value, /password|secret|token|key/i.test(name));
  }
  return lines.map((text) => redact(text, [config.password]));
}
