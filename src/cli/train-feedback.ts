/**
 * The work of the stages of `askfirst train` that learn from human feedback (their options are in
 * train-schema.ts, registered by train-command.ts, which loads this file only when one runs):
 *   train reward     Bradley–Terry reward model (plain or fact-augmented) on a workbench
 *                    project's labelled trajectory pairs, read through the built-in encoder (--init)
 *   train dpo        DPO on the same labelled pairs, from the supervised checkpoint (--init)
 *   train rl --reward rm:DIR     RLHF: GRPO/PPO on a learned reward (+ KL to the start)
 * The labels are read from the database exactly as stored (src/feedback/pairs.ts); an empty label
 * set or a label on an item that is not a valid pair stops the stage before anything trains, and
 * `train dpo --resume` stops when the labels are no longer those its run started on.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { goldReward } from '../demo/feedback.js';
import { openStore } from '../feedback/open-store.js';
import { openingLine } from '../feedback/db-dir.js';
import { readLabelledPairs } from '../feedback/pairs.js';
import { RunDir, weightsDigestIfAny } from '../nn/run-dir.js';
import { dpoUsablePairs, trainDPO } from '../rl/dpo.js';
import { RewardModel, checkRewardModelConfig, rewardSpecDir, rewardSummary, trainRewardModel, type PreferenceExample } from '../rl/reward-model.js';
import type { RLContext } from '../rl/run.js';
import { createViewLoader } from '../suite/loader.js';
import { rlValSuite } from '../suite/splits.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { resolveConfig } from '../util/config.js';
import { ConfigError, InputError } from '../util/errors.js';
import { writeFileAtomicSync } from '../util/fsx.js';
import { shellQuote } from '../util/shell-quote.js';
import { alreadyFinishedLine } from './run-guard.js';
import { StoppableJob, type Orderly } from './signals.js';
import { DPOStageSchema, RewardStageSchema, type DPOStageOptions, type RewardStageOptions } from './train-schema.js';

/** Where a DPO run keeps what it learns from (checkDpoLabels). */
export const DPO_LABELS_FILE = 'labels.json';

/**
 * The labelled pairs of a project as training examples, views as files in the project's image folder. The database is
 * open inside `orderly` (the CLI's, guardRun's): a signal meanwhile lets the labels be read and the database closed
 * before the command exits; it used to exit at once, leaving the database's lock behind.
 */
export async function labelledExamples(
  dbDir: string,
  projectName: string,
  onOpening?: (dbDir: string) => void,
  orderly: Orderly = new StoppableJob('').orderly,
): Promise<{ examples: PreferenceExample[]; loader: ViewLoader; episodes: SuiteEpisode[] }> {
  const { labels, imageDir } = await orderly('closing the feedback database after reading the labels', async () => {
    const store = await openStore(dbDir, { create: false, onOpening }); // the labels are in a database the workbench made
    try {
      const project = await store.project(projectName);
      return { imageDir: project.imageDir, labels: await readLabelledPairs(store, project) };
    } finally {
      await store.close();
    }
  });
  const eps = new Map<string, SuiteEpisode>();
  const examples = labels.map((l) => {
    let ep = eps.get(l.pair.episode.id);
    if (!ep) eps.set(l.pair.episode.id, (ep = { ...l.pair.episode, views: l.pair.episode.views.map((v) => ({ path: join(imageDir, v) })) }));
    return { pairId: l.pair.id, a: { episode: ep, record: l.pair.a }, b: { episode: ep, record: l.pair.b }, preferred: l.preferred };
  });
  return { examples, loader: createViewLoader(imageDir), episodes: [...eps.values()] };
}

/** `train reward` (the stage registered in train-command.ts); `orderly`: its run guard's (labelledExamples). */
export async function runRewardStage(c: z.output<typeof RewardStageOptions>, log = (s: string) => console.error(s), orderly?: Orderly): Promise<void> {
  const { init, ...rest } = c;
  const cfg = resolveConfig(RewardStageSchema, rest, 'reward model');
  const { examples, loader } = await labelledExamples(cfg.dbDir, cfg.project, (d) => log(openingLine('train reward', d)), orderly);
  const { metrics: m } = await trainRewardModel(cfg, { encoder: BuiltinPolicy.load(init), encoderDir: init, examples, loader, gold: goldReward });
  console.log(rewardSummary(m, cfg.out));
}

/** What a DPO run learns from, kept in `<out>/labels.json`: `--resume` must find the same. */
export interface DpoLabels {
  project: string;
  init: string;
  labels: number;
  /** SHA-256 of the labels in the order the run reads them (pair id and preferred play). */
  sha256: string;
}

export function dpoLabels(project: string, init: string, examples: readonly Pick<PreferenceExample, 'pairId' | 'preferred'>[]): DpoLabels {
  const sha256 = createHash('sha256').update(JSON.stringify(examples.map((e) => [e.pairId, e.preferred]))).digest('hex');
  return { project, init: resolve(init), labels: examples.length, sha256 };
}

/**
 * A DPO run's checkpoints hold a policy trained on its labels; resumed on others (labels added
 * or changed in the workbench since, another --project or --init) the rest of the run would
 * train on other data, silently. Refuse that; otherwise (re)write `<out>/labels.json`.
 */
export function checkDpoLabels(out: string, resume: boolean, now: DpoLabels): void {
  const file = join(out, DPO_LABELS_FILE);
  const run = new RunDir(out);
  const started = resume && (run.completeSteps().length > 0 || run.isFinished());
  if (started && existsSync(file)) {
    const then = JSON.parse(readFileSync(file, 'utf8')) as DpoLabels;
    if (then.project !== now.project || then.init !== now.init || then.sha256 !== now.sha256) {
      const what = (l: DpoLabels) => `${l.labels} labels of project "${l.project}" from ${l.init}`;
      throw new ConfigError(
        `${out} was started on ${what(then)}, and would resume on ${what(now)}: the rest of the run would train on other data. Add --overwrite (instead of --resume) to start over on these labels, or use another --out`,
      );
    }
    return;
  }
  writeFileAtomicSync(file, `${JSON.stringify(now, null, 2)}\n`);
}

/** `train dpo` (the stage registered in train-command.ts); `orderly`: its run guard's (labelledExamples). */
export async function runDpoStage(c: z.output<typeof DPOStageOptions>, log = (s: string) => console.error(s), orderly?: Orderly): Promise<void> {
  const { init, ...rest } = c;
  const cfg = resolveConfig(DPOStageSchema, rest, 'DPO');
  const { examples, loader, episodes } = await labelledExamples(cfg.dbDir, cfg.project, (d) => log(openingLine('train dpo', d)), orderly);
  // --init is loaded before <out>/labels.json is written: a folder holding no model used to leave OUT behind with a
  // labels.json naming it, though nothing had started
  const policy = BuiltinPolicy.load(init);
  checkDpoLabels(cfg.out, cfg.resume, dpoLabels(cfg.project, init, examples));
  const ctx: RLContext = { policy, train: episodes, val: rlValSuite(cfg), loader, log };
  const r = await trainDPO(cfg, ctx, examples);
  if (r.alreadyFinished) return console.log(alreadyFinishedLine('dpo', cfg.out));
  const last = r.curve[r.curve.length - 1] ?? {};
  // the labels it learned from (dpoUsablePairs). Was: every label read, counting the pairs trainDPO left out (a play in
  // each ending on a reply naming no option), so "on 3 labels" where it trained on 2
  const used = dpoUsablePairs(examples).length;
  console.log(`dpo: ${r.updates} steps on ${used < examples.length ? `${used} of ${examples.length} labels (${examples.length - used} left out)` : `${used} labels`}; last: ${Object.entries(last).filter(([k]) => k.startsWith('eval/') || k === 'dpo/loss').map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ')}; checkpoint: ${cfg.out}/final`);
}

/** `--reward rm:DIR` → the RL context's learned reward (its own frozen encoder, views through `loader`). */
export function learnedReward(spec: string, loader: ViewLoader): NonNullable<RLContext['reward']> {
  const dir = rewardSpecDir(spec);
  checkRewardEncoder(dir);
  const rm = RewardModel.load(dir, loader);
  return (trajs) => rm.score(trajs);
}

/**
 * A reward model reads each play through the frozen encoder at the path its config.json names (the `--init` of `train
 * reward`), loaded from that path when it is used; the run's `run.json` keeps the weights' digest it was trained through
 * (`settings.init.id`). Refuse when that folder holds other weights now (a supervised run trained again into it, another
 * checkpoint copied there): the model would score features it never learned on, silently. No run.json (a reward model
 * the feedback demo wrote, or a copy of `final/` alone) or no digest in it: not checked, as before.
 */
export function checkRewardEncoder(dir: string): void {
  checkRewardModelConfig(dir); // a config.json edited since training (its encoder path, say) is refused as such first
  const config = join(dir, 'final', 'config.json');
  const runDir = existsSync(config) ? dir : resolve(dir, '..');
  let kept: string | undefined;
  let encoder: string | undefined;
  try {
    kept = (JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { settings?: { init?: { id?: unknown } } }).settings?.init?.id as string | undefined;
    encoder = (JSON.parse(readFileSync(existsSync(config) ? config : join(dir, 'config.json'), 'utf8')) as { encoder?: unknown }).encoder as string | undefined;
  } catch {
    return; // RewardModel.load says what is wrong with the model itself
  }
  if (typeof kept !== 'string' || !kept || typeof encoder !== 'string') return;
  const now = weightsDigestIfAny(encoder);
  if (!now || now === kept) return; // a missing encoder: RewardModel.load names it
  throw new InputError(
    `the reward model in ${dir} was trained reading plays through the model in ${encoder} (${kept.slice(0, 19)}…), which holds other weights now (${now.slice(0, 19)}…): its scores would not mean what it learned. Train it again on that checkpoint (askfirst train reward --init ${shellQuote(encoder)} --out ${shellQuote(runDir)} --overwrite, with its --project), or put back the checkpoint it was trained on`,
  );
}
