import { z } from 'zod';

/** The seven synthetic scenario kinds (docs/architecture.md §3), one generator file each in this folder. Data read from elsewhere may use other names. */
export const SCENARIO_KINDS = ['occlusion', 'passerby', 'viewpoint', 'corruption', 'sketch', 'late-event', 'camera'] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

/** The kinds RL trains on, the paper's generalisation split (De Min et al. 2026); the other five are "unseen". */
export const TRAIN_KINDS: readonly ScenarioKind[] = ['sketch', 'camera'];

/** A list of generated kinds, each at most once: a kind given twice would be generated twice, under the same episode ids. */
export function kindListField() {
  return z
    .array(z.enum(SCENARIO_KINDS))
    .min(1)
    .refine((ks) => new Set(ks).size === ks.length, {
      error: (iss) => {
        const ks = iss.input as string[];
        return `lists ${[...new Set(ks.filter((k, i) => ks.indexOf(k) !== i))].join(', ')} more than once; give each kind once`;
      },
    });
}
