/**
 * Environment variable references inside config file values, each format with Flyway's own rules:
 * TOML's property resolvers (`${env.NAME}`, `!{…}` verbatim, `$${…}` escaped) and `.conf`'s `${NAME}`.
 */
import { ConfigError } from '../errors.js';

export interface ReferenceContext {
  /** The setting being resolved, as the user wrote it (`password`, `placeholders.role`). */
  key: string;
  /** The file and table it is in (`flyway.toml [environments.dev]`). */
  origin: string;
}

/** Flyway treats a whole value of the form `!{…}` as verbatim: nothing inside it is resolved. */
const VERBATIM = /^!\{(.*)\}$/s;
/** `${resolver.parameter}` with an optional `:filter`; a second leading `$` escapes the reference. */
const REFERENCE = /(\$?)\$\{([^{}.]*)\.([^{}]*)\}/g;
/** A reference opened inside another one's braces: `${env.${env.NAME}}`. */
const NESTED = /\$\{[^{}]*\$\{/;

/** Resolves `${env.NAME}` in one TOML string value. A variable that is not set is an error naming it. */
export function resolveTomlReferences(text: string, env: NodeJS.ProcessEnv, context: ReferenceContext): string {
  const verbatim = VERBATIM.exec(text.trim());
  if (verbatim) return verbatim[1] ?? '';
  if (NESTED.test(text)) {
    throw new ConfigError(`Nested resolvers are not supported: ${context.key} (in ${context.origin}).`, {
      hint: 'Use a single ${env.NAME} per reference, or !{…} to take the value verbatim.',
      location: `${context.key} (${context.origin})`,
    });
  }
  return text.replace(REFERENCE, (match: string, escape: string, resolver: string, parameter: string) => {
    if (escape !== '') return match.slice(1);
    const name = resolver.trim();
    if (name !== 'env') {
      throw new ConfigError(`Unknown resolver '${name}' in ${context.key} (in ${context.origin}).`, {
        hint: 'godwit resolves ${env.NAME} from the environment only. Write $${…} for a literal ${…}, or !{…} for a verbatim value.',
        location: `${context.key} (${context.origin})`,
      });
    }
    const colon = parameter.indexOf(':');
    const variable = (colon >= 0 ? parameter.slice(0, colon) : parameter).trim();
    const value = env[variable];
    if (value === undefined) {
      throw new ConfigError(`Environment variable ${variable} is not set, but ${context.key} (in ${context.origin}) refers to it as \${env.${variable}}.`, {
        hint: `Set ${variable} before running godwit, or give ${context.key} another way.`,
        location: `${context.key} (${context.origin})`,
      });
    }
    return colon >= 0 ? filterCharacters(value, parameter.slice(colon + 1).trim()) : value;
  });
}

/**
 * Flyway's resolver filters (`${env.NAME:D}`): keep only the characters the filter letters allow.
 * D any digit, A any letter, d ASCII digits, a ASCII letters.
 */
function filterCharacters(value: string, filter: string): string {
  return [...value]
    .filter((c) => {
      const ascii = c.charCodeAt(0) < 128;
      const digit = /\p{Nd}/u.test(c);
      const letter = /\p{L}/u.test(c);
      return (filter.includes('D') && digit) || (filter.includes('A') && letter) || (filter.includes('d') && digit && ascii) || (filter.includes('a') && letter && ascii);
    })
    .join('');
}

const CONF_VARIABLE = /\$\{([A-Za-z0-9_]+)\}/g;

/**
 * `.conf` files: `${NAME}` becomes the variable's value, and an unset variable becomes empty, exactly as
 * Flyway's ConfigUtils.expandEnvironmentVariables does (a missing `${DB_URL}` then fails as "no URL").
 * Only values are expanded, after line continuations are joined, so a value containing `\` stays literal.
 */
export function expandConfVariables(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(CONF_VARIABLE, (_match: string, name: string) => env[name] ?? '');
}
