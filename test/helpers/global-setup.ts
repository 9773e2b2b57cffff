/**
 * Integration tests run the built CLI (`bin/godwit.js` loads the bundle in `dist/bundle/`), so the build
 * must be current: build once before any test file starts, as `npm run build` does (tsc, then the
 * bundle), so that the tests run what users run.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [`${root}/scripts/bundle-cli.mjs`], { cwd: root, stdio: 'inherit' });
}
