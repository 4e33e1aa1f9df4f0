/**
 * How a demo's RL run (`<demo>/rl`, `<demo>/baseline-rp*`: rl-runs.ts) is named in its run.json: a stage of the demo, not a
 * `train rl` run. Light (no model code), so the commands that tell an --out's owner (cli/out-owner.ts) and `train`'s guard
 * read it without loading the demo.
 */
import type { KeptSettings } from '../util/run-settings.js';

/** The run a demo's RL run keeps in its run.json (`run`): a stage of the demo, not a `train rl` run. */
export const DEMO_RL_RUN = 'demo rl';

/** Whether the settings kept in a run's folder are a demo's RL run's (also as kept before they were named so: `rl`, `init` alone). */
export function isDemoRL(kept: KeptSettings | null | undefined): boolean {
  return kept?.run === DEMO_RL_RUN || (kept?.run === 'rl' && Object.keys(kept.settings).join() === 'init');
}
