/**
 * Image features of the built-in model, computed once per view and reused: with the image
 * encoder frozen (head-only RL, the default) every view is encoded once for a whole run, and
 * evaluation during and after training reads the same rows. `CachedPolicy` is the built-in
 * model as a Policy over that cache (greedy unless sampling is asked for).
 */
import { noGrad, tensor, type Tensor } from '../../nn/index.js';
import type { ActOptions, Observation, Policy, PolicyReply } from '../policy.js';
import type { SuiteEpisode, ViewLoader, ViewRef } from '../../suite/types.js';
import { DataError } from '../../util/errors.js';
import { yieldToEventLoop } from '../../util/yield.js';
import { headBatch, imageBatch } from './features.js';
import type { MultimodalModel } from './model.js';
import { optionPicker, replies, type BuiltinPolicy } from './policy.js';

/** Image features per view, computed by the (frozen) encoder on first use. */
export class FeatureCache {
  // Keyed by the view reference object itself, not by episode id: ids repeat across suites
  // (a training and a validation suite both have "camera-00000"), so an id key would hand one
  // suite's features to the other.
  private rows = new WeakMap<ViewRef, Float32Array>();
  private count = 0;
  constructor(
    private readonly model: MultimodalModel,
    private readonly loader: ViewLoader,
    /**
     * Views encoded per batch, with a turn of the event loop after each. A view's features do not depend on the batch it
     * is encoded in (feature-cache.test.ts), so this changes no figure: 128 held the event loop for 1.1 s a batch on a
     * loaded machine (RL's ask-gate calibration encodes 256 first views), 32 for a quarter of that, at the same speed.
     */
    private readonly batchSize = 32,
  ) {}

  /** Views encoded so far. */
  get size(): number {
    return this.count;
  }

  clear(): void {
    this.rows = new WeakMap();
    this.count = 0;
  }

  /** Feature rows for the given (episode, view) pairs as one [N, H] tensor (no gradient). */
  async get(items: readonly { episode: SuiteEpisode; view: number }[]): Promise<Tensor> {
    const missing = new Map<ViewRef, { episode: SuiteEpisode; view: number }>();
    const refs = items.map((it) => {
      const ref = it.episode.views[it.view];
      if (!ref) throw new DataError(`episode ${it.episode.id} has no view ${it.view}`);
      if (!this.rows.has(ref)) missing.set(ref, it);
      return ref;
    });
    const todo = [...missing];
    for (let i = 0; i < todo.length; i += this.batchSize) {
      const chunk = todo.slice(i, i + this.batchSize);
      const imgs = await Promise.all(chunk.map(([ref, it]) => this.loader(ref, it.episode.id)));
      const h = this.model.features(imageBatch(imgs, this.model.config.imageSize)); // [n, H + s·s]
      const H = h.shape[1];
      chunk.forEach(([ref], r) => this.rows.set(ref, h.data.slice(r * H, (r + 1) * H)));
      this.count += chunk.length;
      await yieldToEventLoop(); // thousands of views take tens of seconds: Ctrl-C's handler runs between chunks
    }
    const H = this.model.config.hidden + this.model.whereSize;
    const out = new Float32Array(items.length * H);
    refs.forEach((ref, r) => out.set(this.rows.get(ref)!, r * H));
    return tensor(out, [items.length, H]);
  }
}

/**
 * A Policy view of the built-in model that reads image features from the cache (for fast
 * evaluation during training; greedy unless sampling is asked for).
 */
export class CachedPolicy implements Policy {
  readonly name: string;
  private readonly byId: Map<string, SuiteEpisode>;
  private readonly textCache = new Map<string, number[]>();
  constructor(
    private readonly policy: BuiltinPolicy,
    private readonly cache: FeatureCache,
    episodes: readonly SuiteEpisode[],
    private readonly seed = 0,
  ) {
    this.name = policy.name;
    this.byId = new Map(episodes.map((e) => [e.id, e]));
  }
  async act(batch: readonly Observation[], opts: ActOptions = {}): Promise<PolicyReply[]> {
    const items = batch.map((o) => ({ episode: this.byId.get(o.episodeId)!, view: o.view }));
    const h = await this.cache.get(items);
    const out = noGrad(() => this.policy.model.head(h, headBatch(batch, this.policy.vocab, this.textCache)));
    // sampled: the stream BuiltinPolicy draws from (independent of batching and resumes)
    return replies(batch, out.logp, optionPicker(opts, this.seed), this.policy.model.config.abstainPrior);
  }
}
