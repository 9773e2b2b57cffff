import type { Config } from '../config/config.js';
import type { Dialect, SessionInfo } from '../dialects/dialect.js';
import { ConfigError } from '../errors.js';
import type { ProgressListener } from './events.js';
import { builtInPlaceholders } from './placeholders.js';
import type { Logger } from './logger.js';
import type { LocationScans } from './resolver.js';
import { SchemaHistory } from './schema-history.js';

/** Everything a command needs once connected, computed once per run. */
export interface EngineContext {
  config: Config;
  dialect: Dialect;
  log: Logger;
  session: SessionInfo;
  /** The managed schemas, the history table's schema first. */
  schemas: string[];
  /** Where the history table lives and what `${flyway:defaultSchema}` means. */
  defaultSchema: string;
  history: SchemaHistory;
  startedAt: Date;
  /** Hears of each migration's start and end (the API's onProgress). */
  progress?: ProgressListener;
}

/**
 * Flyway's schema rules: the history table goes to defaultSchema, else the first of schemas, else the
 * connection's current schema; a defaultSchema outside the list is managed too. A connection without one
 * (a MySQL URL naming no database) is an error, as in Flyway, rather than a guess.
 */
export function managedSchemas(config: Config, currentSchema: string | null): { defaultSchema: string; schemas: string[] } {
  const defaultSchema = config.defaultSchema ?? config.schemas[0] ?? currentSchema;
  if (defaultSchema === null) {
    throw new ConfigError("Unable to determine schema for the schema history table. Set a default schema for the connection or specify one using the 'defaultSchema' property", {
      hint: 'Name the database in -url, or set -schemas (or -defaultSchema).',
      location: 'defaultSchema',
    });
  }
  const schemas = config.schemas.length > 0 ? [...config.schemas] : [defaultSchema];
  if (!schemas.includes(defaultSchema)) schemas.unshift(defaultSchema);
  return { defaultSchema, schemas };
}

export async function createContext(config: Config, dialect: Dialect, log: Logger): Promise<EngineContext> {
  const session = await dialect.session();
  const { defaultSchema, schemas } = managedSchemas(config, session.schema);
  return {
    config,
    dialect,
    log,
    session,
    schemas,
    defaultSchema,
    history: new SchemaHistory(dialect, defaultSchema, config.table, config.tablespace),
    startedAt: new Date(),
  };
}

/** The placeholder values for one script: the user's, then the built-ins, which win. */
export function placeholdersFor(ctx: EngineContext, script: string): Record<string, string> {
  const { config } = ctx;
  return {
    ...config.placeholders,
    ...builtInPlaceholders({
      defaultSchema: ctx.defaultSchema,
      user: ctx.session.user,
      database: ctx.session.database,
      timestamp: ctx.startedAt,
      filename: script.slice(script.lastIndexOf('/') + 1),
      workingDirectory: config.workingDirectory,
      table: config.table,
      environment: config.environment,
    }),
  };
}

/** A schema as Flyway names it in messages: quoted the database's way (`"public"`, `` `shop` ``). */
export function quotedSchema(ctx: EngineContext, schema = ctx.defaultSchema): string {
  return ctx.dialect.quoteIdentifier(schema);
}

const scans = new WeakMap<EngineContext, LocationScans>();

/** The location scans of one command, shared by the callbacks and the migrations (see scanLocation). */
export function locationScans(ctx: EngineContext): LocationScans {
  let found = scans.get(ctx);
  if (found === undefined) {
    found = new Map();
    scans.set(ctx, found);
  }
  return found;
}
