/** The progress line of long statements: live on a terminal, occasional plain lines elsewhere. */
import { afterEach, describe, expect, it } from 'vitest';
import { Progress } from '../../src/cli/progress.js';
import type { SqlStatement } from '../../src/dialects/dialect.js';

const statement = (line: number): SqlStatement => ({ sql: 'SELECT pg_sleep(60)', line, nonTransactional: false });

function setUp(live: boolean) {
  let now = 0;
  const written: string[] = [];
  const progress = new Progress({ stream: { write: (t: string) => written.push(t) }, live, now: () => now, liveAfterMs: 1_000, plainEveryMs: 30_000 });
  return { progress, written, advance: (ms: number) => (now += ms) };
}

describe('Progress', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('on a terminal: nothing for a quick statement, then one line redrawn in place, erased before a log line', () => {
    const { progress, written, advance } = setUp(true);
    stop = () => progress.stop();
    progress.beforeLog();
    const quick = statement(1);
    progress.started(quick);
    advance(300);
    progress.tick();
    progress.finished(quick);
    expect(written).toEqual([]);

    const slow = statement(4);
    progress.started(slow);
    advance(1_500);
    progress.tick();
    advance(500);
    progress.tick();
    expect(written).toEqual([
      '\r\x1b[2K  … statement 2 (line 4) running for 1.5 s, 1.8 s in this migration',
      '\r\x1b[2K  … statement 2 (line 4) running for 2.0 s, 2.3 s in this migration',
    ]);
    progress.finished(slow);
    expect(written.at(-1)).toBe('\r\x1b[2K');
    progress.beforeLog();
    expect(written).toHaveLength(3);
  });

  it('elsewhere: a plain line every 30 s of one statement, no control characters', () => {
    const { progress, written, advance } = setUp(false);
    stop = () => progress.stop();
    const long = statement(7);
    progress.started(long);
    advance(29_000);
    progress.tick();
    expect(written).toEqual([]);
    advance(1_000);
    progress.tick();
    advance(10_000);
    progress.tick();
    advance(20_000);
    progress.tick();
    expect(written).toEqual(['  … statement 1 (line 7) still running after 30.0 s, 30.0 s in this migration\n', '  … statement 1 (line 7) still running after 60.0 s, 60.0 s in this migration\n']);
    progress.finished(long);
    expect(written.join('')).not.toContain('\x1b');
  });

  it('each log line starts the count of a new migration', () => {
    const { progress, written, advance } = setUp(true);
    stop = () => progress.stop();
    const first = statement(1);
    progress.started(first);
    progress.finished(first);
    progress.beforeLog();
    progress.started(statement(9));
    advance(2_000);
    progress.tick();
    expect(written).toEqual(['\r\x1b[2K  … statement 1 (line 9) running for 2.0 s, 2.0 s in this migration']);
  });

  it('keeps showing a batch queued behind one that came back, until it comes back too', () => {
    const { progress, written, advance } = setUp(true);
    stop = () => progress.stop();
    const running = statement(3);
    const queued = statement(8);
    progress.started(running);
    progress.started(queued);
    advance(1_200);
    progress.finished(running);
    progress.tick();
    expect(written).toEqual(['\r\x1b[2K  … statement 2 (line 8) running for 1.2 s, 1.2 s in this migration']);
    progress.finished(queued);
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });
});
