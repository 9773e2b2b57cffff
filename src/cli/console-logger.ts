import type { Logger } from '../engine/logger.js';

export interface ConsoleOptions {
  quiet: boolean;
  debug: boolean;
  /** In JSON mode stdout carries only the JSON document, so progress goes to stderr. */
  json: boolean;
  redact: (text: string) => string;
  /** Called before each line is written, so that a live progress line can step aside. */
  beforeWrite?: () => void;
}

/** Flyway's console conventions: plain info, `WARNING:` and `DEBUG:` prefixes; -q keeps warnings only. */
export function consoleLogger(options: ConsoleOptions): Logger {
  const out = options.json ? process.stderr : process.stdout;
  const write = (text: string) => {
    options.beforeWrite?.();
    out.write(`${options.redact(text)}\n`);
  };
  return {
    info: (message) => {
      if (!options.quiet) write(message);
    },
    warn: (message) => write(`WARNING: ${message}`),
    error: (message) => {
      options.beforeWrite?.();
      process.stderr.write(`${options.redact(`ERROR: ${message}`)}\n`);
    },
    debug: (message) => {
      if (options.debug) write(`DEBUG: ${message}`);
    },
  };
}
