/** The CLI's two-step stop: the first SIGINT/SIGTERM winds down, any later one leaves at once. */
import { afterEach, describe, expect, it } from 'vitest';
import { signalExitCode, watchSignals, type SignalWatch, type StopSignal } from '../../src/cli/signals.js';

describe('signal exit codes', () => {
  it('are 128 + the signal number, as shells report them', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });
});

describe('watchSignals', () => {
  let watch: SignalWatch | undefined;
  afterEach(() => watch?.dispose());

  it('calls first() for the first signal, again() for every later one, and remembers the first', () => {
    const calls: string[] = [];
    watch = watchSignals({ first: (s: StopSignal) => calls.push(`first ${s}`), again: (s: StopSignal) => calls.push(`again ${s}`) });
    expect(watch.received).toBeUndefined();
    process.emit('SIGTERM');
    process.emit('SIGINT');
    process.emit('SIGTERM');
    expect(calls).toEqual(['first SIGTERM', 'again SIGINT', 'again SIGTERM']);
    expect(watch.received).toBe('SIGTERM');
  });

  it('dispose() removes its listeners', () => {
    const before = process.listenerCount('SIGTERM');
    watch = watchSignals({ first: () => undefined, again: () => undefined });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    expect(process.listenerCount('SIGINT')).toBeGreaterThan(0);
    watch.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
