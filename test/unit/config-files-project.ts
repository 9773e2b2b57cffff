/** Temporary project directories with config files, and loadConfig run inside them, for the config-files tests. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { LoadedConfig } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

/** Creates a fresh directory holding `files` (relative paths → contents; Buffers are written as they are). */
export function project(files: Record<string, string | Buffer> = {}): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'godwit-config-'));
  writeFiles(root, files);
  return root;
}

export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

export interface LoadOptions {
  settings?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** Defaults to `<dir>/home`, which holds no config file unless the test writes one there. */
  home?: string;
}

export function loadIn(dir: string, options: LoadOptions = {}): LoadedConfig {
  return loadConfig({ settings: options.settings ?? {}, env: options.env ?? {}, cwd: dir, home: options.home ?? path.join(dir, 'home') });
}

export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** Message and hint as the CLI prints them, for assertions that a name appears somewhere the user sees. */
export function shown(error: ConfigError): string {
  return `${error.message}\n${error.hint ?? ''}`;
}
