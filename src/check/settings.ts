import type { Config } from '../config/config.js';
import { ConfigError } from '../errors.js';
import type { RuleInfo, Severity } from './types.js';
import { POSTGRES_RULES } from './postgres/rules.js';
import { MYSQL_RULES } from './mysql/rules.js';

/** Every rule id of every rule set: configuration may name any of them, whichever database it runs on. */
export const ALL_RULE_IDS: ReadonlySet<string> = new Set([...POSTGRES_RULES.keys(), ...MYSQL_RULES.keys()]);

export const SEVERITY_RANK: Record<Severity, number> = { warning: 1, error: 2 };

export interface CheckSettings {
  /** The rules that apply, with their severity. */
  enabled(rules: ReadonlyMap<string, RuleInfo>): Map<string, RuleInfo>;
  failOn: Severity;
}

function severity(value: string, key: string, allowOff: boolean): Severity | 'off' {
  const lower = value.toLowerCase();
  if (lower === 'error' || lower === 'warning' || (allowOff && lower === 'off')) return lower;
  throw new ConfigError(`Invalid value for ${key}: '${value}'. Expected error or warning${allowOff ? ' (or off)' : ''}.`, { location: key });
}

function checkIds(ids: string[], key: string): void {
  const unknown = ids.find((id) => !ALL_RULE_IDS.has(id));
  if (unknown !== undefined) {
    throw new ConfigError(`Unknown rule '${unknown}' in ${key}.`, { location: key, hint: `Rules: ${[...ALL_RULE_IDS].sort().join(', ')}.` });
  }
}

/** Reads and checks the godwit.check.* settings; a typo fails here, naming the key. */
export function checkSettings(config: Config): CheckSettings {
  checkIds(config.checkRules, 'godwit.check.rules');
  checkIds(config.checkDisable, 'godwit.check.disable');
  const failOn = severity(config.checkFailOn, 'godwit.check.failOn', false) as Severity;
  return {
    failOn,
    enabled(rules) {
      return new Map(
        [...rules].filter(([id]) => (config.checkRules.length === 0 || config.checkRules.includes(id)) && !config.checkDisable.includes(id)),
      );
    },
  };
}

/** migrate's `-check`: the severity that refuses the run, or undefined for off. */
export function migrateGuardLevel(config: Config): Severity | undefined {
  const level = severity(config.check, 'check', true);
  return level === 'off' ? undefined : level;
}
