/**
 * A child for signals.test.ts: a command's end after a job stopped by SIGINT (`endBySignal`, as main() calls it for an
 * `Interrupted` job), with 200,000 bytes still being written to stdout (a pipe takes 64 KiB at once: the rest is queued
 * for the event loop). argv[2] `interrupted`: the exit code is the job's 130; `failed`: a later error's 1 replaced it.
 * A clean-up at exit (util/at-exit.ts) registered before says it ran, as a lock file's release does. `later LOCK`: a
 * lock file taken at LOCK after it (work still under way while the exit waits for its output), released at exit, and a
 * clean-up after that one says it ran too. `undelivered LOCK`: the same, the signal not delivered (`process.kill` does
 * nothing, as when a handler outside Node's listeners takes it): the exit goes on with 130. `throws LOCK`: the same as
 * `later`, and a clean-up registered last throws.
 */
import { writeSync } from 'node:fs';
import { endBySignal } from '../cli/signals.js';
import { atExit } from '../util/at-exit.js';
import { releasedAtExit, takeLockFile } from '../util/lockfile.js';

const [mode, lock] = process.argv.slice(2);
atExit((code) => writeSync(2, `exit listener ran (${code})\n`));
process.stdout.write('x'.repeat(200_000));
process.exitCode = 130;
endBySignal('SIGINT');
if (mode === 'failed') process.exitCode = 1;
if (mode === 'undelivered') process.kill = () => true;
if (mode === 'later' || mode === 'undelivered' || mode === 'throws') {
  if (!takeLockFile(lock, `${process.pid}`, () => false).ok) throw new Error(`${lock} is held`);
  releasedAtExit(lock, `${process.pid}`);
  atExit((code) => writeSync(2, `later exit listener ran (${code})\n`));
}
if (mode === 'throws')
  atExit(() => {
    throw new Error('the clean-up failed');
  });
