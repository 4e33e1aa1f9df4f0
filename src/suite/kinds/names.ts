/**
 * The seven synthetic scenario kinds (docs/architecture.md §3), one generator file each in this folder: the kinds a suite,
 * the demo and the probes draw when no --kinds is given. Data read from elsewhere may use other names.
 */
export const SCENARIO_KINDS = ['occlusion', 'passerby', 'viewpoint', 'corruption', 'sketch', 'late-event', 'camera'] as const;

/**
 * Kinds with a generator (generate.ts KIND_GENERATORS) that no default draws: generated, read and trained on only where
 * --kinds names them, so adding one changes no default suite, checkpoint or figure (docs/extending.md). None in askfirst
 * itself; a new kind starts here, and moves to SCENARIO_KINDS only on purpose.
 */
export const OPT_IN_KINDS = [] as const;

/** Every kind askfirst can generate: the seven, then the opt-in ones. `--kinds` takes any of them. */
export const GENERATED_KINDS = [...SCENARIO_KINDS, ...OPT_IN_KINDS] as const;
export type ScenarioKind = (typeof GENERATED_KINDS)[number];

/** The kinds RL trains on, the paper's generalisation split (De Min et al. 2026); the other five are "unseen". */
export const TRAIN_KINDS: readonly ScenarioKind[] = ['sketch', 'camera'];
