/**
 * Which config files are read, in which order (lowest precedence first), following §7 of the
 * compatibility contract:
 *
 * 1. `<cwd>/conf/`: Flyway's `<install>/conf`. godwit has no install directory, but its Docker image runs
 *    in /flyway as Flyway's does, so /flyway/conf/flyway.toml is found where Flyway users put it.
 * 2. the user's home directory, 3. the current directory, 4. `-workingDirectory` when one is given;
 *    `flyway.toml` then `flyway.user.toml` in each (or `flyway.conf`).
 * 5. FLYWAY_CONFIG_FILES, 6. -configFiles: comma lists, relative paths resolved against the working
 *    directory. A named file that does not exist is an error; a default location is silently skipped.
 *
 * Format choice: TOML as soon as any TOML file is found or named, and then `.conf` files at default
 * locations are not read (a forgotten `~/flyway.conf` must not leak into a TOML project); `.conf` only
 * when no TOML exists. Unlike Flyway, which refuses a named list mixing both kinds, godwit reads every
 * named file, each with its own parser, in the order given: both formats reduce to the same layers, so
 * `-configFiles=base.conf,team.toml` merges with "later wins" like any other list.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';

export type ConfigFormat = 'toml' | 'conf';

export interface ConfigFile {
  /** Absolute. */
  path: string;
  format: ConfigFormat;
}

export interface NamedFile {
  /** As written in the list. */
  path: string;
  /** `FLYWAY_CONFIG_FILES` or `-configFiles`, for the message when it is missing. */
  origin: string;
}

export interface DiscoveryInput {
  cwd: string;
  /** The user's home directory; `''` skips it. */
  home: string;
  workingDirectory: string;
  /** Whether -workingDirectory (or FLYWAY_WORKING_DIRECTORY) was given: only then is it searched too. */
  workingDirectorySet: boolean;
  named: NamedFile[];
  /** false: read only the named files, none from the default locations (the API's Godwit.create). */
  defaultLocations?: boolean;
}

export interface Discovery {
  /** The files to read, lowest precedence first, each once (at its last position). */
  files: ConfigFile[];
  /** `.conf` files at default locations left out because TOML configuration was found, for -X. */
  skipped: string[];
}

export function formatOf(file: string): ConfigFormat {
  // Flyway's own test: anything not ending in .toml is read as a .conf file.
  return file.toLowerCase().endsWith('.toml') ? 'toml' : 'conf';
}

export function discoverConfigFiles(input: DiscoveryInput): Discovery {
  const directories = input.defaultLocations === false ? [] : [path.join(input.cwd, 'conf'), input.home, input.cwd];
  if (input.workingDirectorySet && input.defaultLocations !== false) directories.push(input.workingDirectory);
  const searched = directories.filter((directory) => directory !== '');
  const defaultToml = searched.flatMap((d) => [path.join(d, 'flyway.toml'), path.join(d, 'flyway.user.toml')]).filter(isFile);
  const defaultConf = searched.map((d) => path.join(d, 'flyway.conf')).filter(isFile);

  const named = input.named.map((file) => {
    const absolute = path.resolve(input.workingDirectory, file.path);
    if (!isFile(absolute)) {
      throw new ConfigError(`Unable to load config file: ${absolute}`, {
        hint: `It is named in ${file.origin}. Relative paths resolve against the working directory (${input.workingDirectory}).`,
        location: `${file.path} (${file.origin})`,
      });
    }
    return absolute;
  });

  const toml = defaultToml.length > 0 || named.some((file) => formatOf(file) === 'toml');
  const files = keepLast([...(toml ? defaultToml : defaultConf), ...named]).map((file) => ({ path: file, format: formatOf(file) }));
  return { files, skipped: toml ? keepLast(defaultConf) : [] };
}

/** Each path once, at its last position: the home directory may be the current one, and a default file may be named again. */
function keepLast(files: string[]): string[] {
  return files.filter((file, index) => files.lastIndexOf(file) === index);
}

function isFile(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    // ENOTDIR or EACCES on a default location means there is no config file for us there.
    return false;
  }
}
