/**
 * Flyway's command line: `-key=value` settings, a few flags, and commands run in the order given
 * (`godwit migrate info`). Key names are checked against the registry here, so a typo fails before
 * anything connects.
 */
import { ConfigError } from '../errors.js';
import { classifyKey, findKey, JDBC_PROPERTIES_PREFIX, PLACEHOLDERS_PREFIX } from './keys.js';

/** Commands the engine runs. `help` and `version` are accepted too but become the flags of the result. */
export const COMMANDS = ['migrate', 'info', 'validate', 'clean', 'baseline', 'repair', 'undo', 'init', 'new', 'check'] as const;
export type CommandName = (typeof COMMANDS)[number];

export const COMMAND_DESCRIPTIONS: Record<CommandName, string> = {
  migrate: 'Apply pending migrations',
  info: 'Print the state of every migration',
  validate: 'Check applied migrations against the files',
  clean: 'Drop all objects in the configured schemas (needs -cleanDisabled=false)',
  baseline: 'Mark an existing schema as being at -baselineVersion',
  repair: 'Remove failed rows and realign checksums in the history table',
  undo: 'Undo the latest versioned migration',
  init: 'Start a project here: a commented flyway.toml and an empty sql/ folder',
  new: 'Create the next migration file: new <description> [-repeatable | -undo] [-versionStyle=timestamp] [-type=ts|js]',
  check: 'Lint migrations for zero-downtime dangers: check [-all | <file> …] [-offline] (docs/check.md)',
};

export interface ParsedArgs {
  /** Engine commands in the order given; `help` and `version` are reported through the flags instead. */
  commands: string[];
  /** Flyway key names (`url`, `placeholders.name`, `postgresql.transactional.lock`, `environments.dev.url`) → raw values. */
  settings: Record<string, string>;
  debug: boolean;
  quiet: boolean;
  help: boolean;
  version: boolean;
  /** What `new` creates: its description, and the kind and version style flags. */
  scaffold: { description: string | undefined; kind: 'versioned' | 'repeatable' | 'undo'; versionStyle: 'sequential' | 'timestamp'; type?: 'sql' | 'ts' | 'js' };
  /** What `check` looks at: every migration, or the files named after it; offline: without connecting. */
  check: { all: boolean; offline: boolean; files: string[] };
}

/** Options of `new` only: not configuration keys, so they never reach the registry. */
const SCAFFOLD_FLAGS: ReadonlyMap<string, 'repeatable' | 'undo'> = new Map([
  ['-repeatable', 'repeatable'],
  ['-undo', 'undo'],
]);

const FLAGS: ReadonlyMap<string, 'debug' | 'quiet' | 'help' | 'version' | 'ignored'> = new Map([
  ['-X', 'debug'],
  ['-q', 'quiet'],
  ['-v', 'version'],
  ['--version', 'version'],
  ['-h', 'help'],
  ['-?', 'help'],
  ['--help', 'help'],
  // Flyway's "don't look for a newer Flyway": godwit never looks, so scripts written for Flyway keep working.
  ['-skipCheckForUpdate', 'ignored'],
]);

/** Parses the arguments after the program name (`process.argv.slice(2)`). */
export function parseArgv(argv: string[]): ParsedArgs {
  const result: ParsedArgs = {
    commands: [],
    settings: {},
    debug: false,
    quiet: false,
    help: false,
    version: false,
    scaffold: { description: undefined, kind: 'versioned', versionStyle: 'sequential' },
    check: { all: false, offline: false, files: [] },
  };
  // Flyway drops empty arguments, which an unset shell variable ("$EXTRA_ARGS") produces.
  const args = argv.filter((arg) => arg.trim() !== '');
  args.forEach((arg, index) => {
    const flag = FLAGS.get(arg);
    if (flag !== undefined) {
      if (flag !== 'ignored') result[flag] = true;
    } else if (arg === '-all' || arg === '-offline') {
      result.check[arg === '-all' ? 'all' : 'offline'] = true;
    } else if (result.commands.at(-1) === 'check' && !arg.startsWith('-') && ![...COMMANDS, 'help', 'version'].includes(arg)) {
      result.check.files.push(arg);
    } else if (SCAFFOLD_FLAGS.has(arg)) {
      result.scaffold.kind = SCAFFOLD_FLAGS.get(arg)!;
    } else if (arg.startsWith('-versionStyle=')) {
      const style = arg.slice('-versionStyle='.length);
      if (style !== 'sequential' && style !== 'timestamp') {
        throw new ConfigError(`Invalid value for -versionStyle: '${style}'. Expected sequential or timestamp.`, { location: '-versionStyle' });
      }
      result.scaffold.versionStyle = style;
    } else if (arg.startsWith('-type=')) {
      const type = arg.slice('-type='.length);
      if (type !== 'sql' && type !== 'ts' && type !== 'js') {
        throw new ConfigError(`Invalid value for -type: '${type}'. Expected sql, ts or js.`, { location: '-type' });
      }
      result.scaffold.type = type;
    } else if (args[index - 1] === 'new' && result.commands.at(-1) === 'new' && result.scaffold.description === undefined) {
      result.scaffold.description = arg;
    } else if (arg.startsWith('-')) {
      parseSetting(arg, args[index + 1], result.settings);
    } else if (arg === 'help' || arg === 'version') {
      result[arg] = true;
    } else if ((COMMANDS as readonly string[]).includes(arg)) {
      result.commands.push(arg);
    } else {
      throw new ConfigError(`Invalid command: ${arg}`, {
        hint: `Commands: ${[...COMMANDS, 'help', 'version'].join(', ')}. Settings are written -key=value.`,
      });
    }
  });
  if ((result.check.all || result.check.offline) && !result.commands.includes('check')) {
    throw new ConfigError(`${result.check.all ? '-all' : '-offline'} is an option of check.`, { hint: 'Write it after check: godwit check -all -offline' });
  }
  return result;
}

function parseSetting(arg: string, next: string | undefined, settings: Record<string, string>): void {
  const name = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
  const equals = name.indexOf('=');
  if (equals <= 0) throw invalidFlag(arg, next);
  const key = name.slice(0, equals);
  const value = name.slice(equals + 1);
  const classified = classifyKey(key, { spelled: `-${key}`, source: 'command line' });
  switch (classified.kind) {
    case 'key':
      settings[classified.key.name] = value;
      break;
    case 'placeholder':
      settings[PLACEHOLDERS_PREFIX + classified.name] = value;
      break;
    case 'jdbcProperty':
      settings[JDBC_PROPERTIES_PREFIX + classified.name] = value;
      break;
    case 'environment':
      // Kept raw: the TOML loader decides what an environment's keys mean.
      settings[key] = value;
      break;
  }
}

function invalidFlag(arg: string, next: string | undefined): ConfigError {
  const bare = arg.replace(/^--?/, '').replace(/=$/, '');
  let hint = 'Settings are written -key=value with no spaces; flags are -X, -q, -v and -h.';
  if (next !== undefined && next.startsWith('=')) {
    hint = `Remove the spaces around '=': ${arg}${next}`;
  } else if (findKey(bare) !== undefined) {
    hint = `-${bare} needs a value: -${bare}=<value>`;
  } else if (next !== undefined && next.startsWith('.')) {
    hint = 'Your shell may have split an argument containing periods (.): wrap it in double quotes.';
  }
  return new ConfigError(`Invalid flag: ${arg}`, { hint });
}
