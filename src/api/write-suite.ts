/**
 * The library's `writeSuite` (docs/library.md): suite/io.ts's, which writes what `askfirst suite generate` writes
 * (`episodes.jsonl`, `images/`, `suite.json`: docs/architecture.md §4), so `loadData(dir)` and `askfirst eval --data dir`
 * read it back; after refusing a `dir` that `askfirst suite generate` refuses as its `--out` (one holding another
 * command's output, or a suite in ProactiveBench's layout), in the same one line; a `dir` that is not a string or
 * `episodes` that are not a list is refused in one line too (api/arguments.ts), not with Node's TypeError from inside;
 * so is an episode that is not one (episode/validate.ts, as loadData checks each line): `writeSuite(dir, [{}])` failed
 * with "Cannot read properties of undefined (reading 'replace')", and one without `answer` was written, for loadData to
 * refuse later.
 */
import { writeSuite as writeEpisodes } from '../suite/io.js';
import type { SuiteEpisode } from '../suite/types.js';
import { refuseOtherLayout, refuseOthersOutput, type Writing } from '../outputs/out-owner.js';
import { checkEpisodes, checkString, given } from './arguments.js';
import { episodeProblems } from '../episode/validate.js';
import { InputError } from '../util/errors.js';

/** How a refusal names the library's argument and call. */
const LIBRARY: Writing = { option: 'dir', writer: 'writeSuite()' };

/** Write `episodes` (views in memory or as paths inside `dir`) as an askfirst suite in `dir`; returns them as written (views as paths). */
export async function writeSuite(dir: string, episodes: Iterable<SuiteEpisode> | AsyncIterable<SuiteEpisode>): Promise<SuiteEpisode[]> {
  checkString('writeSuite()', 'dir', dir);
  checkEpisodes('writeSuite()', episodes, 'the episodes to write (a list, as generateSuite() returns)');
  refuseOthersOutput([dir], 'suite generate', LIBRARY);
  refuseOtherLayout(dir, 'own suite', LIBRARY);
  return writeEpisodes(dir, checked(episodes));
}

/** `episodes` as given, each refused in one line (before anything of it is written) when it is no episode. */
async function* checked(episodes: Iterable<SuiteEpisode> | AsyncIterable<SuiteEpisode>): AsyncGenerator<SuiteEpisode> {
  let i = 0;
  for await (const ep of episodes) {
    const at = `writeSuite(): episodes[${i++}]`;
    if (ep === null || typeof ep !== 'object' || Array.isArray(ep)) throw new InputError(`${at} must be an episode, an object (got ${given(ep)})`);
    const problems = episodeProblems(ep);
    const v = problems.length ? -1 : ep.views.findIndex((r) => r === null || typeof r !== 'object' || !('image' in r || typeof (r as { path?: unknown }).path === 'string'));
    if (v >= 0) problems.push(`views[${v}] must be { image } (its pixels) or { path } (a file inside dir)`);
    if (problems.length) throw new InputError(`${at}${typeof ep.id === 'string' ? ` ("${ep.id}")` : ''} is not an episode: ${problems.join('; ')}`);
    yield ep;
  }
}
