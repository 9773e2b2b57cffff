/**
 * outOfOrder edge cases through the built CLI, on PostgreSQL and MariaDB: a new version below the
 * applied ones is Ignored and fails validation by name unless `*:ignored` lets it through; with outOfOrder
 * it runs, marked `[out of order]` in the log (one by one and with group=true) and `Out of Order` in info;
 * and a target still bounds what outOfOrder applies. cherryPick with outOfOrder is in cherry-pick.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { expectExit, expectNoStackTrace, type CliResult } from '../helpers/cli.js';
import { BACKENDS, type Place } from '../helpers/both-databases.js';

function states(result: CliResult): string[] {
  expectExit(result, 0);
  const { migrations } = JSON.parse(result.stdout) as { migrations: { category: string; version: string; state: string }[] };
  // PostgreSQL's history starts with the schema marker: godwit created the schema.
  return migrations.filter((m) => m.category !== '').map((m) => `${m.version}:${m.state}`);
}

const table = (name: string): string => `CREATE TABLE ${name} (id INT);\n`;

for (const { label, register } of BACKENDS) {
  describe.concurrent(`outOfOrder on ${label}`, () => {
    const backend = register('ooo');

    /** V1 and V3 applied, then V2 added below them. */
    async function withLateV2(name: string): Promise<Place> {
      const place = await backend.place(name, { 'V1__One.sql': table('one'), 'V3__Three.sql': table('three') });
      expectExit(await place.godwit(['migrate']), 0);
      place.write({ 'V2__Two.sql': table('two') });
      return place;
    }

    it('without it, the late version is Ignored and validation fails naming it; *:ignored lets migrate pass without applying it', async () => {
      const place = await withLateV2('ignored');
      expect(states(await place.godwit(['info', '-outputType=json']))).toEqual(['1:Success', '2:Ignored', '3:Success']);

      const refused = await place.godwit(['migrate']);
      expectExit(refused, 1);
      expect(refused.stderr).toContain(
        "Detected resolved migration not applied to database: 2.\nTo ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true.",
      );
      expectNoStackTrace(refused);
      const validated = await place.godwit(['validate']);
      expectExit(validated, 1);
      expect(validated.stderr).toContain('Detected resolved migration not applied to database: 2.');

      const passed = await place.godwit(['-ignoreMigrationPatterns=*:ignored', 'migrate', 'validate']);
      expectExit(passed, 0);
      expect(passed.stdout).toMatch(/Schema .* is up to date\. No migration necessary\./);
      expect(await place.tables()).toEqual(['one', 'three']);
    });

    it('with it, the late version runs marked [out of order], info shows Out of Order, and validation then passes', async () => {
      const place = await withLateV2('applied');
      const result = await place.godwit(['-outOfOrder=true', 'migrate']);
      expectExit(result, 0);
      expect(result.stdout).toMatch(/outOfOrder mode is active\. Migration of schema .* may not be reproducible\./);
      expect(result.stdout).toMatch(/Migrating schema .* to version "2 - Two" \[out of order\]\n/);
      expect(await place.tables()).toEqual(['one', 'three', 'two']);
      expect(states(await place.godwit(['info', '-outputType=json']))).toEqual(['1:Success', '3:Success', '2:Out of Order']);
      expectExit(await place.godwit(['validate']), 0);
    });

    it('with group=true, each late version is still marked [out of order]', async () => {
      const place = await backend.place('group', { 'V1__One.sql': table('one'), 'V4__Four.sql': table('four') });
      expectExit(await place.godwit(['migrate']), 0);
      place.write({ 'V2__Two.sql': table('two'), 'V3__Three.sql': table('three') });
      const result = await place.godwit(['-outOfOrder=true', '-group=true', 'migrate']);
      expectExit(result, 0);
      expect(result.stdout).toMatch(/to version "2 - Two" \[out of order\]\n/);
      expect(result.stdout).toMatch(/to version "3 - Three" \[out of order\]\n/);
      expect(states(await place.godwit(['info', '-outputType=json']))).toEqual(['1:Success', '4:Success', '2:Out of Order', '3:Out of Order']);
    });

    it('with a target, applies late versions only up to it; the rest are Above Target until the target moves', async () => {
      const place = await backend.place('target', { 'V1__One.sql': table('one'), 'V4__Four.sql': table('four') });
      expectExit(await place.godwit(['migrate']), 0);
      place.write({ 'V2__Two.sql': table('two'), 'V3__Three.sql': table('three') });

      const first = await place.godwit(['-outOfOrder=true', '-target=2', 'migrate']);
      expectExit(first, 0);
      expect(first.stdout).toMatch(/to version "2 - Two" \[out of order\]\n/);
      expect(first.stdout).not.toContain('Three');
      expect(states(await place.godwit(['-outOfOrder=true', '-target=2', 'info', '-outputType=json']))).toEqual(['1:Success', '4:Success', '2:Out of Order', '3:Above Target']);

      expectExit(await place.godwit(['-outOfOrder=true', 'migrate']), 0);
      expect((await place.history()).map((r) => r.version)).toEqual(['1', '4', '2', '3']);
    });
  });
}
