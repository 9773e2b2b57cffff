import { describe, expect, it } from 'vitest';
import { MigrationVersion } from '../../src/engine/version.js';

/** buildMigrationInfos finds a row's file by its version's key: equal keys must mean versions that compare equal, and only those. */
describe('MigrationVersion.key', () => {
  const texts = ['0', '00', '0.0', '1', '01', '001', '1.0', '1.0.0', '1_0', '1.00', '1.01', '1.1', '1.10', '10', '10.0', '100', '1.0.1', '2.0.0.0', '0.1', '0.10', '0.01', '12345678901234567890', '12345678901234567890.0'];
  const versions = texts.map((t) => MigrationVersion.parse(t));

  it.each(texts.map((t, i) => [t, versions[i]!] as const))('%s: same key exactly for the versions equal to it', (_text, version) => {
    for (const other of versions) expect(version.key() === other.key(), `${version.text} vs ${other.text}`).toBe(version.equals(other));
  });

  it('keeps the digits of each part', () => {
    expect(['1.0.0', '01.00', '1', '1.01', '0.0', '10.0'].map((t) => MigrationVersion.parse(t).key())).toEqual(['1', '1', '1', '1.1', '0', '10']);
  });
});
