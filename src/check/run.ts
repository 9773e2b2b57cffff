/**
 * `godwit check`: picks the scripts (pending, all, or named), splits them the way migrate will, runs the
 * database's rule set over them in order, and places each finding at its file's line.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { parseDatabaseUrl } from '../config/jdbc-url.js';
import type { SqlStatement } from '../dialects/dialect.js';
import { splitMysqlScript } from '../dialects/mysql/splitter.js';
import { splitPostgresScript } from '../dialects/postgres/splitter.js';
import { ConfigError } from '../errors.js';
import type { EngineContext } from '../engine/context.js';
import { placeholdersFor } from '../engine/context.js';
import { pendingMigrations } from '../engine/info.js';
import type { Logger } from '../engine/logger.js';
import { builtInPlaceholders, replacePlaceholders } from '../engine/placeholders.js';
import { isCodeMigration } from '../engine/code-migration.js';
import { loadScriptText, resolveMigrations } from '../engine/resolver.js';
import { parseHeader } from '../engine/script-config.js';
import type { ScriptConfig } from '../engine/script-config.js';
import { readSnapshot, resolveAll } from '../engine/snapshot.js';
import type { ResolvedMigration } from '../engine/types.js';
import { GODWIT_VERSION } from '../version.js';
import { checkSettings, SEVERITY_RANK } from './settings.js';
import { lockTimeoutFromSetup } from './setup-timeout.js';
import { isSuppressed, readSuppressions } from './suppress.js';
import type { CheckFinding, CheckResult, RawFinding, RuleSet, RunFacts, TableSize } from './types.js';

export interface CheckOptions {
  /** Every versioned and repeatable migration, applied or not, instead of the pending ones. */
  all: boolean;
  /** Check these files (in this order) instead; paths as the user gave them. */
  files: string[];
}

/** What a script is, whichever way it was chosen. */
interface Source {
  file: string;
  physicalPath: string;
  scriptConfig?: ScriptConfig;
}

type Flavour = 'postgresql' | 'mysql';

/** The rule set follows the URL's database; without a URL, PostgreSQL's. */
function flavourOf(config: Config): Flavour {
  if (!config.url) return 'postgresql';
  const dialect = parseDatabaseUrl(config.url).dialect;
  return dialect === 'mysql' || dialect === 'mariadb' ? 'mysql' : 'postgresql';
}

/** Loaded on demand: PostgreSQL's rules load the parser's WebAssembly. */
async function ruleSetFor(flavour: Flavour): Promise<RuleSet> {
  if (flavour === 'mysql') return (await import('./mysql/lint.js')).mysqlRuleSet;
  return (await import('./postgres/lint.js')).postgresRuleSet;
}

function split(flavour: Flavour, text: string, file: string): SqlStatement[] {
  return flavour === 'mysql' ? splitMysqlScript(text, file) : splitPostgresScript(text, file);
}

/** Without a connection the built-in placeholders get what the configuration says, else empty. */
function offlinePlaceholders(config: Config, script: string): Record<string, string> {
  return {
    ...config.placeholders,
    ...builtInPlaceholders({
      defaultSchema: config.defaultSchema ?? config.schemas[0] ?? '',
      user: config.user ?? '',
      database: '',
      timestamp: new Date(),
      filename: path.basename(script),
      workingDirectory: config.workingDirectory,
      table: config.table,
      environment: config.environment,
    }),
  };
}

async function chooseSources(config: Config, options: CheckOptions, ctx: EngineContext | undefined, log: Logger): Promise<Source[]> {
  const resolved: ResolvedMigration[] = ctx
    ? await resolveAll(ctx)
    : await resolveMigrations(config, {
        placeholdersFor: () => null,
        // Named files need no location: a missing one is no news then.
        warn: (m) => {
          if (options.files.length === 0) log.warn(m);
        },
      });
  const sqlOnly = (m: ResolvedMigration): boolean => {
    if (!isCodeMigration(m)) return true;
    log.info(`Not checking ${m.script}: a code migration; godwit check reads SQL only.`);
    return false;
  };
  if (options.files.length > 0) {
    const named = options.files.map((given) => {
      const physicalPath = path.resolve(given);
      if (!existsSync(physicalPath)) {
        throw new ConfigError(`godwit check: no file ${given}.`, { location: given, hint: 'Name migration files that exist, relative to the current directory.' });
      }
      const known = resolved.find((m) => m.physicalPath === physicalPath);
      return { known, source: { file: known?.script ?? given, physicalPath, scriptConfig: known?.scriptConfig } };
    });
    return named.filter(({ known }) => known === undefined || sqlOnly(known)).map(({ source }) => source);
  }
  const asSource = (m: ResolvedMigration): Source => ({ file: m.script, physicalPath: m.physicalPath, scriptConfig: m.scriptConfig });
  if (options.all) return resolved.filter((m) => m.kind !== 'undo' && sqlOnly(m)).map(asSource);
  if (!ctx) {
    throw new ConfigError('godwit check needs a database connection to know which migrations are pending.', {
      location: 'url',
      hint: 'Set -url (and -user, -password), or check every migration with -all, or name the files: godwit check sql/V7__Add_index.sql',
    });
  }
  const snapshot = await readSnapshot(ctx, resolved);
  return pendingMigrations(snapshot.infos)
    .map((info) => info.resolved)
    .filter((m): m is ResolvedMigration => m !== undefined && m !== null && m.scriptConfig?.shouldExecute?.value !== false)
    .filter(sqlOnly)
    .map(asSource);
}

async function scriptText(config: Config, source: Source, ctx: EngineContext | undefined): Promise<{ text: string; scriptConfig: ScriptConfig }> {
  const raw = await loadScriptText(source, config.encoding);
  const replace = (text: string) =>
    replacePlaceholders(text, ctx ? placeholdersFor(ctx, source.file) : offlinePlaceholders(config, source.file), {
      prefix: config.placeholderPrefix,
      suffix: config.placeholderSuffix,
      file: source.file,
    });
  const scriptConfig = source.scriptConfig ?? parseHeader(raw, source.file, replace);
  const text = (scriptConfig.placeholderReplacement ?? config.placeholderReplacement) ? replace(raw) : raw;
  return { text, scriptConfig };
}

/** Mirrors prepareStatements: whether migrate would run this script inside a transaction. */
function runsInTransaction(config: Config, statements: SqlStatement[], scriptConfig: ScriptConfig): boolean {
  if (config.group) return true;
  const nonTransactional = statements.filter((s) => s.nonTransactional).length;
  // Mixed statements without -mixed: migrate refuses the file, so CONCURRENTLY cannot run either.
  if (nonTransactional > 0 && nonTransactional < statements.length && !config.mixed) return true;
  return scriptConfig.executeInTransaction ?? (config.executeInTransaction && nonTransactional === 0);
}

/** Character offset in a statement → the file's line and column. */
function place(statement: SqlStatement, offset: number): { line: number; column: number } {
  const before = statement.sql.slice(0, offset);
  const breaks = before.match(/\r\n|\r|\n/g)?.length ?? 0;
  const lastBreak = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  return { line: statement.line + breaks, column: offset - lastBreak };
}

function factsFor(ctx: EngineContext | undefined): RunFacts {
  const created = new Set<string>();
  const sizes = new Map<string, Promise<TableSize | undefined>>();
  return {
    connected: ctx !== undefined,
    isNew: (table) => created.has(table),
    created: (table) => created.add(table),
    sizeOf(schema, table) {
      if (!ctx) return Promise.resolve(undefined);
      const key = `${schema ?? ''}.${table}`;
      let size = sizes.get(key);
      if (!size) {
        size = ctx.dialect.tableSize(schema, table).then((found) => found ?? undefined);
        sizes.set(key, size);
      }
      return size;
    },
  };
}

/**
 * Lints the chosen migrations. `ctx` is the engine's connection, or undefined offline: then every table
 * not created by a checked script counts as existing, of unknown size.
 */
export async function runCheck(config: Config, options: CheckOptions, ctx: EngineContext | undefined, log: Logger): Promise<CheckResult> {
  const settings = checkSettings(config);
  const flavour = flavourOf(config);
  const ruleSet = await ruleSetFor(flavour);
  const enabled = settings.enabled(ruleSet.rules);
  const sources = await chooseSources(config, options, ctx, log);
  const checkScript = ruleSet.start(factsFor(ctx));
  const lockTimeoutConfigured = await lockTimeoutFromSetup(config, (text, file) => split(flavour, text, file));
  const findings: CheckFinding[] = [];
  let suppressed = 0;
  for (const source of sources) {
    const { text, scriptConfig } = await scriptText(config, source, ctx);
    const statements = split(flavour, text, source.file);
    const suppressions = readSuppressions(text, source.file, statements, new Set(ruleSet.rules.keys()));
    const raw: RawFinding[] = await checkScript({
      file: source.file,
      statements,
      transactional: runsInTransaction(config, statements, scriptConfig),
      lockTimeoutConfigured,
    });
    for (const finding of raw) {
      const rule = enabled.get(finding.rule);
      if (!rule) continue;
      if (isSuppressed(suppressions, finding.statement, finding.rule)) {
        suppressed++;
        continue;
      }
      findings.push({
        file: source.file,
        path: path.relative(process.cwd(), source.physicalPath) || source.physicalPath,
        ...place(finding.statement, finding.offset),
        rule: finding.rule,
        severity: rule.severity,
        message: finding.message,
        fix: finding.fix,
      });
    }
  }
  const failing = findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[settings.failOn]);
  return {
    flywayVersion: GODWIT_VERSION,
    database: ctx?.session.database ?? '',
    warnings: [],
    operation: 'check',
    ruleSet: ruleSet.name,
    connected: ctx !== undefined,
    filesChecked: sources.map((s) => s.file),
    findings,
    suppressed,
    failOn: settings.failOn,
    passed: !failing,
  };
}
