import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { ResolverError } from '../errors.js';
import { Checksum, checksum, decodeScript, decodeWithChecksum, stripBom } from './checksum.js';
import { parseCodeMigrationFilename, parseMigrationFilename, type NamingConfig, type ParsedFilename } from './filename.js';
import { PlaceholderStream, replacePlaceholders } from './placeholders.js';
import { scriptPieces, unreadable } from './script-reader.js';
import type { ScriptConfig } from './script-config.js';
import { headerEncoding, mergeScriptConfig, parseConfFile, parseHeader } from './script-config.js';
import type { ResolvedMigration } from './types.js';

/** The settings the resolver reads; a full Config will do. */
export type ResolverConfig = NamingConfig &
  Pick<
    Config,
    | 'locations' | 'workingDirectory' | 'failOnMissingLocations' | 'validateMigrationNaming' | 'encoding'
    | 'placeholderReplacement' | 'placeholderPrefix' | 'placeholderSuffix'
  >;

export interface ResolveOptions {
  /**
   * The placeholder values for a script, or null when there are none to give (no connection): then
   * nothing is replaced, neither in repeatables' checksums nor in script configurations.
   */
  placeholdersFor(script: string): Record<string, string> | null;
  warn(message: string): void;
  /** Kept for one command: the location scans the callbacks share (see scanLocation). */
  scans?: LocationScans;
}

/** A file below a location root, and what its name makes it under the SQL naming (null: neither a migration nor a callback). */
export interface LocationFile {
  file: string;
  name: ParsedFilename | null;
}

export type LocationScans = Map<string, Promise<LocationFile[]>>;

/**
 * The files below a location root, each name parsed. With `scans`, kept for one command, the callbacks
 * and the migrations share one listing of each root instead of reading and parsing a thousand names twice.
 */
export function scanLocation(root: string, naming: NamingConfig, scans?: LocationScans): Promise<LocationFile[]> {
  let scan = scans?.get(root);
  if (scan === undefined) {
    scan = listFiles(root).then((files) => files.map((file) => ({ file, name: parseMigrationFilename(path.basename(file), naming) })));
    scans?.set(root, scan);
  }
  return scan;
}

type MigrationName = Extract<ParsedFilename, { kind: 'versioned' | 'undo' | 'repeatable' }>;

interface Candidate {
  root: string;
  file: string;
  name: MigrationName;
  /** A JavaScript or TypeScript file rather than SQL. */
  code: boolean;
}

/**
 * Finds the SQL and code migrations in the configured locations, with Flyway's checksums, sorted: versioned by
 * version, then repeatables by description, then undo by version. Fails on duplicates, as Flyway does.
 */
export async function resolveMigrations(config: ResolverConfig, opts: ResolveOptions): Promise<ResolvedMigration[]> {
  const candidates: Candidate[] = [];
  const invalidNames: string[] = [];
  const listed = new Set<string>();
  for (const root of await locationRoots(config, opts.warn)) {
    const files = await scanLocation(root, config, opts.scans);
    for (const { file } of files) listed.add(file);
    for (const { file, name: sql } of files) {
      const name = sql ?? parseCodeMigrationFilename(path.basename(file), config);
      if (name === null || name.kind === 'callback') continue;
      if (name.kind === 'invalid') invalidNames.push(name.error);
      else candidates.push({ root, file, name, code: sql === null });
    }
  }
  checkNaming(invalidNames, config.validateMigrationNaming, opts.warn);

  const migrations: ResolvedMigration[] = [];
  const keep = { budget: KEEP_TEXT_CHARS };
  for (const candidate of candidates) {
    const migration = resolveOne(candidate, config, opts, listed.has(`${candidate.file}.conf`), keep);
    migrations.push(migration instanceof Promise ? await migration : migration);
  }

  const versioned = sortByVersion(migrations.filter((m) => m.kind === 'versioned'));
  const undo = sortByVersion(migrations.filter((m) => m.kind === 'undo'));
  const repeatable = migrations
    .filter((m) => m.kind === 'repeatable')
    .sort((a, b) => compareText(a.description, b.description) || compareText(a.physicalPath, b.physicalPath));
  checkDuplicates(versioned, (a, b) => a.version!.equals(b.version!), (m) => `migration with version ${m.version!.text}`);
  checkDuplicates(undo, (a, b) => a.version!.equals(b.version!), (m) => `migration with version ${m.version!.text}`);
  checkDuplicates(repeatable, (a, b) => a.description === b.description, (m) => `repeatable migration with description ${m.description}`);
  return [...versioned, ...repeatable, ...undo];
}

/**
 * The texts of small scripts as decoded for their checksums, so that running a script neither reads nor
 * decodes its file again. Up to KEEP_TEXT_CHARS per resolution: beyond that, scripts are read again.
 * Running the very text that was checksummed also means an edit made meanwhile cannot slip in.
 */
const keptTexts = new WeakMap<ResolvedMigration, string>();
const KEEP_TEXT_CHARS = 16 << 20;

/** The script's text kept by the resolver, if it was: see keptTexts. */
export function keptScriptText(m: ResolvedMigration): string | undefined {
  return keptTexts.get(m);
}

/** Reads a script for execution: decoded like its checksum was (its own encoding, if set), without the BOM. */
export async function loadScriptText(m: Pick<ResolvedMigration, 'physicalPath' | 'scriptConfig'>, encoding: string): Promise<string> {
  return stripBom(readScript(m.physicalPath, m.scriptConfig?.encoding ?? encoding));
}

/**
 * Small scripts, nearly all of them, are read and checksummed synchronously: awaiting each of a
 * thousand would cost more than reading it.
 */
function resolveOne({ root, file, name, code }: Candidate, config: ResolverConfig, opts: ResolveOptions, hasConf: boolean, keep: { budget: number }): ResolvedMigration | Promise<ResolvedMigration> {
  const script = scriptPath(root, file);
  if (code) return resolveCode(file, script, name);
  // Asked for only when something is to be replaced: most scripts need no values.
  let values: Record<string, string> | null | undefined;
  const valuesOf = () => (values === undefined ? (values = opts.placeholdersFor(script)) : values);
  const bytes = readSmallScript(file);
  if (bytes === null) return streamChecksums(file, script, name, config, valuesOf, hasConf).then((sums) => sqlMigration(name, script, file, sums));
  const sums = wholeChecksums(bytes, file, script, name, config, valuesOf, hasConf);
  const migration = sqlMigration(name, script, file, sums);
  if (sums.text.length <= keep.budget) {
    keep.budget -= sums.text.length;
    keptTexts.set(migration, stripBom(sums.text));
  }
  return migration;
}

function sqlMigration(name: MigrationName, script: string, file: string, { scriptConfig, rawChecksum, replacedChecksum }: Checksums): ResolvedMigration {
  const migration = identity(name, script, file, name.kind === 'undo' ? 'UNDO_SQL' : 'SQL', replacedChecksum ?? rawChecksum, replacedChecksum === null ? null : rawChecksum);
  if (Object.keys(scriptConfig).length > 0) migration.scriptConfig = scriptConfig;
  return migration;
}

/** The script's path relative to its location, with `/` separators: what the history records. */
export function scriptPath(root: string, file: string): string {
  // listFiles joined the file onto the root; path.relative would normalise both again.
  const relative = file.startsWith(root) && file[root.length] === path.sep ? file.slice(root.length + 1) : path.relative(root, file);
  return path.sep === '/' ? relative : relative.split(path.sep).join('/');
}

/** 0 for a file that cannot be read: reading it whole then reports why. */
export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Scripts larger than this are read in pieces, so that memory does not grow with them. */
const STREAM_ABOVE_BYTES = 1 << 20;

/** Every small script is read into this one buffer, which grows to STREAM_ABOVE_BYTES + 1 at most. */
let scriptBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * A script's bytes, or null when it is larger than STREAM_ABOVE_BYTES. The bytes are a view of
 * scriptBuffer: valid until the next script is read. One open and read per script, where a stat
 * beforehand and a buffer per file cost more than the reading itself over a thousand small files.
 */
function readSmallScript(file: string): Buffer | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (cause) {
    throw unreadable(file, cause);
  }
  try {
    let length = 0;
    for (;;) {
      if (length === scriptBuffer.length) {
        if (length > STREAM_ABOVE_BYTES) return null;
        const larger = Buffer.allocUnsafe(Math.min(length * 4, STREAM_ABOVE_BYTES + 1));
        scriptBuffer.copy(larger, 0, 0, length);
        scriptBuffer = larger;
      }
      const read = readSync(fd, scriptBuffer, length, scriptBuffer.length - length, null);
      if (read === 0) return scriptBuffer.subarray(0, length);
      length += read;
    }
  } catch (cause) {
    throw unreadable(file, cause);
  } finally {
    closeSync(fd);
  }
}

interface Checksums {
  scriptConfig: ScriptConfig;
  rawChecksum: number;
  /** A repeatable's checksum covers its placeholder values so that changing one re-runs it; null otherwise. */
  replacedChecksum: number | null;
}

function replacementFor(name: MigrationName, scriptConfig: ScriptConfig, config: ResolverConfig, values: () => Record<string, string> | null): Record<string, string> | null {
  return name.kind === 'repeatable' && (scriptConfig.placeholderReplacement ?? config.placeholderReplacement) ? values() : null;
}

/** The checksums of a script read whole, and its decoded text. */
function wholeChecksums(bytes: Buffer, file: string, script: string, name: MigrationName, config: ResolverConfig, values: () => Record<string, string> | null, hasConf: boolean): Checksums & { text: string } {
  const { text, scriptConfig, checksum: rawChecksum } = decodeWithScriptConfig(bytes, file, script, config, values, hasConf);
  const replacement = replacementFor(name, scriptConfig, config, values);
  const options = { prefix: config.placeholderPrefix, suffix: config.placeholderSuffix, file: script };
  return { scriptConfig, text, rawChecksum, replacedChecksum: replacement === null ? null : checksum(replacePlaceholders(text, replacement, options)) };
}

/**
 * The same as wholeChecksums, reading the script in pieces: its header from the first piece, both
 * checksums as the text streams past. A failure is reported by the whole-text path, which says where.
 */
async function streamChecksums(file: string, script: string, name: MigrationName, config: ResolverConfig, values: () => Record<string, string> | null, hasConf: boolean): Promise<Checksums> {
  const replace = settingReplacer(config, values);
  const conf = hasConf ? readConf(file, script, config, replace) : {};
  const encoding = conf.encoding ?? (await headerEncodingOf(file)) ?? config.encoding;
  const raw = new Checksum();
  let replaced: Checksum | null = null;
  let placeholders: PlaceholderStream | null = null;
  let scriptConfig: ScriptConfig | undefined;
  try {
    for await (const piece of scriptPieces(file, encoding)) {
      if (scriptConfig === undefined) {
        // The header ends at its first other line, long before the first piece does.
        const lastBreak = Math.max(piece.lastIndexOf('\n'), piece.lastIndexOf('\r'));
        scriptConfig = mergeScriptConfig(parseHeader(piece.slice(0, lastBreak + 1), script, replace), conf);
        const replacement = replacementFor(name, scriptConfig, config, values);
        if (replacement !== null) {
          replaced = new Checksum();
          placeholders = new PlaceholderStream(replacement, { prefix: config.placeholderPrefix, suffix: config.placeholderSuffix, file: script });
        }
      }
      raw.add(piece);
      if (placeholders) replaced?.add(placeholders.push(piece));
    }
    if (placeholders) replaced?.add(placeholders.end());
  } catch (error) {
    wholeChecksums(readBytes(file), file, script, name, config, values, hasConf);
    throw error;
  }
  return { scriptConfig: scriptConfig ?? conf, rawChecksum: raw.value(), replacedChecksum: replaced?.value() ?? null };
}

/** Placeholders in script settings are replaced only where one appears: most scripts need no values. */
function settingReplacer(config: ResolverConfig, values: () => Record<string, string> | null): (raw: string, where: string) => string {
  return (raw, where) => {
    const known = raw.includes(config.placeholderPrefix) ? values() : null;
    return known === null ? raw : replacePlaceholders(raw, known, { prefix: config.placeholderPrefix, suffix: config.placeholderSuffix, file: where });
  };
}

/** The `.conf` file beside a script, or no settings when there is none. Read synchronously, as scripts are (see readBytes). */
function readConf(file: string, script: string, config: ResolverConfig, replace: (raw: string, where: string) => string): ScriptConfig {
  const confFile = `${file}.conf`;
  let confBytes: Buffer;
  try {
    confBytes = readFileSync(confFile);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ResolverError('UNREADABLE_MIGRATION', `Unable to read script configuration ${confFile}: ${(cause as Error).message}`, { location: confFile, cause });
  }
  return parseConfFile(decodeScript(confBytes, config.encoding, confFile), `${script}.conf`, replace);
}

/** The encoding a large script's header names, read from its first bytes as ASCII. */
async function headerEncodingOf(file: string): Promise<string | undefined> {
  const head = Buffer.alloc(HEADER_BYTES);
  const handle = await open(file, 'r');
  try {
    const { bytesRead } = await handle.read(head, 0, HEADER_BYTES, 0);
    return headerEncoding(head.subarray(0, bytesRead).toString('latin1'));
  } finally {
    await handle.close();
  }
}

/** Where a large script's header encoding is looked for. */
const HEADER_BYTES = 64 * 1024;

/** A migration from what its name and place say about it, whatever kind of file it is, and its checksums. */
function identity(name: MigrationName, script: string, file: string, type: ResolvedMigration['type'], checksum: number, equivalentChecksum: number | null): ResolvedMigration {
  return {
    kind: name.kind,
    version: name.kind === 'repeatable' ? null : name.version,
    rawVersion: name.kind === 'repeatable' ? '' : name.rawVersion,
    description: name.description,
    script,
    physicalPath: file,
    type,
    checksum,
    equivalentChecksum,
  };
}

/**
 * A JavaScript or TypeScript migration. Flyway records no checksum for its Java migrations; godwit takes
 * Flyway's checksum of the source file (always UTF-8, as Node reads it), so that validate notices an
 * edited code migration and a repeatable one re-runs when it changes.
 */
function resolveCode(file: string, script: string, name: MigrationName): ResolvedMigration {
  return identity(name, script, file, name.kind === 'undo' ? 'UNDO_JDBC' : 'JDBC', decodeWithChecksum(readBytes(file), 'UTF-8', file).checksum, null);
}

/**
 * Reads a script and its settings (§10): the `.conf` file beside it and the `-- flyway:` header. An
 * encoding named in the header works for every charset that writes ASCII as ASCII.
 */
export async function readWithScriptConfig(
  file: string,
  script: string,
  config: ResolverConfig,
  values: () => Record<string, string> | null,
  hasConf = true,
): Promise<{ text: string; scriptConfig: ScriptConfig }> {
  return decodeWithScriptConfig(readBytes(file), file, script, config, values, hasConf);
}

/** readWithScriptConfig on bytes already read, with the script's raw checksum. */
function decodeWithScriptConfig(
  bytes: Buffer,
  file: string,
  script: string,
  config: ResolverConfig,
  values: () => Record<string, string> | null,
  hasConf: boolean,
): { text: string; scriptConfig: ScriptConfig; checksum: number } {
  const replace = settingReplacer(config, values);
  // The resolver knows from its listing whether the .conf exists, which saves a failing open per script.
  const conf = hasConf ? readConf(file, script, config, replace) : {};
  // The header is read before the script can be decoded, as ASCII, so its encoding can be honoured.
  const encoding = conf.encoding ?? headerEncoding(bytes.toString('latin1')) ?? config.encoding;
  const { text, checksum } = decodeWithChecksum(bytes, encoding, file);
  return { text, checksum, scriptConfig: mergeScriptConfig(parseHeader(text, script, replace), conf) };
}

function readScript(file: string, encoding: string): string {
  return decodeScript(readBytes(file), encoding, file);
}

/**
 * Read synchronously: a script is read whole only when it is small, and a thousand small reads through
 * the thread pool cost a second of round trips where direct reads take milliseconds.
 */
function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (cause) {
    throw unreadable(file, cause);
  }
}

/** The absolute folders to scan, after Flyway's treatment of the default, duplicates and nesting. */
export async function locationRoots(config: ResolverConfig, warn: (message: string) => void): Promise<string[]> {
  if (config.locations.length === 0) {
    const dir = path.resolve(config.workingDirectory, 'sql');
    if ((await folderProblem(dir)) === null) return [dir];
    warn("No locations configured and default location 'sql' not found.");
    return [];
  }
  const dirs = config.locations.map((raw) => filesystemPath(raw, config.workingDirectory)).sort(compareText);
  const roots: string[] = [];
  for (const dir of dirs) {
    // Scanning a folder twice would report each of its files as its own duplicate.
    const parent = roots.find((root) => root === dir || isInside(dir, root));
    if (parent === dir) warn(`Discarding duplicate location 'filesystem:${dir}'`);
    else if (parent !== undefined) warn(`Discarding location 'filesystem:${dir}' as it is a sub-location of 'filesystem:${parent}'`);
    else roots.push(dir);
  }
  const found: string[] = [];
  for (const dir of roots) {
    const problem = await folderProblem(dir);
    if (problem === null) found.push(dir);
    else if (!config.failOnMissingLocations) warn(`Skipping filesystem location: ${dir} (${problem}).`);
    else {
      throw new ResolverError('LOCATION_ERROR', `Failed to find filesystem location: ${dir} (${problem}).`, {
        hint: 'Create the folder, correct -locations, or set -failOnMissingLocations=false to skip missing locations.',
        location: 'locations',
      });
    }
  }
  return found;
}

export function filesystemPath(raw: string, workingDirectory: string): string {
  const descriptor = raw.trim();
  const colon = descriptor.indexOf(':');
  // Like Flyway, a location without a prefix is a classpath location.
  const prefix = colon === -1 ? 'classpath:' : descriptor.slice(0, colon + 1);
  const rest = colon === -1 ? descriptor : descriptor.slice(colon + 1);
  if (prefix === 'filesystem:') return path.resolve(workingDirectory, rest);
  if (prefix === 'classpath:') {
    throw new ResolverError('LOCATION_ERROR', `Cannot read location '${descriptor}': godwit has no Java classpath to search.`, {
      hint: `Name the folder instead, e.g. -locations=filesystem:src/main/resources/${rest.replace(/^\/+/, '')} (relative to the working directory).`,
      location: 'locations',
    });
  }
  throw new ResolverError('LOCATION_ERROR', `Unknown prefix for location (should be filesystem:): ${descriptor}`, {
    hint: 'godwit reads migrations from folders only: use -locations=filesystem:PATH.',
    location: 'locations',
  });
}

async function folderProblem(dir: string): Promise<string | null> {
  try {
    return (await stat(dir)).isDirectory() ? null : 'not a directory';
  } catch {
    return 'not found';
  }
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== '' && relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative);
}

/** Every file under dir (an absolute path), in name order so that results and error messages are stable across systems. */
export async function listFiles(dir: string, seen = new Set<string>()): Promise<string[]> {
  // Symbolic links are followed, as Java's File does; remembering real paths stops a link loop.
  const real = await realpath(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new ResolverError('LOCATION_ERROR', `Unable to scan ${dir}: ${(cause as Error).message}`, { location: dir, cause });
  }
  entries.sort((a, b) => compareText(a.name, b.name));
  // An entry's name is never `.` or `..` and holds no separator: joining it needs no normalising.
  const prefix = path.join(dir, path.sep);
  const files: string[] = [];
  for (const entry of entries) {
    const full = prefix + entry.name;
    const target = entry.isSymbolicLink() ? await stat(full).catch(() => null) : entry;
    if (target?.isDirectory()) files.push(...(await listFiles(full, seen)));
    else if (target?.isFile()) files.push(full);
  }
  return files;
}

function checkNaming(errors: string[], validateMigrationNaming: boolean, warn: (message: string) => void): void {
  if (errors.length === 0) return;
  if (validateMigrationNaming) {
    throw new ResolverError('INVALID_MIGRATION_NAME', `Invalid SQL filenames found:\r\n${errors.join('\r\n')}`, {
      hint: 'Rename the files to PREFIX VERSION SEPARATOR DESCRIPTION SUFFIX (V1.2__Add_table.sql, R__Views.sql), or set -validateMigrationNaming=false to skip them.',
    });
  }
  warn(`${errors.length} SQL migrations were detected but not run because they did not follow the filename convention.`);
  warn("Set 'validateMigrationNaming' to true to fail fast and see a list of the invalid file names.");
}

/** `sorted` must put equal migrations next to each other. */
function checkDuplicates(
  sorted: ResolvedMigration[],
  same: (a: ResolvedMigration, b: ResolvedMigration) => boolean,
  what: (m: ResolvedMigration) => string,
): void {
  for (let i = 0; i < sorted.length - 1; i++) {
    const first = sorted[i]!;
    let end = i + 1;
    while (end < sorted.length && same(first, sorted[end]!)) end++;
    if (end - i > 1) {
      const offenders = sorted.slice(i, end).map((m) => `-> ${m.physicalPath} (${m.type})`);
      throw new ResolverError('DUPLICATE_MIGRATION', `Found more than one ${what(first)}\nOffenders:\n${offenders.join('\n')}`, {
        hint: 'Each version and each repeatable description may be used once: rename or remove all but one of these files.',
        location: sorted[i + 1]!.physicalPath,
      });
    }
  }
}

function sortByVersion(migrations: ResolvedMigration[]): ResolvedMigration[] {
  return migrations.sort((a, b) => a.version!.compareTo(b.version!) || compareText(a.physicalPath, b.physicalPath));
}

/** UTF-16 code-unit order, which is Java's String.compareTo and so Flyway's order for descriptions. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
