/**
 * vitest setup file (vitest.config.ts `setupFiles`), run before every test file: removes the
 * directories `tmpDir` made outside a running test once the file is done. Registered first, so
 * with vitest's default "stack" hook order it runs after the file's own afterAll hooks.
 */
import { afterAll } from 'vitest';
import { removeTmpDirs, tmpDirsRemovedAfterFile } from './tmp.js';

afterAll(removeTmpDirs);
tmpDirsRemovedAfterFile();
