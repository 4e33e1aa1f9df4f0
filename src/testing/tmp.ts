/**
 * Temp directories for tests — the one idiom for the whole suite. `tmpDir(prefix)` creates
 * `<os.tmpdir()>/<prefix>-XXXXXX` and registers its removal, so nothing is left behind whether
 * the test passes, fails or times out:
 *   - called while a test runs (its body, or a beforeEach/afterEach hook): removed when that test
 *     finishes (vitest `onTestFinished`, after its afterEach hooks);
 *   - called anywhere else (module level, a describe body, beforeAll/afterAll): removed after the
 *     test file's last afterAll hook — after the file's own hooks have closed whatever still uses
 *     it (a server, a PGlite database) — by the hook that `tmp-setup.ts` (vitest `setupFiles`)
 *     installs for every test file.
 * Every directory is also on that end-of-file list, so one whose per-test removal did not run is
 * removed then too.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished, TestRunner } from 'vitest';

const pending = new Set<string>();
let fileHookInstalled = false;

async function remove(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  pending.delete(dir);
}

/**
 * A fresh directory `<os.tmpdir()>/<prefix>-XXXXXX`, removed after the current test (or test file).
 * `under` puts it in another existing directory instead (a test whose helper process runs as
 * another user, which may not be able to enter the system temp folder), removed the same way.
 */
export function tmpDir(prefix: string, under: string = tmpdir()): string {
  const inTest = TestRunner.getCurrentTest() !== undefined;
  if (!inTest && !fileHookInstalled) {
    throw new Error('tmpDir() outside a test needs src/testing/tmp-setup.ts in the vitest setupFiles (it removes the directory after the file)');
  }
  const dir = mkdtempSync(join(under, prefix.endsWith('-') ? prefix : `${prefix}-`));
  pending.add(dir);
  if (inTest) onTestFinished(() => remove(dir));
  return dir;
}

/** Removes every directory `tmpDir` made that is still there; `tmp-setup.ts` runs it after each test file. */
export async function removeTmpDirs(): Promise<void> {
  await Promise.all([...pending].map(remove));
}

/** Called by `tmp-setup.ts` once it has registered `removeTmpDirs` as an afterAll hook of the file. */
export function tmpDirsRemovedAfterFile(): void {
  fileHookInstalled = true;
}
