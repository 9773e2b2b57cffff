import { ScriptError } from '../../errors.js';
import type { SqlStatement } from '../dialect.js';
import { LineCounter } from '../line-counter.js';
import type { Piece, PieceResult, SplitPass } from '../statement-stream.js';
import { isIncomplete, unterminated, WHOLE_TEXT } from '../statement-stream.js';

/*
 * Cuts a PostgreSQL migration script into statements at top-level `;`, much as psql does.
 *
 * One forward pass over the text, jumping over quoted text, comments and COPY rows with indexOf where
 * it can: scripts with `COPY … FROM STDIN` data reach 100 MB, so the cost must stay linear in the size.
 */

export interface PostgresSplitOptions {
  /** The server's major version: before 12, `ALTER TYPE … ADD VALUE` cannot run inside a transaction. */
  serverMajorVersion?: number;
}

const TAB = 9;
const LF = 10;
const FF = 12;
const CR = 13;
const SPACE = 32;
const DQUOTE = 34;
const DOLLAR = 36;
const QUOTE = 39;
const STAR = 42;
const DASH = 45;
const DOT = 46;
const SLASH = 47;
const SEMI = 59;
const BACKSLASH = 92;
const LOWER_E = 101;
const BOM = 0xfeff;

/**
 * The statements that cannot run inside a transaction, by first word: how many leading tokens decide,
 * and the forms, matched against those tokens joined by one space. Strings and quoted names are reduced
 * to their quote character, so a name such as "x ADD VALUE" cannot match.
 */
const NON_TRANSACTIONAL = new Map<string, { tokens: number; forms: RegExp[] }>([
  ['CREATE', { tokens: 4, forms: [/^CREATE (?:DATABASE|TABLESPACE|SUBSCRIPTION|(?:UNIQUE )?INDEX CONCURRENTLY)(?: |$)/] }],
  ['DROP', { tokens: 3, forms: [/^DROP (?:DATABASE|TABLESPACE|SUBSCRIPTION|INDEX CONCURRENTLY)(?: |$)/] }],
  // Enough for ALTER TYPE "schema"."type" ADD VALUE, which is checked separately as it depends on the version.
  ['ALTER', { tokens: 8, forms: [/^ALTER SYSTEM(?: |$)/] }],
  [
    'REINDEX',
    {
      tokens: 16,
      forms: [
        /^REINDEX (?:\( [^)]*\) |VERBOSE )?(?:SCHEMA|DATABASE|SYSTEM)(?: |$)/,
        // Flyway misses this one, but the server refuses REINDEX … CONCURRENTLY in a transaction block.
        /^REINDEX (?:.* )?CONCURRENTLY(?: |$)/,
      ],
    },
  ],
  ['VACUUM', { tokens: 1, forms: [/^VACUUM(?: |$)/] }],
  ['DISCARD', { tokens: 2, forms: [/^DISCARD ALL(?: |$)/] }],
]);
const ALTER_TYPE_ADD_VALUE = /^ALTER TYPE .* ADD VALUE(?: |$)/;
/** The first words whose statement needs more of its tokens looked at, lower-case for isKeyword. */
const SPECIAL_FIRST_WORDS = ['copy', ...[...NON_TRANSACTIONAL.keys()].map((word) => word.toLowerCase())];
const NO_TOKENS: readonly string[] = [];

export function splitPostgresScript(text: string, file: string, options: PostgresSplitOptions = {}): SqlStatement[] {
  return postgresSplitPass(file, options)(text, WHOLE_TEXT).statements;
}

/** The pass a StatementStream runs over each piece of a PostgreSQL script; it keeps nothing between pieces. */
export function postgresSplitPass(file: string, options: PostgresSplitOptions = {}): SplitPass {
  return (text, piece) => new PostgresSplitter(text, file, options.serverMajorVersion, piece).split();
}

// PostgreSQL's own lexer classes: any byte >= 0x80 may appear in identifiers and dollar-quote tags.
function isSpace(c: number): boolean {
  return c === SPACE || (c >= TAB && c <= CR);
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

function isTagChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

function isIdentChar(c: number): boolean {
  return isTagChar(c) || c === DOLLAR;
}

class PostgresSplitter {
  private readonly statements: SqlStatement[] = [];
  private readonly lines: LineCounter;
  /**
   * The first `\r` at or after the COPY rows being read. Kept across COPY statements so that a file
   * without any is searched for one once, not once per line or per COPY.
   */
  private nextCr: number;
  /** Where the text after the last complete statement starts. */
  private consumed = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly serverMajorVersion: number | undefined,
    private readonly piece: Piece,
  ) {
    this.lines = new LineCounter(text, piece.firstLine);
    this.nextCr = text.indexOf('\r');
  }

  split(): PieceResult {
    try {
      this.scan();
    } catch (error) {
      if (!isIncomplete(error, this.piece)) throw error;
    }
    return { statements: this.statements, consumed: this.consumed };
  }

  private scan(): void {
    const text = this.text;
    const len = text.length;
    // The file reader may leave the BOM in; it is not part of any statement.
    let i = this.piece.atStart && text.charCodeAt(0) === BOM ? 1 : 0;
    // The statement's first and last SQL characters: leading and trailing comments stay out of `sql`
    // so that `line` plus the newlines before a server error position gives the error's line.
    let start = -1;
    let end = -1;
    // Upper-cased leading tokens, with strings and quoted names reduced to their quote character: only
    // for a statement whose first word can make it special, so a plain INSERT costs no array or string.
    let head: string[] | undefined;
    let keep = 0;
    // `BEGIN ATOMIC … END` bodies contain `;`; CASE … END inside them nests.
    let atomicDepth = 0;
    let atomicStart = -1;
    let beginAt = -1;

    while (i < len) {
      const c = text.charCodeAt(i);
      if (isSpace(c)) {
        i++;
        continue;
      }
      if (c === DASH && text.charCodeAt(i + 1) === DASH) {
        i = this.lineCommentEnd(i);
        continue;
      }
      if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
        i = this.blockCommentEnd(i);
        continue;
      }
      if (c === SEMI && atomicDepth === 0) {
        i = start < 0 ? i + 1 : this.finishStatement(start, end, i + 1, head ?? NO_TOKENS);
        this.consumed = i;
        start = -1;
        head = undefined;
        keep = 0;
        beginAt = -1;
        continue;
      }
      const first = start < 0;
      if (first) start = i;
      const collecting = head !== undefined && head.length < keep;
      const tokenStart = i;
      let wasBegin = false;

      if (isIdentStart(c)) {
        let wordEnd = i + 1;
        while (isIdentChar(text.charCodeAt(wordEnd))) wordEnd++;
        // Only the E prefix changes how the quoted text ends: B'…', X'…', N'…' and U&'…' (or U&"…") lex
        // as a word followed by a standard string or quoted name.
        if (wordEnd - i === 1 && (c | 0x20) === LOWER_E && text.charCodeAt(wordEnd) === QUOTE) {
          if (collecting) head?.push("'");
          i = this.escapeStringEnd(i);
        } else {
          if (this.isKeyword(i, wordEnd, 'begin')) {
            wasBegin = true;
          } else if (beginAt >= 0 && this.isKeyword(i, wordEnd, 'atomic')) {
            if (atomicDepth === 0) atomicStart = beginAt;
            atomicDepth++;
          } else if (atomicDepth > 0 && this.isKeyword(i, wordEnd, 'case')) {
            atomicDepth++;
          } else if (atomicDepth > 0 && this.isKeyword(i, wordEnd, 'end')) {
            atomicDepth--;
          }
          if (first) head = this.specialFirstWord(i, wordEnd);
          else if (collecting) head?.push(text.slice(i, wordEnd).toUpperCase());
          i = wordEnd;
        }
      } else if (c === QUOTE || c === DQUOTE) {
        if (collecting) head?.push(text.charAt(i));
        i = this.quotedEnd(i);
      } else if (c === DOLLAR) {
        const tagEnd = this.dollarTagEnd(i);
        i = tagEnd < 0 ? i + 1 : this.dollarQuoteEnd(i, tagEnd);
        if (collecting) head?.push('$');
      } else {
        if (collecting) head?.push(text.charAt(i));
        i++;
      }
      if (first) keep = head === undefined ? 0 : tokensToKeep(head[0]);
      beginAt = wasBegin ? tokenStart : -1;
      end = i;
    }

    if (start >= 0 && this.piece.final) {
      if (atomicDepth > 0) {
        throw this.unterminated(
          'BEGIN ATOMIC block',
          atomicStart,
          'Close the function body with END; every CASE inside it needs its own END too.',
        );
      }
      this.consumed = this.finishStatement(start, end, len, head ?? NO_TOKENS);
    }
  }

  /** Records the statement and returns where scanning resumes: past the COPY data, if any. */
  private finishStatement(start: number, end: number, resume: number, head: readonly string[]): number {
    const line = this.lines.lineAt(start);
    const statement: SqlStatement = {
      sql: this.text.slice(start, end),
      line,
      nonTransactional: this.isNonTransactional(head),
    };
    if (!isCopyFromStdin(head)) {
      this.statements.push(statement);
      return resume;
    }
    const { data, next } = this.readCopyData(resume, line);
    statement.copyData = data;
    this.statements.push(statement);
    return next;
  }

  private isNonTransactional(head: readonly string[]): boolean {
    const rule = NON_TRANSACTIONAL.get(head[0] ?? '');
    if (rule === undefined) return false;
    const joined = head.join(' ');
    if (rule.forms.some((form) => form.test(joined))) return true;
    return this.serverMajorVersion !== undefined && this.serverMajorVersion < 12 && ALTER_TYPE_ADD_VALUE.test(joined);
  }

  /**
   * The rows after `COPY … FROM STDIN;` up to a line holding only `\.`. As in psql and Flyway, they start
   * on the line after the statement, so the rest of the COPY line may hold nothing but a comment.
   */
  private readCopyData(from: number, line: number): { data: string; next: number } {
    const text = this.text;
    const len = text.length;
    let i = from;
    while (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB) i++;
    if (text.charCodeAt(i) === DASH && text.charCodeAt(i + 1) === DASH) i = this.lineCommentEnd(i);
    if (i < len && text.charCodeAt(i) !== LF && text.charCodeAt(i) !== CR) {
      throw new ScriptError(
        'SQL_PARSE_ERROR',
        `Unexpected text after COPY … FROM STDIN in ${this.file} at line ${line}: the data rows must start on the next line`,
        {
          hint: 'Move any statement that follows the COPY below its terminating \\. line.',
          location: `${this.file}:${line}`,
        },
      );
    }
    i = this.afterLineEnd(i);
    const dataStart = i;
    while (i < len) {
      if (this.nextCr >= 0 && this.nextCr < i) this.nextCr = text.indexOf('\r', i);
      let eol = text.indexOf('\n', i);
      if (eol < 0) eol = len;
      if (this.nextCr >= 0 && this.nextCr < eol) eol = this.nextCr;
      // A piece that ends inside a line cannot tell `\.` from `\.x`: the next piece will.
      if (eol === len && !this.piece.final) break;
      if (this.isCopyTerminator(i, eol)) {
        return { data: normaliseLineEndings(text.slice(dataStart, i)), next: this.afterLineEnd(eol) };
      }
      i = this.afterLineEnd(eol);
    }
    throw unterminated(this.piece, this.file, () => line, 'COPY … FROM STDIN data', 'End the data rows with a line containing only \\.', ': no line holding only \\. ends it');
  }

  private isCopyTerminator(lineStart: number, eol: number): boolean {
    const text = this.text;
    if (text.charCodeAt(lineStart) !== BACKSLASH || text.charCodeAt(lineStart + 1) !== DOT) return false;
    for (let j = lineStart + 2; j < eol; j++) if (!isSpace(text.charCodeAt(j))) return false;
    return true;
  }

  private afterLineEnd(eol: number): number {
    if (eol >= this.text.length) return this.text.length;
    return this.text.charCodeAt(eol) === CR && this.text.charCodeAt(eol + 1) === LF ? eol + 2 : eol + 1;
  }

  /** Where the line ending (or the end of the text) after a `--` comment is. */
  private lineCommentEnd(at: number): number {
    const text = this.text;
    const len = text.length;
    let j = at + 2;
    while (j < len) {
      const c = text.charCodeAt(j);
      if (c === LF || c === CR) break;
      j++;
    }
    return j;
  }

  /** PostgreSQL nests block comments, unlike the SQL standard and most other databases. */
  private blockCommentEnd(at: number): number {
    const text = this.text;
    let depth = 1;
    let j = at + 2;
    for (;;) {
      const star = text.indexOf('*', j);
      if (star < 0) {
        throw this.unterminated(
          'block comment /* … */',
          at,
          'Close the comment with */; comments nest, so each /* inside it needs its own */.',
        );
      }
      if (star > j && text.charCodeAt(star - 1) === SLASH) {
        depth++;
        j = star + 1;
      } else if (text.charCodeAt(star + 1) === SLASH) {
        if (--depth === 0) return star + 2;
        j = star + 2;
      } else {
        j = star + 1;
      }
    }
  }

  /**
   * `'…'` or `"…"` opening at `open`, with the quote doubled inside. Backslash is an ordinary character:
   * standard_conforming_strings is on by default since PostgreSQL 9.1, so `'C:\'` is complete.
   */
  private quotedEnd(open: number): number {
    const text = this.text;
    const quote = text.charAt(open);
    let j = open + 1;
    for (;;) {
      const close = text.indexOf(quote, j);
      if (close < 0) {
        throw quote === "'"
          ? this.unterminated('string literal', open, "Close the string with '; write a quote inside it as ''.")
          : this.unterminated('quoted identifier', open, 'Close the name with "; write a double quote inside it as "".');
      }
      if (text.charAt(close + 1) !== quote) return close + 1;
      j = close + 2;
    }
  }

  /** `E'…'`: backslash escapes the next character, so `E'it\'s'` is one string. */
  private escapeStringEnd(at: number): number {
    const text = this.text;
    const len = text.length;
    let j = at + 2;
    while (j < len) {
      const c = text.charCodeAt(j);
      if (c === BACKSLASH) {
        j += 2;
      } else if (c !== QUOTE) {
        j++;
      } else if (text.charCodeAt(j + 1) === QUOTE) {
        j += 2;
      } else {
        const continued = this.continuationQuote(j + 1);
        if (continued < 0) return j + 1;
        j = continued + 1;
      }
    }
    throw this.unterminated(
      "escape string E'…'",
      at,
      "Close the string with '; inside E'…' a backslash escapes the next character, so \\' does not close it.",
    );
  }

  /**
   * `E'a'` followed by a newline and `'b'` is one string in PostgreSQL, and the continuation keeps the
   * backslash escapes, so `'b\'c'` must be read as an escape string too. Returns the continuation's
   * opening quote, or -1.
   */
  private continuationQuote(from: number): number {
    const text = this.text;
    let j = from;
    let c = text.charCodeAt(j);
    while (c === SPACE || c === TAB || c === FF) c = text.charCodeAt(++j);
    if (c !== LF && c !== CR) return -1;
    for (;;) {
      c = text.charCodeAt(j);
      if (isSpace(c)) {
        j++;
      } else if (c === DASH && text.charCodeAt(j + 1) === DASH) {
        j = this.lineCommentEnd(j);
      } else {
        return c === QUOTE ? j : -1;
      }
    }
  }

  /** For `$tag$` or `$$` at `at`, the position of the closing `$` of the tag; -1 for `$1` or a lone `$`. */
  private dollarTagEnd(at: number): number {
    const text = this.text;
    let j = at + 1;
    if (text.charCodeAt(j) === DOLLAR) return j;
    if (!isIdentStart(text.charCodeAt(j))) return -1;
    while (isTagChar(text.charCodeAt(++j)));
    return text.charCodeAt(j) === DOLLAR ? j : -1;
  }

  private dollarQuoteEnd(at: number, tagEnd: number): number {
    const delimiter = this.text.slice(at, tagEnd + 1);
    const close = this.text.indexOf(delimiter, tagEnd + 1);
    if (close < 0) {
      throw this.unterminated(
        `dollar-quoted string ${delimiter}`,
        at,
        `Close the body with ${delimiter}; the closing tag must match the opening one exactly, case included.`,
      );
    }
    return close + delimiter.length;
  }

  /** The statement's first word upper-cased, as its first token, when it is COPY or starts a non-transactional form. */
  private specialFirstWord(start: number, end: number): string[] | undefined {
    for (const keyword of SPECIAL_FIRST_WORDS) if (this.isKeyword(start, end, keyword)) return [keyword.toUpperCase()];
    return undefined;
  }

  private isKeyword(start: number, end: number, keyword: string): boolean {
    if (end - start !== keyword.length) return false;
    for (let k = 0; k < keyword.length; k++) {
      if ((this.text.charCodeAt(start + k) | 0x20) !== keyword.charCodeAt(k)) return false;
    }
    return true;
  }

  private unterminated(construct: string, at: number, hint: string): ScriptError {
    return unterminated(this.piece, this.file, () => this.lines.lineAt(at), construct, hint);
  }
}

/**
 * A COPY needs all its tokens to find FROM STDIN, the non-transactional forms only their first few;
 * other statements keep none (see specialFirstWord), which spares upper-casing every word of a large script.
 */
function tokensToKeep(first: string | undefined): number {
  if (first === 'COPY') return Infinity;
  return NON_TRANSACTIONAL.get(first ?? '')?.tokens ?? 1;
}

// split/join runs about twice as fast as a regex replace over megabytes of COPY rows.
function normaliseLineEndings(data: string): string {
  if (!data.includes('\r')) return data;
  const lf = data.split('\r\n').join('\n');
  return lf.includes('\r') ? lf.split('\r').join('\n') : lf;
}

/** `COPY … FROM STDIN` at parenthesis depth 0, so that `COPY (SELECT … FROM stdin) TO STDOUT` is not one. */
function isCopyFromStdin(head: readonly string[]): boolean {
  if (head[0] !== 'COPY') return false;
  let depth = 0;
  for (let k = 1; k < head.length; k++) {
    const token = head[k];
    if (token === '(') depth++;
    else if (token === ')') depth--;
    else if (depth === 0 && token === 'FROM' && head[k + 1] === 'STDIN') return true;
  }
  return false;
}
