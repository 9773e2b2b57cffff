import { describe, expect, it } from 'vitest';
import { COMMANDS, parseArgv } from '../../src/config/argv.js';
import { helpText } from '../../src/config/help.js';
import { CONFIG_KEYS } from '../../src/config/keys.js';
import { ConfigError } from '../../src/errors.js';
import { errorOf as errorOfType } from '../helpers/errors.js';

const errorOf = (fn: () => unknown): ConfigError => errorOfType(fn, ConfigError);

describe('parseArgv', () => {
  it('keeps commands in the order given', () => {
    expect(parseArgv(['migrate', 'info']).commands).toEqual(['migrate', 'info']);
    expect(parseArgv(['info', '-X', 'migrate', 'validate']).commands).toEqual(['info', 'migrate', 'validate']);
  });

  it('accepts every engine command, undo included', () => {
    expect(parseArgv([...COMMANDS.filter((c) => c !== 'new')]).commands).toEqual(['migrate', 'info', 'validate', 'clean', 'baseline', 'repair', 'undo', 'init', 'check']);
  });

  it('takes the word after new as its description, with the scaffold flags anywhere', () => {
    const parsed = parseArgv(['-X', 'new', 'Add phone', '-undo', '-versionStyle=timestamp']);
    expect(parsed.commands).toEqual(['new']);
    expect(parsed.scaffold).toEqual({ description: 'Add phone', kind: 'undo', versionStyle: 'timestamp' });
    expect(parseArgv(['new', 'Views', '-repeatable']).scaffold.kind).toBe('repeatable');
    expect(parseArgv(['new']).scaffold.description).toBeUndefined();
    expect(errorOf(() => parseArgv(['new', 'a', 'b'])).message).toBe('Invalid command: b');
    expect(errorOf(() => parseArgv(['new', 'a', '-versionStyle=daily'])).message).toContain("'daily'");
  });

  it('takes everything after the first = as the value', () => {
    const { settings } = parseArgv(['-url=jdbc:postgresql://pg/app?user=a&password=b=c', '-initSql=SET x = 1']);
    expect(settings).toEqual({ url: 'jdbc:postgresql://pg/app?user=a&password=b=c', initSql: 'SET x = 1' });
  });

  it('keeps an empty value', () => {
    expect(parseArgv(['-installedBy=']).settings).toEqual({ installedBy: '' });
  });

  it('lets a later setting win', () => {
    expect(parseArgv(['-table=a', '-table=b']).settings.table).toBe('b');
  });

  it('accepts --key=value as a convenience', () => {
    expect(parseArgv(['--outOfOrder=true', '--postgresql.transactional.lock=false']).settings).toEqual({
      outOfOrder: 'true',
      'postgresql.transactional.lock': 'false',
    });
  });

  it('lower-cases placeholder names and keeps JDBC property names as written', () => {
    expect(parseArgv(['-placeholders.App_Role=Owner', '-jdbcProperties.sslMode=require']).settings).toEqual({
      'placeholders.app_role': 'Owner',
      'jdbcProperties.sslMode': 'require',
    });
  });

  it('accepts -configFiles and -configFileEncoding, which name the config files to read', () => {
    expect(parseArgv(['-configFiles=a.toml,b.conf', '-configFileEncoding=ISO-8859-1']).settings).toEqual({
      configFiles: 'a.toml,b.conf',
      configFileEncoding: 'ISO-8859-1',
    });
  });

  it('keeps -environments.<env>.<key> raw', () => {
    expect(parseArgv(['-environments.dev.url=jdbc:postgresql://dev/app']).settings).toEqual({
      'environments.dev.url': 'jdbc:postgresql://dev/app',
    });
  });

  it('refuses -environments.<env> without a key', () => {
    expect(errorOf(() => parseArgv(['-environments.dev=x'])).message).toBe(
      'Invalid configuration argument: -environments.dev. Both the environment name and configuration option are required.',
    );
  });

  it('reads the flags', () => {
    const none = parseArgv(['info']);
    expect(none).toMatchObject({ debug: false, quiet: false, help: false, version: false });
    expect(parseArgv(['-X', 'info'])).toMatchObject({ debug: true, quiet: false });
    expect(parseArgv(['-q', 'info'])).toMatchObject({ debug: false, quiet: true });
    for (const form of ['-v', '--version', 'version']) expect(parseArgv([form])).toMatchObject({ version: true, help: false, commands: [] });
    for (const form of ['-h', '-?', '--help', 'help']) expect(parseArgv([form])).toMatchObject({ help: true, version: false, commands: [] });
  });

  it('skips empty arguments, as an unset shell variable produces', () => {
    expect(parseArgv(['', 'migrate', ' '])).toMatchObject({ commands: ['migrate'], settings: {} });
  });

  it('ignores Flyway\'s -skipCheckForUpdate', () => {
    expect(parseArgv(['-skipCheckForUpdate', 'info'])).toMatchObject({ commands: ['info'], settings: {} });
  });
});

describe('parseArgv errors', () => {
  it('refuses an unknown command and lists the commands', () => {
    const error = errorOf(() => parseArgv(['migrat']));
    expect(error.message).toBe('Invalid command: migrat');
    expect(error.hint).toContain('migrate, info, validate, clean, baseline, repair, undo');
  });

  it('refuses a dash argument without = that is not a flag', () => {
    const error = errorOf(() => parseArgv(['-foo', 'info']));
    expect(error.message).toBe('Invalid flag: -foo');
  });

  it('says a known key needs a value', () => {
    const error = errorOf(() => parseArgv(['-url', 'info']));
    expect(error.message).toBe('Invalid flag: -url');
    expect(error.hint).toBe('-url needs a value: -url=<value>');
  });

  it('points at spaces around =', () => {
    expect(errorOf(() => parseArgv(['-url', '=jdbc:postgresql://pg/app'])).hint).toContain("Remove the spaces around '='");
  });

  it('refuses an unknown key and suggests the key with other case', () => {
    const error = errorOf(() => parseArgv(['-URL=jdbc:postgresql://pg/app']));
    expect(error.message).toBe('Unknown configuration property: flyway.URL');
    expect(error.hint).toBe('Did you mean -url?');
  });

  it('suggests a key two edits away, and nothing for a far one', () => {
    expect(errorOf(() => parseArgv(['-outOfOdrer=true'])).hint).toBe('Did you mean -outOfOrder?');
    expect(errorOf(() => parseArgv(['-basline.version=2'])).hint).toBe('Did you mean -baselineVersion?');
    expect(errorOf(() => parseArgv(['-frobnicate=1'])).hint).not.toMatch(/Did you mean/);
  });

  it('refuses keys godwit does not implement yet, by name', () => {
    for (const name of ['batch', 'driver', 'licenseKey']) {
      expect(errorOf(() => parseArgv([`-${name}=x`])).message).toBe(`-${name} is not supported by godwit yet.`);
    }
  });

  it('refuses cleanOnValidationError as removed from Flyway', () => {
    const error = errorOf(() => parseArgv(['-cleanOnValidationError=true']));
    expect(error.message).toBe('-cleanOnValidationError has been removed from Flyway and is not supported by godwit.');
  });

  it('never repeats the value of a mistyped password key', () => {
    const secret = 'Hunter2-secret';
    for (const arg of [`-pasword=${secret}`, `-PASSWORD=${secret}`, `-jdbcProperties=${secret}`]) {
      const error = errorOf(() => parseArgv([arg]));
      expect(error.message).not.toContain(secret);
      expect(error.hint ?? '').not.toContain(secret);
    }
  });
});

describe('helpText', () => {
  const text = helpText();
  // Commander wraps long descriptions; compare against the text with line breaks folded.
  const flat = text.replace(/\s+/g, ' ');

  it('lists every registry key in -key=value style with its description', () => {
    for (const spec of CONFIG_KEYS) {
      expect(text).toContain(`-${spec.name}=<`);
      expect(flat).toContain(spec.description);
    }
  });

  it('lists every command and the flags', () => {
    for (const command of COMMANDS) expect(text).toMatch(new RegExp(`^\\s+${command}\\s{2,}\\S`, 'm'));
    for (const flag of ['-X', '-q', '-v, --version', '-h, -?, --help', '-placeholders.<name>=<value>']) expect(text).toContain(flag);
  });

  it('says where settings come from and which source wins', () => {
    expect(flat).toContain('FLYWAY_BASELINE_ON_MIGRATE');
    expect(flat).toContain('flyway.toml (or flyway.conf)');
    expect(flat).toContain('The command line wins over the environment, which wins over config files.');
  });

  it('shows defaults and never a commander-style --flag of its own', () => {
    expect(flat).toContain('(default: flyway_schema_history)');
    expect(flat).toContain('(default: << Flyway Baseline >>)');
    expect(flat).not.toContain('(default: text)');
    expect(text).not.toContain('--option-');
  });
});
