/**
 * Layer normalisation over the last axis (Ba, Kiros & Hinton, 2016, "Layer Normalization"):
 * y = (x − mean) / sqrt(var + eps) · gamma + beta, biased variance as in PyTorch.
 */
import { InputError } from '../../util/errors.js';
import { Tensor, isGradEnabled, makeResult, shapeStr } from '../tensor.js';

export function layerNorm(x: Tensor, gamma: Tensor | null, beta: Tensor | null, eps = 1e-5): Tensor {
  const D = x.shape[x.ndim - 1];
  if (x.ndim < 1 || !D) throw new InputError(`layerNorm needs a non-empty last axis, got ${shapeStr(x.shape)}`);
  if ((gamma && gamma.size !== D) || (beta && beta.size !== D)) {
    throw new InputError(`layerNorm: gamma/beta must have ${D} values (last axis of ${shapeStr(x.shape)})`);
  }
  const R = x.size / D;
  const X = x.data;
  const out = new Float32Array(x.size);
  // Saved for backward only when a backward can follow (inference allocates just the output).
  const track = isGradEnabled() && (x.requiresGrad || !!gamma?.requiresGrad || !!beta?.requiresGrad);
  const xhat = track ? new Float32Array(x.size) : null;
  const rstd = track ? new Float32Array(R) : null;
  for (let r = 0; r < R; r++) {
    const o = r * D;
    let m = 0;
    for (let j = 0; j < D; j++) m += X[o + j];
    m /= D;
    let v = 0;
    for (let j = 0; j < D; j++) v += (X[o + j] - m) ** 2;
    v /= D;
    const rs = 1 / Math.sqrt(v + eps);
    if (rstd) rstd[r] = rs;
    for (let j = 0; j < D; j++) {
      const h = (X[o + j] - m) * rs;
      if (xhat) xhat[o + j] = h;
      out[o + j] = h * (gamma ? gamma.data[j] : 1) + (beta ? beta.data[j] : 0);
    }
  }
  const parents = [x];
  if (gamma) parents.push(gamma);
  if (beta) parents.push(beta);
  return makeResult(out, x.shape, parents, (o) => {
    const g = o.grad!;
    const xh = xhat!;
    const gg = gamma && gamma.requiresGrad ? gamma.ensureGrad() : null;
    const gb = beta && beta.requiresGrad ? beta.ensureGrad() : null;
    const gx = x.requiresGrad ? x.ensureGrad() : null;
    for (let r = 0; r < R; r++) {
      const off = r * D;
      let s1 = 0; // Σ dxhat
      let s2 = 0; // Σ dxhat·xhat
      for (let j = 0; j < D; j++) {
        const dh = g[off + j] * (gamma ? gamma.data[j] : 1);
        s1 += dh;
        s2 += dh * xh[off + j];
        if (gg) gg[j] += g[off + j] * xh[off + j];
        if (gb) gb[j] += g[off + j];
      }
      if (gx) {
        const rs = rstd![r];
        for (let j = 0; j < D; j++) {
          const dh = g[off + j] * (gamma ? gamma.data[j] : 1);
          gx[off + j] += (rs / D) * (D * dh - s1 - xh[off + j] * s2);
        }
      }
    }
  });
}
