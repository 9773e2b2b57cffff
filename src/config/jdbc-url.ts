/**
 * Turns the `-url` a Flyway user already has into host, port and database for a Node driver. JDBC URLs
 * are not WHATWG URLs (several hosts, `jdbc:postgresql:db`, unencoded passwords), so this is a small
 * hand-written parser rather than `new URL()`.
 */
import { ConfigError } from '../errors.js';

export interface ConnectionTarget {
  dialect: 'postgresql' | 'mysql' | 'mariadb' | 'pglite';
  /** Without IPv6 brackets. `''` for pglite. */
  host: string;
  /** `0` for pglite. */
  port: number;
  /** `''` when the URL names none: the driver picks its default (PostgreSQL: the user's name). For pglite, a directory or `memory`. */
  database: string;
  user?: string;
  password?: string;
  /** Query parameters, decoded, names as written; `user` and `password` are moved out into their fields. */
  params: Record<string, string>;
}

type ServerDialect = Exclude<ConnectionTarget['dialect'], 'pglite'>;

const DEFAULT_PORT: Record<ServerDialect, number> = { postgresql: 5432, mysql: 3306, mariadb: 3306 };

/** Scheme (lower-cased) → dialect, for URLs of the form `scheme//authority/path`. */
const AUTHORITY_SCHEMES: ReadonlyMap<string, ServerDialect> = new Map([
  ['jdbc:postgresql:', 'postgresql'],
  ['postgresql:', 'postgresql'],
  ['postgres:', 'postgresql'],
  ['jdbc:mysql:', 'mysql'],
  ['mysql:', 'mysql'],
  ['jdbc:mariadb:', 'mariadb'],
  ['mariadb:', 'mariadb'],
]);

// Written without credentials: a hint must survive the password masking that all output goes through.
const SUPPORTED_FORMS = [
  'jdbc:postgresql://host[:port][/database][?currentSchema=…&sslmode=…]',
  'jdbc:postgresql:database',
  'postgresql://[user@]host[:port]/database (or postgres://)',
  'jdbc:mysql://host[:port][/database], mysql://[user@]host[:port]/database',
  'jdbc:mariadb://host[:port][/database], mariadb://[user@]host[:port]/database',
  'pglite:memory, pglite:<directory>',
  'with the credentials in -user and -password (or FLYWAY_USER, FLYWAY_PASSWORD)',
];

/** Only the scheme of a URL we cannot parse: what follows it may hold a password in any form. */
function schemeOf(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*(?::[a-z][a-z0-9+.-]*){0,2}:/i.exec(url);
  return scheme ? `${scheme[0]}…` : '(not a URL)';
}

export function parseDatabaseUrl(url: string): ConnectionTarget {
  const colon = url.indexOf(':');
  const lower = url.toLowerCase();
  if (lower.startsWith('pglite:')) {
    const database = url.slice('pglite:'.length);
    if (database !== '') return { dialect: 'pglite', host: '', port: 0, database, params: {} };
  }
  if (colon > 0) {
    const jdbcScheme = lower.startsWith('jdbc:') ? lower.slice(0, lower.indexOf(':', 5) + 1) : lower.slice(0, colon + 1);
    const dialect = AUTHORITY_SCHEMES.get(jdbcScheme);
    const rest = url.slice(jdbcScheme.length);
    if (dialect !== undefined && rest.startsWith('//')) return parseAuthorityForm(dialect, rest.slice(2), url);
    // pgjdbc's short form: jdbc:postgresql:database means localhost on the default port.
    if (jdbcScheme === 'jdbc:postgresql:' && rest !== '' && !rest.startsWith('/')) {
      const { path, params } = splitQuery(rest, url);
      return withCredentials({ dialect: 'postgresql', host: 'localhost', port: 5432, database: decode(path, url), params });
    }
  }
  throw new ConfigError(`Unsupported database URL: ${schemeOf(url)}`, {
    hint: `godwit understands:\n  ${SUPPORTED_FORMS.join('\n  ')}`,
    location: 'url',
  });
}

function parseAuthorityForm(dialect: ServerDialect, rest: string, url: string): ConnectionTarget {
  const { path: beforeQuery, params } = splitQuery(rest, url);
  // The last `@` ends the user info, so that an unencoded `@` or `/` in a password still parses.
  const at = beforeQuery.lastIndexOf('@');
  const userInfo = at >= 0 ? beforeQuery.slice(0, at) : undefined;
  const hostAndPath = at >= 0 ? beforeQuery.slice(at + 1) : beforeQuery;
  const slash = hostAndPath.indexOf('/');
  const hosts = slash >= 0 ? hostAndPath.slice(0, slash) : hostAndPath;
  const database = slash >= 0 ? decode(hostAndPath.slice(slash + 1), url) : '';
  // Failover lists (h1:5432,h2:5433) are cut to the first host: godwit connects once and holds one lock.
  const { host, port } = parseHost(hosts.split(',')[0] ?? '', DEFAULT_PORT[dialect], url);
  const target: ConnectionTarget = { dialect, host, port, database, params };
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':');
    const user = decode(colon >= 0 ? userInfo.slice(0, colon) : userInfo, url);
    if (user !== '') target.user = user;
    if (colon >= 0) target.password = decode(userInfo.slice(colon + 1), url);
  }
  return withCredentials(target);
}

function parseHost(text: string, defaultPort: number, url: string): { host: string; port: number } {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    const after = close >= 0 ? text.slice(close + 1) : '';
    if (close < 0 || (after !== '' && !after.startsWith(':'))) throw invalidUrl('Malformed IPv6 host', url);
    host = text.slice(1, close);
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) throw invalidUrl('IPv6 hosts must be written in brackets, like [::1]', url);
    host = colon >= 0 ? text.slice(0, colon) : text;
    portText = colon >= 0 ? text.slice(colon + 1) : undefined;
  }
  host = decode(host, url);
  return { host: host === '' ? 'localhost' : host, port: portText === undefined || portText === '' ? defaultPort : parsePort(portText, url) };
}

function parsePort(text: string, url: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (port >= 1 && port <= 65535) return port;
  throw invalidUrl(`Invalid port '${text}'`, url);
}

function splitQuery(text: string, url: string): { path: string; params: Record<string, string> } {
  const question = text.indexOf('?');
  const params: Record<string, string> = {};
  if (question < 0) return { path: text, params };
  for (const pair of text.slice(question + 1).split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decode(equals >= 0 ? pair.slice(0, equals) : pair, url);
    params[name] = equals >= 0 ? decode(pair.slice(equals + 1), url) : '';
  }
  return { path: text.slice(0, question), params };
}

/** `?user=` and `?password=` become the target's credentials, so that params can be logged without a secret. */
function withCredentials(target: ConnectionTarget): ConnectionTarget {
  const { user, password, ...rest } = target.params;
  target.params = rest;
  if (user !== undefined && user !== '') target.user = user;
  if (password !== undefined) target.password = password;
  return target;
}

function decode(text: string, url: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidUrl('Invalid percent-encoding', url);
  }
}

function invalidUrl(problem: string, url: string): ConfigError {
  return new ConfigError(`${problem} in database URL: ${redactUrl(url)}`, {
    hint: `godwit understands:\n  ${SUPPORTED_FORMS.join('\n  ')}`,
    location: 'url',
  });
}

/**
 * Masks passwords in any text that may hold URLs: `scheme://user:***@host` and `password=***` (also
 * `sslpassword=`, `;password=`). Greedy on purpose: everything up to the last `@` of the word is treated
 * as password, because a password with an unencoded `@` must not leak half of itself.
 */
/** A URL as godwit may print it: masked where it parses, reduced to its scheme where it does not. */
export function displayUrl(url: string): string {
  try {
    parseDatabaseUrl(url);
    return redactUrl(url);
  } catch {
    return schemeOf(url);
  }
}

export function redactUrl(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s]*@/gi, '$1:***@')
    .replace(/([?&;][a-z0-9_.-]*password=)[^&;\s'"]*/gi, '$1***');
}
