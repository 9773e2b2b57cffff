import { ScriptError } from '../errors.js';

export interface PlaceholderOptions {
  prefix: string;
  suffix: string;
  /** The script, for error messages. */
  file: string;
}

/**
 * Replaces `${name}` throughout the raw text, comments and strings included, as Flyway's
 * PlaceholderReplacingReader does before any SQL parsing. `values` has lower-cased keys because names
 * match without regard to case. Replaced values are not scanned again.
 */
export function replacePlaceholders(text: string, values: Record<string, string>, opts: PlaceholderOptions): string {
  return replaceIn(text, values, opts, true).replaced;
}

/**
 * Replaces placeholders in a text read in pieces. A placeholder cut by a piece's end waits for the next
 * piece. A failure says what is wrong but not where: the caller replaces in the whole text to report it.
 */
export class PlaceholderStream {
  private pending = '';
  /** As in StatementStream: a long unfinished `${…` is looked at again only once the text has doubled. */
  private retryAt = 0;

  constructor(
    private readonly values: Record<string, string>,
    private readonly opts: PlaceholderOptions,
  ) {}

  push(piece: string): string {
    const text = this.pending + piece;
    if (text.length < this.retryAt) {
      this.pending = text;
      return '';
    }
    const { replaced, rest } = replaceIn(text, this.values, this.opts, false);
    this.pending = text.slice(rest);
    this.retryAt = 2 * this.pending.length;
    return replaced;
  }

  end(): string {
    const text = this.pending;
    this.pending = '';
    return replaceIn(text, this.values, this.opts, true).replaced;
  }
}

/**
 * Replaces up to the end of the text, or (`final` false) up to a placeholder the text ends inside of,
 * which `rest` then points at.
 */
function replaceIn(text: string, values: Record<string, string>, opts: PlaceholderOptions, final: boolean): { replaced: string; rest: number } {
  const { prefix, suffix, file } = opts;
  if (prefix === '' || suffix === '') {
    throw new ScriptError('CONFIGURATION', 'placeholderPrefix and placeholderSuffix must not be empty', {
      hint: 'Leave them unset to use ${ and }.',
    });
  }
  const parts: string[] = [];
  let copied = 0;
  let pos = 0;
  for (let start = text.indexOf(prefix.charAt(0)); start !== -1; start = text.indexOf(prefix.charAt(0), pos)) {
    let matched = 1;
    while (matched < prefix.length && text[start + matched] === prefix[matched]) matched++;
    if (!final && start + matched >= text.length) return held(parts, text, copied, start);
    if (matched < prefix.length) {
      // Flyway's reader also consumes the character that broke the match without looking at it again,
      // so `$${x}` is left alone; doing the same keeps repeatable checksums equal to Flyway's.
      pos = start + matched + 1;
      continue;
    }
    const nameStart = start + prefix.length;
    const end = text.indexOf(suffix, nameStart);
    if (end === -1) {
      if (!final) return held(parts, text, copied, start);
      const shown = prefix + (text.slice(nameStart, nameStart + 40).split(/\r\n|\r|\n/)[0] ?? '');
      throw placeholderError(`Unterminated placeholder ${shown}: no closing ${suffix} before the end of the file`, text, start, file,
        `Close it with ${suffix}. Placeholders are replaced in comments and strings too, and there is no escape; set -placeholderReplacement=false if the script needs ${prefix} as it is.`);
    }
    const name = text.slice(nameStart, end);
    const key = name.toLowerCase();
    if (!Object.hasOwn(values, key)) throw missingValue(prefix + name + suffix, name, text, start, file);
    parts.push(text.slice(copied, start), values[key] ?? '');
    copied = pos = end + suffix.length;
  }
  parts.push(text.slice(copied));
  return { replaced: parts.join(''), rest: text.length };
}

function held(parts: string[], text: string, copied: number, start: number): { replaced: string; rest: number } {
  parts.push(text.slice(copied, start));
  return { replaced: parts.join(''), rest: start };
}

function missingValue(placeholder: string, name: string, text: string, start: number, file: string): ScriptError {
  const where = `${file} at line ${lineColumn(text, start).line}`;
  if (name.includes('flyway:')) {
    return placeholderError(`Failed to populate value for default placeholder: ${placeholder}`, text, start, file,
      `Used in ${where}. The built-in placeholders are ${BUILT_INS.map(([n]) => n).join(', ')}.`);
  }
  return placeholderError(`No value provided for placeholder: ${placeholder}.  Check your configuration!`, text, start, file,
    `Used in ${where}. Set it with -placeholders.${name}=VALUE or in the placeholders of the config file; placeholders in comments and strings need a value too.`);
}

function placeholderError(message: string, text: string, start: number, file: string, hint: string): ScriptError {
  const { line, column } = lineColumn(text, start);
  return new ScriptError('PLACEHOLDER_ERROR', message, { hint, location: `${file}:${line}:${column}` });
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = (before.match(/\r\n|\r|\n/g)?.length ?? 0) + 1;
  const lineStart = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r')) + 1;
  return { line, column: offset - lineStart + 1 };
}

export interface BuiltInPlaceholderValues {
  /** defaultSchema, else the first of schemas, else the connection's current schema. */
  defaultSchema: string;
  user: string;
  database: string;
  /** When the command started; every script of a run sees the same value. */
  timestamp: Date;
  /** The script's file name without its folders, as Flyway binds it. */
  filename: string;
  workingDirectory: string;
  table: string;
  environment: string;
}

/**
 * Flyway's built-in `flyway:` placeholders, keyed in lower case like user placeholders. Spread them
 * after the user's: built-ins win over a user placeholder of the same name.
 */
export function builtInPlaceholders(v: BuiltInPlaceholderValues): Record<string, string> {
  return Object.fromEntries(BUILT_INS.map(([name, value]) => [name.toLowerCase(), value(v)]));
}

const BUILT_INS: [string, (v: BuiltInPlaceholderValues) => string][] = [
  ['flyway:defaultSchema', (v) => v.defaultSchema],
  ['flyway:user', (v) => v.user],
  ['flyway:database', (v) => v.database],
  ['flyway:timestamp', (v) => formatTimestamp(v.timestamp)],
  ['flyway:filename', (v) => v.filename],
  ['flyway:workingDirectory', (v) => v.workingDirectory],
  ['flyway:table', (v) => v.table],
  ['flyway:environment', (v) => v.environment],
];

/** `yyyy-MM-dd HH:mm:ss` in local time, as Flyway's SimpleDateFormat writes it. */
function formatTimestamp(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
