/**
 * The AdamW update (Loshchilov & Hutter, 2019; Adam of Kingma & Ba, 2015) in f32x4 lanes, in
 * place on the weights and both moment buffers, in element chunks taken from a shared counter.
 */
import { next } from './work';

/**
 * hp points at six f32: β1, β2, ε, step size (lr / (1 − β1ᵗ)), 1 / √(1 − β2ᵗ), decay (1 − lr·wd).
 * m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²; w = w·decay − step·m / (√v / √(1 − β2ᵗ) + ε).
 *
 * Extreme gradients as PyTorch's Adam (whose v term is addcmul's (1 − β2)·g·g): the lanes square g
 * first, (1 − β2)·(g·g), which is ∞ from |g| ≈ 1.8e19 (v = ∞: no update, ever again), so there
 * they take (1 − β2)·g·g, finite up to |g| ≈ 5.8e20 at β2 = 0.999; past it v = ∞ and the weight
 * stops, as PyTorch's; g = ±∞ or NaN makes it NaN. Ordinary gradients keep (1 − β2)·(g·g), bit
 * for bit (the scalar tail has always taken (1 − β2)·g·g).
 *
 * Rounding against the float64 twin (kernels/ref.ts adamStepRef): every operation here rounds to f32 (no fused
 * multiply-add), and the hyper-parameters arrive as f32, so 1 − β2 is 1 − f32(0.999) = 9.99987e-4, 1.29e-5 below 1e-3:
 * v comes out 1.3e-5 low (109–218 ulps), the update through √v 6.5e-6 large; 1 − f32(0.9) puts m 2.4e-7 high.
 * kernels.test.ts "adamStep … against float64 from the same state" bounds each from these figures.
 */
export function adamStep(w: usize, g: usize, m: usize, v: usize, ctr: usize, n: i32, chunk: i32, hp: usize): void {
  for (let c = next(ctr); c * chunk < n; c = next(ctr)) adam(w, g, m, v, c * chunk, min(n, (c + 1) * chunk), hp);
}

function adam(w: usize, g: usize, m: usize, v: usize, i0: i32, i1: i32, hp: usize): void {
  const b1 = load<f32>(hp);
  const b2 = load<f32>(hp, 4);
  const eps = load<f32>(hp, 8);
  const step = load<f32>(hp, 12);
  const isq2 = load<f32>(hp, 16);
  const decay = load<f32>(hp, 20);
  const B1 = f32x4.splat(b1);
  const B2 = f32x4.splat(b2);
  const C1 = f32x4.splat(1 - b1);
  const C2 = f32x4.splat(1 - b2);
  const E = f32x4.splat(eps);
  const S = f32x4.splat(step);
  const Q = f32x4.splat(isq2);
  const D = f32x4.splat(decay);
  const INF = f32x4.splat(Infinity);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * 4;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(B1, v128.load(m + o)), f32x4.mul(C1, gi));
    const gg = f32x4.mul(gi, gi);
    const g2 = v128.bitselect(f32x4.mul(f32x4.mul(C2, gi), gi), f32x4.mul(C2, gg), f32x4.eq(gg, INF));
    const vi = f32x4.add(f32x4.mul(B2, v128.load(v + o)), g2);
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const den = f32x4.add(f32x4.mul(f32x4.sqrt(vi), Q), E);
    v128.store(w + o, f32x4.sub(f32x4.mul(v128.load(w + o), D), f32x4.div(f32x4.mul(S, mi), den)));
  }
  for (; i < i1; i++) {
    const o = <usize>i * 4;
    const gi = load<f32>(g + o);
    const mi = b1 * load<f32>(m + o) + (1 - b1) * gi;
    const vi = b2 * load<f32>(v + o) + (1 - b2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(w + o, load<f32>(w + o) * decay - (step * mi) / (sqrt<f32>(vi) * isq2 + eps));
  }
}
