/**
 * The built-in model's presence head, and how the model answers the yes/no presence question
 * (episode/presence.ts; POPE, Li et al., EMNLP 2023) with a third answer, "I cannot tell".
 *
 *   s_c          = max over nine half-size windows w of log p(c | w)   the model's own category
 *                  head (trained to name a single object) read on windows of the image (offsets
 *                  0, ¼ and ½ of the side each way): the encoder learned objects that fill a good
 *                  part of its 64-pixel input, and a window shows an object of a busy scene at
 *                  about that size where the whole image would shrink it to a few pixels; the
 *                  maximum over windows is multiple-instance pooling (one window with the object
 *                  is enough)
 *   p(c present) = σ(a_c · s_c + b_c)          a calibration per category: the only trained part
 *   ask          = the model's own policy, on the window where c scored highest (where it would
 *                  look for a c), shown "I cannot tell" and, as in an episode, four categories —
 *                  the four it finds likeliest there (plus a second ask-style
 *                  placeholder, so its gate does not read the scene as "only the abstain option
 *                  is left"): asks when its ask gate outweighs its surest category — the gate RL
 *                  trains on the proactive episodes
 *   answer       = "I cannot tell" if it asks, else Yes when p ≥ 0.5, else No
 *
 * The head is trained apart from everything else (src/rl/presence.ts: its own step budget and
 * random stream, on multi-object scenes with known contents, encoder frozen) and saved beside
 * the checkpoint it was trained on (`presence.safetensors` + `presence` in config.json), so the
 * model's own weights — and the demo's trained policy — stay exactly as they were. Before and
 * after RL the head is the same (RL freezes the encoder); what changes is the ask gate, which
 * is the question the probe asks: does learning to ask reduce hallucination?
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Module, add, loadSafetensors, mul, noGrad, saveSafetensors, type Tensor } from '../../nn/index.js';
import { crop } from '../../scenes/camera.js';
import type { RGBImage } from '../../scenes/image.js';
import { DataError } from '../../util/errors.js';
import { PRESENCE_CANNOT, isPresenceOptions, parsePresenceQuestion } from '../../episode/presence.js';
import type { Observation } from '../policy.js';
import { headBatch, imageBatch } from './features.js';
import type { MultimodalModel } from './model.js';
import type { Vocab } from './vocab.js';

export const PRESENCE_FILE = 'presence.safetensors';

/** What config.json records of a presence head. */
export interface PresenceConfig {
  /** The categories it answers for, in order. */
  categories: string[];
  /** Free-form training provenance. */
  training?: unknown;
}

export class PresenceHead extends Module {
  readonly scale: Tensor;
  readonly bias: Tensor;
  /** The SHA-256 of the weights it was loaded from (a head built in memory has none). */
  weightsSha256?: string;
  constructor(readonly config: PresenceConfig) {
    super();
    const C = config.categories.length;
    this.scale = this.addParameter('scale', new Float32Array(C).fill(1), [C]);
    this.bias = this.addParameter('bias', new Float32Array(C), [C]);
  }

  /** Window-pooled category scores [B, C] (`presenceScores`) → presence logits [B, C] (parameters broadcast over rows). */
  forward(s: Tensor): Tensor {
    return add(mul(s, this.scale), this.bias);
  }

  save(dir: string): void {
    saveSafetensors(join(dir, PRESENCE_FILE), this.namedParameters().map(([n, p]) => [n, { data: p.data, shape: p.shape }]), { format: 'askfirst-presence' });
  }

  /** The head saved in a checkpoint directory, or null when it has none. */
  static load(dir: string, cfg: unknown): PresenceHead | null {
    const file = join(dir, PRESENCE_FILE);
    if (!cfg && !existsSync(file)) return null;
    const c = cfg as PresenceConfig;
    if (!c || !Array.isArray(c.categories) || !c.categories.every((x) => typeof x === 'string')) {
      throw new DataError('config.json has a malformed "presence" entry (expected categories: string[])', { file: join(dir, 'config.json') });
    }
    if (!existsSync(file)) throw new DataError(`config.json names a presence head but ${PRESENCE_FILE} is missing`, { file });
    const head = new PresenceHead(c);
    const { tensors, sha256 } = loadSafetensors(file);
    head.loadStateDict(tensors, true, file);
    head.weightsSha256 = sha256;
    return head;
  }
}

/** Windows per image (3 × 3 offsets). */
export const WINDOWS = 9;

/** The nine half-size windows of an image, row by row (offsets 0, ¼ and ½ of each side). */
export function presenceWindows(img: RGBImage): RGBImage[] {
  const w = Math.floor(img.width / 2);
  const h = Math.floor(img.height / 2);
  const out: RGBImage[] = [];
  for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) out.push(crop(img, Math.round((i * (img.width - w)) / 2), Math.round((j * (img.height - h)) / 2), w, h));
  return out;
}

/**
 * s_c per image: the maximum over its windows of the model's log p(c | window), its category head
 * shown every one of `categories` (no gradient; the model is frozen) → [B, C]; `best`, if given
 * ([B, C]), receives the window where each category scored highest.
 */
export function presenceScores(model: MultimodalModel, vocab: Vocab, images: readonly RGBImage[], categories: readonly string[], cache?: Map<string, number[]>, best?: Int32Array): Float32Array {
  const C = categories.length;
  const out = new Float32Array(images.length * C).fill(-Infinity);
  const obs = { question: 'What object is in the image?', options: [...categories], numInterventions: 0 };
  const chunk = 16; // images per forward pass (× WINDOWS windows)
  for (let s = 0; s < images.length; s += chunk) {
    const imgs = images.slice(s, s + chunk);
    const wins = imgs.flatMap((im) => presenceWindows(im));
    const lp = noGrad(() => {
      const { h, where } = model.encodeBoth(imageBatch(wins, model.config.imageSize));
      return model.headParts(h, where, headBatch(wins.map(() => obs), vocab, cache)).logp;
    });
    const K = lp.shape[1];
    for (let w = 0; w < wins.length; w++) {
      const r = s + Math.floor(w / WINDOWS);
      for (let c = 0; c < C; c++)
        if (lp.data[w * K + c] > out[r * C + c]) {
          out[r * C + c] = lp.data[w * K + c];
          if (best) best[r * C + c] = w % WINDOWS;
        }
    }
  }
  return out;
}

/** The category asked about when `o` is a presence question with the presence options, else null. */
export function presenceCategory(o: Pick<Observation, 'question' | 'options' | 'numInterventions'>): string | null {
  if (o.numInterventions !== 1 || !isPresenceOptions(o.options)) return null;
  return parsePresenceQuestion(o.question);
}

/** Categories shown to the ask decision: as many as an episode shows (four). */
export const ASK_SHOWN = 4;

/** Options the ask decision is made over: two ask-style entries, then every known category. */
export function askProbeOptions(categories: readonly string[]): { options: string[]; numInterventions: number } {
  return { options: [PRESENCE_CANNOT, 'Show me a clearer view.', ...categories], numInterventions: 2 };
}
