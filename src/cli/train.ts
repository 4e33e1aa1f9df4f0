/**
 * The work of `askfirst train <stage>` (supervised, rl, presence), loaded only when a stage runs:
 * train-command.ts registers the stages (their options, from train-schema.ts, and --help) and its
 * actions call `runStage` here, which validates the options, takes the run's lock and refuses to
 * replace a finished run before the stage trains. train-feedback.ts holds the reward and dpo stages.
 *   train supervised   trains the guesser on the clearest views of a generated suite;
 *   train rl           starts from a supervised checkpoint (--init) and teaches it when to ask,
 *                      with GRPO (ours or ProactiveBench's single-turn reward) or PPO;
 *   train presence     trains a presence head (for the hallucination probe) on the frozen encoder
 *                      of any checkpoint (--init), written beside a copy of it: the model is unchanged.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { CONFIG_FILE, readCheckpointConfig } from '../nn/checkpoint-config.js';
import type { z } from 'zod';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { trainRL } from '../rl/algorithms.js';
import type { BaseRLConfig, RLAlgorithm } from '../rl/configs.js';
import { resolveSupervisedConfig, trainSupervised, type SupervisedResult } from '../rl/supervised.js';
import { trainPresence } from '../rl/presence.js';
import { memoryLoader } from '../suite/loader.js';
import type { ViewLoader } from '../suite/types.js';
import { indexData, type IndexedData } from '../suite/open.js';
import { dataFingerprints } from '../suite/fingerprint.js';
import { RL_VAL_EPISODES, rlSplitsYielding, rlValSuite, supervisedSuiteYielding } from '../suite/splits.js';
import { ConfigError, DataChangedError, InputError } from '../util/errors.js';
import { progress, withBar } from '../util/progress.js';
import { SCENARIO_KINDS } from '../suite/kinds/names.js';
import { FINAL_DIR, RunDir, resolveCheckpointDir, weightsDigestIfAny, type RunContents } from '../nn/run-dir.js';
import { aRun, keepRunSettings, keptSettingKinds, readRunSettings, uncheckedLine, type AddedSetting, type Identified, type KeptOtherwise, type RecordedSettings } from '../util/run-settings.js';
import { alreadyFinishedLine, guardRun } from './run-guard.js';
import { isDemoStageDir } from '../demo/demo-stage-run.js';
import { shellQuote } from '../util/shell-quote.js';
import { refuseOthersOutput } from '../outputs/out-owner.js';
import { rewardModelIdentity, rewardSpecDir } from '../rl/reward-model.js';
import { parseRewardWeights } from '../rl/rewards.js';
import { learnedReward } from './train-feedback.js';
import { configFromOptions, refuseUnread } from './options.js';
import { resolveConfig, type AnyObjectSchema } from '../util/config.js';
import { ALGORITHMS, BUDGETS, MAY_CHANGE, RLStageSchema, type PresenceStageSchema, type ReadData, type SupervisedStageSchema, type TrainStage } from './train-schema.js';
import { percent } from '../util/percent.js';

const log = (s: string) => console.error(s);

// ─── supervised ───────────────────────────────────────────────────────────────────────

/** `train supervised`. */
export async function runSupervisedStage(c: z.output<typeof SupervisedStageSchema>): Promise<void> {
  const { episodes, size, ...rest } = c;
  const cfg = resolveSupervisedConfig(rest); // its cross-field checks come before the suite is generated
  log(`supervised: generating ${episodes} episodes per kind of ${SCENARIO_KINDS.length} kinds`);
  const bar = progress('generating', episodes * SCENARIO_KINDS.length, { enabled: cfg.progress, unit: 'episodes' });
  const suite = await withBar(bar, () => supervisedSuiteYielding({ episodes, seed: cfg.seed, size }, () => bar.tick())); // Ctrl-C heard between episodes
  const r = await trainSupervised(cfg, suite, log);
  console.log(supervisedSummary(r, cfg.out));
}

/** The last line of `train supervised`: what was trained, or that a resumed run had nothing left to do. */
export function supervisedSummary(r: Pick<SupervisedResult, 'steps' | 'seconds' | 'finalLoss' | 'trainAccuracy' | 'trainAccuracyImages' | 'alreadyFinished'>, out: string): string {
  if (r.alreadyFinished) return alreadyFinishedLine('supervised', out);
  const spread = r.trainAccuracyImages === 512 ? ' spread over the set' : '';
  // a resumed run whose --max-seconds was spent before its first step trains none: it printed "final loss NaN"
  const loss = Number.isNaN(r.finalLoss) ? 'no step in this run (its time budget, --max-seconds, was already spent)' : `final loss ${r.finalLoss.toFixed(3)}`;
  return `supervised: ${r.steps} steps in ${r.seconds.toFixed(0)} s, ${loss}, accuracy on ${r.trainAccuracyImages} training images${spread} ${percent(r.trainAccuracy)}`;
}

// ─── rl ───────────────────────────────────────────────────────────────────────────────

/**
 * The options of `train rl` it would not read, refused before any work (the stage's `check`); `given`: its options as the
 * user gave them. Settings of the other algorithm; --episodes and --control-share with --data (they size the suite
 * generated without it); --rp with the multi-turn objective, and --reward-weights or --reward with the single-turn one
 * (each rewards with its own); the curriculum's shape without --curriculum oracle.
 */
export async function checkRLStage(c: z.output<typeof RLStageSchema>, given: Readonly<Record<string, unknown>>): Promise<void> {
  const { init, algorithm, data, reward, objective, curriculum } = c as { init: string; algorithm: RLAlgorithm; data?: string; reward?: string; objective?: string; curriculum: string };
  if (reward) rewardSpecDir(reward); // a malformed --reward fails before any data is generated
  refuseInitOfOtherStage('rl', init);
  refuseOtherAlgorithms(algorithm, given);
  if (data) refuseUnread(RLStageSchema, given, { keys: ['episodes', 'controlShare'], readBy: 'read without --data only (they shape the training suite generated then)' }, 'with --data');
  const dflt = (k: string) => (given[k] === undefined ? ' (the default)' : '');
  if (algorithm === 'grpo' && objective === 'single-turn') {
    refuseUnread(RLStageSchema, given, { keys: ['rewardWeights', 'reward'], readBy: "read by --objective multi-turn only (single-turn states are rewarded with ProactiveBench's --rp)" }, 'with --objective single-turn');
  } else if (algorithm === 'grpo') {
    refuseUnread(RLStageSchema, given, { keys: ['rp'], readBy: 'read by --objective single-turn only (multi-turn episodes are rewarded by --reward-weights)' }, `with --objective multi-turn${dflt('objective')}`, 'add --objective single-turn');
  }
  if (curriculum !== 'oracle') refuseUnread(RLStageSchema, given, { keys: ['curriculumStart', 'curriculumSpan'], readBy: 'read by --curriculum oracle only' }, `with --curriculum ${curriculum}${dflt('curriculum')}`, 'add --curriculum oracle');
}

/** `train rl` (its options checked by checkRLStage first); `read`: its --data as read for the resume check (runStage). */
export async function runRLStage(c: z.output<typeof RLStageSchema>, read: ReadData | undefined = trainingData(c)): Promise<void> {
    const { init, algorithm, data: _data, episodes, reward, rewardWeights, controlShare, ...rest } = c as Record<string, unknown> & {
      init: string;
      algorithm: RLAlgorithm;
      data?: string;
      episodes: number;
      reward?: string;
      rewardWeights: string[];
      controlShare: number;
    };
    const cfg = { ...(resolveConfig(ALGORITHMS[algorithm], rest, algorithm) as Omit<BaseRLConfig, 'rewards'>), rewards: parseRewardWeights(rewardWeights) };
    const policy = BuiltinPolicy.load(init);
    // the reward model is loaded before any data is generated (a wrong rm:DIR fails at once); it reads views through the data's loader
    const views: { loader?: ViewLoader } = {};
    const learned = reward ? learnedReward(reward, (ref, id) => views.loader!(ref, id)) : undefined;
    let data;
    if (read) {
      const d = await read();
      if (d.skipped.length) log(`rl: ${d.skipped.length} entries of ${d.dir} could not be read and are left out, e.g. ${d.skipped[0].reason}`);
      data = { train: d, val: rlValSuite(cfg), loader: d.loader }; // where each episode is: an update reads those it draws
    } else {
      log(`rl: generating ${episodes} episodes per kind of ${cfg.kinds.join(', ')}, and ${RL_VAL_EPISODES} per kind to validate on`); // the bar counts both
      const bar = progress('generating', (episodes + RL_VAL_EPISODES) * cfg.kinds.length, { enabled: cfg.progress, unit: 'episodes' }); // the training and validation suites
      data = { ...(await withBar(bar, () => rlSplitsYielding({ episodes, seed: cfg.seed, kinds: cfg.kinds, controlShare }, () => bar.tick()))), loader: memoryLoader };
    }
    views.loader = data.loader;
    const ctx = { policy, ...data, log, ...(learned ? { reward: learned } : {}) };
    const r = await trainRL(algorithm, cfg, ctx).finally(() => read?.close());
    if (r.alreadyFinished) return console.log(alreadyFinishedLine(`rl (${algorithm})`, cfg.out));
    const last = r.curve[r.curve.length - 1] ?? {};
    console.log(`rl (${algorithm}): ${r.updates} updates in ${r.seconds.toFixed(0)} s; last: ${Object.entries(last).filter(([k]) => k.startsWith('eval/') || k === 'rl/reward').map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ')}; checkpoint: ${cfg.out}/final`);
}

/**
 * Settings of the other algorithms given with --algorithm `algorithm` (`--group-size` with ppo) are refused, not
 * ignored, each group named with the algorithms that read it; `given` as the user gave them (not the resolved config).
 */
function refuseOtherAlgorithms(algorithm: keyof typeof ALGORITHMS, given: Readonly<Record<string, unknown>>): void {
  const readers = new Map<string, string[]>(); // other algorithms reading a setting → its keys
  for (const k of Object.keys(given)) {
    if (k in ALGORITHMS[algorithm].shape) continue;
    const by = Object.keys(ALGORITHMS).filter((a) => k in ALGORITHMS[a as keyof typeof ALGORITHMS].shape);
    if (by.length) readers.set(by.join(', '), [...(readers.get(by.join(', ')) ?? []), k]);
  }
  const unread = [...readers].map(([by, keys]) => ({ keys, readBy: `read by --algorithm ${by} only` }));
  const only = readers.size === 1 ? [...readers.keys()][0] : undefined;
  refuseUnread(RLStageSchema, given, unread, `to --algorithm ${algorithm}`, only && !only.includes(',') ? `use --algorithm ${only}` : undefined);
}

/**
 * `train rl`, `train reward` and `train dpo` start from a supervised checkpoint (--init): one another stage wrote (an RL or
 * DPO run's model, a presence copy, a reward model) is refused, naming what it is and the run it started from where its
 * files say. Before, an RL run's output given as `train rl --init` trained on from it without a word (its ask gate opened
 * again, and the KL anchor was that RL model, not the guesser the docs name). A checkpoint that records no stage (an older
 * layout) is taken as before; one that cannot be read is left to the stage's own load, which says why.
 */
export function refuseInitOfOtherStage(stage: string, init: string): void {
  let dir: string;
  try {
    dir = resolveCheckpointDir(init);
  } catch {
    return; // not there, or no model in it: the stage's load says so, in its own words
  }
  const c = readCheckpointConfig(dir, { ifReadable: true }) as { kind?: unknown; training?: { stage?: unknown; algorithm?: unknown; init?: unknown } } | null | undefined;
  if (c?.kind === 'askfirst-reward-model') {
    throw new ConfigError(`--init ${init} is a reward model (askfirst train reward), not a supervised checkpoint: give the supervised run (askfirst train supervised --out DIR) as --init${stage === 'rl' ? `, and this one as --reward rm:${init}` : ''}`);
  }
  const held = c?.training?.stage;
  if (typeof held !== 'string' || held === 'supervised') return;
  const algorithm = typeof c?.training?.algorithm === 'string' && c.training.algorithm !== held ? ` (${c.training.algorithm})` : '';
  const root = basename(dir) === FINAL_DIR ? dirname(dir) : dir;
  const kept = readRunSettings(root)?.settings.init as { shown?: unknown } | undefined;
  const from = typeof kept?.shown === 'string' ? kept.shown : typeof c?.training?.init === 'string' ? c.training.init : undefined;
  const hint = from ? `the supervised checkpoint it started from (${from})` : 'a supervised run (askfirst train supervised --out DIR)';
  throw new ConfigError(`--init ${init} holds ${aRun(held)}'s model${algorithm}, not a supervised checkpoint: train ${stage} starts from the guesser; give ${hint} as --init`);
}

// ─── presence ─────────────────────────────────────────────────────────────────────────

/** `train presence`. */
export async function runPresenceStage(c: z.output<typeof PresenceStageSchema>): Promise<void> {
  const { init, ...rest } = c;
  const r = await trainPresence(rest, init, log);
  console.log(`presence: ${r.steps} steps in ${r.seconds.toFixed(0)} s, held-out label accuracy ${percent(r.heldOutAccuracy)}, F1 ${percent(r.heldOutF1)}; checkpoint: ${rest.out}/final`);
}

// ─── every stage ──────────────────────────────────────────────────────────────────────

/**
 * Run `train <stage.name>` from commander's options (train-command.ts's action): validate them; with
 * an --out, take its lock first (a second run into the same --out is told it is in use, not invited
 * to add --resume), then refuse to replace a run there unless --resume or --overwrite says what to do.
 */
export async function runStage<S extends AnyObjectSchema>(stage: TrainStage<S>, raw: Record<string, unknown>, overwrite: boolean): Promise<void> {
  const cfg = configFromOptions(stage.schema, raw, `train ${stage.name}`);
  await stage.check?.(cfg, raw);
  const { out, resume } = cfg as { out?: string; resume?: boolean };
  if (!('out' in stage.schema.shape) || !out) return stage.run(cfg, raw);
  refuseOthersOutput([out], 'train', `train ${stage.name}`); // a suite's, an eval's, a demo's --out: --overwrite replaces runs only
  const canResume = 'resume' in stage.schema.shape;
  const data = trainingData(cfg);
  let held: RunContents | undefined; // what --out held when the run started: the hint names a final model left from an earlier run
  return guardRun(out, `askfirst train ${stage.name}`, () => interruptedRunHint(out, canResume, resume === true, held), async (orderly, unlessDone) => {
    refuseDemoStage(stage.name, out, overwrite);
    refuseToReplaceRun(stage.name, { out, resume }, overwrite, canResume);
    // kept by every stage (refuseToReplaceRun names the run an --out holds from it), compared by those that resume
    const run = new RunDir(out);
    const found = (held = run.contents());
    const resuming = canResume && resume === true && run.hasRun();
    if (resuming) run.latestComplete(); // its state.json: a newer askfirst's is refused now, before the data is read or drawn
    const kept = keepRunSettings(out, await resumeSettings(cfg, data), {
      run: stage.name,
      resuming,
      startOver: `add --overwrite${canResume ? ' (instead of --resume)' : ''}`,
      mayGrow: BUDGETS,
      known: keptSettingKinds(stage.schema.shape, MAY_CHANGE),
      added: ADDED_SETTINGS,
      keptOtherwise: KEPT_OTHERWISE,
      recorded: () => recordedSettings(run, stage.name),
    });
    if (kept.unchecked) log(uncheckedLine(`train ${stage.name}`, out, stage.name, kept.unchecked, `add --overwrite${canResume ? ' (instead of --resume)' : ''}`));
    // failed or stopped (Ctrl-C, SIGTERM) before it wrote a checkpoint: a run it was to replace keeps its settings
    unlessDone(() => run.wroteSince(found) || kept.undo());
    await stage.run(cfg, raw, orderly, data).catch((e: unknown) => {
      throw e instanceof DataChangedError ? dataChangedInRun(e, out, canResume) : e;
    });
  }).finally(() => data?.close()); // its file, when the run was refused or failed before it trained
}

/**
 * --data changed while a run trained on it (train rl reads its episodes again as it draws them): "run the command again"
 * is refused once --out holds checkpoints (refuseToReplaceRun), so say what is: --resume on the data as it was (its
 * fingerprint is kept in run.json), or --overwrite to start over on the data as it is now. Before the first checkpoint the
 * same command does start again: the error is left as it is.
 */
export function dataChangedInRun(e: DataChangedError, out: string, canResume: boolean): DataChangedError {
  const steps = new RunDir(out).completeSteps();
  if (!steps.length) return e;
  const resume = canResume ? `put --data back as it was and add --resume to continue from them, or ` : '';
  return e.withFix(`the run's checkpoints up to step ${steps[steps.length - 1]} in ${out} are kept: ${resume}add --overwrite to start over on the data as it is now`);
}

/**
 * The settings of a stage added since askfirst began keeping run.json (a1ffb18), with the value that does what askfirst did
 * before each (keepRunSettings: a run.json without one resumes under that value, else is refused as an older askfirst's).
 * None yet: every option of every stage is older than run.json (`git log -S` on rl/configs.ts, train-schema.ts,
 * suite-config.ts). A setting added to a stage goes here, with what the stage did before it.
 */
const ADDED_SETTINGS: Readonly<Record<string, AddedSetting>> = {};
/**
 * Settings an older askfirst kept in a form this one cannot compare (keepRunSettings refuses such a run as an older
 * askfirst's): before ebdcedd, `--data` by its folder (`id: "suite:/abs/suite"`, its format and full path), not by what it
 * holds (dataIdentity's `sha256:`, or `''` when unreadable).
 */
const KEPT_OTHERWISE: Readonly<Record<string, KeptOtherwise>> = {
  data: { is: (kept) => /^(suite|proactivebench):/.test(String((kept as Partial<Identified> | null)?.id)), how: 'by its folder, not by the episodes and images in it' },
};

/** Settings compared by what they name, not as spelled: a checkpoint by its weights, reward weights as parsed (--data: dataIdentity). */
const IDENTIFIED: Record<string, (v: never) => Identified> = {
  init: (v: string) => ({ shown: v, id: weightsDigestIfAny(v) }),
  reward: (v: string) => {
    // its weights, config and the encoder it reads through (rewardModelIdentity); a run.json before this kept the weights only
    const { id, weights } = rewardModelIdentity(rewardSpecDir(v));
    return { shown: v, id, changed: 'another model, or another encoder at the path its config.json names, now', ...(weights ? { earlier: [weights] } : {}) };
  },
  rewardWeights: (v: string[]) => ({ shown: v.length ? v.join(',') : '(defaults)', id: JSON.stringify(parseRewardWeights(v)) }),
};

/**
 * A stage's settings as its run keeps them to compare on --resume (keepRunSettings): all but MAY_CHANGE, some by identity
 * (IDENTIFIED), --data by what it holds (dataIdentity, read by `data`).
 */
async function resumeSettings(cfg: Readonly<Record<string, unknown>>, data: ReadData | undefined): Promise<Record<string, unknown>> {
  const settings = Object.fromEntries(
    Object.entries(cfg)
      .filter(([k, v]) => v !== undefined && !MAY_CHANGE.has(k))
      .map(([k, v]) => [k, k in IDENTIFIED ? IDENTIFIED[k](v as never) : v]),
  );
  if (data) settings.data = await dataIdentity(String(cfg.data), data, cfg.progress === true);
  return settings;
}

/**
 * The training episodes a stage's `--data` names (of its --kinds), read once for the run: its resume check fingerprints them
 * (dataIdentity), then the stage trains on them; undefined without --data. An askfirst suite is indexed, not held
 * (suite/open.ts indexData: where each episode is in episodes.jsonl; 100,000 episodes held were some 330 MB): the
 * fingerprint and each update read the episodes they need again, and one read after the file changed is a DataError.
 */
function trainingData(cfg: Readonly<Record<string, unknown>>): ReadData | undefined {
  if (typeof cfg.data !== 'string') return undefined;
  const [spec, kinds] = [cfg.data, cfg.kinds as readonly string[] | undefined];
  let read: Promise<IndexedData> | undefined;
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= read ? read.then((d) => d.close(), () => undefined) : Promise.resolve());
  return Object.assign(() => (read ??= indexData(spec, { kinds })), { close });
}

/**
 * `--data` by what it holds, not by its folder: the fingerprint `askfirst eval` resumes on (suite/fingerprint.ts: the episodes,
 * each view file's size and first and last 64 KiB), so a suite regenerated into the same folder (another --seed) is another
 * --data, and `suite/`, `./suite`, `suite:suite` are the same; shown as its folder's full path, however spelled (a refusal
 * says `suite/ → suite` of no change). Data that cannot be read is not compared (`id: ''`): the stage fails on it, in its own
 * order (a wrong --init first), from the same read.
 */
async function dataIdentity(shown: string, read: ReadData, showProgress: boolean): Promise<Identified> {
  let data: IndexedData;
  try {
    data = await read();
  } catch {
    return { shown, id: '' };
  }
  const bar = progress('fingerprinting --data', data.entries.length, { enabled: showProgress, unit: 'episodes' });
  const { fingerprint: id, earlier } = await withBar(bar, () => dataFingerprints(data.episodes(), data.dir, () => bar.tick()));
  // a run an older askfirst kept on this data where it is now (the fingerprint's earlier form: suite/fingerprint.ts) resumes too
  return { shown: resolve(data.dir), id, changed: 'other episodes or images in it now', ...(earlier.length ? { earlier } : {}) };
}

/**
 * What a run from before run.json was kept (a1ffb18) records of its settings in its own files, to compare on --resume
 * (keepRunSettings `recorded`): its model's config.json — the final model's when the run is finished, else the newest complete
 * checkpoint's, else the other — keeps the stage (`training.stage`; a DPO run's said `rl` before a1ffb18), the trainer's
 * config (`training.config`: --seed, --lr, --steps… as the stage's settings name them; the supervised stage's checkpoints
 * have it, an RL run's only its final model) and the algorithm (`training.algorithm`); not what only shaped the suite it
 * drew (--episodes, --size: the model's imageSize is its own setting, 64 whatever --size). Null when neither says which stage wrote it; a newer askfirst's is refused (readCheckpointConfig).
 */
function recordedSettings(run: RunDir, stage: string): RecordedSettings | null {
  const steps = run.completeSteps();
  const newest = steps.length ? [run.checkpointDir(steps[steps.length - 1])] : [];
  const dirs = existsSync(run.finalDir) ? (run.isFinished() ? [run.finalDir, ...newest] : [...newest, run.finalDir]) : newest;
  type Recorded = { training?: { stage?: unknown; algorithm?: unknown; config?: unknown } };
  const read = dirs.map((dir) => ({ dir, c: readCheckpointConfig(dir, { ifReadable: true }) as Recorded | null | undefined }));
  const found = read.find((r) => r.c?.training?.config && typeof r.c.training.config === 'object') ?? read.find((r) => typeof r.c?.training?.stage === 'string');
  const training = found?.c?.training;
  if (!found || typeof training?.stage !== 'string') return null;
  const config = training.config && typeof training.config === 'object' ? (training.config as Record<string, unknown>) : {};
  const settings: Record<string, unknown> = { ...config };
  if (typeof training.algorithm === 'string') settings.algorithm = training.algorithm;
  return { run: training.stage === 'rl' && stage === 'dpo' ? 'dpo' : training.stage, settings, file: join(found.dir, CONFIG_FILE) };
}

/**
 * A training stage started without --resume into an --out that holds a run (a complete checkpoint or a final model) would
 * delete or replace it: refuse unless --overwrite says so (nothing is lost by accident, as `askfirst eval` refuses to mix runs).
 */
export function refuseToReplaceRun(stage: string, cfg: { out?: string; resume?: boolean }, overwrite: boolean, resumable: boolean): void {
  if (!cfg.out) return;
  if (overwrite && cfg.resume) throw new InputError('--resume and --overwrite contradict each other: --resume continues the run in --out, --overwrite starts it over');
  if (overwrite || cfg.resume) return;
  const run = new RunDir(cfg.out);
  const steps = run.completeSteps();
  const finished = existsSync(run.finalDir);
  if (!steps.length && !finished) return;
  const what = [finished ? 'a final model (final/)' : '', steps.length ? `checkpoints up to step ${steps[steps.length - 1]}` : ''].filter(Boolean).join(' and ');
  const held = heldStage(run);
  if (held && held !== stage) throw new ConfigError(`${cfg.out} already holds ${aRun(held)} (${what}), not ${aRun(stage)}. Add --overwrite to replace it, or use another --out`);
  throw new ConfigError(`${cfg.out} already holds ${aRun(stage)} (${what}). ${resumable ? 'Add --resume to continue it, add' : 'Add'} --overwrite to start over (it is replaced), or use another --out`);
}

/**
 * A demo's supervised stage (`<demo>/supervised`: demo/supervised-run.ts) and its RL runs (`<demo>/rl`, `<demo>/baseline-rp*`:
 * demo/rl-runs.ts) are stages of that demo, trained under the demo's settings (its budget, its suites), not a `train` stage's:
 * `train` does not resume one (it would go on under settings it did not start with, or that nothing checks: a supervised
 * stage kept no run.json before) nor replace it unless --overwrite says so (the demo then trains its stage again).
 */
function refuseDemoStage(stage: string, out: string, overwrite: boolean): void {
  if (overwrite || !new RunDir(out).hasRun() || !isDemoStageDir(out)) return;
  const demo = dirname(out);
  throw new ConfigError(
    `${out} is the ${basename(out)} stage of the demo in ${demo}, trained under that demo's settings, not a train ${stage} run: train cannot resume it. Run that demo again to continue it (askfirst demo --out ${shellQuote(demo)}, with the settings it started with), add --overwrite to replace it with a train ${stage} run (the demo then trains its stage again), or use another --out`,
  );
}

/**
 * Which stage's run `run` holds: as its run.json says (keepRunSettings), else as its final model or newest checkpoint
 * records it (config.json's `training.stage`; a reward model's `kind`); undefined when nothing says.
 */
function heldStage(run: RunDir): string | undefined {
  const kept = readRunSettings(run.root);
  if (kept) return kept.run;
  const steps = run.completeSteps();
  for (const dir of [run.finalDir, ...(steps.length ? [run.checkpointDir(steps[steps.length - 1])] : [])]) {
    // no config.json there, or not JSON: look at the next; a newer askfirst's is refused (readCheckpointConfig)
    const c = readCheckpointConfig(dir, { ifReadable: true }) as { kind?: unknown; training?: { stage?: unknown } } | null | undefined;
    if (c?.kind === 'askfirst-reward-model') return 'reward';
    if (typeof c?.training?.stage === 'string') return c.training.stage;
  }
  return undefined;
}

/**
 * What a training run stopped by Ctrl-C keeps in `out` and how to continue it (the newest complete checkpoint, read then).
 * `before`: what `out` held when the run started (RunDir.contents): a final model still the one it found, or older than
 * the run's own checkpoints (RunDir.finalIsEarlier), is the earlier run's that `--overwrite` replaces when it ends, and is
 * named as such (it was left unsaid, or called this run's: "no checkpoint was written yet", "the run had finished").
 */
export function interruptedRunHint(out: string, resumable: boolean, resumed: boolean, before?: RunContents): string {
  const run = new RunDir(out);
  const steps = run.completeSteps();
  const ckpt = steps.length ? relative(out, run.checkpointDir(steps[steps.length - 1])) : '';
  const earlier = run.finalIsEarlier() || (!resumed && before?.final != null && run.contents().final === before.final);
  if (earlier) {
    const final = `the earlier run's final model (${run.finalDir})`;
    if (!steps.length) return `no checkpoint of this run was written yet; ${out} still holds ${final}, its checkpoints removed; run the same command again to start over (that model is replaced when the new run ends)`;
    if (!resumable) return `${out} holds this run up to ${ckpt}, unfinished, beside ${final}; run the same command again to start over (that model is replaced when the new run ends)`;
    return `${out} keeps this run up to its latest checkpoint (${ckpt}) beside ${final}, which it replaces when it ends; run the same command${resumed ? ' again' : ' with --resume instead of --overwrite'} to continue from the checkpoint`;
  }
  if (run.isFinished()) return `the run in ${out} had finished (${run.finalDir})`;
  if (!steps.length) return `no checkpoint was written yet; run the same command again to start over`;
  if (!resumable) return `${out} holds an unfinished run (${ckpt}); run the same command with --overwrite to start over`;
  return `${out} keeps the run up to its latest checkpoint (${ckpt}); run the same command${resumed ? ' again' : ' with --resume'} to continue from there`;
}
