/**
 * The environment as a layer: `FLYWAY_<UPPER_SNAKE>` for every registry key, `FLYWAY_PLACEHOLDERS_<NAME>`,
 * `FLYWAY_JDBC_PROPERTIES_<NAME>`, and the forms Flyway's TOML mode adds, `flyway_<key>` and
 * `environments_<env>_<key>` (every `_` read as a `.`, as Flyway does).
 */
import { classifyKey, CONFIG_KEYS, envVarName, JDBC_PROPERTIES_PREFIX, PLACEHOLDERS_PREFIX, REFUSED_KEYS } from './keys.js';
import { addFlatSetting, newLayer, type Layer } from './layer.js';

const ENV_PLACEHOLDERS = 'FLYWAY_PLACEHOLDERS_';
const ENV_JDBC_PROPERTIES = 'FLYWAY_JDBC_PROPERTIES_';

/**
 * Variables for keys godwit refuses are refused here too, since ignoring `FLYWAY_CALLBACKS` would run
 * migrations without the callbacks the user set up; other unknown `FLYWAY_*` variables are ignored, as
 * Flyway ignores them. Empty variables count as unset: Compose and Kubernetes produce them from unset
 * substitutions.
 */
export function environmentLayer(env: NodeJS.ProcessEnv): Layer {
  const layer = newLayer();
  for (const name of REFUSED_KEYS) {
    const variable = envVarName(name);
    if (env[variable]) classifyKey(name, { spelled: variable, source: 'environment' });
  }
  const add = (name: string, value: string, variable: string): void =>
    addFlatSetting(layer, name, { value, source: 'environment', origin: variable }, { spelled: variable, source: 'environment' }, false);
  for (const spec of CONFIG_KEYS) {
    const value = env[spec.envVar];
    if (value) add(spec.name, value, spec.envVar);
  }
  for (const [variable, value] of Object.entries(env)) {
    if (!value) continue;
    // Flyway lower-cases placeholder names from the environment, where they can only be upper case.
    if (variable.startsWith(ENV_PLACEHOLDERS) && variable.length > ENV_PLACEHOLDERS.length) {
      add(PLACEHOLDERS_PREFIX + variable.slice(ENV_PLACEHOLDERS.length).toLowerCase(), value, variable);
    } else if (variable.startsWith(ENV_JDBC_PROPERTIES) && variable.length > ENV_JDBC_PROPERTIES.length) {
      add(JDBC_PROPERTIES_PREFIX + variable.slice(ENV_JDBC_PROPERTIES.length), value, variable);
    } else if (variable.startsWith('flyway_') || variable.startsWith('environments_')) {
      // Lower-case names exist only as Flyway configuration, so an unknown one is a typo and refused by name.
      const dotted = variable.replace(/_/g, '.');
      const name = dotted.startsWith('flyway.') ? dotted.slice('flyway.'.length) : dotted;
      const origin = { spelled: variable, source: `environment variable ${variable}`, keyPrefix: 'flyway_', showSource: true };
      addFlatSetting(layer, name, { value, source: 'environment', origin: variable }, origin, false);
    }
  }
  return layer;
}
