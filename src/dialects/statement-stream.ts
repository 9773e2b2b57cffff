import { ScriptError } from '../errors.js';
import type { SqlStatement } from './dialect.js';
import { LineCounter } from './line-counter.js';

/** Where a piece of a script sits, and whether more text follows it. */
export interface Piece {
  /** The file line the piece starts on. */
  firstLine: number;
  /** The piece starts the file, so a leading BOM is skipped. */
  atStart: boolean;
  /** No text follows: an unterminated construct is an error, and the last statement needs no delimiter. */
  final: boolean;
}

export interface PieceResult {
  /** The statements complete within the piece. */
  statements: SqlStatement[];
  /** Where the text after them starts: the next piece begins there. */
  consumed: number;
}

/** A dialect's splitter run over one piece of a script; it may keep state (a delimiter) for the next. */
export type SplitPass = (text: string, piece: Piece) => PieceResult;

/** The whole script in one piece: what splitScript runs. */
export const WHOLE_TEXT: Piece = { firstLine: 1, atStart: true, final: true };

/**
 * In a piece that more text follows, running into its end (an unterminated string, a comment, COPY rows)
 * means the statement is not complete yet rather than broken: the splitter stops there, keeping what it
 * finished before. The final piece reports the error.
 */
export function isIncomplete(error: unknown, piece: Piece): boolean {
  return !piece.final && error instanceof ScriptError;
}

/** Thrown for every construct still open at the end of a piece that more text follows (see unterminated). */
const CONTINUES_IN_NEXT_PIECE = new ScriptError('SQL_PARSE_ERROR', 'The statement continues in the next piece of the script.');

/**
 * A splitter's error for a construct still open where the text ends, `what` starting at `line()`. In a
 * piece that more text follows, it is one shared error, which isIncomplete drops: building the real one
 * costs a stack and a line count each time a piece ends inside a string, thousands of times in a large
 * script.
 */
export function unterminated(piece: Piece, file: string, line: () => number, what: string, hint: string, after = ''): ScriptError {
  if (!piece.final) return CONTINUES_IN_NEXT_PIECE;
  const at = line();
  return new ScriptError('SQL_PARSE_ERROR', `Unterminated ${what} in ${file} starting at line ${at}${after}`, { hint, location: `${file}:${at}` });
}

const CR = 13;

/**
 * Splits a script fed in chunks of any size, with exactly the statements (text, line, flags, COPY rows)
 * that splitting the whole text gives: the text after the last complete statement is kept and split
 * again with the next chunk. Memory follows the longest statement, not the script.
 */
export class StatementStream {
  private buffer = '';
  private line = 1;
  private atStart = true;
  /**
   * The buffer length at which an unfinished statement is read again. Waiting until the buffer has
   * doubled keeps a statement much longer than a chunk (megabytes of COPY rows) linear to split.
   */
  private retryAt = 0;

  constructor(private readonly pass: SplitPass) {}

  /** Adds text; returns the statements it completed. */
  push(chunk: string): SqlStatement[] {
    this.buffer += chunk;
    // A CR at the end may be half of a CRLF: the split waits for the next character.
    const usable = this.buffer.charCodeAt(this.buffer.length - 1) === CR ? this.buffer.length - 1 : this.buffer.length;
    if (usable === 0 || usable < this.retryAt) return [];
    const text = usable === this.buffer.length ? this.buffer : this.buffer.slice(0, usable);
    const { statements, consumed } = this.pass(text, { firstLine: this.line, atStart: this.atStart, final: false });
    if (consumed > 0) {
      this.line = new LineCounter(text, this.line).lineAt(consumed);
      this.buffer = this.buffer.slice(consumed);
      this.atStart = false;
    }
    this.retryAt = 2 * (usable - consumed);
    return statements;
  }

  /** The script has ended: returns the last statements, or throws for an unterminated construct. */
  end(): SqlStatement[] {
    const text = this.buffer;
    this.buffer = '';
    return this.pass(text, { firstLine: this.line, atStart: this.atStart, final: true }).statements;
  }
}
