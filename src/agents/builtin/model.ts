/**
 * The built-in multimodal model: a CNN image encoder and a bag-of-words text encoder that
 * score every shown option, so one network both names categories and chooses interventions,
 * and option texts it never trained on still get a score.
 *
 *   h      = CNN(image)                                   image features   [B, H]
 *          = relu(W_f flatten(y) + W_p [max | mean of each channel of y over the map])   y: the last conv stage;
 *            the pooled term (`pooled`) reads the same values wherever the object sits (translation-invariant)
 *   e_q    = bag(question words), e_o = bag(option words)  text features   [B, D], [B·K, D]
 *   z_cat  = (W_c h) · e_o                                 category score  (a classifier whose
 *                                                          class weights are the words' embeddings)
 *   u      = [max p, entropy, margin and their logs] of softmax(z_cat) over the shown categories (no gradient):
 *            the model's own uncertainty, a signal that transfers across scenario kinds — plus
 *            whether at most one intervention is left that was not already asked for at this
 *            view (the abstain-style option alone, or a loop tried both ways): asking cannot
 *            bring a new view
 *   g      = s·u_conf + MLP_gate(u [, P h, e_q])            how much asking is worth now; s starts
 *            negative (the surer the model, the less it asks: selective prediction's rule),
 *            and RL refines both terms
 *   m      = σ(1×1 conv(last conv stage))                 the "where" map [B, s·s]: per cell, is the object
 *                                                          there (trained in the supervised stage on camera views)
 *   t      = m's centre of mass from the frame's centre, and its shares on the four edges  which way the object lies [B, 6]
 *   w_i    = c·tanh(MLP_which([P h, e_q, e_o_i]) / c) + (W_t t)·e_o_i + (W_l h)·e_o_i + ρ·[i was asked for last turn] + λ·[i was asked for here before]
 *            (c = `whichBound`, 2 nats: RL's option-word score, learned on the training kinds' words and extrapolated to
 *            every other kind's, cannot outweigh ρ; unbounded, it made late-event rewind after one wait — issue 18)
 *            which intervention, if asking. The bilinear term matches which way the object lies
 *            to the option's words (a sliver on the left ↔ "left"), as z_cat does for categories;
 *            ρ = `repeatInit` (a persistence prior: keep sliding, keep waiting, instead
 *            of undoing the last move), kept by RL unless `--train-repeat` (issue 18: RL on sketch
 *            and camera lowered it, and the unseen kinds then undid their last move more); ρ yields
 *            to the where term: scaled by max(0, 1 − gap/`repeatYield`) when the toward term prefers
 *            another intervention by gap nats (camera turns at the object's row); plus λ·[i was asked for at an earlier visit
 *            to this same view], λ starting at `loopInit` < 0: back where it was, the model does not
 *            go round the same loop again (a tabu rule: sketch and camera cannot loop, so it is a
 *            prior that RL rarely moves)
 *            (W_l h)·e_o_i matches what is wrong with the image to the option's words ("blurry" ↔
 *            "deblur"): taught in the supervised stage by degradation captions on the training
 *            kinds' views (rl/degradation-captions.ts), frozen in RL, zero (off) without them; in e_o_i here
 *            the option's words that the captions never taught count as zero vectors (`lookWords`; the mean
 *            keeps every word in its denominator, so a caption word weighs what it weighed before), and an
 *            option about something else scores 0 (late-event's "rewind" outweighed ρ on one seed when it read every word)
 *   logit(category c)     = z_cat(c)
 *   logit(intervention i) = g + log softmax_i(w)           (so P(ask) depends on g alone)
 *   π(option) = softmax over the shown options (interventions first, then categories)
 *
 * The factorisation keeps the decision to ask apart from the choice of intervention: the gate
 * reads the model's uncertainty (and, if configured, the image), never the option words, so it
 * applies unchanged to option texts it never saw. A value head V([u, P h, e_q]) serves PPO. The
 * gate starts strongly negative, so the supervised model is a pure guesser until RL teaches it
 * when asking pays.
 * `encode` and `head` are separate so RL can cache image features of a frozen encoder.
 */
import {
  Conv2d,
  Embedding,
  Linear,
  Module,
  add,
  addScalar,
  concat,
  div,
  logSoftmax,
  matmul,
  maxPool2d,
  mean,
  mul,
  mulScalar,
  noGrad,
  relu,
  reshape,
  selectRows,
  sigmoid,
  sum,
  tanh,
  tensor,
  type Tensor,
} from '../../nn/index.js';
import { Rng } from '../../util/rng.js';
import { UNK, Vocab } from './vocab.js';
import { InvalidConfigError, resolveConfig } from '../../util/config.js';
import { ModelConfigSchema, modelSizeProblems, type ModelConfig } from './model-config.js';

/** The model's config from `partial`, refused up front (a line a problem) when a weight matrix would be too large to train. */
export function resolveModelConfig(partial: unknown): ModelConfig {
  const c = resolveConfig(ModelConfigSchema, partial, 'model');
  const big = modelSizeProblems(c);
  if (big.length) throw new InvalidConfigError('model', big);
  return c;
}

/** A batch of observations as the head needs them (text already tokenised). */
export interface HeadBatch {
  /** Rows (observations). */
  B: number;
  /** Max options per row (padded). */
  K: number;
  /** Question token ids [B, Lq] and mask. */
  qIds: Int32Array;
  qMask: Uint8Array;
  Lq: number;
  /** Option token ids [B·K, Lo] and mask. */
  oIds: Int32Array;
  oMask: Uint8Array;
  Lo: number;
  /** 1 where option (r, k) exists [B·K]. */
  optMask: Uint8Array;
  /** 1 where option (r, k) is an intervention, 0 for a category [B·K]. */
  isAsk: Uint8Array;
  /** 1 where option (r, k) is the intervention asked for at the previous turn [B·K] (absent: none). */
  repeat?: Uint8Array;
  /** 1 where option (r, k) was asked for at an earlier visit to the view shown now [B·K] (absent: none). */
  revisit?: Uint8Array;
}

export interface HeadOutput {
  /** Log-probabilities over the shown options [B, K] (padded entries ≈ −1e30). */
  logp: Tensor;
  /** State value [B] (for PPO). */
  value: Tensor;
  /** The uncertainty features used [B, 5]. */
  uncertainty: Float32Array;
}

/** Gate features per row: five of uncertainty, one of the choice offered. */
const UNC = 6;

export class MultimodalModel extends Module {
  readonly config: ModelConfig;
  readonly vocab: string[];
  /** `vocab` as token ids (the rows of `words`). */
  private readonly ids: Vocab;
  readonly convs: Conv2d[];
  readonly fc: Linear;
  readonly words: Embedding;
  readonly catProj: Linear;
  readonly proj: Linear;
  readonly gate1: Linear;
  readonly gate2: Linear;
  readonly gateSlope: Tensor;
  readonly repeatWeight: Tensor;
  readonly loopWeight: Tensor;
  readonly which1: Linear;
  readonly which2: Linear;
  readonly whichToward: Linear;
  readonly whereConv: Conv2d;
  readonly whichLook: Linear;
  /** Pooled path of the encoder (`pooled`): [max, mean] of each last-stage channel over the map → h; null when off. */
  readonly fcPool: Linear | null;
  readonly val1: Linear;
  readonly val2: Linear;

  constructor(config: ModelConfig, vocab: readonly string[]) {
    super();
    this.config = config;
    this.vocab = [...vocab];
    this.ids = new Vocab(vocab);
    const rng = new Rng(config.seed);
    let c = 3;
    let s = config.imageSize;
    this.convs = config.channels.map((f, i) => {
      const conv = this.addModule(`conv${i}`, new Conv2d(c, f, 3, { pad: 1, rng }));
      c = f;
      s = Math.floor(s / 2);
      return conv;
    });
    if (s < 1) throw new Error(`model: imageSize ${config.imageSize} is too small for ${config.channels.length} pooling stages`);
    const H = config.hidden;
    const D = config.embedDim;
    const P = config.projDim;
    const M = config.headHidden;
    this.fc = this.addModule('fc', new Linear(c * s * s, H, { rng }));
    this.words = this.addModule('words', new Embedding(vocab.length + 2, D, { rng }));
    this.catProj = this.addModule('catProj', new Linear(H, D, { rng }));
    this.proj = this.addModule('proj', new Linear(H, P, { rng }));
    const gateIn = config.gateInputs === 'uncertainty' ? UNC : UNC + P + D;
    this.gate1 = this.addModule('gate1', new Linear(gateIn, M, { rng }));
    this.gate2 = this.addModule('gate2', new Linear(M, 1, { rng }));
    this.which1 = this.addModule('which1', new Linear(P + 2 * D, M, { rng }));
    this.which2 = this.addModule('which2', new Linear(M, 1, { rng }));
    this.val1 = this.addModule('val1', new Linear(P + D + UNC, M, { rng }));
    this.val2 = this.addModule('val2', new Linear(M, 1, { rng }));
    this.whichToward = this.addModule('whichToward', new Linear(TOWARD, D, { rng, bias: false })); // reads towardObject's row
    this.whichToward.weight.data.fill(0); // starts neutral; RL grows it
    this.gate2.bias!.data.fill(config.askBiasInit);
    this.gateSlope = this.addParameter('gateSlope', Float32Array.of(config.gateSlopeInit), [1]);
    this.repeatWeight = this.addParameter('repeatWeight', Float32Array.of(config.repeatInit), [1]);
    this.loopWeight = this.addParameter('loopWeight', Float32Array.of(config.loopInit), [1]);
    this.whereConv = this.addModule('whereConv', new Conv2d(c, 1, 1, { rng })); // last stage → where map logits (1×1 conv)
    // built last, so the initialisation of everything above is what it was without it
    this.whichLook = this.addModule('whichLook', new Linear(H, D, { rng, bias: false })); // what is wrong with the image ↔ option words
    this.whichLook.weight.data.fill(0); // off until the supervised stage's degradation captions teach it
    // built after everything above, so their initialisation is what it was without it
    this.fcPool = config.pooled ? this.addModule('fcPool', new Linear(2 * c, H, { rng, bias: false })) : null; // [max | mean per channel] → h
  }

  /** Parameters added after the first released checkpoints; a checkpoint without them loads them as zeros (off). */
  static readonly LATER_PARAMETERS: readonly string[] = ['repeatWeight', 'loopWeight', 'whichToward.weight', 'whereConv.weight', 'whereConv.bias', 'whichLook.weight', 'fcPool.weight'];

  /**
   * Config keys added after checkpoints were written, with the value that reproduces how such a checkpoint was trained:
   * a checkpoint without the key acts (and trains further) as it did when it was written. `whichBound` (bounding RL's
   * option-word score, issue 18) changes what an RL checkpoint of before it does, so it loads as 0 (unbounded) there.
   */
  static readonly LATER_CONFIG: Readonly<Record<string, unknown>> = { whichBound: 0 };

  /**
   * Parameters of earlier versions that this one no longer has; a checkpoint's copy is dropped
   * on load. `whichMatch` matched the 32-d projection P h to the option words, and `whichImage`
   * (its successor) matched h itself: with the where map, neither helped camera moves, and on
   * kinds never trained on they pushed the choice toward options RL had never seen work.
   * `whichWhere` read the whole where map (64 cells): on kinds never trained on, whose object
   * fills the frame unlike any camera sliver, it extrapolated (occlusion asked to abstain);
   * `whichToward` reads only which way the object lies.
   */
  static readonly RETIRED_PARAMETERS: readonly string[] = ['whichMatch.weight', 'whichImage.weight', 'whichWhere.weight'];

  /** Encoder parameters (frozen in head-only RL). */
  encoderParameters(): Tensor[] {
    return [...this.convs.flatMap((c) => c.parameters()), ...this.fc.parameters(), ...(this.fcPool?.parameters() ?? []), ...this.whereConv.parameters()];
  }

  /**
   * Perception parameters the supervised stage teaches and RL keeps frozen: `whichLook`, which
   * matches what is wrong with an image to option words (degradation captions, rl/degradation-captions.ts).
   */
  perceptionParameters(): Tensor[] {
    return this.whichLook.parameters();
  }

  /**
   * How well each image matches each caption: (W_look h) · bag(caption) → [B, C]. The same
   * bilinear term scores intervention options in `headParts`.
   */
  lookLogits(h: Tensor, ids: ArrayLike<number>, mask: ArrayLike<number>, C: number, L: number): Tensor {
    const B = h.shape[0];
    const eC = this.words.bag(ids, mask, C, L); // [C, D]
    const rowOf = Int32Array.from({ length: B * C }, (_, i) => Math.floor(i / C));
    const capOf = Int32Array.from({ length: B * C }, (_, i) => i % C);
    return reshape(sum(mul(selectRows(this.whichLook.forward(h), rowOf), selectRows(eC, capOf)), 1), [B, C]); // [B, C]
  }

  /** Everything but the encoder and the word table. */
  headParameters(): Tensor[] {
    const skip = new Set([...this.encoderParameters(), ...this.words.parameters()]);
    return this.parameters().filter((p) => !skip.has(p));
  }

  /** Images [B, 3, S, S] (values in [-0.5, 0.5]) → features [B, H]. */
  encode(x: Tensor): Tensor {
    return this.encodeBoth(x).h;
  }

  /**
   * Images → features h [B, H] and the "where" map [B, s·s]: per cell of the last conv stage,
   * the probability that the object is there (a 1×1 conv and a sigmoid; the supervised stage
   * trains it on camera views, whose object the generator knows). The fully connected layer
   * that makes h is trained to name the category wherever the object is, so h keeps little of
   * where it is; the map keeps it (what a camera move needs). With `pooled`, h also reads each
   * last-stage channel's maximum and mean over the whole map (fcPool): the same values wherever
   * the object sits, so an off-centre object is not read only through weights trained mostly on
   * centred ones. (An old checkpoint loads fcPool as zeros: h is then what it was.)
   */
  encodeBoth(x: Tensor): { h: Tensor; where: Tensor } {
    let y = x;
    for (const conv of this.convs) y = maxPool2d(relu(conv.forward(y)), 2); // [B, C_i, S/2^i, S/2^i]
    const B = y.shape[0];
    const where = sigmoid(reshape(this.whereConv.forward(y), [B, y.size / B / y.shape[1]])); // [B, 1, s, s] → [B, s·s]
    const [C, s] = [y.shape[1], y.shape[2]];
    let pre = this.fc.forward(reshape(y, [B, C * s * s])); // [B, H]
    if (this.fcPool) {
      const pooled = concat([reshape(maxPool2d(y, s), [B, C]), mean(reshape(y, [B, C, s * s]), 2)], 1); // [B, 2C]
      pre = add(pre, this.fcPool.forward(pooled)); // [B, H]
    }
    return { h: relu(pre), where }; // [B, H], [B, s·s]
  }

  /** Token ids of `config.lookWords` (words not in the vocabulary are left out). */
  lookIds(): Set<number> {
    return new Set(this.config.lookWords.map((w) => this.ids.id(w)).filter((i) => i !== UNK));
  }

  /** Width of the where map: (imageSize / 2^stages)². */
  get whereSize(): number {
    const s = this.config.imageSize >> this.config.channels.length;
    return s * s;
  }

  /**
   * Frozen-encoder features for RL caches and inference: [h | where] as one row [B, H + s·s], no
   * gradient. `head` accepts these rows (and plain h [B, H], with the where term off).
   */
  features(x: Tensor): Tensor {
    const { h, where } = noGrad(() => this.encodeBoth(x));
    return concat([h, where], 1); // [B, H + s·s]
  }

  /**
   * Features + text → option log-probabilities [B, K] and value [B]. Features are h [B, H] (as
   * in supervised training, with gradient; the where term is then off) or the constant rows of
   * `features` [B, H + s·s].
   */
  head(f: Tensor, b: HeadBatch): HeadOutput {
    const { h, where } = splitFeatures(f, this.config.hidden, this.whereSize);
    return this.headParts(h, where, b);
  }

  /** `head` on h [B, H] and the where map [B, s·s] (null: the where term off), both may carry gradient. */
  headParts(h: Tensor, where: Tensor | null, b: HeadBatch): HeadOutput {
    const { B, K } = b;
    const rowOf = new Int32Array(B * K);
    for (let r = 0; r < B; r++) rowOf.fill(r, r * K, (r + 1) * K);
    const eQ = this.words.bag(b.qIds, b.qMask, B, b.Lq); // [B, D]
    const eO = this.words.bag(b.oIds, b.oMask, B * K, b.Lo); // [B·K, D]

    // Category scores: (W_c h) · e_o, per option row.
    const zCat = sum(mul(selectRows(this.catProj.forward(h), rowOf), eO), 1); // [B·K]

    // The model's own uncertainty over the shown categories (a constant: no gradient).
    const unc = uncertaintyFeatures(zCat.data, b);
    const u = tensor(unc, [B, UNC]);
    const ph = relu(this.proj.forward(h)); // [B, P]
    const rowCtx = concat([ph, eQ, u], 1); // [B, P+D+3]

    // The gate: how much asking is worth at this turn (reads no option words).
    const gateIn = this.config.gateInputs === 'uncertainty' ? u : rowCtx;
    const conf = tensor(Float32Array.from({ length: B }, (_, r) => unc[r * UNC + 3]), [B, 1]); // −log(1 − max p)/5
    const g = add(reshape(this.gate2.forward(relu(this.gate1.forward(gateIn))), [B, 1]), mul(conf, this.gateSlope)); // [B, 1]
    // Which intervention: log-softmax over this row's interventions only.
    let w = reshape(this.which2.forward(relu(this.which1.forward(concat([selectRows(ph, rowOf), selectRows(eQ, rowOf), eO], 1)))), [B, K]); // [B, K]
    const c = this.config.whichBound;
    if (c > 0) w = mulScalar(tanh(mulScalar(w, 1 / c)), c); // bounded: |MLP_which| < c, so ρ (repeatInit 5 > 2c) keeps the last move against it
    let toward: Tensor | null = null;
    if (where) w = add(w, (toward = reshape(sum(mul(selectRows(this.whichToward.forward(towardObject(where)), rowOf), eO), 1), [B, K]))); // [B, K]
    if (this.whichLook.weight.data.some((v) => v !== 0)) {
      // what is wrong with the image ↔ the option's words [B, K], read on the words the captions taught (`lookWords`)
      const ids = this.config.lookWords.length ? this.lookIds() : null;
      const kept = ids && lookWordsOf(b, ids);
      const eL = kept ? mul(this.words.bag(b.oIds, kept.mask, B * K, b.Lo), tensor(kept.share, [B * K, 1])) : eO;
      w = add(w, reshape(sum(mul(selectRows(this.whichLook.forward(h), rowOf), eL), 1), [B, K]));
    }
    if (b.repeat?.some((v) => v)) w = add(w, mul(tensor(persistence(b, toward?.data ?? null, this.config.repeatYield), [B, K]), this.repeatWeight)); // [B, K]
    if (b.revisit?.some((v) => v)) w = add(w, mul(tensor(Float32Array.from(b.revisit), [B, K]), this.loopWeight)); // [B, K]
    const askM = new Float32Array(B * K);
    const catM = new Float32Array(B * K);
    for (let i = 0; i < B * K; i++) {
      if (!b.optMask[i]) continue;
      if (b.isAsk[i]) askM[i] = 1;
      else catM[i] = 1;
    }
    const lw = logSoftmax(w, askM); // [B, K]; non-intervention entries are masked
    const zAsk = mul(add(lw, g), tensor(askM, [B, K])); // [B, K]
    const value = reshape(this.val2.forward(relu(this.val1.forward(rowCtx))), [B]); // [B]
    const logits = add(zAsk, mul(reshape(zCat, [B, K]), tensor(catM, [B, K]))); // [B, K]
    const logp = logSoftmax(logits, b.optMask); // [B, K]
    return { logp, value, uncertainty: unc };
  }
}

/**
 * The option-word mask of `b` with only the words in `ids` kept, and per option row [B·K] the share of its words kept: the mean
 * over the kept words times that share is the mean over all words with the others as zero vectors (dropping them from the
 * denominator instead made a caption word weigh 2–4× as much, and cost corruption's choice — issue 18, session 17). An option
 * with none of them bags to zero.
 */
function lookWordsOf(b: HeadBatch, ids: ReadonlySet<number>): { mask: Uint8Array; share: Float32Array } {
  const mask = Uint8Array.from(b.oMask, (m, i) => (m && ids.has(b.oIds[i]) ? 1 : 0));
  const share = new Float32Array(b.B * b.K);
  for (let j = 0; j < share.length; j++) {
    let all = 0;
    let kept = 0;
    for (let l = j * b.Lo; l < (j + 1) * b.Lo; l++) {
      if (b.oMask[l]) all++;
      kept += mask[l];
    }
    share[j] = all ? kept / all : 0;
  }
  return { mask, share };
}

/**
 * How much of ρ each option gets [B·K]: 1 for the intervention asked for at the previous turn,
 * shrunk to max(0, 1 − gap/δ) where the where (toward) term prefers another shown intervention
 * over it by `gap` nats (a constant: no gradient), 0 elsewhere. δ = 0 or no where map: 1. Issue 18:
 * persistence keeps late-event waiting (the toward term is flat on a centred lump), and yields when
 * camera's where map sees the object another way (at the row or column it slid to).
 */
export function persistence(b: HeadBatch, toward: Float32Array | null, yieldNats: number): Float32Array {
  const { B, K } = b;
  const out = Float32Array.from(b.repeat ?? new Uint8Array(B * K));
  if (!toward || !(yieldNats > 0)) return out;
  for (let r = 0; r < B; r++) {
    let best = -Infinity;
    for (let k = 0; k < K; k++) if (b.optMask[r * K + k] && b.isAsk[r * K + k]) best = Math.max(best, toward[r * K + k]);
    for (let k = 0; k < K; k++) {
      const i = r * K + k;
      if (out[i]) out[i] = Math.max(0, 1 - (best - toward[i]) / yieldNats);
    }
  }
  return out;
}

/** Width of `towardObject`'s rows. */
export const TOWARD = 6;

/**
 * Which way the object lies, from the where map [B, s·s], as [B, 6] shares of its mass: the
 * centre of mass as (x, y) offsets from the frame's centre (−1 at the left/top edge cells'
 * centres, +1 at the right/bottom ones), then the share on the left, right, top and bottom edge
 * cells (the object runs past that edge). A sliver at the left edge gives x near −1 and a left
 * share near 1; an object inside the frame, whatever its size, gives about zeros — so the term
 * it feeds stays bounded on views unlike any it was trained on.
 */
export function towardObject(where: Tensor): Tensor {
  const [B, A] = where.shape;
  const mass = addScalar(reshape(sum(where, 1), [B, 1]), 1e-6); // [B, 1]
  return div(matmul(where, towardBasis(A)), mass); // [B, 6]
}

const TOWARD_BASES = new Map<number, Tensor>();

/** Per cell of an s×s map (A = s² cells), its six `towardObject` values [A, 6]; built once per size. */
function towardBasis(A: number): Tensor {
  let t = TOWARD_BASES.get(A);
  if (t) return t;
  const s = Math.round(Math.sqrt(A));
  const basis = new Float32Array(A * TOWARD);
  for (let i = 0; i < s; i++)
    for (let j = 0; j < s; j++) {
      const r = (i * s + j) * TOWARD;
      basis[r] = s > 1 ? (2 * j) / (s - 1) - 1 : 0;
      basis[r + 1] = s > 1 ? (2 * i) / (s - 1) - 1 : 0;
      basis[r + 2] = j === 0 ? 1 : 0;
      basis[r + 3] = j === s - 1 ? 1 : 0;
      basis[r + 4] = i === 0 ? 1 : 0;
      basis[r + 5] = i === s - 1 ? 1 : 0;
    }
  t = tensor(basis, [A, TOWARD]);
  TOWARD_BASES.set(A, t);
  return t;
}

/** Split feature rows into h [B, H] and the where map [B, A] (null when the rows are h alone). */
export function splitFeatures(f: Tensor, H: number, A: number): { h: Tensor; where: Tensor | null } {
  const [B, F] = f.shape;
  if (F === H) return { h: f, where: null };
  if (F !== H + A) throw new Error(`model head: features have width ${F}, expected ${H} (h) or ${H + A} (h and the where map)`);
  const h = new Float32Array(B * H);
  const where = new Float32Array(B * A);
  for (let r = 0; r < B; r++) {
    h.set(f.data.subarray(r * F, r * F + H), r * H);
    where.set(f.data.subarray(r * F + H, (r + 1) * F), r * A);
  }
  return { h: tensor(h, [B, H]), where: tensor(where, [B, A]) };
}

/**
 * Per row: [max p, normalised entropy, top-1 minus top-2, −log(1 − max p)/5, −log(entropy)/5] of
 * softmax over the row's categories, and 1 when at most one intervention option is left that was
 * not already asked for at this view (ProactiveBench always shows an abstain-style option, so a
 * lone intervention is that one; and back at a view where every other one was tried, asking
 * again only goes round the loop): asking cannot bring a new view.
 */
export function uncertaintyFeatures(zCat: Float32Array, b: HeadBatch): Float32Array {
  const out = new Float32Array(b.B * UNC);
  for (let r = 0; r < b.B; r++) {
    let mx = -Infinity;
    let n = 0;
    let nAsk = 0;
    for (let k = 0; k < b.K; k++) {
      const i = r * b.K + k;
      if (b.optMask[i] && b.isAsk[i] && !b.revisit?.[i]) nAsk++; // an intervention not yet asked for at this view
      if (b.optMask[i] && !b.isAsk[i]) {
        mx = Math.max(mx, zCat[i]);
        n++;
      }
    }
    out[r * UNC + 5] = nAsk <= 1 ? 1 : 0;
    if (n === 0) continue;
    let z = 0;
    for (let k = 0; k < b.K; k++) {
      const i = r * b.K + k;
      if (b.optMask[i] && !b.isAsk[i]) z += Math.exp(zCat[i] - mx);
    }
    let p1 = 0;
    let p2 = 0;
    let ent = 0;
    for (let k = 0; k < b.K; k++) {
      const i = r * b.K + k;
      if (!(b.optMask[i] && !b.isAsk[i])) continue;
      const p = Math.exp(zCat[i] - mx) / z;
      if (p > 1e-12) ent -= p * Math.log(p);
      if (p > p1) {
        p2 = p1;
        p1 = p;
      } else if (p > p2) p2 = p;
    }
    const h = n > 1 ? ent / Math.log(n) : 0;
    out[r * UNC] = p1;
    out[r * UNC + 1] = h;
    out[r * UNC + 2] = p1 - p2;
    // Log scales: a confident model's doubt lives in the last decimals (0.9 vs 0.999).
    out[r * UNC + 3] = -Math.log(1 - p1 + 1e-4) / 5;
    out[r * UNC + 4] = -Math.log(h + 1e-4) / 5;
  }
  return out;
}
