/** The settings of the feedback demo (feedback.ts, `askfirst feedback demo`): light, so its options and --help are read without loading the demo (src/cli/commands.ts). */
import { z } from 'zod';
import { BaseRLConfigSchema } from '../rl/configs.js';
import { outDirField, progressField, seedField } from '../util/config.js';
import type { FlagOrder } from '../util/command-flags.js';

/** The run the feedback demo keeps in its --out's run.json (`run`: util/run-settings.ts), by which outputs/out-owner.ts tells its folder. */
export const FEEDBACK_DEMO_RUN = 'feedback demo';

export const FeedbackDemoConfigSchema = z.object({
  out: outDirField().default('runs/feedback-demo').describe('output directory (feedback.json, report.html, the workbench database, checkpoints)'),
  init: z.string().optional().describe('a supervised checkpoint to start from (e.g. runs/demo/supervised); default: train one as the demo does'),
  seed: seedField().default(0).describe('master seed (suites, sampling, annotators)'),
  labels: z.array(z.coerce.number().int().min(10)).min(1).default([100, 300, 1000]).describe('label counts for the gap-closed-against-labels curve (the largest is how many pairs are labelled)'),
  askForeverShare: z.number().min(0).max(1).default(0.1).describe('pairs added to the pool, as a share of its ordinary pairs, that hold a play of the starting policy with answering masked out that keeps asking on a view that shows enough, beside an ordinary play of the same episode (without them almost no play in the pool asks on an answerable view, and a policy with no KL learned to ask on and on; docs/feedback-rlhf.md)'),
  labelOrder: z.enum(['coverage', 'sampled']).default('coverage').describe('which pairs a budget of n labels gets: first every pair that shows a kind of play no earlier pair showed, then one pair of each contrast before a second of any (coverage), or the first n in sampling order'),
  annotators: z.number().int().min(1).max(20).default(3).describe('simulated annotators per project'),
  noise: z.number().min(0).max(0.5).default(0.1).describe('share of simulated labels flipped at random'),
  rlUpdates: z.number().int().min(1).default(40).describe('updates of every RL / RLHF run'),
  episodesPerUpdate: z.number().int().min(1).default(32).describe('episodes rolled out per RL update'),
  rlEpisodes: z.number().int().min(10).default(600).describe('RL training episodes per training kind (pairs are sampled from them)'),
  evalEpisodes: z.number().int().min(5).default(60).describe('test episodes per kind (all seven kinds)'),
  dpoSteps: z.number().int().min(1).default(150).describe('DPO gradient steps'),
  rmSteps: z.number().int().min(1).default(600).describe('reward-model optimizer steps'),
  routingBudgets: z.array(z.coerce.number().min(0).max(1)).default([0.1, 0.25, 0.5]).describe('shares of pairs that get a human label in the routing comparison'),
  routingProbeShare: z.number().min(0.01).max(1).default(0.25).describe('share of the learned and committee routers\' human labels spent on random pairs first (to learn where the AI is wrong; to train the first committee)'),
  routingRounds: z.number().int().min(1).default(4).describe('rounds in which the learned router refits its predictor, and the committee router retrains its committee, on the human labels bought so far'),
  routingCommittee: z.number().int().min(2).default(5).describe('reward models in the committee router\'s committee, each trained on a bootstrap resample of the human labels so far; a round\'s labels go to the pairs whose votes split most evenly (query by committee)'),
  routingTrustBelow: z.number().min(0).max(1).default(0).describe('the learned router keeps an AI label only where its predicted P(AI wrong) is below this (0: it keeps none — the AI labels of this critic only hurt on the development seed)'),
  judgeRecognisedAt: z.number().min(0).max(1).default(0.7).describe('the AI judge takes a view to show enough where the built-in model\'s max category probability there is at least this'),
  rlhfKlCoef: z.number().min(0).default(0.2).describe(`KL coefficient of the RLHF runs on a learned reward (RL on the simulator's reward keeps the RL stage's own, ${BaseRLConfigSchema.shape.klCoef.parse(undefined)}): a stronger pull to the starting policy, which asks on almost no control episode (chosen on development seeds, docs/feedback-rlhf.md)`),
  gaoLabels: z.number().int().min(10).default(300).describe('labels of the plain and fact-augmented reward models of the over-optimisation regime: enough for the fact-augmented one to be accurate on held-out pairs while the plain one cannot tell a right guess from a wrong one (with 30 neither was accurate and the regime said nothing; chosen on development seeds, docs/feedback-rlhf.md)'),
  gaoLabelOrder: z.enum(['coverage', 'sampled']).optional().describe('which pairs the over-optimisation regime\'s two reward models get (default: as --label-order): first every kind of play and contrast (coverage), or the first gaoLabels in sampling order (sampled: a random sample of the pool, as Gao et al.\'s proxy reward models had)'),
  gaoKlCoef: z.number().min(0).default(0).describe('KL coefficient of the over-optimisation regime\'s two RLHF runs (0: no pull to the start, so over-optimisation can show; the other RLHF runs use --rlhf-kl-coef, RL on the simulator\'s reward the RL stage\'s default)'),
  gaoUpdates: z.number().int().min(1).default(120).describe('updates of the over-optimisation regime\'s two RLHF runs'),
  gaoEvalEvery: z.number().int().min(1).default(20).describe('updates between the over-optimisation runs\' evaluations on the test suite (gold and proxy reward of the same plays)'),
  progress: progressField('progress bars'),
});
export type FeedbackDemoConfig = z.output<typeof FeedbackDemoConfigSchema>;

/** What the feedback demo's flags leave out of its settings: where it writes, whether it shows progress. */
const NOT_SETTINGS = new Set(['out', 'progress']);
type Field = keyof typeof FeedbackDemoConfigSchema.shape;
const fields = Object.keys(FeedbackDemoConfigSchema.shape).filter((k) => !NOT_SETTINGS.has(k)) as Field[];
const defaultOf = (k: Field): unknown => z.safeParse(FeedbackDemoConfigSchema.shape[k], undefined).data;
/** A setting as the user types it: a list joined by commas. */
const shown = (v: unknown): string => (Array.isArray(v) ? v.join(',') : String(v));

/**
 * The options of `askfirst feedback demo` that give a demo its settings (util/command-flags.ts flagsOf, with
 * FeedbackDemoConfigSchema: a feedback.json's `config`, a run.json's settings with --init as given), in the schema's order,
 * --seed always, other defaults left out: the command feedback.json records, and those a message says to run (a re-run
 * under other settings is refused, keepRunSettings).
 */
export const FEEDBACK_DEMO_FLAGS: FlagOrder<Field> = { order: fields, always: ['seed'] };

/**
 * What the seeds of `feedback demo-aggregate` must share for a mean over them to be of one setting, by field, as the user
 * types it: every setting but --seed and --init (each seed starts from its own seed's supervised checkpoint) and where it
 * writes. A setting the feedback.json does not record (written before it existed) is undefined (not compared); an optional
 * one left out (--gao-label-order) is "(none)".
 */
export function feedbackDemoSharedSettings(config: Readonly<Record<string, unknown>>): Record<string, string | undefined> {
  return Object.fromEntries(
    fields
      .filter((k) => k !== 'seed' && k !== 'init')
      .map((k) => [k, config[k] !== undefined && config[k] !== null ? shown(config[k]) : defaultOf(k) === undefined ? '(none)' : undefined]),
  );
}
