/**
 * The built-in model as a Policy: scores every shown option, replies with the chosen option's
 * text (greedy: the most likely; sampled: drawn from the distribution, at a temperature and top_p when asked) and reports the
 * per-option log-probabilities. Load one with `BuiltinPolicy.load(dir)` or the spec
 * `builtin:DIR`.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { RGBImage } from '../../scenes/image.js';
import { noGrad, oldCheckpointsAllowed, readCheckpoint, resolveCheckpointDir, sigmoid, tensor, type ReadCheckpointOptions, type Tensor } from '../../nn/index.js';
import { sampleStream } from '../sample-stream.js';
import { isDefaultSampling, resolveSampling } from '../sampling.js';
import { sampledOption } from './sampled-option.js';
import { DataError } from '../../util/errors.js';
import type { ActOptions, Observation, Policy, PolicyReply } from '../policy.js';
import { headBatch, imageBatch, lastResort } from './features.js';
import { MultimodalModel, resolveModelConfig, type HeadOutput } from './model.js';
import { Vocab } from './vocab.js';
import { ASK_SHOWN, askProbeOptions, presenceCategory, presenceScores, presenceWindows, PresenceHead, type PresenceConfig } from './presence.js';
import { PRESENCE_CANNOT, PRESENCE_NO, PRESENCE_YES } from '../../episode/presence.js';

export interface BuiltinCheckpointConfig {
  kind: 'askfirst-builtin';
  model: unknown;
  vocab: string[];
  /** Free-form training provenance. */
  training?: unknown;
  /** A presence head saved beside the model (presence.ts), if one was trained. */
  presence?: PresenceConfig;
}

export class BuiltinPolicy implements Policy {
  readonly name: string;
  private readonly seed: number;
  private readonly textCache = new Map<string, number[]>();
  /** The presence head (answers "Is there a … in the image?"), when the checkpoint has one. */
  presence: PresenceHead | null = null;
  /**
   * What its replies depend on besides the code and its seed, wherever its files lie: the model's config and vocabulary,
   * its weights' SHA-256 and its presence head's (Policy.fingerprint). Set by `load`; a model built in memory has none.
   */
  fingerprint?: string;
  /** Window-pooled category scores per image (by a hash of its pixels): the probes ask several questions about one scene. */
  private readonly scoreCache = new Map<string, { scores: Float32Array; best: Int32Array }>();

  constructor(
    readonly model: MultimodalModel,
    readonly vocab: Vocab,
    opts: { name?: string; seed?: number } = {},
  ) {
    this.name = opts.name ?? 'builtin';
    this.seed = opts.seed ?? 0;
  }

  static fromConfig(cfg: BuiltinCheckpointConfig, name?: string, seed?: number): BuiltinPolicy {
    const vocab = new Vocab(cfg.vocab);
    // keys the checkpoint predates take the value it was trained with (MultimodalModel.LATER_CONFIG)
    const model = new MultimodalModel(resolveModelConfig({ ...MultimodalModel.LATER_CONFIG, ...(cfg.model as object) }), vocab.toJSON());
    return new BuiltinPolicy(model, vocab, { name, seed });
  }

  /**
   * Load a checkpoint directory written by `saveBuiltin` (or the latest checkpoint of a run dir).
   * A checkpoint from before parameters were added (`LATER_PARAMETERS`) is refused unless
   * `opts.allowOldLayout` (or --allow-old-checkpoint); then the missing ones load as zeros
   * (which switches them off) and a warning names them.
   */
  static load(dir: string, opts: ReadCheckpointOptions & { seed?: number } = {}): BuiltinPolicy {
    const d = resolveCheckpointDir(dir);
    const ck = readCheckpoint(d, opts);
    const cfg = ck.config as BuiltinCheckpointConfig;
    // a reward model's folder (`askfirst train reward`, rl/reward-model.ts: its config.json's kind) scores plays, it plays none
    if ((cfg as { kind?: unknown } | null)?.kind === 'askfirst-reward-model') {
      throw new DataError(`${dir} holds a reward model (askfirst train reward's), not a policy: it scores plays for RL, given to \`askfirst train rl --reward rm:${dir}\`; a policy is a model of train supervised, rl or dpo`, {
        file: join(d, 'config.json'),
      });
    }
    if (cfg?.kind !== 'askfirst-builtin' || !Array.isArray(cfg.vocab)) {
      throw new DataError('config.json is not an askfirst built-in model checkpoint', { file: join(d, 'config.json') });
    }
    const p = BuiltinPolicy.fromConfig(cfg, `builtin:${dir}`, opts.seed);
    const tensors = new Map([...ck.tensors].filter(([n]) => !n.includes('#') && !MultimodalModel.RETIRED_PARAMETERS.includes(n)));
    // checkpoints from before a parameter was added: it loads as zeros, which switches it off
    const file = join(d, 'model.safetensors');
    const filled: string[] = [];
    for (const [n, t] of p.model.namedParameters())
      if (MultimodalModel.LATER_PARAMETERS.includes(n) && !tensors.has(n)) {
        filled.push(n);
        tensors.set(n, { shape: t.shape, data: new Float32Array(t.size) });
      }
    if (filled.length) {
      if (!(opts.allowOldLayout ?? oldCheckpointsAllowed())) {
        throw new DataError(
          `checkpoint lacks ${filled.length} parameter(s): ${filled.join(', ')}. A checkpoint of an older layout loads them as zeros (switched off) with --allow-old-checkpoint (or ASKFIRST_ALLOW_OLD_CHECKPOINT=1); a damaged one should be restored or retrained`,
          { file },
        );
      }
      (opts.warn ?? ((m: string) => console.error(`askfirst: warning: ${m}`)))(`${file}: older layout (allowed): filled ${filled.join(', ')} with zeros (switched off)`);
    }
    p.model.loadStateDict(tensors, true, file);
    p.presence = PresenceHead.load(d, cfg.presence);
    // the config as the model reads it (the checkpoint's free-form training provenance changes no reply)
    const read = { model: p.model.config, vocab: cfg.vocab, presence: p.presence ? { categories: p.presence.config.categories, sha256: p.presence.weightsSha256 } : null };
    p.fingerprint = `builtin:${createHash('sha256').update(JSON.stringify(read)).update(ck.weightsSha256).digest('hex')}`;
    return p;
  }

  /** Forward pass for a batch of observations (with or without the graph). */
  forward(batch: readonly Observation[]): HeadOutput {
    const x = imageBatch(batch.map((o) => o.image), this.model.config.imageSize);
    const { h, where } = this.model.encodeBoth(x);
    return this.model.headParts(h, where, headBatch(batch, this.vocab, this.textCache));
  }

  async act(batch: readonly Observation[], opts: ActOptions = {}): Promise<PolicyReply[]> {
    if (batch.length === 0) return [];
    const probe = this.presence ? batch.map((o) => presenceCategory(o)) : [];
    if (probe.some((c) => c !== null)) return this.actWithPresence(batch, probe, opts);
    const out = noGrad(() => this.forward(batch));
    return replies(batch, out.logp, optionPicker(opts, this.seed), this.model.config.abstainPrior);
  }

  /** Presence questions go to the presence head (presence.ts), the rest to the policy as usual, in order. */
  private async actWithPresence(batch: readonly Observation[], probe: (string | null)[], opts: ActOptions): Promise<PolicyReply[]> {
    const rest = batch.filter((_, i) => probe[i] === null);
    const restReplies = rest.length ? await this.act(rest, opts) : [];
    const idx = batch.map((_, i) => i).filter((i) => probe[i] !== null);
    const answers = this.answerPresence(idx.map((i) => batch[i]), idx.map((i) => probe[i]!));
    const out: PolicyReply[] = [];
    let r = 0;
    let a = 0;
    for (let i = 0; i < batch.length; i++) out.push(probe[i] === null ? restReplies[r++] : answers[a++]);
    return out;
  }

  /** presenceScores (and each category's best window) for each image, computed once per distinct image (at most 4096 kept). */
  private cachedScores(images: readonly RGBImage[], known: readonly string[]): { scores: Float32Array; best: Int32Array } {
    const C = known.length;
    const keys = images.map((im) => createHash('sha1').update(im.data).digest('hex') + `:${im.width}x${im.height}`);
    const todo = [...new Set(keys.filter((k) => !this.scoreCache.has(k)))];
    if (todo.length) {
      const best = new Int32Array(todo.length * C);
      const fresh = presenceScores(this.model, this.vocab, todo.map((k) => images[keys.indexOf(k)]), known, this.textCache, best);
      todo.forEach((k, i) => this.scoreCache.set(k, { scores: fresh.slice(i * C, (i + 1) * C), best: best.slice(i * C, (i + 1) * C) }));
      while (this.scoreCache.size > 4096) this.scoreCache.delete(this.scoreCache.keys().next().value as string);
    }
    const scores = new Float32Array(images.length * C);
    const best = new Int32Array(images.length * C);
    keys.forEach((k, r) => {
      const e = this.scoreCache.get(k)!;
      scores.set(e.scores, r * C);
      best.set(e.best, r * C);
    });
    return { scores, best };
  }

  /**
   * Yes / No / I cannot tell for each observation's category: the model's own policy decides
   * whether to ask (shown every known category), the presence head whether the category is
   * there. Log-probabilities follow the same factorisation over [cannot, yes, no].
   */
  answerPresence(batch: readonly Observation[], categories: readonly string[]): PolicyReply[] {
    const head = this.presence!;
    const known = head.config.categories;
    return noGrad(() => {
      const { scores: sc, best } = this.cachedScores(batch.map((o) => o.image), known);
      // the policy looks where a c would most likely be: that category's best window (the whole image for an unknown category)
      const views = batch.map((o, r) => {
        const c = known.indexOf(categories[r]);
        return c < 0 ? o.image : presenceWindows(o.image)[best[r * known.length + c]];
      });
      const { h, where } = this.model.encodeBoth(imageBatch(views, this.model.config.imageSize));
      // which categories the model finds likeliest, then the ask decision over those (as in an episode)
      const all = askProbeOptions(known);
      const noHistory: { reply: string; view?: number }[] = [];
      const lpAll = this.model.headParts(h, where, headBatch(batch.map((o) => ({ question: o.question, ...all, history: noHistory })), this.vocab, this.textCache)).logp;
      const askObs = batch.map((o, r) => {
        const K = lpAll.shape[1];
        const cats = known.map((c, k) => ({ c, z: lpAll.data[r * K + all.numInterventions + k] })).sort((a, b) => b.z - a.z);
        return { question: o.question, ...askProbeOptions(cats.slice(0, ASK_SHOWN).map((x) => x.c)), history: noHistory };
      });
      const lp = this.model.headParts(h, where, headBatch(askObs, this.vocab, this.textCache)).logp;
      const pres = sigmoid(head.forward(tensor(sc, [batch.length, known.length])));
      const K = lp.shape[1];
      return batch.map((o, r) => {
        const ask = askObs[r];
        const row = Array.from(lp.data.subarray(r * K, r * K + ask.options.length));
        const pick = greedyOption(row, ask.numInterventions);
        const pAsk = Math.min(1 - 1e-7, Math.exp(row[0]) + Math.exp(row[1]));
        const c = known.indexOf(categories[r]);
        // a category the head never learned: it cannot tell
        const p = c < 0 ? 0.5 : pres.data[r * known.length + c];
        const logProbs = [Math.log(pAsk), Math.log((1 - pAsk) * p + 1e-12), Math.log((1 - pAsk) * (1 - p) + 1e-12)];
        const reply = c < 0 || pick < ask.numInterventions ? PRESENCE_CANNOT : p >= 0.5 ? PRESENCE_YES : PRESENCE_NO;
        return { reply, optionLogProbs: logProbs };
      });
    });
  }
}

/**
 * The greedy choice of the factored policy (model.ts): first the most likely decision — ask
 * (P(ask) = the interventions' total) or one of the categories — then, when asking, the most
 * likely intervention. (Taking the single most likely option instead would make asking harder
 * the more interventions share P(ask), so the threshold would shift with how sure the model is
 * of which one to ask for.)
 */
export function greedyOption(row: readonly number[], numInterventions: number): number {
  let ask = 0;
  let bestIv = -1;
  for (let k = 0; k < numInterventions; k++) {
    ask += Math.exp(row[k]);
    if (bestIv < 0 || row[k] > row[bestIv]) bestIv = k;
  }
  let bestCat = -1;
  for (let k = numInterventions; k < row.length; k++) if (bestCat < 0 || row[k] > row[bestCat]) bestCat = k;
  if (bestCat < 0) return bestIv;
  if (bestIv < 0) return bestCat;
  return ask > Math.exp(row[bestCat]) ? bestIv : bestCat;
}

/** How `replies` chooses an option in a row of log-probabilities (after the last-resort rule). */
export type OptionPicker = (o: Observation, row: readonly number[]) => number;

/**
 * The built-in model's choice under `opts`: greedy (`greedyOption`) unless `opts.sample`; sampled from the stream
 * `sampleStream` gives each observation (the policy's `seed`, or the observation's own), with the plain categorical
 * over the options at the default settings (the bytes of every `--sample` run) and `sampledOption`'s two steps at
 * another temperature or top_p (`opts.sampling`, checked here).
 */
export function optionPicker(opts: ActOptions, seed: number): OptionPicker {
  if (!opts.sample) return (o, row) => greedyOption(row, o.numInterventions);
  const s = resolveSampling(opts.sampling);
  if (isDefaultSampling(s)) return (o, row) => sampleStream(seed, o).categorical(row.map(Math.exp));
  return (o, row) => sampledOption(row, o.numInterventions, sampleStream(seed, o), s);
}

/**
 * Choose per row (`pick`: greedy or sampled, `optionPicker`) and package replies with per-option log-probs, after
 * the abstain-as-a-last-resort rule (`abstainPrior` nats, features.ts `lastResort`; 0 = off).
 */
export function replies(batch: readonly Observation[], logp: Tensor, pick: OptionPicker, abstainPrior = 0): PolicyReply[] {
  const K = logp.shape[1];
  return batch.map((o, r) => {
    const n = o.options.length;
    const row = lastResort(o, Array.from(logp.data.subarray(r * K, r * K + n)), abstainPrior);
    return { reply: o.options[pick(o, row)] ?? '', optionLogProbs: row }; // no options (an open question): it has nothing to say
  });
}
