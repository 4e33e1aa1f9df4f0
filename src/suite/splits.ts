/**
 * The generated suites a training run of the built-in model uses, in one place so `train` and
 * `demo` draw the same data from the same seed:
 *   - the supervised stage's suite: every kind, no controls (its clearest views are the images);
 *   - RL's training and validation suites: the training kinds at seeds `seed + 2` and `seed + 3`
 *     (the demo's test suite is at `seed + 4`, so the three never share an episode).
 */
import { SCENARIO_KINDS } from './kinds/names.js';
import { generateSuite, generateSuiteYielding } from './generate.js';
import type { SuiteConfig } from './suite-config.js';
import type { SuiteEpisode } from './types.js';

/** Validation episodes per kind for RL's periodic greedy evaluation. */
export const RL_VAL_EPISODES = 20;

/** The supervised stage's training suite: `episodes` per kind of every kind, no controls. */
export function supervisedSuite(o: { episodes: number; seed: number; size?: number }, onEpisode?: () => void): SuiteEpisode[] {
  return generateSuite(supervisedSuiteConfig(o), onEpisode);
}

/** The generator settings of the supervised stage's suite (supervisedSuite; a caller that generates it its own way). */
export function supervisedSuiteConfig(o: { episodes: number; seed: number; size?: number }): Partial<SuiteConfig> {
  return { episodes: o.episodes, seed: o.seed, size: o.size ?? 64, kinds: [...SCENARIO_KINDS], controlShare: 0 };
}

/** RL's validation suite for the given kinds, from the run's seed. */
export function rlValSuite(o: { seed: number; kinds: readonly string[] }, onEpisode?: () => void): SuiteEpisode[] {
  return generateSuite(rlValConfig(o), onEpisode);
}

const rlValConfig = (o: { seed: number; kinds: readonly string[] }): Partial<SuiteConfig> => ({ episodes: RL_VAL_EPISODES, seed: o.seed + 3, kinds: [...o.kinds] });

/** RL's training and validation suites for the given kinds, from the run's seed. */
export function rlSplits(o: RLSplitOptions, onEpisode?: () => void): { train: SuiteEpisode[]; val: SuiteEpisode[] } {
  const c = rlSplitConfigs(o);
  return { train: generateSuite(c.train, onEpisode), val: generateSuite(c.val, onEpisode) };
}

type RLSplitOptions = { episodes: number; seed: number; kinds: readonly string[]; controlShare?: number };

/** The generator settings of RL's training and validation suites (rlSplits; a caller that generates them its own way). */
export function rlSplitConfigs(o: RLSplitOptions): { train: Partial<SuiteConfig>; val: Partial<SuiteConfig> } {
  const controls = o.controlShare === undefined ? {} : { controlShare: o.controlShare }; // the training suite's share of controls (default: the suite's)
  return { train: { episodes: o.episodes, seed: o.seed + 2, kinds: [...o.kinds], ...controls }, val: rlValConfig(o) };
}

/**
 * `supervisedSuite` (the same episodes) handing the event loop a turn after each episode (`generateSuiteYielding`): a
 * command drawing it hears Ctrl-C between episodes, not once the whole suite is drawn (seconds to minutes at the
 * default sizes). For `train` and the demos; the synchronous one stays for library callers and tests.
 */
export function supervisedSuiteYielding(o: { episodes: number; seed: number; size?: number }, onEpisode?: () => void): Promise<SuiteEpisode[]> {
  return generateSuiteYielding(supervisedSuiteConfig(o), onEpisode);
}

/** `rlSplits` (the same episodes) handing the event loop a turn after each episode, as `supervisedSuiteYielding`. */
export async function rlSplitsYielding(o: RLSplitOptions, onEpisode?: () => void): Promise<{ train: SuiteEpisode[]; val: SuiteEpisode[] }> {
  const c = rlSplitConfigs(o);
  return { train: await generateSuiteYielding(c.train, onEpisode), val: await generateSuiteYielding(c.val, onEpisode) };
}
