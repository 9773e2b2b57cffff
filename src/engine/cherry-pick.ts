import { GodwitError } from '../errors.js';
import { MigrationVersion } from './version.js';

const VERSION_NUMBER = /^\d+(\.\d+)*$/;

/** Flyway Teams' `cherryPick`: the migrations to consider, in the order given; null when every migration counts. */
export type CherryPick = readonly string[] | null;

export function cherryPickOf(items: readonly string[]): CherryPick {
  return items.length === 0 ? null : items;
}

/**
 * Flyway's MigrationPattern: an item that reads as a version (with `_` as `.`) picks a versioned
 * migration of an equal version (`1.0` picks `1`); any other item picks the migration whose description
 * it spells, with `_` read as a space, so `Insert_Data` picks `R__Insert_Data.sql`.
 */
export function itemMatches(item: string, version: MigrationVersion | null, description: string): boolean {
  const asVersion = item.replaceAll('_', '.');
  if (version !== null && VERSION_NUMBER.test(asVersion)) {
    return MigrationVersion.parse(asVersion).equals(version);
  }
  return item.replaceAll('_', ' ') === description;
}

/** Where the migration stands in the cherryPick list, or -1 when it is not picked. */
export function pickIndex(picks: readonly string[], version: MigrationVersion | null, description: string): number {
  return picks.findIndex((item) => itemMatches(item, version, description));
}

export function isPicked(picks: CherryPick, version: MigrationVersion | null, description: string): boolean {
  return picks === null || pickIndex(picks, version, description) >= 0;
}

/**
 * Refuses items that name no known migration (a file in the locations; for repair, a history row too):
 * a mistyped version would otherwise leave migrate saying the schema is up to date, and undo doing nothing.
 */
export function requireKnownPicks(picks: CherryPick, known: readonly { version: MigrationVersion | null; description: string }[]): void {
  if (picks === null) return;
  const unknown = picks.filter((item) => !known.some((m) => itemMatches(item, m.version, m.description)));
  if (unknown.length === 0) return;
  throw new GodwitError('CHERRY_PICK_NOT_FOUND', `cherryPick names ${unknown.length === 1 ? 'a migration that does' : 'migrations that do'} not exist: ${unknown.join(', ')}`, {
    location: 'cherryPick',
    hint: 'Each item is a version (2.1) or the description of a migration (Insert_Data, for R__Insert_Data.sql). Run info to list the migrations.',
  });
}

/**
 * Picked migrations run in the order listed, and a version listed after a higher one would then be
 * below the schema's version when its turn came: without outOfOrder, Flyway would silently leave it
 * Ignored. Refused before anything runs instead.
 */
export function refuseDescendingPicks(due: readonly { version: MigrationVersion | null }[], outOfOrder: boolean): void {
  if (outOfOrder) return;
  let highest: MigrationVersion | null = null;
  for (const { version } of due) {
    if (version === null) continue;
    if (highest !== null && version.compareTo(highest) < 0) {
      throw new GodwitError('CHERRY_PICK_OUT_OF_ORDER', `cherryPick lists version ${version.text} after version ${highest.text}, so ${version.text} would be applied out of order.`, {
        location: 'cherryPick',
        hint: `List ${version.text} before ${highest.text}, or set -outOfOrder=true to apply it after.`,
      });
    }
    highest = version;
  }
}
