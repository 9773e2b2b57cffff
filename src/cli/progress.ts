import type { SqlStatement } from '../dialects/dialect.js';

/** Where progress is drawn: stderr, or a fake in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** Redraw in place (a terminal) or print an occasional plain line (a log file, CI, kubectl logs). */
  live: boolean;
  now?: () => number;
  /** A statement shows up once it has run this long: quick scripts stay as quiet as before. */
  liveAfterMs?: number;
  /** Without a terminal, one line per this much time a single statement runs. */
  plainEveryMs?: number;
}

const CLEAR_LINE = '\r\x1b[2K';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The progress of a long migration on stderr: which statement of the script runs (its number and line)
 * and for how long. On a terminal one line redraws in place and is erased before any other output;
 * elsewhere a plain line is printed every `plainEveryMs` a statement keeps running. The count restarts
 * whenever a log line is written, which is how `Migrating schema …` starts each migration.
 */
export class Progress {
  private readonly now: () => number;
  private readonly liveAfterMs: number;
  private readonly plainEveryMs: number;
  private statements = 0;
  /** When the current migration (the last log line) began. */
  private since: number;
  /**
   * The statement in flight (none between statements): one object updated in place, as a batch of a
   * large script starts thousands of statements a second.
   */
  private readonly current: { statement: SqlStatement | undefined; number: number; started: number; reported: number } = {
    statement: undefined,
    number: 0,
    started: 0,
    reported: 0,
  };
  private shown = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? (() => performance.now());
    this.liveAfterMs = options.liveAfterMs ?? 1_000;
    this.plainEveryMs = options.plainEveryMs ?? 30_000;
    this.since = this.now();
  }

  /** A statement is sent to the database. */
  started(statement: SqlStatement): void {
    this.statements++;
    const current = this.current;
    current.statement = statement;
    current.number = this.statements;
    current.started = this.now();
    current.reported = current.started;
    this.timer ??= setInterval(() => this.tick(), this.options.live ? 200 : 1_000).unref();
  }

  /**
   * A statement came back, successfully or not. A batch queued behind the one that came back has
   * started since: its statement stays on show.
   */
  finished(statement: SqlStatement): void {
    if (this.current.statement !== statement) return;
    this.current.statement = undefined;
    this.erase();
  }

  /** Called before any other line is written to the same screen: erases the live line, restarts the count. */
  beforeLog(): void {
    this.erase();
    this.statements = 0;
    this.since = this.now();
  }

  /** Draws or prints what is due now; the timer calls it, tests call it with a fake clock. */
  tick(): void {
    const current = this.current;
    if (!current.statement) return;
    const now = this.now();
    const running = now - current.started;
    const what = `statement ${current.number} (line ${current.statement.line})`;
    const total = `${seconds(now - this.since)} in this migration`;
    if (this.options.live) {
      if (running < this.liveAfterMs) return;
      this.options.stream.write(`${CLEAR_LINE}  … ${what} running for ${seconds(running)}, ${total}`);
      this.shown = true;
    } else if (now - current.reported >= this.plainEveryMs) {
      current.reported = now;
      this.options.stream.write(`  … ${what} still running after ${seconds(running)}, ${total}\n`);
    }
  }

  /** Stops the timer and leaves the screen clean. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.current.statement = undefined;
    this.erase();
  }

  private erase(): void {
    if (!this.shown) return;
    this.options.stream.write(CLEAR_LINE);
    this.shown = false;
  }
}
