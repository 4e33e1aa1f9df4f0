/**
 * Observations → model inputs: pixels to a float NCHW batch (resized to the model's input
 * size when a view has another size), questions and options to padded token-id arrays.
 */
import { normalizeText } from '../../episode/parse.js';
import { tensor, type Tensor } from '../../nn/index.js';
import type { RGBImage } from '../../scenes/image.js';
import { ABSTAIN_TEXT } from '../../suite/kinds/common.js';
import { logSumExp } from '../../util/stats.js';
import type { HeadBatch } from './model.js';
import type { Vocab } from './vocab.js';

/** Bilinear resize of an RGB image to size×size (returns the input when it already fits). */
export function resizeTo(img: RGBImage, size: number): RGBImage {
  if (img.width === size && img.height === size) return img;
  const out = new Uint8Array(size * size * 3);
  const sx = img.width / size;
  const sy = img.height / size;
  for (let y = 0; y < size; y++) {
    const fy = Math.min(img.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(img.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(img.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(img.width - 1, x0 + 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const a = img.data[(y0 * img.width + x0) * 3 + c];
        const b = img.data[(y0 * img.width + x1) * 3 + c];
        const d = img.data[(y1 * img.width + x0) * 3 + c];
        const e = img.data[(y1 * img.width + x1) * 3 + c];
        out[(y * size + x) * 3 + c] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy);
      }
    }
  }
  return { width: size, height: size, data: out };
}

/** Write one image into a [.., 3, S, S] float buffer at `offset`, scaled to [-0.5, 0.5]. */
export function writePixels(img: RGBImage, size: number, dst: Float32Array, offset: number): void {
  const im = resizeTo(img, size);
  const plane = size * size;
  const d = im.data;
  for (let p = 0; p < plane; p++) {
    dst[offset + p] = d[p * 3] / 255 - 0.5;
    dst[offset + plane + p] = d[p * 3 + 1] / 255 - 0.5;
    dst[offset + 2 * plane + p] = d[p * 3 + 2] / 255 - 0.5;
  }
}

/** Images → [B, 3, S, S]. */
export function imageBatch(images: readonly RGBImage[], size: number): Tensor {
  const per = 3 * size * size;
  const buf = new Float32Array(images.length * per);
  images.forEach((im, i) => writePixels(im, size, buf, i * per));
  return tensor(buf, [images.length, 3, size, size]);
}

export interface TextObservation {
  question: string;
  options: readonly string[];
  /** The first `numInterventions` options are interventions, the rest categories. */
  numInterventions: number;
  /**
   * Earlier turns of the episode: the last reply (which intervention was asked for), and every
   * reply given at an earlier visit to the current view (`view`; absent or negative: unknown).
   */
  history?: readonly { reply: string; view?: number }[];
  /** The view shown now (absent or negative: unknown). */
  view?: number;
}

/** The reply of the previous turn, normalised as the protocol matches replies ('' at the first turn). */
export function previousReply(o: TextObservation): string {
  const last = o.history?.length ? o.history[o.history.length - 1].reply : '';
  return normalizeText(last);
}

/**
 * Replies given at earlier turns that showed this same view (normalised), e.g. "right" when the
 * episode went right, then left, and is back here: asking for it again would loop. Empty when
 * views are unknown.
 */
export function repliesAtThisView(o: TextObservation): Set<string> {
  const out = new Set<string>();
  if (o.view === undefined || o.view < 0) return out;
  for (const t of o.history ?? []) if (t.view === o.view) out.add(normalizeText(t.reply));
  return out;
}

/** The protocol's abstain wording (every kind shows it; a policy reads it in the prompt), normalised as replies are matched. */
const ABSTAIN_NORM = normalizeText(ABSTAIN_TEXT);

/**
 * Abstain as a last resort, a rule of how the policy acts (`BuiltinPolicy.act`, model config
 * `abstainPrior` = κ ≤ 0): while the observation shows an intervention other than the abstain one
 * ("I cannot answer this question.", known by its wording) that was not asked for at an earlier
 * visit to this view, the abstain option loses κ nats against the other interventions; the mass
 * of asking, and every category, are unchanged. Returns a new row of log-probabilities in the
 * head's layout (interventions first: log P(ask) + log P(k | ask)). Abstaining never brings a new
 * view, so while a way forward is untried it should not win — whatever RL on the training kinds
 * taught the which-scorer about images it never trained on (issue 18: the pooled encoder's RL
 * opened 18 and 12 occlusion episodes of two development seeds with an abstain). RL samples and
 * scores the policy without it (rl/rollout.ts), so its updates are those of a policy without the
 * rule; docs/transfer.md, "Abstain as a last resort, when the policy acts".
 */
export function lastResort(o: TextObservation, row: readonly number[], kappa: number): number[] {
  const out = [...row];
  const nI = Math.min(o.numInterventions, row.length);
  const abstain = o.options.findIndex((x, k) => k < nI && normalizeText(x) === ABSTAIN_NORM);
  if (kappa === 0 || abstain < 0) return out;
  const here = repliesAtThisView(o);
  if (!o.options.some((x, k) => k < nI && k !== abstain && !here.has(normalizeText(x)))) return out;
  // log Σ exp over the interventions, before and after the abstain option loses κ: the ask mass stays, the share moves
  const before = logSumExp(row.slice(0, nI));
  const after = logSumExp(row.slice(0, nI).map((x, k) => (k === abstain ? x + kappa : x)));
  for (let k = 0; k < nI; k++) out[k] = row[k] + (k === abstain ? kappa : 0) + before - after;
  return out;
}

/** Tokenise and pad a batch of questions and options. */
export function headBatch(obs: readonly TextObservation[], vocab: Vocab, cache?: Map<string, number[]>): HeadBatch {
  const enc = (t: string) => {
    let ids = cache?.get(t);
    if (!ids) {
      ids = vocab.encode(t);
      cache?.set(t, ids);
    }
    return ids;
  };
  const B = obs.length;
  const K = Math.max(1, ...obs.map((o) => o.options.length));
  const qs = obs.map((o) => enc(o.question));
  const os = obs.map((o) => o.options.map(enc));
  const Lq = Math.max(1, ...qs.map((q) => q.length));
  const Lo = Math.max(1, ...os.flatMap((r) => r.map((x) => x.length)));
  const qIds = new Int32Array(B * Lq);
  const qMask = new Uint8Array(B * Lq);
  const oIds = new Int32Array(B * K * Lo);
  const oMask = new Uint8Array(B * K * Lo);
  const optMask = new Uint8Array(B * K);
  const isAsk = new Uint8Array(B * K);
  const repeat = new Uint8Array(B * K);
  const revisit = new Uint8Array(B * K);
  for (let r = 0; r < B; r++) {
    const prev = previousReply(obs[r]);
    const here = repliesAtThisView(obs[r]);
    qs[r].forEach((id, j) => {
      qIds[r * Lq + j] = id;
      qMask[r * Lq + j] = 1;
    });
    os[r].forEach((ids, k) => {
      const row = r * K + k;
      optMask[row] = 1;
      isAsk[row] = k < obs[r].numInterventions ? 1 : 0;
      const norm = normalizeText(obs[r].options[k]);
      repeat[row] = isAsk[row] && prev !== '' && norm === prev ? 1 : 0;
      revisit[row] = isAsk[row] && here.has(norm) ? 1 : 0;
      ids.forEach((id, j) => {
        oIds[row * Lo + j] = id;
        oMask[row * Lo + j] = 1;
      });
    });
  }
  return { B, K, qIds, qMask, Lq, oIds, oMask, Lo, optMask, isAsk, repeat, revisit };
}
