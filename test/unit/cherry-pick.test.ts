/**
 * cherryPick as Flyway Teams reads it (its MigrationPattern): an item that reads as a version picks that
 * version, any other item a description with `_` read as a space; and the four ways to set it.
 */
import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/config/argv.js';
import { itemMatches, refuseDescendingPicks, requireKnownPicks } from '../../src/engine/cherry-pick.js';
import { buildMigrationInfos } from '../../src/engine/info.js';
import { GodwitError } from '../../src/errors.js';
import { errorOf } from '../helpers/errors.js';
import { rFile, v, vFile, vRow } from '../helpers/migrations.js';
import { loadIn, project } from './config-files-project.js';

describe('cherryPick items', () => {
  it('match versions numerically, with _ read as a dot', () => {
    expect(itemMatches('2.4', v('2.4'), 'x')).toBe(true);
    expect(itemMatches('2_4', v('2.4'), 'x')).toBe(true);
    expect(itemMatches('1.0', v('1'), 'x')).toBe(true);
    expect(itemMatches('2', v('2.4'), 'x')).toBe(false);
  });

  it('match descriptions with _ read as a space, exactly otherwise', () => {
    expect(itemMatches('Insert_Data', null, 'Insert Data')).toBe(true);
    expect(itemMatches('Insert Data', null, 'Insert Data')).toBe(true);
    expect(itemMatches('insert_data', null, 'Insert Data')).toBe(false);
    // A versioned migration can be picked by its description too.
    expect(itemMatches('Create_b', v('2'), 'Create b')).toBe(true);
    // An item that reads as a version picks a versioned migration by version only.
    expect(itemMatches('7', v('2'), '7')).toBe(false);
    expect(itemMatches('7', null, '7')).toBe(true);
  });

  it('refuse an item that names no migration, naming it', () => {
    const known = [vFile('1'), rFile('Insert Data')];
    expect(() => requireKnownPicks(['1', 'Insert_Data'], known)).not.toThrow();
    const error = errorOf(() => requireKnownPicks(['1', '9', 'Nope'], known), GodwitError);
    expect(error.code).toBe('CHERRY_PICK_NOT_FOUND');
    expect(error.message).toBe('cherryPick names migrations that do not exist: 9, Nope');
    expect(error.location).toBe('cherryPick');
  });

  it('refuse a version listed after a higher one unless outOfOrder is set', () => {
    const due = [{ version: v('3') }, { version: null }, { version: v('2') }];
    expect(errorOf(() => refuseDescendingPicks(due, false), GodwitError).message).toBe('cherryPick lists version 2 after version 3, so 2 would be applied out of order.');
    expect(() => refuseDescendingPicks(due, true)).not.toThrow();
    expect(() => refuseDescendingPicks([{ version: v('2') }, { version: v('3') }], false)).not.toThrow();
  });
});

describe('info states with cherryPick', () => {
  const files = [vFile('1'), vFile('2'), vFile('3'), rFile('Views')];

  it('shows files left out as Ignored and lists the picked pending ones in the order picked', () => {
    const infos = buildMigrationInfos(files, [vRow(1, '1')], { target: 'latest', outOfOrder: false, cherryPick: ['Views', '3'] });
    expect(infos.map((i) => `${i.version?.text ?? i.description}:${i.state}`)).toEqual(['1:Success', '2:Ignored', 'Views:Pending', '3:Pending']);
  });

  it('leaves a picked version below the applied ones Ignored without outOfOrder, Pending with it', () => {
    const applied = [vRow(1, '1'), vRow(2, '3')];
    const state = (outOfOrder: boolean): string | undefined =>
      buildMigrationInfos(files, applied, { target: 'latest', outOfOrder, cherryPick: ['2'] }).find((i) => i.version?.text === '2' && i.applied === null)?.state;
    expect(state(false)).toBe('Ignored');
    expect(state(true)).toBe('Pending');
  });
});

describe('cherryPick and skipExecutingMigrations settings', () => {
  it('come from the command line, flyway.conf, flyway.toml (array or string) and the environment', () => {
    expect(parseArgv(['-cherryPick=1,2.4,Insert_Data', '-skipExecutingMigrations=true', 'migrate']).settings).toMatchObject({ cherryPick: '1,2.4,Insert_Data', skipExecutingMigrations: 'true' });
    expect(loadIn(project(), { settings: { cherryPick: '1,2.4,Insert_Data' } }).config.cherryPick).toEqual(['1', '2.4', 'Insert_Data']);
    expect(loadIn(project({ 'flyway.conf': 'flyway.cherryPick=1, 2.4\nflyway.skipExecutingMigrations=true\n' })).config).toMatchObject({ cherryPick: ['1', '2.4'], skipExecutingMigrations: true });
    expect(loadIn(project({ 'flyway.toml': '[flyway]\ncherryPick = ["1", "Insert_Data"]\nskipExecutingMigrations = true\n' })).config).toMatchObject({ cherryPick: ['1', 'Insert_Data'], skipExecutingMigrations: true });
    expect(loadIn(project({ 'flyway.toml': '[flyway]\ncherryPick = "2.0"\n' })).config.cherryPick).toEqual(['2.0']);
    const fromEnv = loadIn(project(), { env: { FLYWAY_CHERRY_PICK: '3,1', FLYWAY_SKIP_EXECUTING_MIGRATIONS: 'true' } }).config;
    expect(fromEnv).toMatchObject({ cherryPick: ['3', '1'], skipExecutingMigrations: true });
    expect(loadIn(project()).config).toMatchObject({ cherryPick: [], skipExecutingMigrations: false });
  });
});
