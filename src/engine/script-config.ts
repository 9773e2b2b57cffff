import { suggestKey } from '../config/keys.js';
import { ScriptError } from '../errors.js';
import { isUndoType } from './info.js';
import type { AppliedMigration, ResolvedMigration } from './types.js';

/**
 * Per-script settings (flyway-compat.md §10). Flyway Teams reads them from `<script>.conf` beside the
 * script; godwit also reads the same keys from `-- flyway:key=value` lines at the very top of the script,
 * and the `.conf` file wins where both set a key. Unset keys fall back to the global settings.
 */
export interface ScriptConfig {
  executeInTransaction?: boolean;
  encoding?: string;
  placeholderReplacement?: boolean;
  /** The expression as written, and what it evaluated to once placeholders were replaced. */
  shouldExecute?: { expression: string; value: boolean };
}

const KEYS = ['executeInTransaction', 'encoding', 'placeholderReplacement', 'shouldExecute'] as const;
type ScriptConfigKey = (typeof KEYS)[number];

/** One `key=value` setting and where it was written, for messages. */
interface Entry {
  key: string;
  value: string;
  location: string;
}

/** Replaces placeholders in text that came from `where`; the identity when placeholders are unavailable. */
export type Replace = (text: string, where: string) => string;

/**
 * A `.conf` script configuration: `key=value` lines, `#` comments and blank lines. Placeholders are
 * replaced in the whole text first, as Flyway does before it reads the file.
 */
export function parseConfFile(raw: string, file: string, replace: Replace): ScriptConfig {
  const text = replace(raw, file);
  const entries: Entry[] = [];
  text.split(/\r\n|\r|\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const location = `${file}:${index + 1}`;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) {
      throw new ScriptError('SCRIPT_CONFIG_ERROR', `Invalid line in script configuration ${file}: '${trimmed}'`, {
        hint: 'Write one key=value per line (# starts a comment), e.g. executeInTransaction=false.',
        location,
      });
    }
    entries.push({ key: trimmed.slice(0, eq).trim(), value: trimmed.slice(eq + 1).trim(), location });
  });
  return toScriptConfig(entries, file);
}

const HEADER_LINE = /^--[ \t]*flyway:([A-Za-z.]+)[ \t]*=(.*)$/;

/**
 * The `-- flyway:key=value` lines that open a script (after a BOM), up to the first line of another
 * form. The lines stay part of the script, so they count in its checksum like any other text.
 */
export function parseHeader(text: string, file: string, replace: Replace): ScriptConfig {
  const entries: Entry[] = [];
  for (const { match, index } of headerLines(text, /^\uFEFF/)) {
    entries.push({ key: match[1] ?? '', value: replace((match[2] ?? '').trim(), file), location: `${file}:${index + 1}` });
  }
  return toScriptConfig(entries, file);
}

/** The encoding a header names, read before the script is decoded; its other keys are checked later. */
export function headerEncoding(text: string): string | undefined {
  let encoding: string | undefined;
  for (const { match } of headerLines(text, /^\uFEFF|^\xEF\xBB\xBF/)) {
    if (match[1] === 'encoding' && (match[2] ?? '').trim() !== '') encoding = (match[2] ?? '').trim();
  }
  return encoding;
}

/**
 * The header lines that open `text` after a `bom`, with their 0-based line numbers. Lines are cut one at
 * a time: most scripts have no header, and their first line is all there is to look at.
 */
function* headerLines(text: string, bom: RegExp): Generator<{ match: RegExpExecArray; index: number }> {
  const breaks = /\r\n|\r|\n/g;
  breaks.lastIndex = bom.exec(text)?.[0].length ?? 0;
  for (let index = 0; ; index++) {
    const start = breaks.lastIndex;
    const lineBreak = breaks.exec(text);
    const match = HEADER_LINE.exec(text.slice(start, lineBreak?.index ?? text.length).trim());
    if (!match) return;
    yield { match, index };
    if (!lineBreak) return;
  }
}

/** The header's settings overridden by the `.conf` file's. */
export function mergeScriptConfig(header: ScriptConfig, conf: ScriptConfig): ScriptConfig {
  return { ...header, ...conf };
}

function toScriptConfig(entries: Entry[], file: string): ScriptConfig {
  const config: ScriptConfig = {};
  for (const { key, value, location } of entries) {
    if (!isKey(key)) {
      const suggestion = suggestKey(key, KEYS);
      throw new ScriptError('SCRIPT_CONFIG_ERROR', `Unknown script configuration property '${key}' in ${file}`, {
        hint: `${suggestion ? `Did you mean ${suggestion}? ` : ''}A script configuration accepts ${KEYS.join(', ')}.`,
        location,
      });
    }
    switch (key) {
      case 'executeInTransaction':
      case 'placeholderReplacement':
        config[key] = booleanValue(key, value, file, location);
        break;
      case 'encoding':
        if (value === '') throw invalid(key, value, file, location, 'Name a charset such as UTF-8 or ISO-8859-1.');
        config.encoding = value;
        break;
      case 'shouldExecute':
        config.shouldExecute = { expression: value, value: evaluateShouldExecute(value, file, location) };
        break;
    }
  }
  return config;
}

function isKey(key: string): key is ScriptConfigKey {
  return (KEYS as readonly string[]).includes(key);
}

function booleanValue(key: string, value: string, file: string, location: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true';
  throw invalid(key, value, file, location, 'Expected true or false.');
}

function invalid(key: string, value: string, file: string, location: string, expected: string): ScriptError {
  return new ScriptError('SCRIPT_CONFIG_ERROR', `Invalid value for ${key} in ${file}: '${value}'. ${expected}`, { location });
}

/**
 * Flyway's shouldExecute expressions, after placeholder replacement: `true`, `false`, `A==B`, `A!=B`
 * (A and B are literal text, compared exactly after trimming), combined with `&&`, `||` and parentheses;
 * `&&` binds tighter than `||`.
 */
export function evaluateShouldExecute(expression: string, file: string, location = file): boolean {
  const tokens = tokenize(expression);
  let pos = 0;
  const fail = (why: string): never => {
    throw new ScriptError('SCRIPT_CONFIG_ERROR', `Unable to evaluate shouldExecute expression '${expression}' in ${file}: ${why}`, {
      hint: 'Write true, false, A==B or A!=B (placeholders are replaced first), combined with &&, || and parentheses.',
      location,
    });
  };
  const peek = (): string | undefined => tokens[pos];

  const orExpr = (): boolean => {
    let value = andExpr();
    while (peek() === '||') {
      pos++;
      const right = andExpr();
      value = value || right;
    }
    return value;
  };
  const andExpr = (): boolean => {
    let value = term();
    while (peek() === '&&') {
      pos++;
      const right = term();
      value = value && right;
    }
    return value;
  };
  const term = (): boolean => {
    const token = peek();
    if (token === '(') {
      pos++;
      const value = orExpr();
      if (peek() !== ')') fail('a parenthesis is not closed');
      pos++;
      return value;
    }
    // An operand may be empty (a placeholder with an empty value): `==prod` compares "" with "prod".
    const left = operand();
    const op = peek();
    if (op === '==' || op === '!=') {
      pos++;
      const right = operand();
      return op === '==' ? left === right : left !== right;
    }
    const lower = left.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower === 'true';
    return fail(left === '' ? (op === undefined ? 'it ends too early' : `unexpected '${op}'`) : `'${left}' is neither true, false nor a comparison`);
  };
  const operand = (): string => {
    const token = peek();
    if (token === undefined || OPERATORS.has(token)) return '';
    pos++;
    return token;
  };

  if (tokens.length === 0) fail('it is empty');
  const value = orExpr();
  if (pos < tokens.length) fail(`unexpected '${tokens[pos] ?? ''}'`);
  return value;
}

const OPERATORS = new Set(['&&', '||', '==', '!=', '(', ')']);

/** Operators and parentheses, with the text between them as operands (blank operands dropped). */
function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  let operand = '';
  const flush = () => {
    if (operand.trim() !== '') tokens.push(operand.trim());
    operand = '';
  };
  for (let i = 0; i < expression.length; i++) {
    const two = expression.slice(i, i + 2);
    const one = expression.charAt(i);
    if (OPERATORS.has(two)) {
      flush();
      tokens.push(two);
      i++;
    } else if (one === '(' || one === ')') {
      flush();
      tokens.push(one);
    } else {
      operand += one;
    }
  }
  flush();
  return tokens;
}

/**
 * The files that take part in this run. A migration whose shouldExecute is false and that never ran is
 * left out of migrate and validate, so it stays unapplied without failing validation; info lists it
 * apart (commands/info.ts). Once a row exists for it the file stays, so that validation
 * still compares the two and a later change of the expression does not make the row Missing.
 */
export function withoutSkipped(resolved: ResolvedMigration[], applied: AppliedMigration[]): ResolvedMigration[] {
  if (!resolved.some((m) => m.scriptConfig?.shouldExecute?.value === false)) return resolved;
  return resolved.filter((m) => m.scriptConfig?.shouldExecute?.value !== false || applied.some((row) => hasRun(m, row)));
}

function hasRun(m: ResolvedMigration, row: AppliedMigration): boolean {
  if (m.version === null) return row.version === null && row.description === m.description;
  return row.version !== null && row.version.equals(m.version) && (m.kind === 'undo') === isUndoType(row.type);
}
