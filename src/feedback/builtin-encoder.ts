/**
 * The built-in model's CNN image encoder (src/agents/builtin), frozen, as extra features for the
 * rationale head — so ILLUME's rationale head sits on the same image representation the policy
 * uses to decide whether to ask. Loaded from a checkpoint directory (`builtin:DIR` elsewhere).
 */
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { imageBatch } from '../agents/builtin/features.js';
import { noGrad } from '../nn/index.js';
import type { RGBImage } from '../scenes/image.js';
import { DESCRIBE_BATCH, type ImageEncoder } from './rationale-scorer.js';

export function builtinEncoder(policy: BuiltinPolicy, batchSize = DESCRIBE_BATCH): ImageEncoder {
  const model = policy.model;
  const encode = (images: readonly RGBImage[]): Float32Array[] => {
    const out: Float32Array[] = [];
    for (let s = 0; s < images.length; s += batchSize) {
      const chunk = images.slice(s, s + batchSize);
      const h = noGrad(() => model.encode(imageBatch(chunk, model.config.imageSize))); // [B, H]
      const H = h.size / chunk.length;
      for (let b = 0; b < chunk.length; b++) out.push(h.data.slice(b * H, (b + 1) * H));
    }
    return out;
  };
  // Probe the feature length once with a blank image.
  const size = encode([{ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) }])[0].length;
  return { name: policy.name, size, encode };
}

/** Load a built-in checkpoint directory as a frozen encoder. */
export function loadBuiltinEncoder(dir: string): ImageEncoder {
  return builtinEncoder(BuiltinPolicy.load(dir));
}
