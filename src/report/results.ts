/**
 * The typed shape of the demo's `results.json`: headline figures (gap closed on the
 * training / unseen / all kinds, over-asking, ps-rate vs the oracle's minimum, accuracy
 * reference / before / after), the ProactiveBench single-turn reward baselines (De Min et al.
 * 2026, r_p ∈ {0.5, 1.0}), wall time and where it went, the config, and what `report.html`
 * and `MODEL_CARD.md` are rendered from (training curves, ask-vs-guess shares, per-kind
 * summaries, example episodes). The zod schemas are the declaration: each type is a schema's
 * output, and the same schemas validate a results.json read back from disk (results-io.ts).
 *
 * Numbers are fractions (0–1) unless the name says otherwise; a figure that is undefined
 * (gap closed when the reference is no better than the untrained model) is `null` — JSON has
 * no NaN.
 */
import { z } from 'zod';
import type { Metrics, Summary } from '../episode/metrics.js';
import { REPLY_CAUSES, type Outcome, type ParsedAction } from '../episode/types.js';

/** Bumped when a field changes meaning or is removed. */
export const RESULTS_VERSION = 1;

/**
 * Curve metric names the report plots (namespaced; see docs/architecture.md). A curve point may
 * carry any other namespaced metric too (`rl/reward/<component>`, `rl/clipFrac`, …); the table of
 * final values lists them all.
 */
export const CURVE_METRICS = {
  /** Share of training rollouts ending correct. */
  accuracy: 'rl/accuracy',
  /** Mean interventions per training rollout (ProactiveBench ps-rate). */
  psRate: 'rl/psRate',
  /** Share of control rollouts that asked first. */
  overAsking: 'rl/overAsking',
  /** The oracle's minimum ps-rate over the same rollouts' episodes (reference line). */
  oraclePsRate: 'rl/oraclePsRate',
  /** Mean total reward per trajectory. */
  reward: 'rl/reward',
  /** KL to the frozen reference: RL's starting policy (the supervised model with its ask gate opened, rl/run.ts). */
  kl: 'rl/kl',
  /** Mean policy entropy per turn. */
  entropy: 'rl/entropy',
  /** Held-out evaluation during training, when run. */
  evalAccuracy: 'eval/accuracy',
  evalPsRate: 'eval/psRate',
  evalOverAsking: 'eval/overAsking',
  evalOraclePsRate: 'eval/oraclePsRate',
} as const;

// ─── Schema and types ───────────────────────────────────────────────────────────────────
//
// Each shape is declared once, as a zod schema; its TypeScript type is the schema's output.

const frac = z.number().min(0).max(1);
const nonNeg = z.number().min(0);

/**
 * `exactly<T>()(schema)` returns `schema` unchanged, and fails to compile (at the schema) unless
 * the schema's output is `T`: assignable both ways, with the same keys in every union member.
 * For the shapes another layer owns (`Metrics`, `Summary`, `ParsedAction`, `Outcome` in
 * episode/). A `z.ZodType<T>` annotation would only check that the output fits `T`, so a field
 * added to `T` as optional, or removed from it, would go unnoticed (and be stripped from, or
 * still demanded of, results.json); it would also hide the schema's own type (`.shape`).
 */
function exactly<T>() {
  return <S extends z.ZodType<T>>(
    schema: S & (Same<T, z.output<S>> extends true ? unknown : never),
  ): S => schema;
}
type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [Keys<A>] extends [Keys<B>]
      ? [Keys<B>] extends [Keys<A>]
        ? true
        : false
      : false
    : false
  : false;
/** Every key of every member of a union (`keyof` of a union has only the shared ones). */
type Keys<T> = T extends unknown ? keyof T : never;

export const metricsSchema = exactly<Metrics>()(
  z.object({
    episodes: z.number().int().min(0),
    accuracy: frac,
    psRate: nonNeg,
    interventions: nonNeg,
    oraclePsRate: nonNeg,
    /** null when no episode's last view has a known informativeness (episode/metrics.ts). */
    guessRate: frac.nullable(),
    abstainRate: frac,
    invalidRate: frac,
    unparseableRate: frac,
    maxTurnsRate: frac,
    /** null when the episodes hold no control episode. */
    overAsking: frac.nullable(),
    /** null when the episodes hold no control episode, and (the default) in a results.json written before it was recorded. */
    controlAbstain: frac.nullable().default(null),
    controls: z.number().int().min(0),
    /** null when every episode is a control. */
    accuracyNonControl: frac.nullable(),
  }),
);

export const summarySchema = exactly<Summary>()(
  z.intersection(
    metricsSchema,
    z.object({
      byKind: z.record(z.string(), metricsSchema),
      byVariant: z.record(z.string(), metricsSchema).optional(),
      /** Unparseable endings per cause the policy's server gave (episode/metrics.ts), when any did. */
      unparseableCauses: z.partialRecord(z.enum(REPLY_CAUSES), z.number().int().min(0)).optional(),
    }),
  ),
);

/** Accuracy over all episodes and per scenario kind. */
export type AccuracyBlock = z.output<typeof accuracyBlockSchema>;
const accuracyBlockSchema = z.object({
  overall: frac,
  byKind: z.record(z.string(), frac),
  /** Per variant within a kind ("corruption/blur", …), when the summary has them (episode/variant.ts). */
  byVariant: z.record(z.string(), frac).optional(),
});

/** Gap closed = (acc − acc_before) / (acc_reference − acc_before), per split; null when undefined. */
export type GapClosed = z.output<typeof gapClosedSchema>;
const gapClosedSchema = z.object({
  /** Over the kinds RL trained on (episode-weighted). */
  train: z.number().nullable(),
  /** Over the kinds RL never saw. */
  unseen: z.number().nullable(),
  /** Over all kinds. */
  all: z.number().nullable(),
});

/** A 95 % interval of a figure (also aggregate.ts's). */
export const intervalSchema = z.object({ low: z.number(), high: z.number() });
/**
 * Per split, the 95 % interval of a gap-closed figure over the test suite's episodes (report/gap-intervals.ts: a paired,
 * stratified bootstrap — evaluation noise only, not training's variation); null where the gap is undefined.
 */
export type GapClosedIntervals = z.output<typeof gapClosedCi95Schema>;
const gapClosedCi95Schema = z.object({ train: intervalSchema.nullable(), unseen: intervalSchema.nullable(), all: intervalSchema.nullable() });

/** The headline figures; shared by our run and by each baseline. */
export type HeadlineFigures = z.output<typeof headlineFiguresSchema>;
const headlineFiguresSchema = z.object({
  gapClosed: gapClosedSchema,
  /** `gapClosed`'s intervals over the test episodes (absent in results written before they were computed). */
  gapClosedCi95: gapClosedCi95Schema.optional(),
  /**
   * Per split, the share of the bootstrap's resamples in which the reference was not `MIN_GAP_EPISODES` episodes ahead of
   * the guesser (report/gap-intervals.ts); recorded only when it withheld an interval (more than 2.5 %).
   */
  gapClosedNoGap: z.object({ train: frac, unseen: frac, all: frac }).optional(),
  /** Control episodes (answerable at once) in which the policy asked first, after RL; null when the test suite has no control episode. */
  overAsking: frac.nullable(),
  /** Mean proactive suggestions per episode after RL (proactive mode). */
  psRate: nonNeg,
  /** The oracle's minimum ps-rate over the same episodes. */
  oraclePsRate: nonNeg,
  accuracy: z.object({
    reference: accuracyBlockSchema,
    before: accuracyBlockSchema,
    after: accuracyBlockSchema,
  }),
});

/** How the policy's first move splits on one kind of first view. */
export type DecisionShares = z.output<typeof sharesSchema>;
const sharesSchema = z.object({
  /** Episodes counted. */
  n: z.number().int().min(0),
  /** First reply was an intervention (valid or not). */
  asked: frac,
  /** First reply was a category. */
  guessed: frac,
  /** First reply was an abstention or unparseable (or there was none): `abstained` + `unparseable` when they are given. */
  other: frac,
  /** First reply was an abstention (on controls, the eval's `controlAbstain`); absent in results written before it was split out of `other`. */
  abstained: frac.optional(),
  /** First reply named no option; absent in results written before it was split out of `other`. */
  unparseable: frac.optional(),
});

/** First-move decisions on uninformative first views (asking is right) and on control first views (answering is right). */
export type AskVsGuess = z.output<typeof askVsGuessSchema>;
const askVsGuessSchema = z.object({
  uninformative: sharesSchema,
  control: sharesSchema,
});

/**
 * One point of the training curves: the update index and namespaced metrics (`rl/accuracy`, …).
 * A metric that was NaN when logged is null after a JSON round trip.
 */
export type CurvePoint = z.output<typeof curvePointSchema>;
const curvePointSchema = z.object({ step: z.number() }).catchall(z.number().nullable());

/** The RL stage: algorithm, budget, reward functions and training curves. */
export type TrainingInfo = z.output<typeof trainingInfoSchema>;
const trainingInfoSchema = z.object({
  /** "grpo" | "ppo" | … */
  algorithm: z.string(),
  /** RL updates run. */
  updates: z.number().int().min(0),
  /** Episodes RL trained on. */
  episodes: z.number().int().min(0),
  /** The weighted reward functions (see docs/architecture.md). */
  rewards: z.array(z.object({ name: z.string(), weight: z.number() })),
  /** One point per update (or per logging interval). */
  curves: z.array(curvePointSchema),
});

const parsedActionSchema = exactly<ParsedAction>()(
  z.discriminatedUnion('type', [
    z.object({
      type: z.literal('category'),
      option: z.number().int(),
      category: z.number().int(),
      correct: z.boolean(),
    }),
    z.object({
      type: z.literal('intervention'),
      option: z.number().int(),
      intervention: z.number().int(),
      valid: z.boolean(),
    }),
    z.object({
      type: z.literal('abstain'),
      option: z.number().int(),
      intervention: z.number().int(),
    }),
    z.object({ type: z.literal('unparseable') }),
  ]),
);

const outcomeSchema = exactly<Outcome>()(
  z.enum([
    'correct',
    'wrong-category',
    'abstain',
    'invalid-intervention',
    'unparseable',
    'max-turns',
  ]),
);

/** One turn of an example episode. */
export type ExampleTurn = z.output<typeof turnSchema>;
const turnSchema = z.object({
  /** View index shown. */
  view: z.number().int().min(0),
  /** The view as a PNG data URL, or a path relative to the results directory. */
  image: z.string(),
  /** Whether that view shows enough to tell the category (oracle), when known. */
  informative: z.boolean().optional(),
  /** Option texts in display order (letters A, B, … in this order). */
  options: z.array(z.string()),
  /** How many of `options` are interventions (they come first). */
  numInterventions: z.number().int().min(0),
  /** The model's raw reply. */
  reply: z.string(),
  /** How the protocol parsed it. */
  action: parsedActionSchema,
});

/** One policy's run on an example episode. */
export type ExampleRun = z.output<typeof runSchema>;
const runSchema = z.object({
  turns: z.array(turnSchema),
  outcome: outcomeSchema,
  success: z.boolean(),
  interventions: z.number().int().min(0),
});

/** An example episode, played before and after RL. */
export type ReportExample = z.output<typeof exampleSchema>;
const exampleSchema = z.object({
  id: z.string(),
  kind: z.string(),
  control: z.boolean(),
  question: z.string(),
  categories: z.array(z.string()),
  /** Index of the correct category. */
  answer: z.number().int().min(0),
  /** Fewest interventions that reach an informative view. */
  minInterventions: z.number().int().min(0),
  before: runSchema,
  after: runSchema,
});

/** A ProactiveBench single-turn reward run (1 correct, r_p valid intervention, 0 otherwise). */
export type BaselineResult = z.output<typeof baselineSchema>;
const baselineSchema = z.object({
  ...headlineFiguresSchema.shape,
  /** Short id ("proactivebench-rp0.5"). */
  name: z.string(),
  /** Human label ("ProactiveBench reward, r_p = 0.5"). */
  label: z.string(),
  /** Reward for a valid intervention. */
  rp: z.number(),
  /**
   * Ours' gap closed minus this baseline's, per split, with its paired 95 % interval over the same test episodes (evaluation
   * noise only); absent in results written before it was computed.
   */
  oursMinus: z.object({ gapClosed: gapClosedSchema, ci95: gapClosedCi95Schema }).optional(),
  /** Full proactive-mode summary after its RL. */
  summary: summarySchema,
  askVsGuess: askVsGuessSchema.optional(),
  curves: z.array(curvePointSchema).optional(),
  /**
   * Its training and evaluation (training taken up finished by a re-run: the earlier run's figure); its stage in `timings`
   * (`baseline-rp0.5`…) is its training only (docs/demo.md).
   */
  wallSeconds: nonNeg.optional(),
});

/** Wall time of one stage, optionally split further (rollouts, backward, rendering …). */
export type StageTiming = z.output<typeof timingSchema>;
const timingSchema = z.object({
  stage: z.string(),
  seconds: nonNeg,
  parts: z.array(z.object({ name: z.string(), seconds: nonNeg })).optional(),
  /**
   * The demo took this stage up finished from an earlier run in its --out (a re-run): `seconds` and `parts` are what that
   * run recorded for it in its results.json, or, where it wrote none after the stage finished, what the stage's own log
   * records of its training (demo/stages.ts carryTakenUp); not the re-run's moment of loading it. Absent otherwise.
   */
  takenUp: z.literal(true).optional(),
  /**
   * The demo resumed this training stage from a checkpoint an earlier run wrote: `seconds` is this run's time plus the
   * seconds that checkpoint records (demo/stages.ts carryResumed: the training up to it, its evaluations included), what
   * the stage's kept work took in all (docs/demo.md). Absent otherwise.
   */
  resumed: z.literal(true).optional(),
});

/** The trained policy, as the report and the model card name it. */
export type ModelInfo = z.output<typeof modelInfoSchema>;
const modelInfoSchema = z.object({
  /** Policy name as it appears in tables. */
  name: z.string(),
  /** One-paragraph description (architecture, inputs, outputs). */
  description: z.string(),
  /** Trainable parameter count. */
  parameters: z.number().int().min(0).optional(),
  /** Checkpoint path relative to the results directory. */
  checkpoint: z.string().optional(),
});

/** The evaluation suite and the train / unseen split of its kinds. */
export type DataInfo = z.output<typeof dataInfoSchema>;
const dataInfoSchema = z.object({
  /** Suite generator seed. */
  seed: z.number().optional(),
  /** Every kind in the evaluation suite. */
  kinds: z.array(z.string()),
  /** Kinds RL trained on (the paper's split: sketch + camera). */
  trainKinds: z.array(z.string()),
  /** Kinds RL never saw. */
  unseenKinds: z.array(z.string()),
  /** Episodes in the supervised stage's training data. */
  supervisedEpisodes: z.number().int().min(0).optional(),
  /** Episodes in the evaluation set. */
  evalEpisodes: z.number().int().min(0),
  /** Share of control episodes (answerable at the first view). */
  controlShare: frac.optional(),
  /** Image side in pixels. */
  imageSize: z.number().int().positive().optional(),
});

/** The whole of `results.json`. */
export type Results = z.output<typeof resultsSchema>;
export const resultsSchema = z.object({
  ...headlineFiguresSchema.shape,
  version: z.literal(RESULTS_VERSION),
  /** ISO time the run finished. */
  createdAt: z.string(),
  /** The command line that produced it. */
  command: z.string().optional(),
  /** True for `askfirst demo --quick`. */
  quick: z.boolean(),
  model: modelInfoSchema,
  data: dataInfoSchema,
  /** Full proactive-mode summaries (reference = clearest view only). */
  summaries: z.object({ reference: summarySchema, before: summarySchema, after: summarySchema }),
  askVsGuess: z.object({ before: askVsGuessSchema, after: askVsGuessSchema }),
  baselines: z.array(baselineSchema),
  training: trainingInfoSchema,
  examples: z.array(exampleSchema),
  /**
   * What the demo took, training and evaluation: a re-run's own time plus, for each training stage it took up finished,
   * the time the run that trained it recorded (the `timings` marked `takenUp`).
   */
  wallSeconds: nonNeg,
  timings: z.array(timingSchema),
  /** The resolved config (free-form JSON). */
  config: z.record(z.string(), z.unknown()),
});
