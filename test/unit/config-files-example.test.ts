/** flyway.toml.example documents every key: it must parse as it is, and with every commented setting enabled. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, LAUNCH_KEYS } from '../../src/config/keys.js';
import { loadIn, project } from './config-files-project.js';

const EXAMPLE = readFileSync(fileURLToPath(new URL('../../flyway.toml.example', import.meta.url)), 'utf8');
const ENV = { APP_DB_PASSWORD: 'example-password' };

/** Enables `# key = value` lines and commented `# [table]` headers, leaving prose comments alone. */
function uncommented(text: string): string {
  return text.replace(/^# (?=[A-Za-z][\w.]*\s*=|\[)/gm, '');
}

describe('flyway.toml.example', () => {
  it('parses as shipped', () => {
    const { config, sources } = loadIn(project({ 'flyway.toml': EXAMPLE }), { env: ENV });
    expect(config).toMatchObject({ url: 'jdbc:postgresql://localhost:5432/app', user: 'app', password: 'example-password' });
    expect(sources.url).toBe('file flyway.toml [environments.default]');
  });

  it('mentions every key of the registry', () => {
    for (const spec of CONFIG_KEYS) {
      const last = spec.name.split('.').at(-1) ?? spec.name;
      const asSetting = new RegExp(`^(# )?${last}\\s*=`, 'm').test(EXAMPLE);
      const asArgument = EXAMPLE.includes(`-${spec.name}=`);
      expect(LAUNCH_KEYS.includes(spec.name) ? asArgument : asSetting, spec.name).toBe(true);
    }
    expect(EXAMPLE).toContain('[flyway.postgresql.transactional]');
  });

  it('parses with every commented setting enabled, each one taking effect', () => {
    const enabled = uncommented(EXAMPLE);
    expect(enabled).not.toBe(EXAMPLE);
    const { sources } = loadIn(project({ 'flyway.toml': enabled }), { env: ENV });
    for (const spec of CONFIG_KEYS) {
      if (LAUNCH_KEYS.includes(spec.name)) continue;
      expect(sources[spec.name], spec.name).toMatch(/^file flyway\.toml \[/);
    }
    expect(sources['jdbcProperties.sslmode']).toBe('file flyway.toml [environments.default.jdbcProperties]');
    expect(sources['placeholders.app_role']).toBe('file flyway.toml [flyway.placeholders]');
  });

  it('shows each default the registry holds', () => {
    const enabled = uncommented(EXAMPLE);
    const shown = loadIn(project({ 'flyway.toml': enabled }), { env: ENV }).config;
    const defaults = loadIn(project()).config;
    // Keys without a default (or whose default depends on the database) show an example value instead.
    const examples = new Set(['url', 'user', 'password', 'schemas', 'initSql', 'defaultSchema', 'tablespace', 'installedBy', 'outputType', 'locations', 'dryRunOutput']);
    for (const spec of CONFIG_KEYS) {
      if (LAUNCH_KEYS.includes(spec.name) || examples.has(spec.name)) continue;
      expect(shown[spec.field], spec.name).toEqual(defaults[spec.field]);
    }
  });
});
