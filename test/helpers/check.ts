/** Runs godwit check offline over migration files written to a fresh folder, as `check -all` does. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run.js';
import type { CheckResult } from '../../src/check/types.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/engine/logger.js';
import { writeLocation } from './locations.js';

const root = mkdtempSync(join(tmpdir(), 'godwit-check-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;

export const PG_URL = 'jdbc:postgresql://localhost:5432/app';
export const MYSQL_URL = 'jdbc:mysql://localhost:3306/app';

/** `files` as V1__….sql → text; `settings` as -key=value without the dash. */
export async function checkFiles(files: Record<string, string>, settings: Record<string, string> = {}): Promise<CheckResult> {
  const locations = writeLocation(root, `m${++folders}`, files).slice('-locations='.length);
  const { config } = loadConfig({ settings: { url: PG_URL, locations, ...settings }, env: {}, cwd: root });
  return runCheck(config, { all: true, files: [] }, undefined, silentLogger);
}

/** One migration; the rule ids found, in order. */
export async function rulesIn(sql: string, settings: Record<string, string> = {}): Promise<string[]> {
  return (await checkFiles({ 'V2__Change.sql': sql }, settings)).findings.map((f) => f.rule);
}

/** A rule with statements it must report (and nothing else) and statements it must pass. */
export interface RuleCase {
  rule: string;
  dangerous: string[];
  safe: string[];
}

/** One describe per rule: each dangerous statement yields that rule only, each safe one nothing. */
export function describeRuleCases(cases: RuleCase[], settings: Record<string, string>): void {
  for (const { rule, dangerous, safe } of cases) {
    describe(rule, () => {
      it.each(dangerous)('reports %s', async (sql) => {
        const found = await rulesIn(sql, settings);
        expect(found.length).toBeGreaterThan(0);
        expect(new Set(found)).toEqual(new Set([rule]));
      });
      it.each(safe)('passes %s', async (sql) => {
        expect(await rulesIn(sql, settings)).toEqual([]);
      });
    });
  }
}
