/**
 * A child for signals.test.ts: a command's end after a job stopped by SIGINT (`endBySignal`, as main() calls it for an
 * `Interrupted` job), with 200,000 bytes still being written to stdout (a pipe takes 64 KiB at once: the rest is queued
 * for the event loop). argv[2] `interrupted`: the exit code is the job's 130; `failed`: a later error's 1 replaced it.
 * An 'exit' listener registered before says it ran, as a lock file's release does. `later LOCK`: a lock file taken at
 * LOCK after it (work still under way while the exit waits for its output), released by its own 'exit' listener, and a
 * listener after that one says it ran too.
 */
import { writeSync } from 'node:fs';
import { endBySignal } from '../cli/signals.js';
import { releasedAtExit, takeLockFile } from '../util/lockfile.js';

process.on('exit', (code) => writeSync(2, `exit listener ran (${code})\n`));
process.stdout.write('x'.repeat(200_000));
process.exitCode = 130;
endBySignal('SIGINT');
if (process.argv[2] === 'failed') process.exitCode = 1;
if (process.argv[2] === 'later') {
  const lock = process.argv[3];
  if (!takeLockFile(lock, `${process.pid}`, () => false).ok) throw new Error(`${lock} is held`);
  releasedAtExit(lock, `${process.pid}`);
  process.on('exit', (code) => writeSync(2, `later exit listener ran (${code})\n`));
}
