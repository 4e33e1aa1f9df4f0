/**
 * A child for util/at-exit.test.ts: clean-ups at exit and an ending, each saying on stderr that it ran, then
 * `process.exit(3)`. argv[2] `order`: a, b (taken off the list), the ending, then c, which registers d as it runs;
 * `throws`: a, then one that throws, then c; `twice`: a, the 'exit' event emitted once more before the real exit.
 */
import { writeSync } from 'node:fs';
import { atExit, endAtExit } from '../util/at-exit.js';

const said = (what: string) => (code: number) => writeSync(2, `${what} ${code}\n`);
const mode = process.argv[2];
atExit(said('a'));
if (mode === 'order') {
  const unlist = atExit(said('b'));
  endAtExit(said('end'));
  atExit((code) => {
    said('c')(code);
    atExit(said('d'));
  });
  unlist();
}
if (mode === 'throws') {
  endAtExit(said('end'));
  atExit(() => {
    throw new Error('cannot remove the lock');
  });
  atExit(said('c'));
}
if (mode === 'twice') process.emit('exit', 3);
process.exit(3);
