/**
 * The library's `generateSuite` (docs/library.md): suite/generate.ts's, after refusing an option it does not know
 * (`{ episode: 2 }` was dropped unread: a suite of the default 70 episodes per kind) and naming a bad field as the call
 * spells it (`controlShare`, not the CLI setting `control-share`), in one line (api/arguments.ts), worded for code (`kinds`
 * as one string: pass a list, not the command line's "comma-separated").
 */
import { generateSuite as generateEpisodes } from '../suite/generate.js';
import type { SuiteConfig } from '../suite/suite-config.js';
import type { SuiteEpisode } from '../suite/types.js';
import { InvalidConfigError } from '../util/config.js';
import { ConfigError } from '../util/errors.js';
import { checkOptions, refuse } from './arguments.js';

const CALL = 'generateSuite()';

/** Every option SuiteConfig has (the compiler keeps this in step with it). */
const OPTIONS = { episodes: true, kinds: true, seed: true, size: true, controlShare: true } as const satisfies Record<keyof SuiteConfig, true>;

/** Generate a whole suite, views in memory (read them with memoryLoader); `onEpisode` is called after each episode. */
export function generateSuite(config: Partial<SuiteConfig> = {}, onEpisode?: (ep: SuiteEpisode) => void): SuiteEpisode[] {
  checkOptions(CALL, config, OPTIONS, '{ episodes?, kinds?, seed?, size?, controlShare? }');
  if (onEpisode !== undefined && typeof onEpisode !== 'function') refuse(CALL, 'its second argument, onEpisode,', 'a function', onEpisode);
  try {
    return generateEpisodes(config, onEpisode);
  } catch (e) {
    if (!(e instanceof InvalidConfigError)) throw e;
    const described = e.describe((path) => path.map(String).join('.'), `${CALL}: invalid options`, { inCode: true });
    throw new ConfigError(e.issues.length === 1 ? `${CALL}: ${described}` : described, { cause: e });
  }
}
