/**
 * A test-only preload that holds a command in the step that reads one file: `node --import tsx --import held-open.ts
 * bin/askfirst.js …` (`heldOpenArgs`), with ASKFIRST_TEST_HELD_FILE naming the file and ASKFIRST_TEST_HELD_PIPE a named
 * pipe. The file's first opening (`open` of node:fs/promises, which readImageFile uses) waits until the pipe is read to
 * its end, then goes on: the command sits in that step, which takes a real disk milliseconds, until the test ends its
 * side of the pipe (named-pipe.ts's `holdPipe`), so the test can signal it there (cli/signals.test.ts, the env serve
 * drain tests). The file itself stays a regular file: a named pipe where an image should be is refused before any open
 * (scenes/codec.ts readImageFile), so it can no longer be what holds the step.
 */
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Node's arguments before the command's script that load this preload (tsx first: it is TypeScript). */
export function heldOpenArgs(): string[] {
  return ['--import', 'tsx', '--import', join(fileURLToPath(new URL('.', import.meta.url)), 'held-open.ts')];
}

/** The environment that holds the first opening of `file` until the named pipe `pipe` is read to its end. */
export function heldOpenEnv(file: string, pipe: string): NodeJS.ProcessEnv {
  return { ...process.env, TSX_DISABLE_CACHE: '1', ASKFIRST_TEST_HELD_FILE: resolve(file), ASKFIRST_TEST_HELD_PIPE: pipe };
}

const file = process.env.ASKFIRST_TEST_HELD_FILE;
const pipe = process.env.ASKFIRST_TEST_HELD_PIPE;
if (file && pipe) {
  const original = fs.promises.open;
  let held = false;
  fs.promises.open = async function (path: fs.PathLike, ...rest: unknown[]) {
    if (!held && resolve(String(path)) === file) {
      held = true;
      await readFile(pipe); // until the test ends its side
    }
    return (original as (...a: unknown[]) => Promise<fs.promises.FileHandle>)(path, ...rest);
  } as typeof original;
  syncBuiltinESMExports(); // the named imports of node:fs/promises see it too
}
