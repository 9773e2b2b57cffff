/**
 * Flyway's legacy `flyway.conf`: Java properties read the way Flyway's ConfigUtils reads them. Lines are
 * trimmed, `#` and `!` start comments, backslashes are literal (Windows paths survive) except a final one,
 * which continues the value on the next line unless that line is blank or a new `flyway.…=` property.
 */
import type { KeyOrigin } from './keys.js';
import { addFlatSetting, newLayer, type Layer } from './layer.js';
import { expandConfVariables } from './references.js';

const PREFIX = 'flyway.';

/** Parses one `.conf` file into a layer. `file` is the path as messages and `-X` show it. */
export function parseConfConfig(text: string, file: string, env: NodeJS.ProcessEnv): Layer {
  const layer = newLayer();
  for (const { line, key, value } of properties(text)) {
    // Flyway ignores keys without the prefix: the same file often carries settings of other tools.
    if (!key.startsWith(PREFIX)) continue;
    const name = key.slice(PREFIX.length);
    const origin: KeyOrigin = { spelled: key, source: `${file}:${line}`, keyPrefix: PREFIX, showSource: true };
    addFlatSetting(layer, name, { value: expandConfVariables(value, env), source: `file ${file}`, origin: origin.source }, origin, true);
  }
  return layer;
}

interface Property {
  /** 1-based line the property starts on. */
  line: number;
  key: string;
  value: string;
}

/** The key/value pairs of a properties text, later duplicates included (the caller lets them win). */
function properties(text: string): Property[] {
  const lines = text.split(/\r\n|\r|\n/);
  const result: Property[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let logical = (lines[i] ?? '').trim();
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    while (logical.endsWith('\\') && continues(lines[i + 1])) {
      i++;
      logical = logical.slice(0, -1) + (lines[i] ?? '').trim();
    }
    result.push({ line: start, ...splitProperty(logical) });
  }
  return result;
}

/** Flyway's look-ahead: a trailing `\` joins the next line unless it is empty or starts a new property. */
function continues(next: string | undefined): boolean {
  if (next === undefined || next === '') return false;
  const trimmed = next.trim();
  return !(trimmed.startsWith(PREFIX) && trimmed.includes('='));
}

/** Java's rule: the key ends at the first `=`, `:` or whitespace; one separator and the spaces around it are skipped. */
function splitProperty(logical: string): { key: string; value: string } {
  const end = logical.search(/[=:\s]/);
  if (end < 0) return { key: logical, value: '' };
  const rest = logical.slice(end).replace(/^\s*/, '');
  const value = /^[=:]/.test(rest) ? rest.slice(1).replace(/^\s*/, '') : rest;
  return { key: logical.slice(0, end), value };
}
