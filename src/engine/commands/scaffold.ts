import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/config.js';
import { ConfigError, GodwitError } from '../../errors.js';
import type { Logger } from '../logger.js';
import { resolveMigrations } from '../resolver.js';
import type { InitResult, NewMigrationResult } from '../results.js';

/** The folder `init` and `new` write migrations into: the first configured location, else `sql`. */
export function firstLocationDirectory(config: Config): string {
  const location = config.locations[0] ?? 'filesystem:sql';
  if (!location.startsWith('filesystem:')) {
    throw new ConfigError(`godwit can only write new migrations to a filesystem: location, not '${location}'.`, { location: 'locations' });
  }
  return path.resolve(config.workingDirectory, location.slice('filesystem:'.length));
}

/** Writes a file that must not exist yet: scaffolding never overwrites a user's work. */
export async function writeNew(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await writeFile(file, content, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new GodwitError('FILE_EXISTS', `${file} already exists; godwit never overwrites it.`, { location: file });
    }
    throw error;
  }
}

export type NewMigrationKind = 'versioned' | 'repeatable' | 'undo';

export interface NewMigrationOptions {
  description: string;
  kind: NewMigrationKind;
  versionStyle: 'sequential' | 'timestamp';
  now: Date;
  /** A SQL script (the default), or a TypeScript or JavaScript code migration. */
  type?: 'sql' | 'ts' | 'js';
}

/** The starting text of a new file: a comment for SQL, an empty default export for code. */
function template(type: 'sql' | 'ts' | 'js', description: string): string {
  if (type === 'sql') return `-- ${description}\n`;
  const signature = type === 'ts' ? "import type { MigrationContext } from 'godwit';\n\n" : '/** @param {import(\'godwit\').MigrationContext} ctx */\n';
  const parameter = type === 'ts' ? 'ctx: MigrationContext): Promise<void>' : 'ctx)';
  return `${signature}// ${description}\nexport default async function (${parameter} {\n  // ctx.query(sql, params) runs in this migration's transaction and returns the rows.\n}\n`;
}

function fileDescription(description: string): string {
  const text = description.trim().replace(/\s+/g, '_');
  if (text === '') throw new ConfigError('The new migration needs a description: godwit new <description>.');
  if (/[/\\:*?"<>|]/.test(text)) {
    throw new ConfigError(`The description '${description}' holds characters that cannot be part of a file name.`);
  }
  return text;
}

function timestampVersion(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
}

/**
 * Creates the next migration file: `V<n+1>__…` after the highest version on disk (or a timestamp
 * version), `R__…`, or `U<latest>__…` to undo the latest versioned migration.
 */
export async function newMigration(config: Config, options: NewMigrationOptions, log: Logger): Promise<NewMigrationResult> {
  const description = fileDescription(options.description);
  const directory = firstLocationDirectory(config);
  // A location that does not exist yet simply has no migrations: `new` is about to create it.
  const resolved = existsSync(directory) ? await resolveMigrations(config, { placeholdersFor: () => null, warn: (m) => log.warn(m) }) : [];
  const latest = resolved.filter((m) => m.kind === 'versioned').at(-1)?.version ?? null;
  const type = options.type ?? 'sql';
  const suffix = type === 'sql' ? (config.sqlMigrationSuffixes[0] ?? '.sql') : `.${type}`;
  const separator = config.sqlMigrationSeparator;

  let name: string;
  let version: string | null;
  if (options.kind === 'repeatable') {
    version = null;
    name = `${config.repeatableSqlMigrationPrefix}${separator}${description}${suffix}`;
  } else if (options.kind === 'undo') {
    if (!latest) throw new GodwitError('NO_MIGRATION', 'There is no versioned migration to write an undo migration for.');
    const existing = resolved.find((m) => m.kind === 'undo' && m.version?.equals(latest));
    if (existing) {
      throw new GodwitError('FILE_EXISTS', `Version ${latest.text} already has an undo migration: ${existing.physicalPath}.`, { location: existing.physicalPath });
    }
    version = latest.text;
    name = `${config.undoSqlMigrationPrefix}${version}${separator}${description}${suffix}`;
  } else {
    const major = latest ? BigInt(latest.text.split('.')[0] ?? '0') : 0n;
    version = options.versionStyle === 'timestamp' ? timestampVersion(options.now) : String(major + 1n);
    name = `${config.sqlMigrationPrefix}${version}${separator}${description}${suffix}`;
  }
  const filepath = path.join(directory, name);
  await writeNew(filepath, template(type, options.description.trim()));
  log.info(`Created ${path.relative(config.workingDirectory, filepath) || filepath}`);
  return { operation: 'new', filepath, version };
}

const INIT_TOML = `# godwit (and Flyway) configuration: see flyway.toml.example in godwit's repository for every key.

[environments.default]
# The embedded PostgreSQL: a data directory created on first use, no server needed.
url = "pglite:.godwit/db"
# A real server is one line away:
# url = "jdbc:postgresql://localhost:5432/app"
# user = "app"
# password = "\${env.APP_DB_PASSWORD}"

[flyway]
environment = "default"
locations = ["filesystem:sql"]
`;

/** Starts a project: a commented flyway.toml and an empty sql/ folder in the working directory. */
export async function initProject(config: Config, log: Logger): Promise<InitResult> {
  const configFile = path.join(config.workingDirectory, 'flyway.toml');
  const locations = path.join(config.workingDirectory, 'sql');
  await writeNew(configFile, INIT_TOML);
  await mkdir(locations, { recursive: true });
  log.info(`Created ${configFile} and ${locations}${path.sep}. Add migrations with: godwit new <description>`);
  return { operation: 'init', configFile, locations };
}
