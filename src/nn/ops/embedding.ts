/**
 * Embedding lookups: `embedding` (one row of the table per id) and `bagOfTokens` (the mean
 * of the word embeddings of each sequence over its valid tokens — a bag-of-words text
 * encoder, as in fastText / Joulin et al., 2017). Gradients scatter-add into the table.
 */
import { InputError } from '../../util/errors.js';
import { Tensor, makeResult, shapeStr } from '../tensor.js';

function checkIds(ids: ArrayLike<number>, V: number, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const t = ids[i];
    if (!Number.isInteger(t) || t < 0 || t >= V) throw new InputError(`${what}: token id ${t} at position ${i} is outside the vocabulary [0, ${V})`);
  }
}

/** table [V, D], ids (any layout, `shape` gives it; default [ids.length]) → [...shape, D]. */
export function embedding(table: Tensor, ids: ArrayLike<number>, shape: readonly number[] = [ids.length]): Tensor {
  if (table.ndim !== 2) throw new InputError(`embedding table must be [V, D], got ${shapeStr(table.shape)}`);
  const [V, D] = table.shape;
  checkIds(ids, V, 'embedding');
  const n = ids.length;
  const out = new Float32Array(n * D);
  for (let i = 0; i < n; i++) out.set(table.data.subarray(ids[i] * D, ids[i] * D + D), i * D);
  return makeResult(out, [...shape, D], [table], (o) => {
    const g = o.grad!;
    const gt = table.ensureGrad();
    for (let i = 0; i < n; i++) {
      const r = ids[i] * D;
      for (let j = 0; j < D; j++) gt[r + j] += g[i * D + j];
    }
  });
}

/**
 * Mean of word embeddings per sequence: ids and mask are [B, L] flat (mask nonzero = a real
 * token, zero = padding), table [V, D] → [B, D]. A sequence with no valid token gives zeros.
 * Its float64 twin is ops/ref.ts `bagOfTokensRef` / `bagOfTokensBackwardRef`, checked in ops/ref.test.ts.
 */
export function bagOfTokens(table: Tensor, ids: ArrayLike<number>, mask: ArrayLike<number | boolean>, B: number, L: number): Tensor {
  if (table.ndim !== 2) throw new InputError(`bagOfTokens table must be [V, D], got ${shapeStr(table.shape)}`);
  if (ids.length !== B * L || mask.length !== B * L) {
    throw new InputError(`bagOfTokens: ids (${ids.length}) and mask (${mask.length}) must both have B·L = ${B}·${L} = ${B * L} entries`);
  }
  const [V, D] = table.shape;
  const T = table.data;
  const out = new Float32Array(B * D);
  const inv = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    let c = 0;
    for (let l = 0; l < L; l++) {
      const i = b * L + l;
      if (!mask[i]) continue;
      const t = ids[i];
      if (!Number.isInteger(t) || t < 0 || t >= V) throw new InputError(`bagOfTokens: token id ${t} (row ${b}, position ${l}) is outside [0, ${V})`);
      c++;
      const r = t * D;
      for (let j = 0; j < D; j++) out[b * D + j] += T[r + j];
    }
    inv[b] = c ? 1 / c : 0;
    for (let j = 0; j < D; j++) out[b * D + j] *= inv[b];
  }
  return makeResult(out, [B, D], [table], (o) => {
    const g = o.grad!;
    const gt = table.ensureGrad();
    for (let b = 0; b < B; b++) {
      for (let l = 0; l < L; l++) {
        const i = b * L + l;
        if (!mask[i]) continue;
        const r = ids[i] * D;
        for (let j = 0; j < D; j++) gt[r + j] += g[b * D + j] * inv[b];
      }
    }
  });
}
