import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration files each own a database; two workers keep the suite quick on a 2-core machine.
    maxWorkers: 2,
    // A PGlite test runs the CLI several times, each loading the WASM server anew: on a loaded 2-core
    // machine one such test took 29 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
