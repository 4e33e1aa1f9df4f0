import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // expect.poll waits for something to happen (a browser test's page, a label in the database): its 1 s default
    // was a wall-clock bound on a loaded machine. A poll ends as soon as its check holds, so only a failure waits longer.
    expect: { poll: { timeout: 15_000 } },
    // Removes the temp directories tests made with src/testing/tmp.ts `tmpDir` outside a running test.
    setupFiles: ['src/testing/tmp-setup.ts'],
  },
});
