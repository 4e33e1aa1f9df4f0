/**
 * The built-in model as a Policy: scores every shown option, replies with the chosen option's
 * text (greedy: the most likely; sampled: drawn from the distribution) and reports the
 * per-option log-probabilities. Load one with `BuiltinPolicy.load(dir)` or the spec
 * `builtin:DIR`.
 */
import { join } from 'node:path';
import { noGrad, oldCheckpointsAllowed, readCheckpoint, resolveCheckpointDir, type ReadCheckpointOptions, type Tensor } from '../../nn/index.js';
import { hashSeed, Rng } from '../../util/rng.js';
import { DataError } from '../../util/errors.js';
import type { ActOptions, Observation, Policy, PolicyReply } from '../policy.js';
import { headBatch, imageBatch } from './features.js';
import { MultimodalModel, resolveModelConfig, type HeadOutput } from './model.js';
import { Vocab } from './vocab.js';

export interface BuiltinCheckpointConfig {
  kind: 'askfirst-builtin';
  model: unknown;
  vocab: string[];
  /** Free-form training provenance. */
  training?: unknown;
}

export class BuiltinPolicy implements Policy {
  readonly name: string;
  private readonly seed: number;
  private readonly textCache = new Map<string, number[]>();

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
    const model = new MultimodalModel(resolveModelConfig(cfg.model), vocab.toJSON());
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
    const out = noGrad(() => this.forward(batch));
    // Sampled: one stream per (seed, episode, turn), so a reply does not depend on which other
    // episodes share its batch or ran before it, and a resumed evaluation draws the same replies.
    return replies(batch, out.logp, opts.sample ? (o) => new Rng(hashSeed(this.seed, o.episodeId, o.turn)) : null);
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

/** Choose per row (greedy, or sampled with the random stream `rngFor` gives each observation) and package replies with per-option log-probs. */
export function replies(batch: readonly Observation[], logp: Tensor, rngFor: ((o: Observation) => Rng) | null): PolicyReply[] {
  const K = logp.shape[1];
  return batch.map((o, r) => {
    const n = o.options.length;
    const row = Array.from(logp.data.subarray(r * K, r * K + n));
    const pick = rngFor ? rngFor(o).categorical(row.map(Math.exp)) : greedyOption(row, o.numInterventions);
    return { reply: o.options[pick], optionLogProbs: row };
  });
}
