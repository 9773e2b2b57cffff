import { constants } from 'node:os';

/** The signals that ask godwit to stop: Ctrl-C, and what Kubernetes, Docker and CI runners send. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** 128 + the signal's number, as a shell reports a process that a signal ended: 130, 143. */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

export interface SignalHandlers {
  /** The first stop signal: wind down (cancel, roll back, release the lock) and report. */
  first(signal: StopSignal): void;
  /** Any later one: the user wants out now. */
  again(signal: StopSignal): void;
}

export interface SignalWatch {
  /** The first stop signal received, if any. */
  readonly received: StopSignal | undefined;
  /** Removes the handlers, so that an embedding program's own handling applies again. */
  dispose(): void;
}

/**
 * Replaces Node's default (die at once, mid-statement) with a two-step stop. Listening also keeps Node
 * from exiting on the signal by itself, so the caller must finish or exit.
 */
export function watchSignals(handlers: SignalHandlers): SignalWatch {
  let received: StopSignal | undefined;
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = () => {
      if (received === undefined) {
        received = signal;
        handlers.first(signal);
      } else {
        handlers.again(signal);
      }
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return {
    get received() {
      return received;
    },
    dispose: () => {
      for (const [signal, listener] of listeners) process.off(signal, listener);
    },
  };
}
