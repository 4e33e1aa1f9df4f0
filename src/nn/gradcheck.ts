/**
 * Finite-difference gradient checking: compare autograd's gradient of a scalar function with
 * central differences (f(x+h) − f(x−h)) / 2h, evaluated in float32 but with the perturbed loss
 * accumulated in float64. Used by the op and layer tests; exported for model code tests too.
 */
import type { Tensor } from './tensor.js';
import { noGrad } from './tensor.js';

export interface GradCheckResult {
  ok: boolean;
  /** Largest |analytic − numeric| / max(atol, |analytic|, |numeric|) seen. */
  maxError: number;
  /** Where it happened ("input 0, index 5"). */
  where: string;
}

/**
 * `f` builds a scalar from `inputs` (which must require grad). Checks up to `samples`
 * positions per input (all if fewer). The error is relative, with a floor `atol` (default 1e-3)
 * for gradients near zero; keep test gradients O(0.1–1) (e.g. f = Σ out·R for a fixed random R).
 * A NaN or infinite gradient, analytic or numeric, fails the check (maxError = Infinity).
 */
export function gradCheck(
  f: () => Tensor,
  inputs: Tensor[],
  opts: { h?: number; tol?: number; atol?: number; samples?: number } = {},
): GradCheckResult {
  const atol = opts.atol ?? 1e-3;
  const h = opts.h ?? 1e-2;
  const tol = opts.tol ?? 1e-2;
  const samples = opts.samples ?? 64;
  for (const x of inputs) x.grad = null;
  f().backward();
  const analytic = inputs.map((x) => (x.grad ? x.grad.slice() : new Float32Array(x.size)));
  let maxError = 0;
  let where = '';
  inputs.forEach((x, k) => {
    const n = x.size;
    const step = Math.max(1, Math.floor(n / samples));
    for (let i = 0; i < n; i += step) {
      const orig = x.data[i];
      x.data[i] = orig + h;
      const fp = noGrad(() => sumAll(f()));
      x.data[i] = orig - h;
      const fm = noGrad(() => sumAll(f()));
      x.data[i] = orig;
      const num = (fp - fm) / (2 * h);
      const a = analytic[k][i];
      // A NaN or infinite gradient (either side) is the worst error, never a silent pass: NaN
      // compares false with everything, so `err > maxError` alone would skip it.
      const e = Math.abs(a - num) / Math.max(atol, Math.abs(a), Math.abs(num));
      const err = Number.isFinite(a) && Number.isFinite(num) ? e || 0 : Infinity; // (e is NaN only for 0/0 with atol = 0: no error)
      if (err > maxError) {
        maxError = err;
        where = `input ${k} (${x.shape.join('×')}), index ${i}: analytic ${a}, numeric ${num}`;
      }
    }
  });
  return { ok: maxError <= tol, maxError, where };
}

function sumAll(t: Tensor): number {
  let s = 0;
  for (let i = 0; i < t.data.length; i++) s += t.data[i];
  return s;
}
