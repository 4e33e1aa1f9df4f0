/**
 * A child for signals.test.ts: a command's end after a job stopped by SIGINT (`endBySignal`, as main() calls it for an
 * `Interrupted` job), with 200,000 bytes still being written to stdout (a pipe takes 64 KiB at once: the rest is queued
 * for the event loop). argv[2] `interrupted`: the exit code is the job's 130; `failed`: a later error's 1 replaced it.
 * An 'exit' listener registered before says it ran, as a lock file's release does.
 */
import { writeSync } from 'node:fs';
import { endBySignal } from '../cli/signals.js';

process.on('exit', (code) => writeSync(2, `exit listener ran (${code})\n`));
process.stdout.write('x'.repeat(200_000));
process.exitCode = 130;
endBySignal('SIGINT');
if (process.argv[2] === 'failed') process.exitCode = 1;
