/**
 * Precedence over layers given lowest first (config files in load order, then the environment, then the
 * command line): the last layer that sets a key wins. Within one layer, the selected environment's value
 * (`[environments.dev]`, `[environments.dev.flyway]`, `-environments.dev.url`) wins over the flat one
 * (`[flyway]`, `-url`), being the more specific. Flyway itself lets an environment's value win over a
 * later file's `[flyway]` value; godwit keeps "later file wins" whole, which is the rule users are told.
 */
import type { Entry, Layer } from './layer.js';

export function winningEntry(layers: readonly Layer[], environment: string, key: string): Entry | undefined {
  let winner: Entry | undefined;
  for (const layer of layers) winner = layer.environments.get(environment)?.get(key) ?? layer.flat.get(key) ?? winner;
  return winner;
}

/** The flat value only: for the keys that choose the environment or the files, which no environment can set. */
export function winningFlatEntry(layers: readonly Layer[], key: string): Entry | undefined {
  let winner: Entry | undefined;
  for (const layer of layers) winner = layer.flat.get(key) ?? winner;
  return winner;
}

/** Every `<prefix><name>` key (placeholders, jdbcProperties) → its winning entry, by name. */
export function winningMapEntries(layers: readonly Layer[], environment: string, prefix: string): Map<string, Entry> {
  const result = new Map<string, Entry>();
  for (const layer of layers) {
    for (const map of [layer.flat, layer.environments.get(environment)]) {
      for (const [key, entry] of map ?? []) {
        if (key.startsWith(prefix)) result.set(key.slice(prefix.length), entry);
      }
    }
  }
  return result;
}

/** Names of the environments any layer defines, for the message about an unknown one. */
export function environmentNames(layers: readonly Layer[]): string[] {
  return [...new Set(layers.flatMap((layer) => [...layer.environments.keys()]))];
}
