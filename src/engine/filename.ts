import type { Config } from '../config/config.js';
import { MigrationVersion } from './version.js';

export type NamingConfig = Pick<
  Config,
  'sqlMigrationPrefix' | 'undoSqlMigrationPrefix' | 'repeatableSqlMigrationPrefix' | 'sqlMigrationSeparator' | 'sqlMigrationSuffixes'
>;

/** Flyway's callback events (its `Event` enum): a script named after one is a callback, not a migration. */
export const CALLBACK_EVENTS = [
  'beforeClean', 'afterClean', 'afterCleanError',
  'beforeMigrate', 'beforeEachMigrate', 'beforeEachMigrateStatement', 'afterEachMigrateStatement',
  'afterEachMigrateStatementError', 'afterEachMigrate', 'afterEachMigrateError', 'beforeRepeatables',
  'afterVersioned', 'afterMigrateApplied', 'afterMigrate', 'afterMigrateError',
  'beforeUndo', 'beforeEachUndo', 'beforeEachUndoStatement', 'afterEachUndoStatement', 'afterEachUndoStatementError',
  'afterEachUndo', 'afterEachUndoError', 'afterUndo', 'afterUndoError',
  'beforeValidate', 'afterValidate', 'afterValidateError',
  'beforeBaseline', 'afterBaseline', 'afterBaselineError',
  'beforeRepair', 'afterRepair', 'afterRepairError',
  'beforeInfo', 'afterInfo', 'afterInfoError',
  'afterMigrateOperationFinish', 'afterInfoOperationFinish', 'afterCleanOperationFinish', 'afterValidateOperationFinish',
  'afterUndoOperationFinish', 'afterRepairOperationFinish', 'afterBaselineOperationFinish', 'afterReportGenerated',
  'createSchema', 'beforeCreateSchema', 'beforeConnect', 'afterConnect',
] as const;

export type CallbackEvent = (typeof CALLBACK_EVENTS)[number];

export type ParsedFilename =
  | { kind: 'versioned' | 'undo'; version: MigrationVersion; rawVersion: string; description: string }
  | { kind: 'repeatable'; description: string }
  | { kind: 'callback'; event: CallbackEvent; description: string }
  /** A file with a migration suffix whose name breaks the convention; `error` is Flyway's message. */
  | { kind: 'invalid'; error: string };

/** File endings of JavaScript and TypeScript migrations (code migrations), beside the SQL suffixes. */
export const CODE_MIGRATION_SUFFIXES: readonly string[] = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/**
 * Parses the name of a JavaScript or TypeScript file in a location. Returns null for a file that is no
 * migration: a declaration file, a callback name, or a name that does not parse and has no separator,
 * which is a helper module the migrations import (`Repository.ts` must not count as a broken `R` file).
 */
export function parseCodeMigrationFilename(name: string, naming: NamingConfig): ParsedFilename | null {
  if (/\.d\.[cm]?ts$/i.test(name)) return null;
  const parsed = parseMigrationFilename(name, { ...naming, sqlMigrationSuffixes: [...CODE_MIGRATION_SUFFIXES] });
  if (parsed === null || parsed.kind === 'callback') return null;
  if (parsed.kind === 'invalid' && !name.includes(naming.sqlMigrationSeparator)) return null;
  return parsed;
}

type PrefixKind = 'versioned' | 'undo' | 'repeatable' | 'callback';

/**
 * Parses a file name the way Flyway's ResourceNameParser does. Returns null for files that are not
 * migrations at all: no migration suffix, or a `.conf` script configuration.
 */
export function parseMigrationFilename(name: string, naming: NamingConfig): ParsedFilename | null {
  // Script configurations sit beside their script and are never migrations, whatever the suffixes say.
  const lower = name.toLowerCase();
  if (lower.endsWith('.conf')) return null;
  const suffix = naming.sqlMigrationSuffixes.find((s) => s !== '' && lower.endsWith(s.toLowerCase()));
  if (suffix === undefined) return null;
  const stem = name.slice(0, name.length - suffix.length);

  const prefixes = prefixesOf(naming);
  const prefix = (prefixes.byFirst.get(stem.charCodeAt(0)) ?? prefixes.empty).find((p) => stem.startsWith(p.text));
  if (prefix === undefined) return { kind: 'invalid', error: `Unrecognised migration name format: ${name}` };

  const separator = naming.sqlMigrationSeparator;
  const rest = stem.slice(prefix.text.length);
  const at = rest.indexOf(separator);
  const rawVersion = at === -1 ? rest : rest.slice(0, at);
  const rawDescription = at === -1 ? '' : rest.slice(at + separator.length);
  const example = rawDescription === '' ? 'description' : rawDescription;
  const description = rawDescription.replaceAll('_', ' ');

  if (prefix.kind === 'repeatable' || prefix.kind === 'callback') {
    if (rawVersion !== '') {
      return {
        kind: 'invalid',
        error: `Invalid repeatable migration / callback name format: ${name} (It cannot contain a version and should look like this: ${prefix.text}${separator}${example}${suffix})`,
      };
    }
    return prefix.kind === 'repeatable'
      ? { kind: 'repeatable', description }
      : { kind: 'callback', event: prefix.text as CallbackEvent, description };
  }

  if (rawVersion === '') {
    return {
      kind: 'invalid',
      error: `Invalid versioned migration name format: ${name} (It must contain a version and should look like this: ${prefix.text}1.2${separator}${example}${suffix})`,
    };
  }
  try {
    return { kind: prefix.kind, version: MigrationVersion.parse(rawVersion), rawVersion, description };
  } catch {
    return { kind: 'invalid', error: `Invalid versioned migration name format: ${name} (could not recognise version number ${rawVersion})` };
  }
}

interface Prefix {
  text: string;
  kind: PrefixKind;
}

/** By first character, each group longest first and ending with the empty prefixes, which fit any name. */
interface Prefixes {
  byFirst: Map<number, Prefix[]>;
  empty: Prefix[];
}

/**
 * Built once per naming, not once per file name: a location can hold thousands. Grouped by first
 * character, so a name is compared with the few prefixes it could start with, not with all fifty.
 */
const prefixCache = new Map<string, Prefixes>();

/** The longest prefix wins (`beforeEachMigrate` over `beforeMigrate`); ties keep this order, as Flyway's stable sort does. */
function prefixesOf(naming: NamingConfig): Prefixes {
  const key = `${naming.sqlMigrationPrefix}\0${naming.undoSqlMigrationPrefix}\0${naming.repeatableSqlMigrationPrefix}`;
  let prefixes = prefixCache.get(key);
  if (prefixes === undefined) {
    const sorted = sortedPrefixes(naming);
    const empty = sorted.filter((p) => p.text === '');
    const byFirst = new Map<number, Prefix[]>();
    for (const prefix of sorted) {
      if (prefix.text === '') continue;
      const first = prefix.text.charCodeAt(0);
      byFirst.set(first, [...(byFirst.get(first) ?? []), prefix]);
    }
    for (const group of byFirst.values()) group.push(...empty);
    prefixes = { byFirst, empty };
    prefixCache.set(key, prefixes);
  }
  return prefixes;
}

function sortedPrefixes(naming: NamingConfig): Prefix[] {
  const prefixes: Prefix[] = [
    { text: naming.sqlMigrationPrefix, kind: 'versioned' },
    { text: naming.undoSqlMigrationPrefix, kind: 'undo' },
    { text: naming.repeatableSqlMigrationPrefix, kind: 'repeatable' },
    ...CALLBACK_EVENTS.map((event) => ({ text: event, kind: 'callback' as const })),
  ];
  return prefixes.sort((a, b) => b.text.length - a.text.length);
}
