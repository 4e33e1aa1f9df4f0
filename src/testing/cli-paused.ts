/**
 * The askfirst command (src/cli/main.ts, run from the sources) with one `FeedbackStore` method paused until a named
 * pipe is read to its end: the command sits there with its database open, in a phase that takes a real database
 * milliseconds, so a test can signal it in that phase (feedback-interrupt.test.ts; the test holds the pipe with
 * named-pipe.ts's `inPipe`). Run by `spawnTsx`: `cli-paused.ts PIPE METHOD ARGS…`, ARGS as to `askfirst`.
 */
import { readFile } from 'node:fs/promises';
import { main } from '../cli/main.js';
import { FeedbackStore } from '../feedback/store.js';

const [pipe, method, ...args] = process.argv.slice(2);
const methods = FeedbackStore.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
const original = methods[method];
if (typeof original !== 'function') throw new Error(`FeedbackStore has no method ${method}`);
methods[method] = async function (this: FeedbackStore, ...a: unknown[]) {
  await readFile(pipe); // until the test ends its side
  return original.apply(this, a);
};
await main(['node', 'askfirst', ...args]);
