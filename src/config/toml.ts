/**
 * Flyway 10's `flyway.toml`: `[environments.<name>]` for connections, `[flyway]` for everything else,
 * nested tables for dotted keys (`[flyway.postgresql.transactional] lock = false`). Every key is checked
 * here, in every environment, so a typo in `[environments.prod]` fails on a dev machine too; values are
 * resolved (`${env.NAME}`) only for the environment in use, later, by the loader.
 */
import { createRequire } from 'node:module';
import type { TomlTable, TomlValue } from 'smol-toml';
import { ENVIRONMENT_KEYS, type KeyOrigin } from './keys.js';
import { addEnvironmentSetting, addFlatSetting, environmentKey, misplaced, newLayer, type Entry, type Layer } from './layer.js';
import { resolveTomlReferences } from './references.js';
import { ConfigError } from '../errors.js';

/**
 * Root entries Redgate's tools write into the same file (Flyway Desktop's project `id`, `name`,
 * `databaseType`, `[flywayDesktop]`, `[redgateCompare]`). Flyway passes them through; refusing them would
 * make a Flyway Desktop project unusable with godwit.
 */
const OTHER_TOOLS: readonly string[] = ['id', 'name', 'databaseType', 'flywayDesktop', 'redgateCompare'];

type SmolToml = typeof import('smol-toml');
let loaded: SmolToml | undefined;

/**
 * Loaded with the first TOML file, from its CommonJS build so that config reading stays synchronous:
 * runs configured by arguments and FLYWAY_* variables alone do not pay for it.
 */
function smolToml(): SmolToml {
  return (loaded ??= createRequire(import.meta.url)('smol-toml') as SmolToml);
}

/** Parses one TOML config file into a layer. `file` is the path as messages and `-X` show it. */
export function parseTomlConfig(text: string, file: string, env: NodeJS.ProcessEnv): Layer {
  const document = parseDocument(text, file);
  const layer = newLayer();
  for (const [name, value] of Object.entries(document)) {
    if (name === 'flyway') {
      readFlyway(layer, expectTable(value, 'flyway', file), file, env);
    } else if (name === 'environments') {
      for (const [environment, settings] of Object.entries(expectTable(value, 'environments', file))) {
        readEnvironment(layer, environment, expectTable(settings, `environments.${environment}`, file), file, env);
      }
    } else if (!OTHER_TOOLS.includes(name)) {
      const shown = isTable(value) ? `table [${name}]` : `key ${name}`;
      throw new ConfigError(`Unknown ${shown} in ${file}.`, {
        hint: 'A Flyway TOML file holds [flyway] and [environments.<name>] tables. Check the spelling.',
        location: `${name} (${file})`,
      });
    }
  }
  return layer;
}

function parseDocument(text: string, file: string): TomlTable {
  try {
    return smolToml().parse(text);
  } catch (error) {
    if (!(error instanceof smolToml().TomlError)) throw error;
    // smol-toml's message quotes the offending lines, which may hold a password: keep only its first line,
    // and do not chain the error as a cause, since -X prints causes.
    const reason = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    throw new ConfigError(`Unable to parse ${file}: ${reason} at line ${error.line}, column ${error.column}.`, {
      hint: 'Fix the TOML syntax at that position (https://toml.io).',
      location: `${file}:${error.line}:${error.column}`,
    });
  }
}

function readFlyway(layer: Layer, table: TomlTable, file: string, env: NodeJS.ProcessEnv): void {
  for (const [name, value, tableName] of flatten(table, 'flyway')) {
    const origin = fileOrigin(name, file, tableName);
    const first = name.split('.')[0] ?? name;
    if (ENVIRONMENT_KEYS.includes(first) || first === 'jdbcProperties' || first === 'environments') {
      throw misplaced(name, '[flyway]', origin, `Flyway reads connection settings from an environment only: move ${first} to [environments.<name>] (the one [flyway] environment selects, "default" unless set).`);
    }
    addFlatSetting(layer, name, entry(value, name, origin, env), origin, true);
  }
}

function readEnvironment(layer: Layer, environment: string, table: TomlTable, file: string, env: NodeJS.ProcessEnv): void {
  const base = `environments.${environment}`;
  // An empty [environments.x] still defines x: selecting it is then valid, with the flat settings.
  if (!layer.environments.has(environment)) layer.environments.set(environment, new Map());
  for (const [key, value] of Object.entries(table)) {
    if ((key === 'flyway' || key === 'jdbcProperties') && isTable(value)) {
      for (const [name, leaf, tableName] of flatten(value, `${base}.${key}`)) {
        const origin = fileOrigin(name, file, tableName);
        addEnvironmentSetting(layer, environment, `${key}.${name}`, entry(leaf, name, origin, env), origin);
      }
    } else {
      const origin = fileOrigin(key, file, base);
      if (isTable(value)) {
        // Refused and mistyped names (`[environments.dev.resolvers.vault]`) are named as such first.
        environmentKey(environment, key, origin);
        throw notAValue(key, origin);
      }
      addEnvironmentSetting(layer, environment, key, entry(value, key, origin, env), origin);
    }
  }
}

function fileOrigin(name: string, file: string, table: string): KeyOrigin {
  return { spelled: name, source: `${file} [${table}]`, keyPrefix: '', showSource: true };
}

function entry(value: TomlValue, key: string, origin: KeyOrigin, env: NodeJS.ProcessEnv): Entry {
  return {
    value: plain(value, key, origin),
    source: `file ${origin.source}`,
    origin: origin.source,
    resolve: (text, name) => resolveTomlReferences(text, env, { key: name, origin: origin.source }),
  };
}

/** TOML's typed values as the strings the registry converts; booleans and numbers keep their TOML spelling. */
function plain(value: TomlValue, key: string, origin: KeyOrigin): string | string[] {
  if (Array.isArray(value)) {
    return value.map((item) => {
      if (Array.isArray(item) || isTable(item)) throw notAValue(key, origin);
      return scalar(item, key, origin);
    });
  }
  if (isTable(value)) throw notAValue(key, origin);
  return scalar(value, key, origin);
}

function scalar(value: TomlValue, key: string, origin: KeyOrigin): string {
  if (value instanceof smolToml().TomlDate) {
    throw new ConfigError(`${key} (in ${origin.source}) is a TOML date; godwit expects text, a number or a boolean.`, {
      hint: `Quote it: ${key} = "…"`,
      location: `${key} (${origin.source})`,
    });
  }
  return String(value);
}

function notAValue(key: string, origin: KeyOrigin): ConfigError {
  return new ConfigError(`${key} (in ${origin.source}) must be a value or a list of values, not a table.`, {
    hint: 'Check the table headers above it: a [table] header may have swallowed the keys that follow.',
    location: `${key} (${origin.source})`,
  });
}

function expectTable(value: TomlValue, name: string, file: string): TomlTable {
  if (isTable(value)) return value;
  throw new ConfigError(`${name} must be a table in ${file}.`, { hint: `Write it as a [${name}] section.`, location: `${name} (${file})` });
}

function isTable(value: TomlValue): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof smolToml().TomlDate);
}

/** Leaves of nested tables as dotted names, each with the table it sits in: `postgresql.transactional.lock` in `flyway.postgresql.transactional`. */
function flatten(table: TomlTable, tableName: string, prefix = ''): Array<[string, TomlValue, string]> {
  const leaves: Array<[string, TomlValue, string]> = [];
  for (const [key, value] of Object.entries(table)) {
    if (isTable(value)) leaves.push(...flatten(value, `${tableName}.${key}`, `${prefix}${key}.`));
    else leaves.push([`${prefix}${key}`, value, tableName]);
  }
  return leaves;
}
