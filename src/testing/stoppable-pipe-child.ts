/**
 * A child for signals.test.ts: a `stoppable` job that reads the named pipe argv[2] — outside a step (`outside`) or in a
 * `stopAfter` step (`step`) — so a signal comes while a thread of libuv's pool is blocked in that read. Its clean-up at
 * exit (util/at-exit.ts) says it ran (a lock file's release is one).
 */
import { writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { stoppable } from '../cli/signals.js';
import { atExit } from '../util/at-exit.js';

const [pipe, where] = process.argv.slice(2);
atExit((code) => writeSync(2, `exit listener ran (${code})\n`));
await stoppable('nothing was saved', (job) =>
  where === 'step' ? job.stopAfter('the current batch', 'finished items are saved', () => readFile(pipe, 'utf8')) : readFile(pipe, 'utf8'),
);
