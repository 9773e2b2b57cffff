/**
 * Flyway Teams' `cherryPick` through the built CLI, on PostgreSQL and MariaDB: migrate applies only the
 * picked migrations, in the order listed; info shows the others Ignored; validate does not count them
 * against the schema; undo reverts the picked ones in reverse order; repair touches only the picked
 * rows; and every refusal names the item at fault and leaves the database as it was.
 */
import { describe, expect, it } from 'vitest';
import { expectExit, expectNoStackTrace, type CliResult } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/both-databases.js';

interface InfoJson {
  schemaVersion: string | null;
  migrations: { category: string; version: string; description: string; state: string }[];
}

function states(result: CliResult): string[] {
  expectExit(result, 0);
  // PostgreSQL's history starts with the schema marker: godwit created the schema.
  return (JSON.parse(result.stdout) as InfoJson).migrations.filter((m) => m.category !== '').map((m) => `${m.version || m.description}:${m.state}`);
}

const FILES = {
  'V1__Create_a.sql': 'CREATE TABLE a (id INT);\n',
  'V2__Create_b.sql': 'CREATE TABLE b (id INT);\n',
  'V3__Create_c.sql': 'CREATE TABLE c (id INT);\n',
  'R__Insert_Data.sql': 'CREATE TABLE r_data (id INT);\n',
};

for (const { label, register } of BACKENDS) {
  describe.concurrent(`cherryPick on ${label}`, () => {
    const backend = register('cp');

    it('migrates only the picked versioned and repeatable migrations; info shows the rest Ignored, and Pending without cherryPick', async () => {
      const place = await backend.place('only', FILES);
      const migrated = await place.godwit(['-cherryPick=1,Insert_Data', 'migrate']);
      expectExit(migrated, 0);
      expect(migrated.stdout).toContain('to version "1 - Create a"');
      expect(migrated.stdout).toContain('with repeatable migration "Insert Data"');
      expect(migrated.stdout).not.toContain('Create b');
      expect(migrated.stdout).toMatch(/Successfully applied 2 migrations to schema .*, now at version v1 /);
      expect(await place.tables()).toEqual(['a', 'r_data']);
      expect((await place.history()).map((r) => r.version ?? r.description)).toEqual(['1', 'Insert Data']);

      expect(states(await place.godwit(['-cherryPick=1,Insert_Data', 'info', '-outputType=json']))).toEqual(['1:Success', 'Insert Data:Success', '2:Ignored', '3:Ignored']);
      expect(states(await place.godwit(['info', '-outputType=json']))).toEqual(['1:Success', 'Insert Data:Success', '2:Pending', '3:Pending']);

      // What is left out is not waiting to be applied as far as validate is concerned; without cherryPick it is.
      const picked = await place.godwit(['-cherryPick=1,Insert_Data', 'validate']);
      expectExit(picked, 0);
      expect(picked.stdout).toMatch(/Successfully validated \d+ migrations/);
      const all = await place.godwit(['validate']);
      expectExit(all, 1);
      expect(all.stderr).toContain('Detected resolved migration not applied to database: 2.');
      expect(all.stderr).toContain('Detected resolved migration not applied to database: 3.');
    });

    it('applies picked versions in the order listed, a lower one after a higher one only with outOfOrder', async () => {
      const place = await backend.place('order', FILES);
      const refused = await place.godwit(['-cherryPick=3,2', 'migrate']);
      expectExit(refused, 1);
      expect(refused.stderr).toContain('ERROR: cherryPick lists version 2 after version 3, so 2 would be applied out of order.');
      expect(refused.stderr).toContain('Hint: List 2 before 3, or set -outOfOrder=true to apply it after.');
      expectNoStackTrace(refused);
      expect(await place.tables()).toEqual([]);

      const migrated = await place.godwit(['-cherryPick=3,2', '-outOfOrder=true', 'migrate', '-outputType=json']);
      expectExit(migrated, 0);
      expect((JSON.parse(migrated.stdout) as { migrations: { version: string }[] }).migrations.map((m) => m.version)).toEqual(['3', '2']);
      expect((await place.history()).map((r) => r.version)).toEqual(['3', '2']);
      expect(states(await place.godwit(['info', '-outputType=json']))).toEqual(['1:Ignored', '3:Success', '2:Out of Order', 'Insert Data:Pending']);
    });

    it('needs outOfOrder for a picked version below the current one: validation names it, then the run says [out of order]', async () => {
      const place = await backend.place('below', FILES);
      expectExit(await place.godwit(['-cherryPick=1,3', 'migrate']), 0);
      const refused = await place.godwit(['-cherryPick=2', 'migrate']);
      expectExit(refused, 1);
      expect(refused.stderr).toContain(
        "Detected resolved migration not applied to database: 2.\nTo ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true.",
      );
      expect(await place.tables()).toEqual(['a', 'c']);

      const applied = await place.godwit(['-cherryPick=2', '-outOfOrder=true', 'migrate']);
      expectExit(applied, 0);
      expect(applied.stdout).toContain('to version "2 - Create b" [out of order]');
      expect(await place.tables()).toEqual(['a', 'b', 'c']);
      expect(states(await place.godwit(['info', '-outputType=json']))).toEqual(['1:Success', '3:Success', '2:Out of Order', 'Insert Data:Pending']);
    });

    it('refuses items that name no migration, naming them, before anything changes', async () => {
      const place = await backend.place('unknown', FILES);
      for (const command of ['migrate', 'undo']) {
        const result = await place.godwit(['-cherryPick=1,2.5,Insert_Dta', command]);
        expectExit(result, 1);
        expect(result.stderr).toContain('ERROR: cherryPick names migrations that do not exist: 2.5, Insert_Dta');
        expectNoStackTrace(result);
      }
      expect(await place.tables()).toEqual([]);
    });

    it('undoes only the picked migrations, in the reverse of the order listed, whatever was applied after them', async () => {
      const place = await backend.place('undo', {
        ...FILES,
        'U1__Create_a.sql': 'DROP TABLE a;\n',
        'U2__Create_b.sql': 'DROP TABLE b;\n',
        'U3__Create_c.sql': 'DROP TABLE c;\n',
      });
      expectExit(await place.godwit(['migrate']), 0);

      const one = await place.godwit(['-cherryPick=2', 'undo']);
      expectExit(one, 0);
      expect(one.stdout).toMatch(/Undoing migration of schema .* to version 2 - Create b\n/);
      expect(one.stdout).toMatch(/Successfully undid 1 migration to schema .*, now at version v3 /);
      expect(await place.tables()).toEqual(['a', 'c', 'r_data']);

      const two = await place.godwit(['-cherryPick=3,1', 'undo']);
      expectExit(two, 0);
      const undoing = two.stdout.split('\n').filter((line) => line.startsWith('Undoing'));
      expect(undoing.map((line) => line.replace(/.* to version /, ''))).toEqual(['1 - Create a', '3 - Create c']);
      expect(await place.tables()).toEqual(['r_data']);
      expect((await place.history()).filter((r) => r.type === 'UNDO_SQL').map((r) => r.version)).toEqual(['2', '1', '3']);
    });

    it('refuses an undo when a picked migration has no undo file, before undoing any of them', async () => {
      const place = await backend.place('undo-missing', { ...FILES, 'U2__Create_b.sql': 'DROP TABLE b;\n' });
      expectExit(await place.godwit(['migrate']), 0);
      const result = await place.godwit(['-cherryPick=1,2', 'undo']);
      expectExit(result, 1);
      expect(result.stderr).toContain('Unable to undo migration to version 1 (Create a): no undo migration U1__Create_a.sql found.');
      expectNoStackTrace(result);
      expect((await place.history()).some((r) => r.type === 'UNDO_SQL')).toBe(false);
      expect(await place.tables()).toEqual(['a', 'b', 'c', 'r_data']);
    });

    it('repairs only the rows of the picked migrations', async () => {
      const place = await backend.place('repair', FILES);
      expectExit(await place.godwit(['migrate']), 0);
      place.write({ 'V1__Create_a.sql': 'CREATE TABLE a (id INT); -- edited\n', 'V2__Create_b.sql': 'CREATE TABLE b (id INT); -- edited\n' });
      const before = await place.history();

      expectExit(await place.godwit(['-cherryPick=1', 'repair']), 0);
      const after = await place.history();
      expect(after.find((r) => r.version === '1')?.checksum).not.toBe(before.find((r) => r.version === '1')?.checksum);
      expect(after.find((r) => r.version === '2')?.checksum).toBe(before.find((r) => r.version === '2')?.checksum);
      const validated = await place.godwit(['validate']);
      expectExit(validated, 1);
      expect(validated.stderr).toContain('Migration checksum mismatch for migration version 2');
      expect(validated.stderr).not.toContain('for migration version 1');
    });
  });
}
