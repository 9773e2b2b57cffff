/**
 * Where the engine's progress lines go. The CLI decides what a level means on screen (stdout, stderr,
 * hidden by -q, shown by -X); library users pass their own or get silence.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** A failure being reported as it happens; the error that follows is thrown separately. */
  error(message: string): void;
  debug(message: string): void;
}

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};
