/**
 * Seeded weight initialisation. Kaiming/He (He et al., 2015, "Delving Deep into Rectifiers")
 * for ReLU layers and Xavier/Glorot (Glorot & Bengio, 2010) for linear/tanh layers; fan-in and
 * fan-out follow PyTorch: for a weight [out, in, ...k], fan_in = in·prod(k), fan_out = out·prod(k).
 */
import type { Rng } from '../util/rng.js';
import { shapeSize } from './tensor.js';

export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const rf = shapeSize(shape.slice(2));
  return { fanIn: shape[1] * rf, fanOut: shape[0] * rf };
}

export function uniformFill(out: Float32Array, rng: Rng, bound: number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

export function normalFill(out: Float32Array, rng: Rng, std: number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.normal(0, std);
  return out;
}

/** Kaiming-uniform with gain √2 (ReLU): U(−b, b), b = √(6 / fan_in). */
export function kaimingUniform(shape: readonly number[], rng: Rng): Float32Array {
  return uniformFill(new Float32Array(shapeSize(shape)), rng, Math.sqrt(6 / fans(shape).fanIn));
}

/** Kaiming-normal with gain √2 (ReLU): N(0, 2 / fan_in). */
export function kaimingNormal(shape: readonly number[], rng: Rng): Float32Array {
  return normalFill(new Float32Array(shapeSize(shape)), rng, Math.sqrt(2 / fans(shape).fanIn));
}

/** Xavier-uniform: U(−b, b), b = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform(shape: readonly number[], rng: Rng, gain = 1): Float32Array {
  const { fanIn, fanOut } = fans(shape);
  return uniformFill(new Float32Array(shapeSize(shape)), rng, gain * Math.sqrt(6 / (fanIn + fanOut)));
}

/** Xavier-normal: N(0, gain²·2 / (fan_in + fan_out)). */
export function xavierNormal(shape: readonly number[], rng: Rng, gain = 1): Float32Array {
  const { fanIn, fanOut } = fans(shape);
  return normalFill(new Float32Array(shapeSize(shape)), rng, gain * Math.sqrt(2 / (fanIn + fanOut)));
}
