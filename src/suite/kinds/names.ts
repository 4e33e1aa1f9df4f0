/** The seven synthetic scenario kinds (docs/architecture.md §3), one generator file each in this folder. Data read from elsewhere may use other names. */
export const SCENARIO_KINDS = ['occlusion', 'passerby', 'viewpoint', 'corruption', 'sketch', 'late-event', 'camera'] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];
