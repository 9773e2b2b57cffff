/** The effective configuration for `-X`: the files read, then `key = value (source)` with every secret masked. */
import type { LoadedConfig } from './config.js';
import { displayUrl } from './jdbc-url.js';
import { CONFIG_KEYS, JDBC_PROPERTIES_PREFIX, PLACEHOLDERS_PREFIX } from './keys.js';
import { MASK, redact } from './redact.js';

/** JDBC properties whose names say they hold a credential (`password`, `sslpassword`, `secretKey`, `token`…). */
export function isSecretProperty(name: string): boolean {
  return /password|secret|token|key/i.test(name);
}

export function describeConfig(loaded: LoadedConfig): string[] {
  const { config, sources } = loaded;
  const lines: string[] = [
    ...loaded.files.map((file) => `Config file: ${file}`),
    ...loaded.skippedFiles.map((file) => `Config file not read: ${file} (TOML configuration was found, so .conf files at default locations are ignored)`),
  ];
  const line = (name: string, value: unknown, secret: boolean): void => {
    const text = Array.isArray(value) ? value.join(',') : String(value);
    const shown = value === undefined ? '<unset>' : secret ? MASK : name === 'url' ? displayUrl(text) : text;
    lines.push(`${name} = ${shown} (${sources[name] ?? 'default'})`);
  };
  for (const spec of CONFIG_KEYS) line(spec.name, config[spec.field], spec.secret);
  for (const [name, value] of Object.entries(config.placeholders)) line(PLACEHOLDERS_PREFIX + name, value, false);
  for (const [name, value] of Object.entries(config.jdbcProperties)) line(JDBC_PROPERTIES_PREFIX + name, value, isSecretProperty(name));
  // A secret may also appear inside another value (initSql, a URL): mask it wherever it is.
  const secrets = [config.password, ...Object.entries(config.jdbcProperties).filter(([name]) => isSecretProperty(name)).map(([, value]) => value)];
  return lines.map((text) => redact(text, secrets));
}
