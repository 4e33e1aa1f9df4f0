/**
 * The typed shape of the demo's `results.json` (issue 4): headline figures (gap closed on the
 * training / unseen / all kinds, over-asking, ps-rate vs the oracle's minimum, accuracy
 * reference / before / after), the ProactiveBench single-turn reward baselines (De Min et al.
 * 2026, r_p ∈ {0.5, 1.0}), wall time and where it went, the config, and what `report.html`
 * and `MODEL_CARD.md` are rendered from (training curves, ask-vs-guess shares, per-kind
 * summaries, example episodes). A zod schema validates a results.json read back from disk.
 *
 * Numbers are fractions (0–1) unless the name says otherwise; a figure that is undefined
 * (gap closed when the reference is no better than the untrained model) is `null` — JSON has
 * no NaN.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Metrics, Summary } from '../episode/metrics.js';
import type { Outcome, ParsedAction } from '../episode/types.js';
import { DataError, NotFoundError } from '../util/errors.js';
import { writeJson } from '../util/fsx.js';

/** Bumped when a field changes meaning or is removed. */
export const RESULTS_VERSION = 1;

/** Names of the files the demo writes under `--out`. */
export const RESULTS_FILE = 'results.json';
export const REPORT_FILE = 'report.html';
export const MODEL_CARD_FILE = 'MODEL_CARD.md';

/**
 * Curve metric names the report plots (DESIGN.md §6.8, namespaced). A curve point may carry any
 * other namespaced metric too (`rl/reward/<component>`, `rl/clipFrac`, …); the table of final
 * values lists them all.
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
  /** KL to the frozen supervised policy. */
  kl: 'rl/kl',
  /** Mean policy entropy per turn. */
  entropy: 'rl/entropy',
  /** Held-out evaluation during training, when run. */
  evalAccuracy: 'eval/accuracy',
  evalPsRate: 'eval/psRate',
  evalOverAsking: 'eval/overAsking',
  evalOraclePsRate: 'eval/oraclePsRate',
} as const;

// ─── Types ──────────────────────────────────────────────────────────────────────────────

/** Accuracy over all episodes and per scenario kind. */
export interface AccuracyBlock {
  overall: number;
  byKind: Record<string, number>;
}

/** Gap closed = (acc − acc_before) / (acc_reference − acc_before), per split; null when undefined. */
export interface GapClosed {
  /** Over the kinds RL trained on (episode-weighted). */
  train: number | null;
  /** Over the kinds RL never saw. */
  unseen: number | null;
  /** Over all kinds. */
  all: number | null;
}

/** The headline figures; shared by our run and by each baseline. */
export interface HeadlineFigures {
  gapClosed: GapClosed;
  /** Control episodes (answerable at once) in which the policy asked first, after RL. */
  overAsking: number;
  /** Mean proactive suggestions per episode after RL (proactive mode). */
  psRate: number;
  /** The oracle's minimum ps-rate over the same episodes. */
  oraclePsRate: number;
  accuracy: { reference: AccuracyBlock; before: AccuracyBlock; after: AccuracyBlock };
}

/** How the policy's first move splits on one kind of first view. */
export interface DecisionShares {
  /** Episodes counted. */
  n: number;
  /** First reply was an intervention (valid or not). */
  asked: number;
  /** First reply was a category. */
  guessed: number;
  /** First reply was an abstention or unparseable. */
  other: number;
}

/** First-move decisions on uninformative first views (asking is right) and on control first views (answering is right). */
export interface AskVsGuess {
  uninformative: DecisionShares;
  control: DecisionShares;
}

/**
 * One point of the training curves: the update index and namespaced metrics (`rl/accuracy`, …).
 * A metric that was NaN when logged is null after a JSON round trip.
 */
export type CurvePoint = { step: number } & Record<string, number | null>;

export interface TrainingInfo {
  /** "grpo" | "ppo" | … */
  algorithm: string;
  /** RL updates run. */
  updates: number;
  /** Episodes RL trained on. */
  episodes: number;
  /** The weighted reward functions (DESIGN.md §6.5). */
  rewards: { name: string; weight: number }[];
  /** One point per update (or per logging interval). */
  curves: CurvePoint[];
}

/** One turn of an example episode. */
export interface ExampleTurn {
  /** View index shown. */
  view: number;
  /** The view as a PNG data URL, or a path relative to the results directory. */
  image: string;
  /** Whether that view shows enough to tell the category (oracle), when known. */
  informative?: boolean;
  /** Option texts in display order (letters A, B, … in this order). */
  options: string[];
  /** How many of `options` are interventions (they come first). */
  numInterventions: number;
  /** The model's raw reply. */
  reply: string;
  /** How the protocol parsed it. */
  action: ParsedAction;
}

/** One policy's run on an example episode. */
export interface ExampleRun {
  turns: ExampleTurn[];
  outcome: Outcome;
  success: boolean;
  interventions: number;
}

/** An example episode, played before and after RL. */
export interface ReportExample {
  id: string;
  kind: string;
  control: boolean;
  question: string;
  categories: string[];
  /** Index of the correct category. */
  answer: number;
  /** Fewest interventions that reach an informative view. */
  minInterventions: number;
  before: ExampleRun;
  after: ExampleRun;
}

/** A ProactiveBench single-turn reward run (1 correct, r_p valid intervention, 0 otherwise). */
export interface BaselineResult extends HeadlineFigures {
  /** Short id ("proactivebench-rp0.5"). */
  name: string;
  /** Human label ("ProactiveBench reward, r_p = 0.5"). */
  label: string;
  /** Reward for a valid intervention. */
  rp: number;
  /** Full proactive-mode summary after its RL. */
  summary: Summary;
  askVsGuess?: AskVsGuess;
  curves?: CurvePoint[];
  wallSeconds?: number;
}

/** Wall time of one stage, optionally split further (rollouts, backward, rendering …). */
export interface StageTiming {
  stage: string;
  seconds: number;
  parts?: { name: string; seconds: number }[];
}

export interface ModelInfo {
  /** Policy name as it appears in tables. */
  name: string;
  /** One-paragraph description (architecture, inputs, outputs). */
  description: string;
  /** Trainable parameter count. */
  parameters?: number;
  /** Checkpoint path relative to the results directory. */
  checkpoint?: string;
}

export interface DataInfo {
  /** Suite generator seed. */
  seed?: number;
  /** Every kind in the evaluation suite. */
  kinds: string[];
  /** Kinds RL trained on (the paper's split: sketch + camera). */
  trainKinds: string[];
  /** Kinds RL never saw. */
  unseenKinds: string[];
  /** Episodes in the supervised stage's training data. */
  supervisedEpisodes?: number;
  /** Episodes in the evaluation set. */
  evalEpisodes: number;
  /** Share of control episodes (answerable at the first view). */
  controlShare?: number;
  /** Image side in pixels. */
  imageSize?: number;
}

export interface Results extends HeadlineFigures {
  version: typeof RESULTS_VERSION;
  /** ISO time the run finished. */
  createdAt: string;
  /** The command line that produced it. */
  command?: string;
  /** True for `askfirst demo --quick`. */
  quick: boolean;
  model: ModelInfo;
  data: DataInfo;
  /** Full proactive-mode summaries (reference = clearest view only). */
  summaries: { reference: Summary; before: Summary; after: Summary };
  askVsGuess: { before: AskVsGuess; after: AskVsGuess };
  baselines: BaselineResult[];
  training: TrainingInfo;
  examples: ReportExample[];
  wallSeconds: number;
  timings: StageTiming[];
  /** The resolved config (free-form JSON). */
  config: Record<string, unknown>;
}

// ─── Schema ─────────────────────────────────────────────────────────────────────────────

const frac = z.number().min(0).max(1);
const nonNeg = z.number().min(0);

export const metricsSchema: z.ZodType<Metrics> = z.object({
  episodes: z.number().int().min(0),
  accuracy: frac,
  psRate: nonNeg,
  interventions: nonNeg,
  oraclePsRate: nonNeg,
  guessRate: frac,
  abstainRate: frac,
  invalidRate: frac,
  unparseableRate: frac,
  maxTurnsRate: frac,
  overAsking: frac,
  controls: z.number().int().min(0),
  accuracyNonControl: frac,
});

export const summarySchema: z.ZodType<Summary> = z.intersection(
  metricsSchema,
  z.object({ byKind: z.record(z.string(), metricsSchema) }),
);

const accuracyBlockSchema: z.ZodType<AccuracyBlock> = z.object({
  overall: frac,
  byKind: z.record(z.string(), frac),
});

const headline = {
  gapClosed: z.object({
    train: z.number().nullable(),
    unseen: z.number().nullable(),
    all: z.number().nullable(),
  }),
  overAsking: frac,
  psRate: nonNeg,
  oraclePsRate: nonNeg,
  accuracy: z.object({
    reference: accuracyBlockSchema,
    before: accuracyBlockSchema,
    after: accuracyBlockSchema,
  }),
};

const sharesSchema: z.ZodType<DecisionShares> = z.object({
  n: z.number().int().min(0),
  asked: frac,
  guessed: frac,
  other: frac,
});
const askVsGuessSchema: z.ZodType<AskVsGuess> = z.object({
  uninformative: sharesSchema,
  control: sharesSchema,
});

const curvePointSchema = z
  .object({ step: z.number() })
  .catchall(z.number().nullable()) as unknown as z.ZodType<CurvePoint>;

const parsedActionSchema: z.ZodType<ParsedAction> = z.discriminatedUnion('type', [
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
]);

const outcomeSchema = z.enum([
  'correct',
  'wrong-category',
  'abstain',
  'invalid-intervention',
  'unparseable',
  'max-turns',
]);

const turnSchema: z.ZodType<ExampleTurn> = z.object({
  view: z.number().int().min(0),
  image: z.string(),
  informative: z.boolean().optional(),
  options: z.array(z.string()),
  numInterventions: z.number().int().min(0),
  reply: z.string(),
  action: parsedActionSchema,
});

const runSchema: z.ZodType<ExampleRun> = z.object({
  turns: z.array(turnSchema),
  outcome: outcomeSchema,
  success: z.boolean(),
  interventions: z.number().int().min(0),
});

const exampleSchema: z.ZodType<ReportExample> = z.object({
  id: z.string(),
  kind: z.string(),
  control: z.boolean(),
  question: z.string(),
  categories: z.array(z.string()),
  answer: z.number().int().min(0),
  minInterventions: z.number().int().min(0),
  before: runSchema,
  after: runSchema,
});

const baselineSchema: z.ZodType<BaselineResult> = z.object({
  ...headline,
  name: z.string(),
  label: z.string(),
  rp: z.number(),
  summary: summarySchema,
  askVsGuess: askVsGuessSchema.optional(),
  curves: z.array(curvePointSchema).optional(),
  wallSeconds: nonNeg.optional(),
});

const timingSchema: z.ZodType<StageTiming> = z.object({
  stage: z.string(),
  seconds: nonNeg,
  parts: z.array(z.object({ name: z.string(), seconds: nonNeg })).optional(),
});

export const resultsSchema: z.ZodType<Results> = z.object({
  ...headline,
  version: z.literal(RESULTS_VERSION),
  createdAt: z.string(),
  command: z.string().optional(),
  quick: z.boolean(),
  model: z.object({
    name: z.string(),
    description: z.string(),
    parameters: z.number().int().min(0).optional(),
    checkpoint: z.string().optional(),
  }),
  data: z.object({
    seed: z.number().optional(),
    kinds: z.array(z.string()),
    trainKinds: z.array(z.string()),
    unseenKinds: z.array(z.string()),
    supervisedEpisodes: z.number().int().min(0).optional(),
    evalEpisodes: z.number().int().min(0),
    controlShare: frac.optional(),
    imageSize: z.number().int().positive().optional(),
  }),
  summaries: z.object({ reference: summarySchema, before: summarySchema, after: summarySchema }),
  askVsGuess: z.object({ before: askVsGuessSchema, after: askVsGuessSchema }),
  baselines: z.array(baselineSchema),
  training: z.object({
    algorithm: z.string(),
    updates: z.number().int().min(0),
    episodes: z.number().int().min(0),
    rewards: z.array(z.object({ name: z.string(), weight: z.number() })),
    curves: z.array(curvePointSchema),
  }),
  examples: z.array(exampleSchema),
  wallSeconds: nonNeg,
  timings: z.array(timingSchema),
  config: z.record(z.string(), z.unknown()),
});

// ─── I/O ────────────────────────────────────────────────────────────────────────────────

/** Validate parsed JSON as Results; the error names the file and the first bad field. */
export function parseResults(json: unknown, file = RESULTS_FILE): Results {
  const r = resultsSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    const more =
      r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problems)` : '';
    throw new DataError(`not a valid askfirst results file: ${where}: ${issue.message}${more}`, {
      file,
    });
  }
  return r.data;
}

/** Read and validate `<dir>/results.json` (or a path ending in .json). */
export async function readResults(path: string): Promise<Results> {
  const file = path.endsWith('.json') ? path : join(path, RESULTS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new NotFoundError(
        `results file not found: ${file} (run \`askfirst demo --out DIR\` first)`,
        { cause: e },
      );
    throw new DataError(`cannot read results: ${(e as Error).message}`, { file, cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DataError(`invalid JSON: ${(e as Error).message}`, { file, cause: e });
  }
  return parseResults(json, file);
}

/** Validate and write `<dir>/results.json` atomically; returns its path. */
export async function writeResults(dir: string, results: Results): Promise<string> {
  const file = join(dir, RESULTS_FILE);
  parseResults(JSON.parse(JSON.stringify(results)), file);
  await writeJson(file, results);
  return file;
}

// ─── Targets ────────────────────────────────────────────────────────────────────────────

/** Issue 4's acceptance targets, shown beside the measured figures (targets, not results). */
export const TARGETS = {
  /** Gap closed on the RL-trained kinds, at least. */
  gapClosedTrain: 0.9,
  /** Gap closed on the unseen kinds, at least. */
  gapClosedUnseen: 0.5,
  /** Over-asking on control episodes, at most. */
  overAsking: 0.1,
  /** ps-rate at most this multiple of the oracle's minimum. */
  psRateOverOracle: 1.5,
  /** Whole default demo, at most (seconds). */
  wallSeconds: 600,
} as const;
