/**
 * The rationale head: scores candidate rationale sentences for an (image, answer) pair. A small
 * MLP on src/nn — image descriptors (rationale-features.ts), optionally the built-in model's
 * frozen CNN features (builtin-encoder.ts), + the answer's kind (ask/answer) and category →
 * hidden ReLU layer → one logit per sentence of a fixed vocabulary; a masked softmax over the
 * sentences offered for the item gives p(rationale | image, answer).
 *
 * Fine-tuning follows ILLUME (Brack et al., ICML 2023): maximise the log-likelihood of the
 * rationales a critic accepted (cross-entropy over the offered candidates), nothing else.
 * Sampling k rationales is Gumbel-top-k over the logits (k draws without replacement).
 */
import { AdamW, Linear, gather, logSoftmax, mean, neg, noGrad, relu, stopIfDiverged, tensor, type Tensor } from '../nn/index.js';
import { Rng, type SceneRng } from '../util/rng.js';
import type { RGBImage } from '../scenes/image.js';
import type { Candidate } from './facts.js';
import { IMAGE_FEATURES, imageFeatures } from './rationale-features.js';

/** One item the scorer sees: an image, the answer it explains, and the offered candidate sentences. */
export interface RationaleItem {
  id: string;
  /**
   * Its image, decoded when asked (a suite's view file read again, a drawn scene's pixels as held): for its descriptors
   * (`describeItems`, once) and by the workbench critic (its PNG, each round). Items held every image decoded: ILLUME on
   * a suite of 4,900 episodes of 64-pixel views held 9,065 of them through all its rounds.
   */
  image: () => Promise<RGBImage>;
  question: string;
  answer: string;
  answerKind: 'ask' | 'answer';
  /** The answer's category when `answerKind` is 'answer'. */
  category?: string;
  candidates: Candidate[];
  /** Its image's descriptors (+ encoder features), set by `describeItems`. */
  features?: Float32Array;
}

/** Images `describeItems` decodes at once: the built-in encoder's batch (builtin-encoder.ts), so its batches stay as they were. */
export const DESCRIBE_BATCH = 64;

/**
 * Set `features` of the items that lack them (or have them for another encoder): image descriptors (+ `encoder`'s
 * features), decoding `DESCRIBE_BATCH` images at a time, in the items' order, and holding none of them after. `onImage`:
 * after each image (a progress bar).
 */
export async function describeItems(items: readonly RationaleItem[], encoder?: ImageEncoder, onImage?: () => void): Promise<void> {
  const size = IMAGE_FEATURES + (encoder?.size ?? 0);
  const missing = items.filter((it) => it.features?.length !== size);
  for (let s = 0; s < missing.length; s += DESCRIBE_BATCH) {
    const chunk = missing.slice(s, s + DESCRIBE_BATCH);
    const images: RGBImage[] = [];
    for (const it of chunk) {
      images.push(await it.image());
      onImage?.();
    }
    const enc = encoder?.encode(images);
    chunk.forEach((it, i) => {
      const f = new Float32Array(size);
      f.set(imageFeatures(images[i]));
      if (enc) f.set(enc[i], IMAGE_FEATURES);
      it.features = f;
    });
  }
}

/** Extra image features, e.g. the built-in model's frozen CNN encoder (see builtin-encoder.ts). */
export interface ImageEncoder {
  readonly name: string;
  /** Feature length per image. */
  readonly size: number;
  encode(images: readonly RGBImage[]): Float32Array[];
}

export interface ScorerConfig {
  hidden: number;
  lr: number;
  seed: number;
  /** Appended to the descriptors when given. */
  encoder?: ImageEncoder;
}

export class RationaleScorer {
  readonly vocab: string[];
  readonly categories: string[];
  private readonly index: Map<string, number>;
  private readonly l1: Linear;
  private readonly l2: Linear;
  private readonly opt: AdamW;
  readonly inputSize: number;
  /** Image descriptors + encoder features. */
  readonly featureSize: number;

  constructor(sentences: readonly string[], categories: readonly string[], readonly cfg: ScorerConfig = { hidden: 32, lr: 0.02, seed: 1 }) {
    this.vocab = [...new Set(sentences)];
    this.index = new Map(this.vocab.map((s, i) => [s, i]));
    this.categories = [...categories];
    this.featureSize = IMAGE_FEATURES + (cfg.encoder?.size ?? 0);
    this.inputSize = this.featureSize + 2 + this.categories.length;
    const rng = new Rng(cfg.seed);
    this.l1 = new Linear(this.inputSize, cfg.hidden, { rng });
    this.l2 = new Linear(cfg.hidden, this.vocab.length, { rng, init: 'xavier' });
    this.opt = new AdamW([...this.l1.parameters(), ...this.l2.parameters()], { lr: cfg.lr, weightDecay: 1e-3 });
  }

  /** Vocabulary index of a candidate sentence, or -1 when unknown. */
  sentenceIndex(text: string): number {
    return this.index.get(text) ?? -1;
  }

  /** Describe the items for this scorer (its encoder's features too): what `scores`, `sample`, `best` and `fit` read. */
  describe(items: readonly RationaleItem[], onImage?: () => void): Promise<void> {
    return describeItems(items, this.cfg.encoder, onImage);
  }

  private inputs(items: readonly RationaleItem[]): Tensor {
    const missing = items.find((it) => it.features?.length !== this.featureSize);
    if (missing) throw new Error(`rationale item ${missing.id} is not described for this scorer: call describe(items) first`);
    const F = this.featureSize;
    const x = new Float32Array(items.length * this.inputSize); // [B, inputSize]
    items.forEach((it, b) => {
      const o = b * this.inputSize;
      x.set(it.features!, o);
      x[o + F + (it.answerKind === 'ask' ? 0 : 1)] = 1;
      const c = it.category ? this.categories.indexOf(it.category) : -1;
      if (c >= 0) x[o + F + 2 + c] = 1;
    });
    return tensor(x, [items.length, this.inputSize]);
  }

  private logits(items: readonly RationaleItem[]): Tensor {
    return this.l2.forward(relu(this.l1.forward(this.inputs(items)))); // [B, V]
  }

  /** Logit per offered candidate of each item (unknown sentences get −∞). */
  scores(items: readonly RationaleItem[]): number[][] {
    const z = noGrad(() => this.logits(items));
    const V = this.vocab.length;
    return items.map((it, b) => it.candidates.map((c) => {
      const j = this.sentenceIndex(c.text);
      return j < 0 ? -Infinity : z.data[b * V + j];
    }));
  }

  /** k distinct candidate indices per item, sampled from softmax(logits / temperature) (Gumbel-top-k). */
  sample(items: readonly RationaleItem[], k: number, rng: SceneRng, temperature = 1): number[][] {
    return this.scores(items).map((s) => {
      const keyed = s.map((v, i) => ({ i, key: v / temperature - Math.log(-Math.log(Math.max(rng.next(), 1e-12))) }));
      return keyed.sort((a, b) => b.key - a.key).slice(0, Math.min(k, s.length)).map((e) => e.i);
    });
  }

  /**
   * The highest-scoring candidate per item (ties: lowest index), or −1 for an item with a NaN score (a diverged
   * fine-tune): skipping the NaN would pick candidate 0, torch.argmax the NaN's own, either of them right by chance —
   * a NaN score picks none, so it is never counted correct (`rationaleAccuracy`).
   */
  best(items: readonly RationaleItem[]): number[] {
    return this.scores(items).map((s) => (s.some((v) => Number.isNaN(v)) ? -1 : s.reduce((bi, v, i) => (v > s[bi] ? i : bi), 0)));
  }

  /**
   * Fine-tune on accepted (item, candidate index) pairs: `epochs` passes of minibatch AdamW on the
   * cross-entropy over each item's offered candidates. Returns the mean loss of the last epoch. A diverged fit (too high
   * a --lr) stops at its first non-finite loss, before applying it, with an InputError naming `stage` and the step
   * (nn/diverged.ts): it used to train on, its NaN loss printed as "loss NaN" and written as null.
   */
  fit(pairs: readonly { item: RationaleItem; candidate: number }[], epochs: number, batchSize: number, rng: SceneRng, stage = 'rationale head'): number {
    const V = this.vocab.length;
    const usable = pairs.filter((p) => this.sentenceIndex(p.item.candidates[p.candidate].text) >= 0);
    let last = NaN;
    let step = 0;
    for (let e = 0; e < epochs; e++) {
      const order = rng.shuffle(usable.map((_, i) => i));
      let total = 0;
      let batches = 0;
      for (let s = 0; s < order.length; s += batchSize) {
        const batch = order.slice(s, s + batchSize).map((i) => usable[i]);
        const mask = new Uint8Array(batch.length * V); // [B, V]: 1 where the sentence was offered
        const target = batch.map((p, b) => {
          for (const c of p.item.candidates) {
            const j = this.sentenceIndex(c.text);
            if (j >= 0) mask[b * V + j] = 1;
          }
          return this.sentenceIndex(p.item.candidates[p.candidate].text);
        });
        this.opt.zeroGrad();
        const lp = logSoftmax(this.logits(batch.map((p) => p.item)), mask);
        const loss = neg(mean(gather(lp, target)));
        stopIfDiverged(loss.data[0], { stage, unit: 'step', index: ++step });
        loss.backward();
        this.opt.step();
        total += loss.data[0];
        batches++;
      }
      last = batches ? total / batches : NaN;
    }
    return last;
  }
}
