/**
 * The seed folders of a demo run over several seeds (`askfirst demo --seeds`, `askfirst feedback
 * demo-aggregate`): seed n's run lives in `<out>/seed-<n>/`, and an aggregate reads it only if the
 * run there is seed n's. A run of another seed in that folder (a demo run without --seed, so with
 * the default 0, into seed-1/) would be counted as a second seed: one seed twice and a narrower
 * interval, said nowhere.
 */
import { join } from 'node:path';
import { InputError } from '../util/errors.js';

/** Where the run of one seed lives. */
export function seedDir(out: string, seed: number): string {
  return join(out, `seed-${seed}`);
}

/**
 * Refuse a seed folder's run made with another seed, in one line: `file` (the run's results file),
 * `ran` the seed it records (undefined: it records none, and is taken as it is), `field` where it
 * records it, `what` the run ("a demo"), `fix` what makes the folder hold seed `seed`'s run.
 */
export function checkSeedRun(file: string, seed: number, ran: number | undefined, what: { run: string; field: string; fix: string }): void {
  if (ran === undefined || ran === seed) return;
  throw new InputError(`${file} is ${what.run} of seed ${ran} (its ${what.field}), not of seed ${seed}; ${what.fix}, or leave ${seed} out of --seeds`);
}
