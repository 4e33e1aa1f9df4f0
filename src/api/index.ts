/**
 * askfirst as a library: `import { evaluate, … } from 'askfirst'` (package.json "exports" points here, with the
 * declarations beside it). The few entry points a researcher needs to do in code what `askfirst suite generate` and
 * `askfirst eval` do (docs/library.md): episodes (generated in memory, or read from a `--data` folder), a policy (a
 * spec such as `oracle` or `openai:URL#MODEL`, or their own object meeting `Policy`), `evaluate` (resumable results
 * and `summary.json` when given `out`), and the metrics with their 95 % intervals. Everything else under dist/ is
 * internal: the package exports only this file, so it may change between versions without notice.
 */

// Episodes
export { generateSuite } from './generate-suite.js'; // refuses an option it does not know, naming fields as the call spells them
export { memoryLoader } from '../suite/loader.js';
export { loadData } from './load-data.js'; // checks its arguments first
export type { LoadedData } from '../suite/open.js';
export { writeSuite } from './write-suite.js'; // refuses another command's folder, as askfirst suite generate does
export { SCENARIO_KINDS, TRAIN_KINDS, type ScenarioKind } from '../suite/kinds/names.js';
export type { SuiteConfig } from '../suite/suite-config.js';

// A scenario kind of your own, registered for this process: generateSuite generates it, loadData reads it back
export { registerKind, unregisterKind, registeredKinds, type KindDefinition } from '../suite/kinds/registry.js';
export { ABSTAIN_TEXT, ladderSteps, railSteps, RejectedDraw, type KindContext, type RawEpisode } from '../suite/kinds/common.js';
export { INFORMATIVE_MIN, UNINFORMATIVE_MAX } from '../suite/oracle.js';
export { CATEGORIES } from '../scenes/shapes.js';
export type { SuiteEpisode, ViewLoader, ViewRef } from '../suite/types.js';
export type { Episode, EpisodeRecord, EvalMode, Outcome } from '../episode/types.js';

// Policies
export { createPolicy } from './create-policy.js'; // checks its arguments first
export type { ActOptions, Observation, Policy, PolicyContext, PolicyReply } from '../agents/policy.js';
export type { RGBImage } from '../scenes/image.js';
export { pngDataUrl } from './png-data-url.js'; // checks its image first

// Evaluation and metrics
export { evaluate } from './evaluate.js'; // checks its options first; with `out`: refuses another command's folder, as askfirst eval does
export type { EvaluateOptions, EvaluateResult } from '../eval/evaluate.js';
export { MIN_GAP_EPISODES, type Metrics, type Summary } from '../episode/metrics.js';
export { gapClosed, summarize, intervalSummary } from './summaries.js'; // check their arguments first
export type { IntervalSummary } from '../eval/intervals.js';

// Errors (each has a machine-readable `code`; the message says what to fix)
export { AskfirstError } from '../util/errors.js';
