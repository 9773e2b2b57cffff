import { ConfigError, GodwitError } from '../errors.js';
import type { CherryPick } from './cherry-pick.js';
import { isPicked, pickIndex } from './cherry-pick.js';
import type { AppliedMigration, ResolvedMigration } from './types.js';
import { MigrationVersion } from './version.js';

export type MigrationState =
  | 'Pending'
  | 'Above Target'
  | 'Below Baseline'
  | 'Ignored (Baseline)'
  | 'Baseline'
  | 'Ignored'
  | 'Missing'
  | 'Failed (Missing)'
  | 'Success'
  | 'Undone'
  | 'Available'
  | 'Failed'
  | 'Out of Order'
  | 'Future'
  | 'Failed (Future)'
  | 'Outdated'
  | 'Superseded'
  | 'Deleted';

/** One line of `info`: a history row, a file without a row, or both matched together. */
export interface MigrationInfo {
  category: 'Versioned' | 'Repeatable' | 'Undo' | '';
  version: MigrationVersion | null;
  description: string;
  /** The applied row's type if applied, else the resolved file's type. */
  type: string;
  script: string;
  state: MigrationState;
  installedOn: Date | null;
  installedBy: string | null;
  executionTime: number | null;
  installedRank: number | null;
  undoable: 'Yes' | 'No' | '';
  /** The V or R file (for an undo row, its U file). */
  resolved: ResolvedMigration | null;
  /** The U file of this version, if any. */
  undo: ResolvedMigration | null;
  applied: AppliedMigration | null;
}

export interface InfoOptions {
  /** `latest`, `current`, `next` (any case) or a version. */
  target: string;
  outOfOrder: boolean;
  /** Files not picked, that would otherwise be Pending, are Ignored; picked ones are pending in the order picked. */
  cherryPick?: CherryPick;
}

const SYNTHETIC_TYPES = new Set(['SCHEMA', 'BASELINE', 'DELETE']);
const UNDO_TYPES = new Set(['UNDO_SQL', 'UNDO_JDBC', 'UNDO_SCRIPT']);
const KNOWN_TYPES = new Set([...SYNTHETIC_TYPES, ...UNDO_TYPES, 'SQL', 'JDBC', 'SCRIPT', 'CUSTOM']);
const FAILED_STATES = new Set<MigrationState>(['Failed', 'Failed (Missing)', 'Failed (Future)']);
const DESCRIPTION_MAX = 200;

/** Rows Flyway writes itself (schema marker, baseline, deletion marker) rather than by running a file. */
export function isSyntheticType(type: string): boolean {
  return SYNTHETIC_TYPES.has(type);
}

export function isUndoType(type: string): boolean {
  return UNDO_TYPES.has(type);
}

export function isFailedState(state: MigrationState): boolean {
  return FAILED_STATES.has(state);
}

/** The description as the history table stores it: longer than 200 characters becomes 197 + `...`. */
export function abbreviateDescription(description: string): string {
  return description.length > DESCRIPTION_MAX ? `${description.slice(0, DESCRIPTION_MAX - 3)}...` : description;
}

/**
 * The baseline version: the highest BASELINE row among the first two rows. Only those count because
 * baseline writes at rank 1, or just after the schema marker.
 */
export function baselineVersion(applied: readonly AppliedMigration[]): MigrationVersion | null {
  const firstTwo = [...applied].sort(byRank).slice(0, 2);
  return maxVersion(firstTwo.filter((r) => r.type === 'BASELINE').map((r) => r.version));
}

/** A history row, the file it ran (if still there), and what later rows say about it. */
interface RowFacts {
  row: AppliedMigration;
  file: ResolvedMigration | null;
  deleted: boolean;
  undone: boolean;
  outOfOrder: boolean;
}

/** Flyway's MigrationInfoContext. A null version plays Flyway's EMPTY: below every version. */
interface Context {
  baseline: MigrationVersion | null;
  lastApplied: MigrationVersion | null;
  lastResolved: MigrationVersion | null;
  /** undefined: no target; null: `current` on an empty history, so nothing is within the target. */
  target: MigrationVersion | null | undefined;
  outOfOrder: boolean;
  cherryPick: CherryPick;
  latestRepeatableRuns: Map<string, number>;
}

export function buildMigrationInfos(resolved: ResolvedMigration[], applied: AppliedMigration[], options: InfoOptions): MigrationInfo[] {
  applied.forEach(assertKnownType);
  const rows = [...applied].sort(byRank);
  const versionedFiles = new VersionIndex(resolved.filter((m) => m.kind === 'versioned'));
  const undoFiles = new VersionIndex(resolved.filter((m) => m.kind === 'undo'));
  const repeatableFiles = new Map(resolved.filter((m) => m.kind === 'repeatable').map((m) => [m.description, m]));

  const facts: RowFacts[] = rows.map((row) => ({ row, file: fileOf(row), deleted: false, undone: false, outOfOrder: false }));
  markDeletedAndUndone(facts);
  const lastApplied = scanLastApplied(facts);
  const ctx: Context = {
    baseline: baselineVersion(rows),
    lastApplied,
    lastResolved: maxVersion(resolved.map((m) => m.version)),
    target: initialTarget(options.target, lastApplied),
    outOfOrder: options.outOfOrder,
    cherryPick: options.cherryPick ?? null,
    latestRepeatableRuns: latestRepeatableRuns(rows),
  };

  // A row keeps its file out of the pending list unless the row was deleted or undone: then the file
  // is offered again. A repeatable's file stays pending until its latest run matches it (a DELETE row,
  // having no file, can be that latest run).
  const consumed = new Set<ResolvedMigration>();
  for (const f of facts) {
    if (!f.file || f.deleted || f.undone) continue;
    if (f.row.version !== null || (ctx.latestRepeatableRuns.get(f.row.description) === f.row.installedRank && checksumMatches(f.file, f.row.checksum))) {
      consumed.add(f.file);
    }
  }
  const unapplied = [...versionedFiles.all(), ...repeatableFiles.values()].filter((m) => !consumed.has(m));

  if (options.target.toLowerCase() === 'next') {
    // `next` is the first pending migration; only pending versioned files can fall above it.
    ctx.target = minVersion(unapplied.filter((m) => fileState(m, ctx) === 'Pending').map((m) => m.version)) ?? undefined;
  }

  const undoOf = (version: MigrationVersion | null): ResolvedMigration | null => (version ? undoFiles.get(version) : null);
  const rowInfos = facts.map((f) => withUndoable(rowInfo(f, rowState(f, ctx), isUndoType(f.row.type) ? null : undoOf(f.row.version))));
  const fileInfos = unapplied.map((m) => withUndoable(fileInfo(m, fileState(m, ctx), undoOf(m.version))));
  return ordered(rowInfos, fileInfos, ctx.cherryPick);

  function fileOf(row: AppliedMigration): ResolvedMigration | null {
    if (isSyntheticType(row.type)) return null;
    if (row.version === null) return repeatableFiles.get(row.description) ?? null;
    return (isUndoType(row.type) ? undoFiles : versionedFiles).get(row.version);
  }
}

/**
 * Per §5 "Current version": the highest applied versioned migration (a failed one counts, as in
 * Flyway), else the latest applied repeatable.
 */
export function currentVersion(infos: MigrationInfo[]): MigrationInfo | null {
  const live = infos.filter((i) => i.applied !== null && i.state !== 'Deleted' && i.state !== 'Undone' && i.type !== 'DELETE');
  let current: { info: MigrationInfo; version: MigrationVersion } | null = null;
  for (const info of live) {
    if (info.version === null || info.category === 'Undo') continue;
    if (current === null || info.version.compareTo(current.version) > 0) current = { info, version: info.version };
  }
  return current?.info ?? live.filter((i) => i.category === 'Repeatable').at(-1) ?? null;
}

/**
 * What migrate applies next, in order. With outOfOrder, files below the last applied version are
 * already `Pending` rather than `Ignored`; an outdated repeatable appears through its file's `Pending`
 * entry. The info order puts pending versioned by version before repeatables by description.
 */
export function pendingMigrations(infos: MigrationInfo[]): MigrationInfo[] {
  return infos.filter((i) => i.state === 'Pending');
}

function rowState(f: RowFacts, ctx: Context): MigrationState {
  const { row, file } = f;
  if (f.deleted) return 'Deleted';
  if (f.undone) return 'Undone';
  if (row.type === 'DELETE') return 'Success';
  if (row.type === 'BASELINE') return 'Baseline';
  // For a repeatable only its latest run can be missing; older runs without a file are superseded.
  if (file === null && (row.version !== null || ctx.latestRepeatableRuns.get(row.description) === row.installedRank)) {
    if (row.type === 'SCHEMA') return 'Success';
    if (row.version === null || isBelow(row.version, ctx.lastResolved)) return row.success ? 'Missing' : 'Failed (Missing)';
    return row.success ? 'Future' : 'Failed (Future)';
  }
  if (!row.success) return 'Failed';
  if (row.version === null) {
    if (ctx.latestRepeatableRuns.get(row.description) !== row.installedRank) return 'Superseded';
    return file !== null && checksumMatches(file, row.checksum) ? 'Success' : 'Outdated';
  }
  if (isUndoType(row.type)) return 'Success';
  return f.outOfOrder ? 'Out of Order' : 'Success';
}

function fileState(m: ResolvedMigration, ctx: Context): MigrationState {
  const state = stateBeforePicking(m, ctx);
  return state === 'Pending' && !isPicked(ctx.cherryPick, m.version, m.description) ? 'Ignored' : state;
}

function stateBeforePicking(m: ResolvedMigration, ctx: Context): MigrationState {
  const v = m.version;
  if (v === null) return 'Pending';
  if (ctx.baseline !== null) {
    const c = v.compareTo(ctx.baseline);
    if (c < 0) return 'Below Baseline';
    if (c === 0) return 'Ignored (Baseline)';
  }
  if (ctx.target !== undefined && !isBelowOrEqual(v, ctx.target)) return 'Above Target';
  if (isBelow(v, ctx.lastApplied) && !ctx.outOfOrder) return 'Ignored';
  return 'Pending';
}

/**
 * A DELETE row (written by repair) marks the latest earlier non-synthetic row of its version, or of
 * its description for a repeatable. A successful undo row marks the latest earlier row it undid.
 */
function markDeletedAndUndone(facts: RowFacts[]): void {
  facts.forEach(({ row }, i) => {
    if (!row.success) return;
    if (row.type === 'DELETE') {
      const target = latestBefore(facts, i, (r) => !isSyntheticType(r.type) && sameMigration(r, row));
      if (target?.deleted && row.version !== null) {
        throw new GodwitError('DUPLICATE_DELETED_MIGRATION', `Corrupted schema history: multiple delete entries for version ${row.version.text}`, {
          hint: `Two DELETE rows point at the same applied migration (the second has installed_rank ${row.installedRank}). Remove the extra DELETE row from the schema history table.`,
        });
      }
      if (target) target.deleted = true;
    } else if (isUndoType(row.type)) {
      const target = latestBefore(facts, i, (r) => !isSyntheticType(r.type) && !isUndoType(r.type) && sameMigration(r, row));
      if (target) target.undone = true;
    }
  });
}

/**
 * Walks the versioned rows in rank order. lastApplied skips deletion markers, deleted and undone rows
 * and undo rows; a row not above the running lastApplied was applied out of order.
 */
function scanLastApplied(facts: RowFacts[]): MigrationVersion | null {
  let lastApplied: MigrationVersion | null = null;
  for (const f of facts) {
    const v = f.row.version;
    if (v === null) continue;
    if (!isBelowOrEqual(v, lastApplied)) {
      if (f.row.type !== 'DELETE' && !f.deleted && !f.undone && !isUndoType(f.row.type)) lastApplied = v;
    } else {
      f.outOfOrder = true;
    }
  }
  return lastApplied;
}

function latestRepeatableRuns(rows: AppliedMigration[]): Map<string, number> {
  const latest = new Map<string, number>();
  for (const row of rows) {
    if (row.version === null) latest.set(row.description, Math.max(row.installedRank, latest.get(row.description) ?? row.installedRank));
  }
  return latest;
}

function initialTarget(target: string, lastApplied: MigrationVersion | null): MigrationVersion | null | undefined {
  switch (target.toLowerCase()) {
    case 'latest':
    case 'next':
      return undefined;
    case 'current':
      return lastApplied;
    default:
      try {
        return MigrationVersion.parse(target);
      } catch (error) {
        throw new ConfigError(`Invalid target '${target}': use latest, current, next or a version such as 1.2.`, { location: 'target', cause: error });
      }
  }
}

function assertKnownType(row: AppliedMigration): void {
  if (KNOWN_TYPES.has(row.type)) return;
  throw new GodwitError('UNKNOWN_MIGRATION_TYPE', `Unknown migration type '${row.type}' in the schema history row with installed_rank ${row.installedRank}.`, {
    hint: `godwit reads the types ${[...KNOWN_TYPES].join(', ')}. A row of another type was probably written by a newer or different Flyway edition.`,
  });
}

function rowInfo(f: RowFacts, state: MigrationState, undo: ResolvedMigration | null): MigrationInfo {
  const { row } = f;
  return {
    category: isSyntheticType(row.type) ? '' : row.version === null ? 'Repeatable' : isUndoType(row.type) ? 'Undo' : 'Versioned',
    version: row.version,
    description: row.description,
    type: row.type,
    script: row.script,
    state,
    installedOn: row.installedOn,
    installedBy: row.installedBy,
    executionTime: row.executionTime,
    installedRank: row.installedRank,
    undoable: '',
    resolved: f.file,
    undo,
    applied: row,
  };
}

function fileInfo(m: ResolvedMigration, state: MigrationState, undo: ResolvedMigration | null): MigrationInfo {
  return {
    category: m.kind === 'repeatable' ? 'Repeatable' : 'Versioned',
    version: m.version,
    description: m.description,
    type: m.type,
    script: m.script,
    state,
    installedOn: null,
    installedBy: null,
    executionTime: null,
    installedRank: null,
    undoable: '',
    resolved: m,
    undo,
    applied: null,
  };
}

/** §5 Undoable: blank for repeatables, undo rows, deletion markers, deleted and undone rows. */
function withUndoable(info: MigrationInfo): MigrationInfo {
  const blank = info.version === null || info.category === 'Undo' || info.type === 'DELETE' || info.state === 'Deleted' || info.state === 'Undone';
  const undoable = blank ? '' : info.undo !== null && !isFailedState(info.state) ? 'Yes' : 'No';
  return { ...info, undoable };
}

/**
 * §5 order (with cherryPick, pending files in the order picked): Below/Ignored-Baseline files, then rows by rank, then pending versioned by version, then
 * pending repeatables by description. An Ignored file sits just before the first row (by rank) with a
 * higher version, where Flyway's comparator (which compares Ignored against applied by version) puts it.
 */
function ordered(rowInfos: MigrationInfo[], fileInfos: MigrationInfo[], cherryPick: CherryPick): MigrationInfo[] {
  const baselineFiles = fileInfos.filter((i) => i.state === 'Below Baseline' || i.state === 'Ignored (Baseline)').sort(byPendingOrder);
  const ignored = fileInfos.filter((i) => i.state === 'Ignored').sort(byPendingOrder);
  const rest = fileInfos.filter((i) => !baselineFiles.includes(i) && !ignored.includes(i)).sort(byPendingOrder);
  // Flyway Teams considers picked migrations in the order they are listed, not by version.
  if (cherryPick !== null) {
    const rank = (i: MigrationInfo): number => {
      const index = pickIndex(cherryPick, i.version, i.description);
      return index < 0 ? cherryPick.length : index;
    };
    rest.sort((a, b) => rank(a) - rank(b));
  }
  const middle: MigrationInfo[] = [];
  let next = 0;
  for (const info of rowInfos) {
    while (info.version !== null && next < ignored.length && isBelow(ignored[next]?.version ?? null, info.version)) {
      middle.push(ignored[next++] as MigrationInfo);
    }
    middle.push(info);
  }
  return [...baselineFiles, ...middle, ...ignored.slice(next), ...rest];
}

/** Versioned by version, before repeatables by description (UTF-16 order, as Java's String.compareTo). */
function byPendingOrder(a: MigrationInfo, b: MigrationInfo): number {
  if (a.version !== null && b.version !== null) return a.version.compareTo(b.version);
  if (a.version !== null) return -1;
  if (b.version !== null) return 1;
  return a.description < b.description ? -1 : a.description > b.description ? 1 : 0;
}

function byRank(a: AppliedMigration, b: AppliedMigration): number {
  return a.installedRank - b.installedRank;
}

function sameMigration(a: AppliedMigration, b: AppliedMigration): boolean {
  if (a.version === null || b.version === null) return a.version === b.version && a.description === b.description;
  return a.version.equals(b.version);
}

function latestBefore(facts: RowFacts[], index: number, matches: (row: AppliedMigration) => boolean): RowFacts | undefined {
  return facts.slice(0, index).findLast((f) => matches(f.row));
}

export function checksumMatches(file: ResolvedMigration, checksum: number | null): boolean {
  return checksum !== null && (checksum === file.checksum || checksum === file.equivalentChecksum);
}

/** `a < b`, with null as Flyway's EMPTY (below every version). */
function isBelow(a: MigrationVersion | null, b: MigrationVersion | null): boolean {
  if (b === null) return false;
  return a === null || a.compareTo(b) < 0;
}

function isBelowOrEqual(a: MigrationVersion, b: MigrationVersion | null): boolean {
  return b !== null && a.compareTo(b) <= 0;
}

function maxVersion(versions: (MigrationVersion | null)[]): MigrationVersion | null {
  return versions.reduce<MigrationVersion | null>((max, v) => (v !== null && (max === null || v.compareTo(max) > 0) ? v : max), null);
}

function minVersion(versions: (MigrationVersion | null)[]): MigrationVersion | null {
  return versions.reduce<MigrationVersion | null>((min, v) => (v !== null && (min === null || v.compareTo(min) < 0) ? v : min), null);
}

/**
 * Files by version. A history can hold thousands of rows: each is found by a lookup in a Map, where a
 * binary search compared versions part by part a dozen times per row.
 */
class VersionIndex {
  private readonly sorted: ResolvedMigration[];
  private readonly byKey = new Map<string, ResolvedMigration>();

  constructor(files: ResolvedMigration[]) {
    this.sorted = files.filter((m) => m.version !== null).sort((a, b) => (a.version as MigrationVersion).compareTo(b.version as MigrationVersion));
    for (const file of this.sorted) {
      const key = (file.version as MigrationVersion).key();
      if (!this.byKey.has(key)) this.byKey.set(key, file);
    }
  }

  all(): ResolvedMigration[] {
    return this.sorted;
  }

  get(version: MigrationVersion): ResolvedMigration | null {
    return this.byKey.get(version.key()) ?? null;
  }
}
