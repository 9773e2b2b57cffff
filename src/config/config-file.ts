/** Reads one config file in the configured encoding and hands it to the parser of its format. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import { parseConfConfig } from './conf.js';
import type { ConfigFile } from './discovery.js';
import type { Layer } from './layer.js';
import { parseTomlConfig } from './toml.js';
import { ConfigError } from '../errors.js';

/** How a config file is named in sources and messages: relative to the current directory when inside it. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

export function readConfigFile(file: ConfigFile, encoding: string, env: NodeJS.ProcessEnv, cwd: string): Layer {
  const shown = displayPath(file.path, cwd);
  const text = decode(readBytes(file.path), encoding, shown);
  return file.format === 'toml' ? parseTomlConfig(text, shown, env) : parseConfConfig(text, shown, env);
}

function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError(`Unable to load config file: ${file}`, { cause: error, location: file });
  }
}

/** Java charset names such as UTF-8, ISO-8859-1 and windows-1252 are also WHATWG labels, which TextDecoder takes. */
function decode(bytes: Buffer, encoding: string, file: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new ConfigError(`Unsupported config file encoding: '${encoding}'.`, {
      hint: 'Set -configFileEncoding (or FLYWAY_CONFIG_FILE_ENCODING) to an encoding such as UTF-8, ISO-8859-1 or windows-1252.',
      location: 'configFileEncoding',
    });
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ConfigError(`${file} is not valid ${encoding}.`, {
      hint: 'Save the file in that encoding, or set -configFileEncoding to the one it is written in.',
      location: file,
    });
  }
}
