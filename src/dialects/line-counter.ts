const LF = 10;

/**
 * Counts `\n`, `\r\n` and lone `\r` as one line ending each. Positions must be asked for in
 * increasing order; jumping from one line ending to the next with indexOf keeps it off the hot path.
 */
export class LineCounter {
  private nextLf: number;
  private nextCr: number;

  /** `line` is the number of the text's first line: a later piece of a streamed script starts further down. */
  constructor(
    private readonly text: string,
    private line = 1,
  ) {
    this.nextLf = text.indexOf('\n');
    this.nextCr = text.indexOf('\r');
  }

  lineAt(position: number): number {
    const text = this.text;
    while (this.nextLf >= 0 && this.nextLf < position) {
      this.line++;
      this.nextLf = text.indexOf('\n', this.nextLf + 1);
    }
    while (this.nextCr >= 0 && this.nextCr < position) {
      if (text.charCodeAt(this.nextCr + 1) !== LF) this.line++;
      this.nextCr = text.indexOf('\r', this.nextCr + 1);
    }
    return this.line;
  }
}
