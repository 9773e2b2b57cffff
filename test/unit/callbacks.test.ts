/** Finding SQL callback scripts: in the locations and in -callbacks, in Flyway's order; no database. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { callbackScripts } from '../../src/engine/callbacks.js';
import type { EngineContext } from '../../src/engine/context.js';
import { GodwitError } from '../../src/errors.js';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'godwit-callbacks-unit-'));
  const files: Record<string, string> = {
    'sql/V1__One.sql': '',
    'sql/afterMigrate__b.sql': '',
    'sql/sub/afterMigrate__a.sql': '',
    'sql/afterMigrate.sql': '',
    'sql/beforeEachMigrate.sql': '',
    'sql/beforeConnect.sql': '',
    'sql/R__Views.sql': '',
    'extra/afterMigrate__0.sql': '',
    'extra/README.md': '',
    'single/beforeUndo__Backup.sql': '',
    'single/V9__Not_a_callback.sql': '',
  };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), content);
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The context callbackScripts reads: a real configuration and a logger that keeps warnings. */
function context(settings: Record<string, string>): { ctx: EngineContext; warnings: string[] } {
  const { config } = loadConfig({ settings: { locations: 'filesystem:sql', ...settings }, env: {}, cwd: root, home: root });
  const warnings: string[] = [];
  const log = { info: () => undefined, debug: () => undefined, error: () => undefined, warn: (m: string) => warnings.push(m) };
  return { ctx: { config, log } as unknown as EngineContext, warnings };
}

async function errorOf(promise: Promise<unknown>): Promise<GodwitError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GodwitError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('callbackScripts', () => {
  it('finds the callbacks in the locations and in -callbacks, ordered by description, one without first', async () => {
    const { ctx } = context({ callbacks: `filesystem:extra,filesystem:single/beforeUndo__Backup.sql` });
    const scripts = await callbackScripts(ctx);
    expect(scripts.map((s) => `${s.event}|${s.description}|${s.script}`)).toEqual([
      'afterMigrate||afterMigrate.sql',
      'beforeConnect||beforeConnect.sql',
      'beforeEachMigrate||beforeEachMigrate.sql',
      'afterMigrate|0|afterMigrate__0.sql',
      'beforeUndo|Backup|beforeUndo__Backup.sql',
      'afterMigrate|a|sub/afterMigrate__a.sql',
      'afterMigrate|b|afterMigrate__b.sql',
    ]);
    expect(scripts[0]?.physicalPath).toBe(join(root, 'sql', 'afterMigrate.sql'));
  });

  it('scans once per command', async () => {
    const { ctx } = context({});
    expect(callbackScripts(ctx)).toBe(callbackScripts(ctx));
  });

  it('warns about scripts for events godwit never fires', async () => {
    const { ctx, warnings } = context({});
    await callbackScripts(ctx);
    expect(warnings).toEqual([`godwit does not fire the beforeConnect event: callback ${join(root, 'sql', 'beforeConnect.sql')} is never run.`]);
  });

  it('skips the locations with skipDefaultCallbacks', async () => {
    const { ctx } = context({ callbacks: 'filesystem:extra', skipDefaultCallbacks: 'true' });
    expect((await callbackScripts(ctx)).map((s) => s.script)).toEqual(['afterMigrate__0.sql']);
  });

  it('refuses Java class names, missing paths and files not named after an event', async () => {
    expect((await errorOf(callbackScripts(context({ callbacks: 'com.example.Audit' }).ctx))).message).toBe(
      "Unable to load callback 'com.example.Audit': godwit runs SQL callback scripts only, not Java classes.",
    );
    expect((await errorOf(callbackScripts(context({ callbacks: 'filesystem:nowhere' }).ctx))).message).toBe(
      `Unable to load callback 'filesystem:nowhere': ${join(root, 'nowhere')} not found.`,
    );
    const named = await errorOf(callbackScripts(context({ callbacks: 'filesystem:single/V9__Not_a_callback.sql' }).ctx));
    expect(named.message).toBe("Unable to load callback 'filesystem:single/V9__Not_a_callback.sql': V9__Not_a_callback.sql is not named after a callback event.");
    expect(named.code).toBe('CONFIGURATION');
  });
});
