/**
 * A command run from a folder that was deleted (or moved away) after the shell entered it. Every
 * relative path is resolved against that folder, and Node 20 cannot resolve one there: `process.cwd()`
 * throws ENOENT, and a recursive `mkdir` of a nested relative path (`--out runs/suite`) retries the
 * missing parent for ever, so `askfirst suite generate --out runs/suite` hung at full CPU and an
 * `askfirst eval --out out` hung once its data was read. The command line checks the folder once,
 * before any command's work (help and --version need none), and says what to do in one line.
 */
import { InputError } from '../util/errors.js';

/** Throws an InputError when the current folder no longer exists; `cwd` is process.cwd (tests give their own). */
export function requireCurrentFolder(cwd: () => string = () => process.cwd()): void {
  try {
    cwd();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new InputError('the current folder no longer exists (it was deleted or moved since the shell entered it): cd to an existing folder and run the command again');
  }
}
