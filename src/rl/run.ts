/**
 * What every RL run on the built-in model shares, so each algorithm file holds only its
 * algorithm: the base config, the frozen reference model for the KL penalty, the feature
 * cache, the optimizer over the trainable parameters (the heads: parameter-efficient RL with a
 * frozen image encoder, in the spirit of the paper's LoRA fine-tuning), greedy evaluation,
 * namespaced metrics in `rl.jsonl`, and checkpoints that make a kill -9 cost at most one
 * checkpoint interval.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AdamW, RunDir, loadCheckpointInto, noGrad, optimizerExtras, restoreOptimizer, savedConfig, type Tensor } from '../nn/index.js';
import { yieldToEventLoop } from '../util/yield.js';
import { Rng, type RngState } from '../util/rng.js';
import { EpisodeState } from '../episode/state.js';
import type { EpisodeRecord } from '../episode/types.js';
import { headBatch } from '../agents/builtin/features.js';
import { askedFirst, summarize, type Summary } from '../episode/metrics.js';
import { MultimodalModel } from '../agents/builtin/model.js';
import type { BuiltinPolicy } from '../agents/builtin/policy.js';
import { saveBuiltin } from '../agents/builtin/build.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { episodeSource, RecentEpisodes, type EpisodeEntry, type EpisodeSource } from '../suite/episode-source.js';
import { runEpisodes } from '../agents/runner.js';
import { ConfigError, DataChangedError, DataError } from '../util/errors.js';
import { average } from '../util/stats.js';
import { readJsonl } from '../util/jsonl.js';
import { MetricsLog } from '../util/metrics-log.js';
import { CachedPolicy, FeatureCache } from '../agents/builtin/feature-cache.js';
import type { Rollout } from './rollout.js';
import { competence, eligible, oracleDifficulty, ranksWithinKinds } from './curriculum.js';
import type { BaseRLConfig } from './configs.js';
import type { Progress } from '../util/progress.js';
import { stopIfDiverged, stopIfWeightsDiverged, type RunPosition } from '../nn/diverged.js';

export interface RLContext {
  /** The supervised policy to start from (it is trained in place). */
  policy: BuiltinPolicy;
  /**
   * Episodes to train on (all kinds; filtered to `kinds`): a list held in memory, or a source that reads each again when an
   * update draws it (`askfirst train rl --data`: suite/open.ts indexData, where each is in episodes.jsonl, not the episodes).
   */
  train: readonly SuiteEpisode[] | EpisodeSource;
  /** Held-out episodes for the periodic greedy evaluation (filtered to `kinds`). */
  val: readonly SuiteEpisode[];
  loader: ViewLoader;
  log?: (msg: string) => void;
  /**
   * Image features to reuse (e.g. across runs that start from the same checkpoint). Its encoder
   * must have the same weights as the policy's, which RL keeps frozen; absent: a fresh cache.
   */
  features?: FeatureCache;
  /**
   * A learned reward (RLHF: a reward model, `--reward rm:DIR`) that scores finished multi-turn
   * trajectories in place of the rule rewards; those are still computed and logged as the gold
   * reward (`rl/goldReward`), so reward hacking shows as proxy up, gold down.
   */
  reward?: (trajectories: readonly { episode: SuiteEpisode; record: EpisodeRecord }[]) => Promise<number[]>;
}

export interface RLResult {
  policy: BuiltinPolicy;
  updates: number;
  seconds: number;
  /** One entry per update: the namespaced metrics logged. */
  curve: Record<string, number>[];
  /** True when `resume` found the run already finished: nothing was trained or written, the policy holds final/. */
  alreadyFinished?: boolean;
}

/** The metrics log in the run directory, one line per update. */
export const RL_LOG = 'rl.jsonl';

/**
 * A finished run's updates, seconds and curve, read back from its metrics log (the rows `RLRun.log` wrote, one per update),
 * so a stage skipped because it is finished reports what it did instead of nothing. Empty when the run has no log.
 */
export async function finishedCurve(dir: string): Promise<Omit<RLResult, 'policy'>> {
  const file = join(dir, RL_LOG);
  if (!existsSync(file)) return { updates: 0, seconds: 0, curve: [] };
  const curve = (await readJsonl<Record<string, number>>(file, { tolerateTruncatedTail: true })).lines.map((l) => l.value);
  const last = curve[curve.length - 1];
  return { updates: last?.update ?? 0, seconds: last?.['time/seconds'] ?? 0, curve };
}

/** How many training episodes (from the first) the ask gate's opening is measured on (`askPrior`). */
const ASK_PRIOR_EPISODES = 256;
/**
 * How many training episodes read from their source a run keeps, those drawn last: drawn again, one kept is the same object,
 * so the feature cache (keyed by its view references) has its views' features already. Data of up to this many episodes
 * is encoded once for the whole run, as a list held in memory (some 15 MB of episodes, and their views' features); on more,
 * an episode drawn again once dropped is read and encoded again (the same features: the encoder is frozen).
 */
const TRAIN_EPISODES_KEPT = 4096;

/** What a checkpoint saves beside the weights and optimizer moments (its `state.json`). */
interface RLState {
  update: number;
  /** What the run took so far, across its resumes: each run's setup (`setupSeconds`) and the training. */
  seconds: number;
  /**
   * The setups in `seconds` (each run's, before its clock started: the ask gate opened on the first training episodes, the
   * KL reference copied), so the training clock `--max-seconds` reads leaves them out; absent in an older askfirst's
   * checkpoint, whose `seconds` is the training alone.
   */
  setupSeconds?: number;
  stepCount: number;
  rng?: RngState;
  curve: Record<string, number>[];
}

/** A training episode its source no longer has (changed since it was read): said so, not trained on as something else. */
function missing(id: string): never {
  throw new DataChangedError(`training episode ${id} is no longer in the data read when the run started: it was changed meanwhile`);
}

export class RLRun {
  readonly ref: MultimodalModel;
  readonly cache: FeatureCache;
  readonly params: Tensor[];
  readonly opt: AdamW;
  readonly rng: Rng;
  /** The training episodes of `kinds`, by id and kind in order (`episodes` reads them). */
  readonly train: readonly EpisodeEntry[];
  readonly val: SuiteEpisode[];
  readonly curve: Record<string, number>[] = [];
  readonly run: RunDir;
  update = 0;
  /** The run's progress bar (set by the trainer that draws it), which a divergence ends as stopped (nn/diverged.ts). */
  bar: Progress | undefined;
  /** The training seconds before this run's (a checkpoint's, setups left out). */
  seconds = 0;
  /** The setups of the runs so far, this one's included once `init` is done: recorded with the training (`recorded`). */
  private setupSeconds = 0;
  /** When this run's setup started: the run was made. */
  private readonly setupStart = performance.now();
  /** Set by `init` when `--resume` finds the run finished (`RunDir.finishedFor`): no update runs, `finish` writes nothing. */
  alreadyFinished = false;
  private logFile!: MetricsLog;
  private t0 = 0;

  /** `name`: the run as messages name it, and its unit (DPO's updates are single optimizer steps). */
  constructor(
    readonly cfg: BaseRLConfig,
    readonly ctx: RLContext,
    readonly name: { stage: string; unit: 'step' | 'update' } = { stage: 'rl', unit: 'update' },
  ) {
    const m = ctx.policy.model;
    const kinds = new Set<string>(cfg.kinds);
    this.source = new RecentEpisodes(episodeSource(ctx.train), { episodes: TRAIN_EPISODES_KEPT });
    this.train = this.source.source.entries.filter((e) => kinds.has(e.kind));
    this.val = ctx.val.filter((e) => kinds.has(e.kind));
    if (!this.train.length) throw new DataError(`no training episodes of kinds ${cfg.kinds.join(', ')}`);
    this.cache = ctx.features ?? new FeatureCache(m, ctx.loader);
    this.rng = new Rng(cfg.seed);
    this.ref = new MultimodalModel(m.config, m.vocab);
    const category = new Set(m.catProj.parameters());
    const perception = new Set(m.perceptionParameters()); // taught by the supervised stage's degradation captions; RL keeps it
    // ρ (the persistence prior) stays at its init unless --train-repeat: see trainRepeat.
    const heads = m.headParameters().filter((p) => !perception.has(p) && (cfg.trainRepeat || p !== m.repeatWeight));
    this.params = cfg.trainCategoryHead ? [...heads, ...m.words.parameters()] : heads.filter((p) => !category.has(p));
    this.opt = new AdamW(this.params, { lr: cfg.lr, weightDecay: 0 });
    this.run = new RunDir(cfg.out);
    if (!cfg.resume) this.run.reset(RL_LOG);
  }

  /**
   * Open the ask gate to the exploration prior, freeze the result as the KL reference, then
   * (with --resume) load the latest checkpoint. Call once before training.
   */
  async init(): Promise<this> {
    const m = this.ctx.policy.model;
    if (this.cfg.resume && this.run.finishedFor(this.cfg.updates)) {
      loadCheckpointInto(this.run.finalDir, m);
      this.alreadyFinished = true;
      this.ctx.log?.(`rl: ${this.cfg.out} is already finished; loading final/`);
      return this;
    }
    if (this.cfg.askPrior > 0) {
      const shift = await this.calibrateAskGate(this.cfg.askPrior);
      this.ctx.log?.(`rl: ask gate opened by ${shift.toFixed(2)} so that about ${(100 * this.cfg.askPrior).toFixed(0)}% of the first turns of the first ${Math.min(this.train.length, ASK_PRIOR_EPISODES)} training episodes ask`);
    }
    this.ref.loadStateDict(new Map(m.namedParameters().map(([n, p]) => [n, { data: p.data.slice(), shape: p.shape }])));
    const resumed = this.cfg.resume ? this.restore() : undefined;
    this.logFile = new MetricsLog(this.cfg.out, RL_LOG.replace(/\.jsonl$/, ''), 'update', this.cfg.reportTo, resumed);
    // the setup (the gate opened again by every run, a resumed one and each of the feedback demo's segments too) was before
    // the clock: in no log, so a demo that took the stage up from its log counted it nowhere; it is recorded with the training
    this.setupSeconds += (performance.now() - this.setupStart) / 1000;
    this.t0 = performance.now() - this.seconds * 1000;
    return this;
  }

  /**
   * Shift the gate bias so the mean probability of asking on the first turns of the first
   * `ASK_PRIOR_EPISODES` training episodes is `prior`. A prefix, not the whole split: a suite lists
   * one kind after another, so at the demo's size those are all sketch's (measured with the quick
   * demo's guesser on the full-size split: 66 % of every first turn asks at the shift that gives
   * sketch's 60 %). Kept as is because the published figures were trained from it; taking every
   * episode would change them.
   */
  private async calibrateAskGate(prior: number): Promise<number> {
    const m = this.ctx.policy.model;
    const eps = await this.episodes(this.train.slice(0, ASK_PRIOR_EPISODES));
    const obs = eps.map((e) => new EpisodeState(e, 'proactive').observe());
    const h = await this.cache.get(eps.map((e) => ({ episode: e, view: e.firstView })));
    // Ctrl-C's handler runs before and after the head over every first turn (0.5 s for 256 on a loaded machine): it was
    // one stretch with what init and the first update do next (0.8 s), or with the work before it when the cache held
    // every view already (it hands the event loop a turn only after a batch it encodes)
    await yieldToEventLoop();
    const out = noGrad(() => m.head(h, headBatch(obs, this.ctx.policy.vocab)));
    const K = out.logp.shape[1];
    const logits = obs.map((o, r) => {
      let p = 0;
      for (let k = 0; k < o.numInterventions; k++) p += Math.exp(out.logp.data[r * K + k]);
      p = Math.min(Math.max(p, 1e-9), 1 - 1e-9);
      return Math.log(p / (1 - p));
    });
    const meanAsk = (d: number) => average(logits.map((l) => 1 / (1 + Math.exp(-(l + d)))));
    let lo = -50;
    let hi = 50;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (meanAsk(mid) < prior) lo = mid;
      else hi = mid;
    }
    const shift = (lo + hi) / 2;
    m.gate2.bias!.data[0] += shift;
    await yieldToEventLoop();
    return shift;
  }

  /** True while updates remain and the opt-in time limit (if any) is not reached. */
  get running(): boolean {
    return !this.alreadyFinished && this.update < this.cfg.updates && (this.cfg.maxSeconds === undefined || this.elapsed < this.cfg.maxSeconds);
  }

  /** The training seconds across resumes, setups left out: what `--max-seconds` limits. */
  get elapsed(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /** What the run took across resumes, each run's setup included: the log's `time/seconds`, a checkpoint's `seconds`. */
  get recorded(): number {
    return this.setupSeconds + this.elapsed;
  }

  /**
   * The returns to optimise: the context's learned reward on the finished trajectories when it
   * has one (RLHF), else `gold` (the rule rewards). The gold mean is logged as rl/goldReward.
   */
  async returnsFor(rollout: Rollout, gold: number[]): Promise<number[]> {
    if (!this.ctx.reward) return gold;
    if (rollout.trajectories.some((t) => !t.record)) throw new ConfigError('a learned reward scores whole episodes: use the multi-turn objective with --reward');
    this.goldMean = average(gold);
    return this.ctx.reward(rollout.trajectories.map((t) => ({ episode: t.episode, record: t.record! })));
  }
  private goldMean: number | null = null;

  /** Episodes for the next update: a seeded draw without replacement (with --curriculum oracle, from the easiest share so far). */
  async nextEpisodes(): Promise<SuiteEpisode[]> {
    const r = new Rng(this.cfg.seed * 100003 + this.update);
    const pool =
      this.cfg.curriculum === 'oracle'
        ? eligible((this.ranks ??= await this.difficultyRanks()), competence(this.update, this.cfg.updates, { start: this.cfg.curriculumStart, span: this.cfg.curriculumSpan }))
        : [...this.train.keys()];
    return this.episodes(r.shuffle(pool).slice(0, this.cfg.episodesPerUpdate).map((i) => this.train[i]));
  }
  private ranks: Float64Array | undefined;
  private readonly source: RecentEpisodes;

  /** The training episodes of `entries`, in order (read from the context's source, or kept from a recent read). */
  private async episodes(entries: readonly EpisodeEntry[]): Promise<SuiteEpisode[]> {
    return Promise.all(entries.map(async (e) => (await this.source.get(e.id)) ?? missing(e.id)));
  }

  /** The curriculum's ranks (curriculum.ts): the training episodes read once in one pass for their difficulties, none kept. */
  private async difficultyRanks(): Promise<Float64Array> {
    const d = new Float64Array(this.train.length);
    let i = 0;
    for await (const e of this.source.source.episodes()) {
      if (e.id !== this.train[i]?.id) continue; // another kind's (or a changed file: the count below says so)
      d[i++] = oracleDifficulty(e);
      if (i % 1024 === 0) await yieldToEventLoop(); // 100,000 episodes take a second or two: Ctrl-C's handler runs meanwhile
    }
    if (i !== d.length) missing(this.train[i].id);
    return ranksWithinKinds(this.train, d);
  }

  /** Greedy evaluation with cached features. */
  async evaluate(episodes: readonly SuiteEpisode[], mode: 'proactive' | 'reference' = 'proactive'): Promise<Summary> {
    const p = new CachedPolicy(this.ctx.policy, this.cache, episodes);
    const recs = await runEpisodes(episodes, p, { mode, loader: this.ctx.loader, batchSize: 512 });
    return summarize(recs);
  }

  /**
   * Close an update: log what the rollouts did (reward per component, ask rate, accuracy,
   * ps-rate, over-asking), the algorithm's own diagnostics and timings, evaluate when due, and
   * checkpoint when due. Returns the logged row.
   */
  async endUpdate(
    rollout: Rollout,
    returns: readonly number[],
    parts: Record<string, number[]>,
    diagnostics: Record<string, number>,
    seconds: { rollout: number; optimise: number },
  ): Promise<Record<string, number>> {
    const recs = rollout.trajectories.flatMap((t) => (t.record ? [t.record] : []));
    const m: Record<string, number> = {
      'rl/reward': average(returns),
      ...Object.fromEntries(Object.entries(parts).map(([k, v]) => [`rl/reward/${k}`, average(v)])),
      ...diagnostics,
      ...(this.goldMean !== null ? { 'rl/goldReward': this.goldMean } : {}),
      'rl/askRate': rollout.samples.filter((s) => s.parsed.type === 'intervention').length / Math.max(1, rollout.samples.length),
      'time/rollout': seconds.rollout,
      'time/optimise': seconds.optimise,
    };
    if (recs.length) {
      m['rl/accuracy'] = average(recs.map((r) => (r.success ? 1 : 0)));
      m['rl/psRate'] = average(recs.map((r) => r.ps));
      const controls = recs.filter((r) => r.control);
      if (controls.length) m['rl/overAsking'] = average(controls.map((r) => (askedFirst(r) ? 1 : 0)));
    }
    if (this.update % this.cfg.evalEvery === 0 || this.update === this.cfg.updates) {
      const t = performance.now();
      const ev = await this.evaluate(this.val);
      m['time/eval'] = (performance.now() - t) / 1000;
      Object.assign(m, { 'eval/accuracy': ev.accuracy, 'eval/psRate': ev.psRate, 'eval/oraclePsRate': ev.oraclePsRate, ...(ev.overAsking !== null ? { 'eval/overAsking': ev.overAsking } : {}), ...(ev.guessRate !== null ? { 'eval/guessRate': ev.guessRate } : {}) }); // no control episode: over-asking undefined, not logged (as rl/overAsking)
    }
    this.log(m);
    await this.maybeCheckpoint();
    return m;
  }

  log(metrics: Record<string, number>): void {
    const row = { update: this.update, 'time/seconds': this.recorded, ...metrics };
    this.curve.push(row);
    this.logFile.append(row);
  }

  /** Where the run is, for nn/diverged.ts: `index` is the update (counting from 1) its messages name. */
  private position(index: number): RunPosition {
    return { ...this.name, index, run: this.run, close: () => this.logFile.close(), bar: this.bar }; // its progress bar ended as stopped: nn/diverged.ts
  }

  /**
   * Stop a diverged run (nn/diverged.ts): throws at a non-finite `loss` of the update in progress before it is applied, so
   * the newest checkpoint is the last one written from finite weights. `value` names the loss ("the loss", "the policy loss").
   */
  stopIfDiverged(loss: number, value?: string): void {
    stopIfDiverged(loss, this.position(this.update + 1), value);
  }

  /** Save a checkpoint if one is due (weights, optimizer moments, run state, curve so far); never of weights that are not finite. */
  async maybeCheckpoint(): Promise<void> {
    await yieldToEventLoop(); // called once per update (GRPO, PPO, DPO): Ctrl-C's handler runs between updates, not after the whole run
    if (this.update % this.cfg.checkpointEvery !== 0) return;
    stopIfWeightsDiverged(this.params, this.position(this.update));
    const state: RLState = { update: this.update, seconds: this.recorded, setupSeconds: this.setupSeconds, stepCount: this.opt.stepCount, rng: this.rng.state(), curve: this.curve };
    this.run.saveCheckpoint(this.update, (dir) => saveBuiltin(dir, this.ctx.policy, { stage: this.name.stage === 'dpo' ? 'dpo' : 'rl', update: this.update }, optimizerExtras(this.opt)), state);
  }

  /** Load the newest complete checkpoint; returns the update it resumed at (undefined when starting over). */
  private restore(): number | undefined {
    const ckpt = this.run.latestComplete<RLState>();
    if (!ckpt) {
      this.run.reset(RL_LOG); // nothing to resume from: start over
      return undefined;
    }
    const { dir, state: st } = ckpt;
    const ck = loadCheckpointInto(dir, this.ctx.policy.model);
    restoreOptimizer(this.opt, ck.tensors, dir);
    this.update = st.update;
    if (st.rng) this.rng.restore(st.rng); // sampling continues where it stopped (checkpoints before this field: a fresh seeded stream)
    this.setupSeconds = st.setupSeconds ?? 0;
    this.seconds = st.seconds - this.setupSeconds;
    this.opt.stepCount = st.stepCount;
    this.curve.push(...st.curve);
    this.run.truncateLog(RL_LOG, 'update', st.update); // drop lines logged after the checkpoint
    this.ctx.log?.(`rl: resumed from ${dir} at update ${st.update}`);
    return st.update;
  }

  finish(training: { stage: string; algorithm: string; config: object } | undefined): RLResult {
    if (this.alreadyFinished) return { policy: this.ctx.policy, updates: 0, seconds: 0, curve: [], alreadyFinished: true };
    stopIfWeightsDiverged(this.params, this.position(this.update)); // final/ never holds them either
    this.logFile.close();
    if (this.update < this.cfg.updates) this.ctx.log?.(`rl: time budget of ${this.cfg.maxSeconds} s reached at update ${this.update} of ${this.cfg.updates}`);
    const saved = training ? { ...training, config: savedConfig(training.config) } : {}; // the config without run options
    this.run.saveFinal((dir) => saveBuiltin(dir, this.ctx.policy, { ...saved, update: this.update })); // the update it reached: --resume knows it finished (RunDir.finishedFor)
    return { policy: this.ctx.policy, updates: this.update, seconds: this.elapsed, curve: this.curve };
  }
}
