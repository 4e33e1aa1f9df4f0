/**
 * The library's `writeSuite` (docs/library.md): suite/io.ts's, which writes what `askfirst suite generate` writes
 * (`episodes.jsonl`, `images/`, `suite.json`: docs/architecture.md §4), so `loadData(dir)` and `askfirst eval --data dir`
 * read it back; after refusing a `dir` that `askfirst suite generate` refuses as its `--out` (one holding another
 * command's output, or a suite in ProactiveBench's layout), in the same one line; a `dir` that is not a string or
 * `episodes` that are not a list is refused in one line too (api/arguments.ts), not with Node's TypeError from inside.
 */
import { writeSuite as writeEpisodes } from '../suite/io.js';
import type { SuiteEpisode } from '../suite/types.js';
import { refuseOtherLayout, refuseOthersOutput, type Writing } from '../outputs/out-owner.js';
import { checkEpisodes, checkString } from './arguments.js';

/** How a refusal names the library's argument and call. */
const LIBRARY: Writing = { option: 'dir', writer: 'writeSuite()' };

/** Write `episodes` (views in memory or as paths inside `dir`) as an askfirst suite in `dir`; returns them as written (views as paths). */
export async function writeSuite(dir: string, episodes: Iterable<SuiteEpisode> | AsyncIterable<SuiteEpisode>): Promise<SuiteEpisode[]> {
  checkString('writeSuite()', 'dir', dir);
  checkEpisodes('writeSuite()', episodes, 'the episodes to write (a list, as generateSuite() returns)');
  refuseOthersOutput([dir], 'suite generate', LIBRARY);
  refuseOtherLayout(dir, 'own suite', LIBRARY);
  return writeEpisodes(dir, episodes);
}
