import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Removes the temp directories tests made with src/testing/tmp.ts `tmpDir` outside a running test.
    setupFiles: ['src/testing/tmp-setup.ts'],
  },
});
