import { ScriptError } from '../../errors.js';
import type { SqlStatement } from '../dialect.js';
import { LineCounter } from '../line-counter.js';
import type { Piece, PieceResult, SplitPass } from '../statement-stream.js';
import { isIncomplete, unterminated, WHOLE_TEXT } from '../statement-stream.js';

/*
 * Cuts a MySQL or MariaDB script into statements, as the mysql client and Flyway's MySQL parser do: at
 * the current delimiter (`;` until a DELIMITER line changes it), outside quoted text and comments.
 *
 * One forward pass, jumping over quoted text and comments with indexOf: mysqldump files reach 100 MB,
 * so the cost must stay linear in the size.
 *
 * Reads that run once per character or token check the length rather than rely on charCodeAt's NaN
 * past the end: after a single read out of bounds, V8 compiles that read as a call to the builtin for
 * good, instead of a load.
 */

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const BANG = 33;
const DQUOTE = 34;
const HASH = 35;
const DOLLAR = 36;
const QUOTE = 39;
const STAR = 42;
const PLUS = 43;
const DASH = 45;
const DOT = 46;
const SLASH = 47;
const AT = 64;
const UPPER_M = 77;
const BACKSLASH = 92;
const BACKTICK = 96;
const BOM = 0xfeff;

/**
 * Statements whose body may hold `;` inside BEGIN … END, matched against the leading tokens joined by
 * one space, with strings and quoted names reduced to their quote character. Unlike Flyway's pattern it
 * accepts MariaDB's OR REPLACE and AGGREGATE, and ALTER EVENT, whose DO clause may be a block too.
 */
const STORED_PROGRAM = new RegExp(
  '^(?:CREATE (?:OR REPLACE )?|ALTER )' +
    // DEFINER = CURRENT_USER ( ), or user @ host where an unquoted host may be 127 . 0 . 0 . 1
    '(?:DEFINER = [^ ]+(?: \\( \\)| @ [^ ]+(?: \\. [^ ]+)*)? )?' +
    '(?:AGGREGATE )?(?:PROCEDURE|FUNCTION|TRIGGER|EVENT)$',
);
const PROGRAM_KINDS = new Set(['PROCEDURE', 'FUNCTION', 'TRIGGER', 'EVENT']);
/** MariaDB's anonymous compound statement, optionally labelled. */
const BEGIN_NOT_ATOMIC = /^(?:[^ ]+ : )?BEGIN NOT ATOMIC$/;
/** Enough leading tokens for `CREATE OR REPLACE DEFINER = user @ 127 . 0 . 0 . 1 AGGREGATE FUNCTION`. */
const PROGRAM_HEAD_TOKENS = 24;
/** Enough for `label : BEGIN NOT ATOMIC`. */
const HEAD_TOKENS = 5;

/** `END IF`, `END LOOP` … close statements that never counted as blocks (IF and REPEAT are functions too). */
const LOOP_ENDS = new Set(['IF', 'LOOP', 'REPEAT', 'WHILE', 'FOR']);

/** What the word after END decides: END CASE and END label close a block, END IF does not. */
const NO_END = 0;
const AFTER_END = 1;
/** MariaDB's `END FOR` closes a FOR loop, but `… CASE … END FOR UPDATE` closes a CASE expression. */
const AFTER_END_FOR = 2;

export function splitMysqlScript(text: string, file: string): SqlStatement[] {
  return mysqlSplitPass(file)(text, WHOLE_TEXT).statements;
}

/**
 * The pass a StatementStream runs over each piece of a MySQL script. The delimiter in force where a
 * piece was cut is all that carries over to the next.
 */
export function mysqlSplitPass(file: string): SplitPass {
  let delimiter = ';';
  return (text, piece) => {
    const splitter = new MysqlSplitter(text, file, piece, delimiter);
    const result = splitter.split();
    delimiter = splitter.consumedDelimiter;
    return result;
  };
}

function isSpace(c: number): boolean {
  return c === SPACE || (c >= TAB && c <= CR);
}

/** MySQL identifiers may hold letters, digits, `_`, `$` and any non-ASCII character. */
function isWordChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === DOLLAR || c >= 128
  );
}

class MysqlSplitter {
  private readonly statements: SqlStatement[] = [];
  private readonly lines: LineCounter;
  private delimiter: string;
  private delimiterFirst: number;
  /** Where the text after the last complete statement starts, and the delimiter in force there. */
  private consumed = 0;
  consumedDelimiter: string;

  // The statement being read. Its first and last SQL characters: leading and trailing comments stay out
  // of `sql`, so that `line` plus the newlines before a server error position gives the error's line.
  private start = -1;
  private end = -1;
  /** Upper-cased leading tokens, with strings and quoted names reduced to their quote character. */
  private head: string[] = [];
  private keep = HEAD_TOKENS;
  /** Where the last BEGIN of the head started, for the error on an unterminated BEGIN NOT ATOMIC. */
  private headBeginAt = -1;
  /** A stored program or BEGIN NOT ATOMIC read with `;` as delimiter: `;` ends it only outside blocks. */
  private compound = false;
  private depth = 0;
  private blockOpen = -1;
  private blockKind = '';
  private pendingEnd = NO_END;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly piece: Piece,
    delimiter: string,
  ) {
    this.lines = new LineCounter(text, piece.firstLine);
    this.delimiter = delimiter;
    this.delimiterFirst = delimiter.charCodeAt(0);
    this.consumedDelimiter = delimiter;
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

    while (i < len) {
      const c = text.charCodeAt(i);
      if (isSpace(c)) {
        i++;
        continue;
      }
      // Before comments: after `DELIMITER #`, `#` ends statements instead of starting comments.
      if (c === this.delimiterFirst && text.startsWith(this.delimiter, i)) {
        if (this.compound) this.blockToken('');
        if (this.depth === 0) {
          this.finishStatement();
          i += this.delimiter.length;
          this.consumed = i;
          this.consumedDelimiter = this.delimiter;
          continue;
        }
        // A `;` inside BEGIN … END belongs to the stored program.
        this.content(i, i + 1);
        i++;
        continue;
      }
      if (c === HASH) {
        i = lineEnd(text, i + 1);
        continue;
      }
      // MySQL needs a space or control character after `--`: `SELECT 1--1` subtracts.
      if (c === DASH && text.charCodeAt(i + 1) === DASH && (i + 2 >= len || text.charCodeAt(i + 2) <= SPACE)) {
        i = lineEnd(text, i + 2);
        continue;
      }
      if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
        const commentEnd = this.blockCommentEnd(i);
        // `/*!50003 … */`, MariaDB's `/*M!100100 … */` and optimizer hints `/*+ … */` are read by the
        // server: they are part of the statement, whose `;` they may hold (mysqldump's triggers).
        if (isExecutableComment(text, i)) this.content(i, commentEnd);
        i = commentEnd;
        continue;
      }
      if (isWordChar(c)) {
        const wordEnd = this.wordEnd(i);
        if (this.start < 0 && isWord(text, i, wordEnd, 'DELIMITER')) {
          i = this.changeDelimiter(i, wordEnd);
          continue;
        }
        this.word(i, wordEnd);
        i = wordEnd;
        continue;
      }
      let tokenEnd: number;
      if (c === QUOTE || c === DQUOTE) {
        tokenEnd = this.stringEnd(i);
      } else if (c === BACKTICK) {
        tokenEnd = this.backtickEnd(i);
      } else {
        tokenEnd = i + 1;
      }
      if (this.compound) this.blockToken('');
      if (this.head.length < this.keep) this.pushHead(text.charAt(i), i);
      this.content(i, tokenEnd);
      i = tokenEnd;
    }

    if (!this.piece.final) return;
    if (this.compound) this.blockToken('');
    if (this.depth > 0) {
      throw this.unterminated(
        `${this.blockKind} … END block`,
        this.blockOpen,
        'Close every BEGIN and CASE with its END (IF, LOOP, WHILE and REPEAT with END IF, END LOOP …), ' +
          'or put the program between DELIMITER $$ and $$ lines.',
      );
    }
    this.finishStatement();
    this.consumed = len;
  }

  private content(from: number, to: number): void {
    if (this.start < 0) this.start = from;
    this.end = to;
  }

  private finishStatement(): void {
    if (this.start >= 0) {
      this.statements.push({
        sql: this.text.slice(this.start, this.end),
        line: this.lines.lineAt(this.start),
        nonTransactional: false,
      });
    }
    this.start = -1;
    this.end = -1;
    this.head = [];
    this.keep = HEAD_TOKENS;
    this.headBeginAt = -1;
    this.compound = false;
    this.depth = 0;
    this.blockOpen = -1;
    this.blockKind = '';
    this.pendingEnd = NO_END;
  }

  /** A word stops at the delimiter: after `DELIMITER $$`, `END$$` is END and the delimiter. */
  private wordEnd(from: number): number {
    const text = this.text;
    const len = text.length;
    const first = this.delimiterFirst;
    let j = from + 1;
    while (j < len) {
      const c = text.charCodeAt(j);
      if (!isWordChar(c) || (c === first && text.startsWith(this.delimiter, j))) return j;
      j++;
    }
    return j;
  }

  private word(start: number, wordEnd: number): void {
    const text = this.text;
    const collecting = this.head.length < this.keep;
    if (this.compound || collecting) {
      // `t.end` and `@end` are names, not keywords.
      const before = start > 0 ? text.charCodeAt(start - 1) : 0;
      const name = before === DOT || before === AT;
      const upper = text.slice(start, wordEnd).toUpperCase();
      if (this.compound) this.blockToken(name ? '' : upper, start);
      if (collecting) this.pushHead(upper, start);
    }
    this.content(start, wordEnd);
  }

  private pushHead(token: string, at: number): void {
    const head = this.head;
    head.push(token);
    if (head.length === 1 && (token === 'CREATE' || token === 'ALTER')) this.keep = PROGRAM_HEAD_TOKENS;
    // Only CREATE, ALTER, BEGIN and `label :` can start a compound statement: the head of anything else
    // (a million INSERTs) ends at its second token, sparing the upper-casing of the next three.
    if (head.length === 2 && this.keep === HEAD_TOKENS && head[0] !== 'BEGIN' && token !== ':') this.keep = 2;
    if (token === 'BEGIN') this.headBeginAt = at;
    // Under another delimiter the author has marked where the program ends, as for the mysql client.
    if (this.delimiter !== ';' || this.compound) return;
    // Only a CREATE or ALTER head can name a stored program; the Set would hash every other token.
    if (this.keep === PROGRAM_HEAD_TOKENS && PROGRAM_KINDS.has(token) && STORED_PROGRAM.test(head.join(' '))) {
      this.compound = true;
    } else if (token === 'ATOMIC' && BEGIN_NOT_ATOMIC.test(head.join(' '))) {
      this.compound = true;
      this.openBlock(this.headBeginAt, 'BEGIN');
    }
  }

  /**
   * Block depth inside a stored program, as Flyway's MySQL parser counts it: BEGIN and CASE open a
   * block, END closes one unless IF, LOOP, REPEAT, WHILE or FOR follows it (those never opened one, as
   * IF and REPEAT are also function names). END CASE closes the CASE. `word` is '' for anything that is
   * not a keyword: punctuation, quoted text, the delimiter, the end of the script.
   */
  private blockToken(word: string, at = -1): void {
    if (this.pendingEnd === AFTER_END) {
      this.pendingEnd = NO_END;
      if (LOOP_ENDS.has(word)) {
        if (word === 'FOR') this.pendingEnd = AFTER_END_FOR;
        return;
      }
      this.closeBlock();
      if (word === 'CASE') return;
    } else if (this.pendingEnd === AFTER_END_FOR) {
      this.pendingEnd = NO_END;
      if (word === 'UPDATE' || word === 'SHARE') this.closeBlock();
      return;
    }
    if (word === 'BEGIN' || word === 'CASE') this.openBlock(at, word);
    else if (word === 'END' && this.depth > 0) this.pendingEnd = AFTER_END;
  }

  private openBlock(at: number, kind: string): void {
    if (this.depth === 0) {
      this.blockOpen = at;
      this.blockKind = kind;
    }
    this.depth++;
  }

  private closeBlock(): void {
    this.depth--;
  }

  /**
   * `DELIMITER x` at the start of a statement: a command of the mysql client, not SQL. The new
   * delimiter is the next word, or a quoted string, on the same line; it lasts until the next DELIMITER.
   */
  private changeDelimiter(at: number, wordEnd: number): number {
    const text = this.text;
    const len = text.length;
    const line = this.lines.lineAt(at);
    const where = `${this.file} at line ${line}`;
    let j = wordEnd;
    while (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB) j++;
    const c = text.charCodeAt(j);
    let value: string;
    if (c === QUOTE || c === DQUOTE || c === BACKTICK) {
      let close = j + 1;
      while (close < len && text.charCodeAt(close) !== c && !isLineEnd(text.charCodeAt(close))) close++;
      if (text.charCodeAt(close) !== c) {
        throw this.delimiterError(line, `Unterminated quoted delimiter after DELIMITER in ${where}`);
      }
      value = text.slice(j + 1, close);
      j = close + 1;
    } else {
      const from = j;
      while (j < len && !isSpace(text.charCodeAt(j))) j++;
      value = text.slice(from, j);
    }
    if (value === '') {
      throw this.delimiterError(line, `DELIMITER in ${where} is not followed by a delimiter on the same line`);
    }
    if (value.includes('\\')) {
      throw this.delimiterError(
        line,
        `The delimiter ${value} after DELIMITER in ${where} contains a backslash, which MySQL does not allow`,
      );
    }
    while (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB) j++;
    const next = text.charCodeAt(j);
    const comment =
      (next === HASH && !value.startsWith('#')) ||
      (next === DASH && text.charCodeAt(j + 1) === DASH && (j + 2 >= len || text.charCodeAt(j + 2) <= SPACE));
    if (comment) {
      j = lineEnd(text, j);
    } else if (j < len && !isLineEnd(next)) {
      throw this.delimiterError(
        line,
        `Unexpected text after DELIMITER ${value} in ${where}: the new delimiter stands alone on its line`,
      );
    }
    this.delimiter = value;
    this.delimiterFirst = value.charCodeAt(0);
    return j;
  }

  private delimiterError(line: number, message: string): ScriptError {
    return new ScriptError('SQL_PARSE_ERROR', message, {
      hint: 'Write the new delimiter alone after DELIMITER on its line: DELIMITER $$, … $$, then DELIMITER ;',
      location: `${this.file}:${line}`,
    });
  }

  /** MySQL's comments do not nest: the first `*` `/` closes, whatever opened in between. */
  private blockCommentEnd(at: number): number {
    const close = this.text.indexOf('*/', at + 2);
    if (close < 0) {
      throw isExecutableComment(this.text, at)
        ? this.unterminated('executable comment /*! … */', at, 'Close the comment with */.')
        : this.unterminated('block comment /* … */', at, 'Close the comment with */; comments do not nest in MySQL.');
    }
    return close + 2;
  }

  /**
   * `'…'` or `"…"` opening at `open`: a backslash escapes the next character and a doubled quote stands
   * for one, so `'it\'s'` and `'it''s'` are both one string. A quote is escaped when an odd run of
   * backslashes precedes it.
   */
  private stringEnd(open: number): number {
    const text = this.text;
    const quote = text.charAt(open);
    let j = open + 1;
    for (;;) {
      const close = text.indexOf(quote, j);
      if (close < 0) {
        throw this.unterminated(
          'string literal',
          open,
          `Close the string with ${quote}; inside it, write ${quote} as \\${quote} or ${quote}${quote}, and \\ as \\\\.`,
        );
      }
      let backslashes = 0;
      while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 1) {
        j = close + 1;
      } else if (close + 1 < text.length && text.charAt(close + 1) === quote) {
        j = close + 2;
      } else {
        return close + 1;
      }
    }
  }

  /** `` `…` ``, with the backtick doubled inside; backslash is an ordinary character in names. */
  private backtickEnd(open: number): number {
    const text = this.text;
    let j = open + 1;
    for (;;) {
      const close = text.indexOf('`', j);
      if (close < 0) {
        throw this.unterminated(
          'quoted identifier `…`',
          open,
          'Close the name with `; write a backtick inside it as ``.',
        );
      }
      if (close + 1 === text.length || text.charCodeAt(close + 1) !== BACKTICK) return close + 1;
      j = close + 2;
    }
  }

  private unterminated(construct: string, at: number, hint: string): ScriptError {
    return unterminated(this.piece, this.file, () => this.lines.lineAt(at), construct, hint);
  }
}

/** Where the line ending (or the end of the text) at or after `from` is. */
function lineEnd(text: string, from: number): number {
  const len = text.length;
  let j = from;
  while (j < len && !isLineEnd(text.charCodeAt(j))) j++;
  return j;
}

function isLineEnd(c: number): boolean {
  return c === LF || c === CR;
}

/** `/*!`, `/*M!` and `/*+` at `at`: text the server reads, unlike a comment. */
function isExecutableComment(text: string, at: number): boolean {
  const c = text.charCodeAt(at + 2);
  return c === BANG || c === PLUS || (c === UPPER_M && text.charCodeAt(at + 3) === BANG);
}

function isWord(text: string, start: number, end: number, upper: string): boolean {
  if (end - start !== upper.length) return false;
  for (let k = 0; k < upper.length; k++) {
    if ((text.charCodeAt(start + k) & ~0x20) !== upper.charCodeAt(k)) return false;
  }
  return true;
}
