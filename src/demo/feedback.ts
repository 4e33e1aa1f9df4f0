/**
 * The feedback demo (`askfirst feedback demo`): human feedback that trains the policy, end to end
 * through the real workbench path, measured against the simulator's own reward.
 *
 *   supervised guesser (or --init) → RL's starting policy samples two plays per training episode
 *   → trajectory pairs imported into a workbench project (PGlite) → simulated annotators label
 *   them over the workbench's HTTP API (10 % noise; a second project with the "prefers a
 *   confident answer" bias) → the labels read back from the database → Bradley–Terry reward
 *   models (plain and fact-augmented; the fact one at several label counts) → RLHF (GRPO on the
 *   learned reward + KL) and DPO, beside RL on the simulator's reward from the same start → the
 *   over-optimisation regime (Gao et al. 2022: plain and fact-augmented reward models from the
 *   same `gaoLabels` labels, no KL by default, gold and proxy reward of test plays every `gaoEvalEvery` updates) → evaluation on all
 *   seven kinds → routing between the simulated people and the AI critic (Miranda et al. 2024:
 *   margin, random, a learned router and a committee of reward models) → feedback.json and report.html (the feedback section).
 *
 * A demo whose two workbench projects are fully labelled resumes from the database (no pairs are
 * sampled again); finished RL runs are read back from their directories, one in progress resumes
 * from its latest checkpoint, and the over-optimisation regime after its last evaluated segment.
 *
 * Budgets are counted in steps, updates and labels, never in seconds. The HTTP server is handed
 * in (`deps.startWorkbench`): the workbench lives on this floor's neighbour, server/.
 */
import { carryResumed, carryTakenUp, checkpointSeconds, stageTimer, type ResumedStage, type TakenUpStage } from './stages.js';
import { join, resolve } from 'node:path';
import { mkdir, readFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import type { EpisodeRecord, EvalMode } from '../episode/types.js';
import { summarize, type Summary } from '../episode/metrics.js';
import { SCENARIO_KINDS, TRAIN_KINDS } from '../suite/kinds/names.js';
import { RL_VAL_EPISODES, rlSplitsYielding, supervisedSuiteYielding } from '../suite/splits.js';
import { generateSuiteYielding } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { createViewLoader } from '../suite/loader.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { CachedPolicy, FeatureCache } from '../agents/builtin/feature-cache.js';
import { runEpisodes } from '../agents/runner.js';
import { RunDir, readCheckpointConfig, resolveCheckpointDir, weightsDigestIfAny, type RunContents } from '../nn/index.js';
import { openDb } from '../feedback/db.js';
import { hasPgliteDb } from '../feedback/pglite-create.js';
import { openingLine } from '../feedback/db-dir.js';
import { FeedbackStore, type Project } from '../feedback/store.js';
import { askForeverPairs, asksOnAnswerable, labelsPerPair, pairToItem, pairsFromRecords, readLabelledPairs, type LabelledPair, type TrajectoryPair } from '../feedback/pairs.js';
import { answersAtOnce, simulateAnnotators, type Bias } from '../feedback/simulate.js';
import { firstByCoverage } from '../feedback/pair-coverage.js';
import { finishedSeconds, resolveSupervisedConfig, trainSupervised } from '../rl/supervised.js';
import { trainGRPO } from '../rl/grpo.js';
import { trainDPO } from '../rl/dpo.js';
import { makeRewards, scoreTrajectory } from '../rl/rewards.js';
import { rolloutMultiTurn } from '../rl/rollout.js';
import { finishedCurve, RLRun, type RLResult } from '../rl/run.js';
import { BaseRLConfigSchema } from '../rl/configs.js';
import { RewardModel, isHeldOut, rewardSummary, trainRewardModel, type PreferenceExample, type RewardModelMetrics } from '../rl/reward-model.js';
import { routePairs, routerFeatures, ROUTING_STRATEGIES } from '../rl/routing.js';
import { featuresFromPerceptions, turnPerceptions, type Trajectory } from '../rl/trajectory-features.js';
import { judgePair } from '../rl/pair-judge.js';
import { gapClosedSplit } from '../report/data.js';
import { checkNewerFeedback, FEEDBACK_FILE, writeFeedbackReport, type FeedbackResults, type GaoPoint, type PolicyResult } from '../report/feedback-section.js';
import { refuseNewerSummary } from './newer-summary.js';
import { gaoKeptSeconds, type TimedPoint } from './gao-time.js';
import { resolveConfig } from '../util/config.js';
import type { AskfirstError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsx.js';
import { Rng } from '../util/rng.js';
import { mean } from '../util/stats.js';
import { progress, withBar } from '../util/progress.js';
import { keepRunSettings, keptSettingKinds, RUN_SETTINGS_FILE } from '../util/run-settings.js';
import { shellQuote } from '../util/shell-quote.js';
import { FEEDBACK_DEMO_FLAGS, FEEDBACK_DEMO_RUN, FeedbackDemoConfigSchema, type FeedbackDemoConfig } from './feedback-config.js';
import { flagsOf } from '../util/command-flags.js';

export interface FeedbackDemoDeps {
  /** Serve the workbench API over HTTP on `store` (server/workbench); returns its URL and a close. */
  startWorkbench(store: FeedbackStore): Promise<{ url: string; close(): Promise<void> }>;
  /**
   * Run `fn`, which holds the workbench database open, so that Ctrl-C meanwhile aborts its signal (saying `doing`)
   * instead of ending the process at once: `fn` stops after the current label and closes the server and the database
   * (the CLI's `orderly`, cli/signals.ts). Without it nothing aborts the signal.
   */
  whileOpen?<T>(doing: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /**
   * Have `undo` run if the demo ends without finishing, by an error or a signal (the CLI's, cli/run-guard.ts `guardRun`):
   * a re-run that fails before it trains or labels anything puts back the run.json it found, as `train` and the demo do.
   */
  unlessDone?(undo: () => void): () => void;
}

/**
 * The RL regime of a run of the demo beside the shared base (updates, episodes per update, seed):
 * RL on the gold reward at the RL stage's own KL coefficient; RLHF on a learned reward at the
 * demo's `rlhfKlCoef`. (The over-optimisation regime sets its own: `gaoKlCoef`, `gaoUpdates`.)
 */
export function rlRegime(cfg: Pick<FeedbackDemoConfig, 'rlhfKlCoef'>, reward: 'gold' | 'learned'): { klCoef?: number } {
  return reward === 'learned' ? { klCoef: cfg.rlhfKlCoef } : {};
}

/**
 * The name of the over-optimisation regime's reward model of `variant`: the label curve's own
 * (`fact-300`) when the regime takes its labels in the demo's order, else one of its own
 * (`fact-300-sampled`).
 */
export function regimeRm(cfg: Pick<FeedbackDemoConfig, 'gaoLabels' | 'gaoLabelOrder' | 'labelOrder'>, variant: 'fact' | 'plain'): string {
  const order = cfg.gaoLabelOrder ?? cfg.labelOrder;
  return `${variant}-${cfg.gaoLabels}${order === cfg.labelOrder ? '' : `-${order}`}`;
}

/** The labelled pairs both reward models of the over-optimisation regime learn from. */
export function regimeExamples<T extends Parameters<typeof firstByCoverage>[0][number]>(cfg: Pick<FeedbackDemoConfig, 'gaoLabels' | 'gaoLabelOrder' | 'labelOrder'>, ex: readonly T[]): T[] {
  return firstInOrder(cfg.gaoLabelOrder ?? cfg.labelOrder, ex, cfg.gaoLabels);
}

/** A budget of n labels: every kind of play, then every contrast, first (coverage, pair-coverage.ts), or the first n in sampling order. */
export function firstInOrder<T extends Parameters<typeof firstByCoverage>[0][number]>(order: FeedbackDemoConfig['labelOrder'], ex: readonly T[], n: number): T[] {
  return order === 'coverage' ? firstByCoverage(ex, n) : ex.slice(0, n);
}

/**
 * The demo's project of labelled pairs: read back when it exists, else created with every pair
 * in one transaction, so a demo stopped while it is being filled finds no half-filled project
 * (whose missing pairs it would never add) when run again.
 */
export async function pairsProject(store: FeedbackStore, name: string, suiteDir: string, pairs: readonly TrajectoryPair[], onCreate?: () => void): Promise<Project> {
  try {
    return await store.project(name);
  } catch (e) {
    if ((e as AskfirstError).code !== 'NOT_FOUND') throw e;
    const made = await store.createProject(name, suiteDir, 1, pairs.map(pairToItem));
    onCreate?.();
    return made;
  }
}

/** The gold reward: the simulator's rule reward of the RL stage (rewards.ts, default weights). */
const goldRewards = makeRewards();
export const goldReward = (r: EpisodeRecord) => scoreTrajectory(r, goldRewards).total;

/**
 * What a re-run of the feedback demo must share with the run it takes up (keepRunSettings): every setting but where it
 * writes and whether it shows progress; --init by the SHA-256 of the model's weights, as `train rl --resume` compares it.
 * None was added since the feedback demo began keeping them (KeepRunSettings.added).
 */
function feedbackDemoSettings(cfg: FeedbackDemoConfig): Record<string, unknown> {
  const { out: _out, progress: _progress, init, ...rest } = cfg;
  return { ...rest, ...(init ? { init: { shown: init, id: weightsDigestIfAny(resolve(init)) } } : {}) };
}

export async function runFeedbackDemo(partial: unknown, deps: FeedbackDemoDeps, log: (s: string) => void = console.log): Promise<FeedbackResults> {
  const cfg = resolveConfig(FeedbackDemoConfigSchema, partial, 'feedback demo');
  const out = resolve(cfg.out);
  const supDir = cfg.init ? resolve(cfg.init) : join(out, 'supervised');
  const dbDir = join(out, 'feedback-db');
  // A newer askfirst's feedback.json, which this run writes over at its end (it never reads it), refused before any work.
  refuseNewerSummary(join(out, FEEDBACK_FILE), checkNewerFeedback);
  // The training runs it takes up (its supervised stage, every RL run: finished, or resumed), each checked now for what going
  // on from it reads: a newer askfirst's state.json or config.json was refused once its stage was reached, after the suites.
  const takenUp = () => [...(cfg.init ? [] : [supDir]), ...subfolders(join(out, 'rl'))].map((d) => new RunDir(d));
  const held = new Map(takenUp().map((r) => [r.root, r.contents()]));
  for (const r of takenUp()) r.checkFormats();
  // A re-run takes up the labels, pairs and RL runs in --out: under other settings (--seed, --init…) it would build on another demo's.
  const started = existsSync(out) && readdirSync(out).some((f) => f !== RUN_SETTINGS_FILE && !f.startsWith('.'));
  const hadDb = hasPgliteDb(dbDir);
  const kept = keepRunSettings(out, feedbackDemoSettings(cfg), { run: FEEDBACK_DEMO_RUN, resuming: started, startOver: `remove ${cfg.out}`, known: keptSettingKinds(FeedbackDemoConfigSchema.shape, new Set(['out', 'progress'])) });
  // failed or stopped before it trained or labelled anything: the run.json it found stays (a re-run with a wrong --init or
  // --seed into an older askfirst's folder left its settings there, and the right re-run was refused)
  const none: RunContents = { steps: [], final: null };
  // what it wrote into the database: a project made, a label given (a database it found counts as written to only then)
  let wroteDb = false;
  deps.unlessDone?.(() => takenUp().some((r) => r.wroteSince(held.get(r.root) ?? none)) || (!hadDb && hasPgliteDb(dbDir)) || wroteDb || kept.undo());
  const t0 = performance.now();
  const { timings, stage } = stageTimer();
  const trainKinds = [...TRAIN_KINDS] as string[];
  const maxLabels = Math.max(...cfg.labels);
  // A training stage (`name`) in the run folder `dir`, timed as the main demo times its own (pipeline.ts): taken up finished,
  // the training time its log records (`logged`), not this run's moment of loading it (carryTakenUp); resumed from a
  // checkpoint, this run's time plus the training before it (carryResumed). Was: a moment, or this run's part only.
  const tookUp: TakenUpStage[] = [];
  const resumedStages: ResumedStage[] = [];
  // `finished`: whether the stage is taken up finished (by default its run's final model; the over-optimisation regime's is
  // written at the end of each segment, so its stages say when the regime is done: gaoDone).
  // `kept`: what the runs before spent on the work a resumed stage keeps (by default its newest checkpoint's training seconds).
  const trained = async <T>(name: string, dir: string, logged: () => Promise<number | undefined>, fn: () => Promise<T>, finished = new RunDir(dir).isFinished(), kept: () => number | undefined = () => checkpointSeconds(dir)): Promise<T> => {
    if (finished) {
      const seconds = await logged();
      tookUp.push({ stage: name, earlier: false, ...(seconds === undefined ? {} : { own: { stage: name, seconds } }) });
    } else {
      const seconds = kept();
      if (seconds !== undefined && seconds > 0) resumedStages.push({ stage: name, seconds });
    }
    return stage(name, fn);
  };
  /** An RL run's training time as its log records it (rl/run.ts finishedCurve), none when it logged nothing. */
  const rlLogged = (dir: string) => async () => {
    const c = await finishedCurve(dir);
    return c.curve.length ? c.seconds : undefined;
  };

  // ── 1. suites and the supervised guesser ──────────────────────────────────
  if (cfg.init) readCheckpointConfig(resolveCheckpointDir(supDir)); // a wrong --init (or a newer askfirst's) fails now, not after the suites are generated (tens of seconds)
  const bar = progress('generate suites', (cfg.rlEpisodes + RL_VAL_EPISODES) * TRAIN_KINDS.length + cfg.evalEpisodes * SCENARIO_KINDS.length, { enabled: cfg.progress, unit: 'episodes' }); // as the demo shows it
  // drawn a turn of the event loop at a time: Ctrl-C stops the demo between episodes, not after every suite
  const { train, val, test } = await withBar(bar, async () => {
    const tick = () => bar.tick();
    const { train, val } = await rlSplitsYielding({ episodes: cfg.rlEpisodes, seed: cfg.seed, kinds: TRAIN_KINDS }, tick);
    return { train, val, test: await generateSuiteYielding({ episodes: cfg.evalEpisodes, seed: cfg.seed + 4 }, tick) };
  });
  if (!cfg.init) {
    const supCfg = resolveSupervisedConfig({ out: supDir, seed: cfg.seed + 1, steps: 720, resume: true, progress: cfg.progress, model: { seed: cfg.seed } });
    const finished = new RunDir(supDir).isFinished(); // taken up: loaded below
    await trained('supervised', supDir, () => finishedSeconds(supDir, supCfg.steps), async () => (finished ? undefined : trainSupervised(supCfg, await supervisedSuiteYielding({ episodes: 300, seed: cfg.seed + 1 }), log)));
  }
  const supervised = BuiltinPolicy.load(supDir);
  const pairsDir = join(out, 'pairs');
  const loader: ViewLoader = createViewLoader(join(pairsDir, 'suite')); // in-memory views and the pair suite's files
  const cache = new FeatureCache(supervised.model, loader);
  const rlBase = { updates: cfg.rlUpdates, episodesPerUpdate: cfg.episodesPerUpdate, seed: cfg.seed, resume: true, progress: cfg.progress, evalEvery: 10 };

  // ── 2. pairs from the RL starting policy's own plays ──────────────────────
  // The workbench database is open only while the demo reads and writes it (`withDb`); there Ctrl-C stops after the
  // current label and closes it (deps.whileOpen), elsewhere at once: all else the demo writes is complete or redone.
  const whileOpen = deps.whileOpen ?? ((_doing, fn) => fn(new AbortController().signal));
  const withDb = <T>(fn: (store: FeedbackStore, signal: AbortSignal) => Promise<T>): Promise<T> =>
    whileOpen('closing the feedback database after the current label (every label given is saved)', async (signal) => {
      log(openingLine('feedback demo', dbDir)); // PGlite takes seconds to open
      const store = await FeedbackStore.open(await openDb({ dataDir: dbDir, signal })); // a new one is made in seconds, stopped by the signal
      try {
        return await fn(store, signal);
      } finally {
        await store.close();
      }
    });
  const samplePairs = async () => {
    const sampler = await new RLRun(BaseRLConfigSchema.parse({ ...rlBase, out: join(pairsDir, 'sampler'), resume: false, progress: false }), { policy: BuiltinPolicy.load(supDir), train, val, loader, features: cache }).init();
    const rng = new Rng(cfg.seed + 11);
    const order = rng.shuffle([...train.keys()]).map((i) => train[i]);
    const recs: { record: EpisodeRecord; source: string }[] = [];
    const used: SuiteEpisode[] = [];
    // Four plays per episode give up to two pairs of different plays; stop once there are enough.
    for (let i = 0; i < order.length && new Set(recs.map((r) => r.record.id)).size < maxLabels * 0.75; i += 256) {
      const eps = order.slice(i, i + 256);
      const roll = await rolloutMultiTurn(sampler.ctx.policy, sampler.ref, cache, eps, 4, rng);
      used.push(...eps);
      for (const t of roll.trajectories) recs.push({ record: t.record!, source: 'RL start policy, sampled' });
    }
    const written = (await writeSuite(join(pairsDir, 'suite'), used)).map((e) => ({ ...e, views: e.views.map((v) => ('path' in v ? v.path : '')) }));
    const ordinaryPairs = pairsFromRecords(written, recs, { seed: cfg.seed, perEpisode: 2 });
    // Plays that keep asking on views that show enough: the same policy on the same episodes with answering masked out (rollout.ts `askOnly`), paired with an ordinary play.
    const want = Math.round(cfg.askForeverShare * ordinaryPairs.length);
    const forever: { record: EpisodeRecord; source: string }[] = [];
    const frng = new Rng(cfg.seed + 13);
    for (let i = 0; i < used.length && forever.length < want; i += 256) {
      const roll = await rolloutMultiTurn(sampler.ctx.policy, sampler.ref, cache, used.slice(i, i + 256), 1, frng, { askOnly: true });
      for (const t of roll.trajectories) if (asksOnAnswerable(t.record!)) forever.push({ record: t.record!, source: 'RL start policy, answering masked out' });
    }
    const extra = askForeverPairs(written, recs, forever, ordinaryPairs, { seed: cfg.seed, max: want });
    if (want) log(`feedback demo: ${extra.length} more pairs hold a play that keeps asking on views that show enough (${extra.filter((p) => [p.a, p.b].some((r) => r.outcome === 'max-turns')).length} run out of turns)`);
    return rng.shuffle([...ordinaryPairs, ...extra]).slice(0, maxLabels);
  };

  // ── 3. simulated annotators over the workbench's HTTP API ─────────────────
  const label = async (store: FeedbackStore, signal: AbortSignal, name: string, bias: Bias, pairs: readonly TrajectoryPair[]) => {
    signal.throwIfAborted();
    const project = await pairsProject(store, name, join(pairsDir, 'suite'), pairs, () => (wroteDb = true));
    // a demo stopped between an annotator's taking a pair and labelling it: give the pair back
    await store.releaseOpenOf(project.id, `${name}-sim-`);
    const pr = await store.progress(project.id);
    if (pr.labels < pr.needed) {
      const server = await deps.startWorkbench(store);
      try {
        const people = [];
        for (let k = 0; k < cfg.annotators; k++) people.push(await store.addAnnotator(`${name}-sim-${k + 1}-${Date.now().toString(36)}`));
        const bar = progress(`simulated annotators (${name})`, pr.needed - pr.labels, { enabled: cfg.progress, unit: 'labels' });
        const held = await labelsPerPair(store, project.id);
        const onLabel = () => {
          wroteDb = true;
          bar.tick();
        };
        const r = await simulateAnnotators(server.url, project.id, people, new Map(pairs.map((p) => [p.id, p])), goldReward, { noise: cfg.noise, bias, seed: cfg.seed }, { onLabel, held, signal });
        bar.stop();
        log(`feedback demo: ${r.labels} labels over HTTP in project ${name} (${Object.entries(r.byAnnotator).map(([a, n]) => `${a.split('-sim-')[1]?.split('-')[0] ?? a}: ${n}`).join(', ')})`);
      } finally {
        await server.close();
      }
      signal.throwIfAborted(); // stopped after the labels in progress (the orderly section then exits)
    }
    return readLabelledPairs(store, project);
  };
  const labelBoth = async (store: FeedbackStore, signal: AbortSignal, pairs: readonly TrajectoryPair[]) => ({
    honest: await stage('labels-honest', () => label(store, signal, 'pairs-honest', 'none', pairs)),
    confident: await stage('labels-confident', () => label(store, signal, 'pairs-confident', 'confident', pairs)),
  });
  // A resumed demo whose two projects are fully labelled reads its pairs back from the database; otherwise the pairs are
  // sampled (the database closed meanwhile) and labelled.
  const fullyLabelled = async (store: FeedbackStore, name: string) => {
    const p = await store.project(name).catch(() => null);
    const pr = p && (await store.progress(p.id));
    return !!pr && pr.needed > 0 && pr.labels >= pr.needed;
  };
  // A new demo has no database yet, so nothing to read back: it is made once, when the pairs are labelled (it was made,
  // opened, found empty and closed first, then opened again: a second open of 2–3 s).
  let pairs: TrajectoryPair[] = [];
  let labels = hasPgliteDb(dbDir)
    ? await withDb(async (store, signal) => ((await fullyLabelled(store, 'pairs-honest')) && (await fullyLabelled(store, 'pairs-confident')) ? labelBoth(store, signal, pairs) : null))
    : null;
  const resumed = labels !== null;
  if (!labels) {
    pairs = await stage('pairs', samplePairs);
    log(`feedback demo: ${pairs.length} pairs of differing plays from the RL starting policy`);
    labels = await withDb((store, signal) => labelBoth(store, signal, pairs));
  }
  const { honest, confident } = labels;

  // The labelled pairs as the reward model reads them: views as files of the pair suite.
  const suiteDir = join(pairsDir, 'suite');
  const asSuite = new Map<string, SuiteEpisode>();
  const toExamples = (ls: readonly LabelledPair[]): PreferenceExample[] =>
    ls.map((l) => {
      let ep = asSuite.get(l.pair.episode.id);
      if (!ep) asSuite.set(l.pair.episode.id, (ep = { ...l.pair.episode, views: l.pair.episode.views.map((v) => ({ path: join(suiteDir, v) })) }));
      return { pairId: l.pair.id, a: { episode: ep, record: l.pair.a }, b: { episode: ep, record: l.pair.b }, preferred: l.preferred };
    });
  const honestEx = toExamples(honest);
  const firstLabels = (ex: readonly PreferenceExample[], n: number) => firstInOrder(cfg.labelOrder, ex, n);
  const confidentEx = toExamples(confident);
  const labelAgreement = (ex: readonly PreferenceExample[]) => {
    const decided = ex.filter((e) => goldReward(e.a.record) !== goldReward(e.b.record));
    return decided.filter((e) => (goldReward(e.a.record) > goldReward(e.b.record) ? 0 : 1) === e.preferred).length / Math.max(1, decided.length);
  };

  // ── 4. reward models ──────────────────────────────────────────────────────
  const rms = new Map<string, { model: RewardModel; metrics: RewardModelMetrics }>();
  const rm = async (name: string, variant: 'plain' | 'fact', ex: readonly PreferenceExample[]) => {
    const dir = join(out, 'reward', name);
    const r = await trainRewardModel({ out: dir, variant, steps: cfg.rmSteps, seed: cfg.seed, progress: false }, { encoder: supervised, encoderDir: supDir, examples: ex, loader, features: cache, gold: goldReward });
    log(rewardSummary(r.metrics, dir));
    rms.set(name, r);
    return r;
  };
  await stage('reward-models', async () => {
    for (const n of cfg.labels) await rm(`fact-${n}`, 'fact', firstLabels(honestEx, n));
    await rm(`plain-${maxLabels}`, 'plain', honestEx.slice(0, maxLabels));
    await rm(`confident-plain-${maxLabels}`, 'plain', confidentEx.slice(0, maxLabels));
    // What prevents the bias's reward hacking: the fact-augmented reward model trained only on the
    // pairs the bias cannot touch (both plays answer at once, or both ask); the facts it reads
    // (right or wrong, on a view that shows enough or not) carry over to the pairs it did not see.
    await rm(`confident-guarded-${maxLabels}`, 'fact', confidentEx.slice(0, maxLabels).filter((e) => answersAtOnce(e.a.record) === answersAtOnce(e.b.record)));
    // The over-optimisation regime (Gao et al. 2022): both reward models from the same gaoLabels labels.
    const regime = regimeExamples(cfg, honestEx);
    for (const variant of ['fact', 'plain'] as const) if (!rms.has(regimeRm(cfg, variant))) await rm(regimeRm(cfg, variant), variant, regime);
  });

  // ── 5. RL with the gold reward, RLHF with each reward model, DPO ──────────
  const runs = new Map<string, RLResult>();
  const rlRun = async (name: string, reward?: RewardModel): Promise<RLResult> => {
    const dir = join(out, 'rl', name);
    const policy = BuiltinPolicy.load(supDir);
    if (new RunDir(dir).isFinished()) {
      const p = BuiltinPolicy.load(dir);
      const r = { policy: p, updates: 0, seconds: 0, curve: (await readCurve(dir)) ?? [] };
      runs.set(name, r);
      return r;
    }
    const ctx = { policy, train, val, loader, log, features: cache, ...(reward ? { reward: (t: readonly Trajectory[]) => reward.score(t) } : {}) };
    const r = await trainGRPO({ out: dir, ...rlBase, ...rlRegime(cfg, reward ? 'learned' : 'gold') }, ctx);
    runs.set(name, r);
    return r;
  };
  /** The RL stage `name` training the run `run` (in rl/), timed as a training stage (trained). */
  const rlStage = (name: string, run: string, fn: () => Promise<unknown>) => trained(name, join(out, 'rl', run), rlLogged(join(out, 'rl', run)), fn);
  await rlStage('rl-gold', 'gold', () => rlRun('gold'));
  for (const n of cfg.labels) await rlStage(`rlhf-fact-${n}`, `rlhf-fact-${n}`, () => rlRun(`rlhf-fact-${n}`, rms.get(`fact-${n}`)!.model));
  await rlStage('rlhf-plain', `rlhf-plain-${maxLabels}`, () => rlRun(`rlhf-plain-${maxLabels}`, rms.get(`plain-${maxLabels}`)!.model));
  await rlStage('rlhf-confident-plain', `rlhf-confident-plain-${maxLabels}`, () => rlRun(`rlhf-confident-plain-${maxLabels}`, rms.get(`confident-plain-${maxLabels}`)!.model));
  await rlStage('rlhf-confident-guarded', `rlhf-confident-guarded-${maxLabels}`, () => rlRun(`rlhf-confident-guarded-${maxLabels}`, rms.get(`confident-guarded-${maxLabels}`)!.model));
  // Gao et al.'s regime, the same for both reward models: gaoLabels labels, KL coefficient gaoKlCoef (0 by default), longer;
  // trained in segments of gaoEvalEvery updates (each resumes from the last checkpoint), and after
  // each segment the policy plays the test suite greedily: the gold reward (simulator) and the
  // proxy (the reward model's score) of the same held-out plays, against the KL from the start.
  const gaoEval = new Map<string, GaoPoint[]>();
  /** The points of the regime's segments in `dir` evaluated so far, written after each: a demo stopped part-way goes on after the last. */
  const gaoPoints = (dir: string) => readFile(join(dir, GAO_EVAL_FILE), 'utf8').then((t) => JSON.parse(t) as GaoEvalPoint[]).catch(() => [] as GaoEvalPoint[]);
  /** Whether the regime's run in `dir` is done: every segment trained and evaluated (final/ alone is any segment's end). */
  const gaoDone = (dir: string, points: readonly GaoPoint[]) => (points.at(-1)?.update ?? 0) >= cfg.gaoUpdates && new RunDir(dir).isFinished();
  /** The update the regime's next segment trains to, after its points so far. */
  const gaoNext = (points: readonly GaoPoint[]) => Math.min((points.at(-1)?.update ?? 0) + cfg.gaoEvalEvery, cfg.gaoUpdates);
  /** The points as feedback.json keeps them (testCurve): without the regime's time, which its stage's timing gives. */
  const curveOf = (points: readonly GaoEvalPoint[]): GaoPoint[] => points.map(({ seconds: _seconds, ...p }) => p);
  // `points`: its points so far; `before`: what the runs before spent on what it keeps (gao-time.ts), each point's `seconds` from it
  const gaoRun = async (name: string, reward: RewardModel, points: GaoEvalPoint[], before: number) => {
    const t0 = performance.now();
    const dir = join(out, 'rl', name);
    const file = join(dir, GAO_EVAL_FILE);
    const last = points.at(-1)?.update ?? 0;
    if (gaoDone(dir, points)) {
      gaoEval.set(name, curveOf(points));
      return rlRun(name, reward);
    }
    let r: RLResult | undefined;
    for (let u = Math.min(last + cfg.gaoEvalEvery, cfg.gaoUpdates); ; u = Math.min(u + cfg.gaoEvalEvery, cfg.gaoUpdates)) {
      const ctx = { policy: BuiltinPolicy.load(supDir), train, val, loader, log, features: cache, reward: (t: readonly Trajectory[]) => reward.score(t) };
      r = await trainGRPO({ out: dir, ...rlBase, updates: u, klCoef: cfg.gaoKlCoef, checkpointEvery: cfg.gaoEvalEvery }, ctx);
      // a segment trained to its end before the demo stopped: its weights are final/'s, its curve rl.jsonl's
      if (r.alreadyFinished) r = { ...r, curve: (await readCurve(dir)) ?? [] };
      const recs = await runEpisodes(test, new CachedPolicy(r.policy, cache, test), { mode: 'proactive', loader, batchSize: 512 });
      const proxy = await reward.score(recs.map((record, i) => ({ episode: test[i], record })));
      const kls = r.curve.filter((c) => c.update > u - cfg.gaoEvalEvery && c.update <= u).map((c) => c['rl/kl']).filter((x) => Number.isFinite(x));
      points.push({ update: u, kl: kls.length ? mean(kls) : null, proxy: mean([...proxy]), gold: mean(recs.map(goldReward)), evalAccuracy: summarize(recs).accuracy, seconds: before + (performance.now() - t0) / 1000 });
      await writeFileAtomic(file, `${JSON.stringify(points)}\n`);
      if (u >= cfg.gaoUpdates) break;
    }
    gaoEval.set(name, curveOf(points));
    runs.set(name, r!);
    return r!;
  };
  // A regime stopped between two segments is resumed, not taken up (was: taken up by final/, the last segment's, with its log's
  // time, and the remaining segments' time lost). Its time is this run's and what the runs before spent on what it keeps:
  // the seconds its last point records (training and the test evaluations: was the newest checkpoint's training seconds only,
  // the evaluations lost) and the training kept after it (was lost when final/ was past the newest checkpoint: --gao-updates
  // not a multiple of --gao-eval-every). Taken up done, its last point's seconds (was: its log's training time).
  // A point of an older askfirst records no seconds: then the newest checkpoint's, or the log's, as before (gao-time.ts).
  const gaoStage = async (variant: 'plain' | 'fact') => {
    const run = `gao-${variant}-${cfg.gaoLabels}`;
    const dir = join(out, 'rl', run);
    const points = await gaoPoints(dir);
    const kept = await gaoKeptSeconds(dir, points, gaoNext(points));
    const logged = async () => kept ?? (await rlLogged(dir)());
    const before = () => kept ?? checkpointSeconds(dir);
    return trained(`gao-${variant}`, dir, logged, () => gaoRun(run, rms.get(regimeRm(cfg, variant))!.model, points, before() ?? 0), gaoDone(dir, points), before);
  };
  await gaoStage('plain');
  await gaoStage('fact');
  await rlStage('dpo', `dpo-${maxLabels}`, async () => {
    const dir = join(out, 'rl', `dpo-${maxLabels}`);
    if (new RunDir(dir).isFinished()) return runs.set(`dpo-${maxLabels}`, { policy: BuiltinPolicy.load(dir), updates: 0, seconds: 0, curve: (await readCurve(dir)) ?? [] });
    const r = await trainDPO({ out: dir, ...rlBase, updates: cfg.dpoSteps }, { policy: BuiltinPolicy.load(supDir), train, val, loader, log, features: cache }, honestEx.slice(0, maxLabels));
    runs.set(`dpo-${maxLabels}`, r);
  });

  // ── 6. evaluation on all seven kinds ──────────────────────────────────────
  const evaluate = async (p: BuiltinPolicy, mode: EvalMode) => runEpisodes(test, new CachedPolicy(p, cache, test), { mode, loader, batchSize: 512 });
  const { reference, before, policies } = await stage('eval', async () => {
    const reference = summarize(await evaluate(supervised, 'reference'));
    const beforeRecs = await evaluate(supervised, 'proactive');
    const before = { ...summarize(beforeRecs), testGold: mean(beforeRecs.map(goldReward)) };
    const policies: PolicyResult[] = [];
    for (const [name, r] of runs) {
      const recs = await evaluate(r.policy, 'proactive');
      await writeFileAtomic(join(out, 'eval', name, 'results.jsonl'), recs.map((x) => JSON.stringify(x) + '\n').join(''));
      const s = summarize(recs);
      policies.push({ name, ...policyFigures(reference, before, s, trainKinds), testGold: mean(recs.map(goldReward)), curve: r.curve.map(gaoPoint), ...(gaoEval.has(name) ? { testCurve: gaoEval.get(name) } : {}) });
    }
    return { reference, before, policies };
  });

  // ── 7. routing between people and the AI critic ───────────────────────────
  const routing = await stage('routing', async () => {
    const ex = honestEx.slice(0, maxLabels);
    const plays = ex.flatMap((e) => [e.a, e.b]);
    // The model's perception of every turn, computed once: the judge reads it, the router's features derive from it.
    const seen = await turnPerceptions(supervised, cache, plays);
    const plain = featuresFromPerceptions(plays, seen, 'plain');
    const ai = ex.map((e, i) => {
      const [va, vb] = judgePair({ record: e.a.record, turns: seen[2 * i] }, { record: e.b.record, turns: seen[2 * i + 1] }, { recognisedAt: cfg.judgeRecognisedAt });
      const choice = (va >= vb ? 0 : 1) as 0 | 1;
      // What the learned router sees: the plays and the model's beliefs (plain features), the AI's pick first, and its margin.
      return { choice, margin: Math.abs(va - vb), features: routerFeatures(plain[2 * i + choice], plain[2 * i + 1 - choice], Math.abs(va - vb)) };
    });
    const trainIdx = ex.map((_, i) => i).filter((i) => !isHeldOut(ex[i].pairId, 0.2, cfg.seed));
    const aiAgreement = labelAgreement(ex.map((e, i) => ({ ...e, preferred: ai[i].choice })));
    const points: FeedbackResults['routing']['points'] = [];
    // Human labels on `humans`, nothing on `dropped`, the AI's label on the other training pairs (held-out pairs keep theirs for the measurement).
    const train1 = async (name: string, humans: Set<number>, dropped: Set<number> = new Set()) => {
      const mixed = ex.flatMap((e, i) => (humans.has(i) || !trainIdx.includes(i) ? [e] : dropped.has(i) ? [] : [{ ...e, preferred: ai[i].choice }]));
      const r = await trainRewardModel({ out: join(out, 'routing', name), variant: 'fact', steps: cfg.rmSteps, seed: cfg.seed, progress: false }, { encoder: supervised, encoderDir: supDir, examples: mixed, loader, features: cache, gold: goldReward });
      return r.metrics.heldOut.goldAccuracy;
    };
    // The committee router's reward models: fact RMs (the same training budget) on a bootstrap resample of the human labels so far, scoring every training pair.
    const trainPlays = trainIdx.flatMap((i) => [ex[i].a, ex[i].b]);
    const committeeMargins = async (sample: readonly number[], member: number) => {
      const r = await trainRewardModel({ variant: 'fact', steps: cfg.rmSteps, seed: cfg.seed + member, heldOut: 0, progress: false }, { encoder: supervised, encoderDir: supDir, examples: sample.map((k) => ex[trainIdx[k]]), loader, features: cache });
      const s = await r.model.score(trainPlays);
      return trainIdx.map((_, k) => s[2 * k] - s[2 * k + 1]);
    };
    // The learned router's probes ask "does the person's label differ from the AI's?" (a human label of the budget).
    const routingInput = { margins: trainIdx.map((i) => ai[i].margin), features: trainIdx.map((i) => ai[i].features), humanDisagrees: (k: number) => ex[trainIdx[k]].preferred !== ai[trainIdx[k]].choice, committee: committeeMargins };
    // How many of a strategy's human labels land on pairs where the AI's label differs from the person's.
    const aiWrong = (set: Iterable<number>) => [...set].filter((i) => ex[i].preferred !== ai[i].choice).length;
    const all = new Set(trainIdx);
    log(`feedback demo: routing — the AI's label differs from the person's on ${aiWrong(all)} of ${trainIdx.length} training pairs`);
    points.push({ strategy: 'all-human', budget: 1, humanLabels: trainIdx.length, aiWrongCaught: aiWrong(all), aiLabelsUsed: 0, goldAccuracy: await train1('all-human', all) });
    points.push({ strategy: 'all-ai', budget: 0, humanLabels: 0, aiWrongCaught: 0, aiLabelsUsed: trainIdx.length, goldAccuracy: await train1('all-ai', new Set()) });
    for (const b of cfg.routingBudgets) {
      for (const s of ROUTING_STRATEGIES) {
        const opts = { probeShare: cfg.routingProbeShare, rounds: cfg.routingRounds, trustBelow: cfg.routingTrustBelow, members: cfg.routingCommittee };
        // committee: no AI label is kept, so every training pair it did not send to people is dropped (doubted)
        const r = await routePairs(routingInput, b, s, cfg.seed, opts);
        const picked = new Set([...r.humans].map((k) => trainIdx[k]));
        const dropped = new Set([...r.doubted].map((k) => trainIdx[k]));
        points.push({ strategy: s, budget: b, humanLabels: picked.size, aiWrongCaught: aiWrong(picked), aiLabelsUsed: trainIdx.length - picked.size - dropped.size, goldAccuracy: await train1(`${s}-${b}`, picked, dropped) });
      }
      // Reference: the same random human labels with no AI labels at all.
      const { humans: human } = await routePairs(routingInput, b, 'random', cfg.seed);
      const picked = new Set([...human].map((k) => trainIdx[k]));
      points.push({ strategy: 'human-only', budget: b, humanLabels: picked.size, aiWrongCaught: aiWrong(picked), aiLabelsUsed: 0, goldAccuracy: await train1(`human-only-${b}`, picked, new Set(trainIdx)) });
    }
    return { aiLabelGoldAgreement: aiAgreement, humanLabelGoldAgreement: labelAgreement(ex), points };
  });

  // ── 8. results and the report section ────────────────────────────────────
  const results: FeedbackResults = {
    createdAt: new Date().toISOString(),
    command: `askfirst feedback demo${flagsOf(FeedbackDemoConfigSchema, cfg, FEEDBACK_DEMO_FLAGS)} --out ${shellQuote(cfg.out)}`,
    config: cfg,
    pairs: resumed ? new Set(honest.map((l) => l.pair.id)).size : pairs.length,
    labels: { honest: honest.length, confident: confident.length, honestGoldAgreement: labelAgreement(honestEx), confidentGoldAgreement: labelAgreement(confidentEx) },
    reference: { accuracy: reference.accuracy },
    before: { accuracy: before.accuracy, guessRate: before.guessRate, overAsking: before.overAsking, controlAbstain: before.controlAbstain, testGold: before.testGold },
    rewardModels: [...rms].map(([name, r]) => ({ name, ...r.metrics })),
    policies,
    routing,
    timings,
    wallSeconds: carryResumed(timings, carryTakenUp(timings, (performance.now() - t0) / 1000, [], tookUp), resumedStages),
  };
  await mkdir(out, { recursive: true });
  await writeFeedbackReport(out, results);
  return results;
}

/** The headline figures of one trained policy against the supervised model's reference and proactive runs. */
function policyFigures(reference: Summary, before: Summary, after: Summary, trainKinds: readonly string[]) {
  const g = gapClosedSplit(reference, before, after, trainKinds);
  return { gapClosed: g, accuracy: after.accuracy, overAsking: after.overAsking, controlAbstain: after.controlAbstain, guessRate: after.guessRate, psRate: after.psRate };
}

/** One update's point of the Gao et al. plot: KL from the start, proxy (optimised) reward, gold reward. */
function gaoPoint(row: Record<string, number>) {
  return {
    update: row.update,
    kl: row['rl/kl'] ?? null,
    proxy: row['rl/reward'] ?? row['dpo/margin'] ?? null,
    gold: row['rl/goldReward'] ?? row['rl/reward'] ?? null,
    evalAccuracy: row['eval/accuracy'] ?? null,
  };
}

/** The over-optimisation regime's points in each of its runs (GaoEvalPoint[], written after each segment). */
const GAO_EVAL_FILE = 'gao-eval.json';

/** A point of the regime as its run's gao-eval.json keeps it: with the regime's time in all when it was written (gao-time.ts). */
type GaoEvalPoint = GaoPoint & TimedPoint;

/** The folders in `dir` (none when it is not there). */
function subfolders(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [join(dir, e.name)] : [])) : [];
}

async function readCurve(dir: string): Promise<Record<string, number>[] | null> {
  const { readJsonl } = await import('../util/jsonl.js');
  try {
    return (await readJsonl<Record<string, number>>(join(dir, 'rl.jsonl'))).lines.map((l) => l.value);
  } catch {
    return null;
  }
}

