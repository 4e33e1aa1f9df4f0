/**
 * Advantage estimators, as pure functions over plain arrays.
 * - Group-relative advantages (GRPO; Shao et al. 2024, "DeepSeekMath", §4.1): each of the G
 *   samples for one prompt gets (R − mean) / (std + ε) within its group, std the sample standard
 *   deviation (n − 1, as torch.std and TRL's nanstd); without `scaleByStd`, R − mean (Dr. GRPO).
 * - Generalised advantage estimation (Schulman et al. 2016) for PPO.
 */

/** Group-normalised advantages; `returns` holds consecutive groups of `groupSize`. */
export function groupAdvantages(returns: readonly number[], groupSize: number, eps = 1e-6, scaleByStd = true): number[] {
  if (groupSize < 1 || returns.length % groupSize !== 0) {
    throw new Error(`groupAdvantages: ${returns.length} returns do not split into groups of ${groupSize}`);
  }
  const out = new Array<number>(returns.length);
  for (let g = 0; g < returns.length; g += groupSize) {
    let mean = 0;
    for (let i = 0; i < groupSize; i++) mean += returns[g + i];
    mean /= groupSize;
    let v = 0;
    for (let i = 0; i < groupSize; i++) v += (returns[g + i] - mean) ** 2;
    const std = Math.sqrt(v / Math.max(1, groupSize - 1));
    for (let i = 0; i < groupSize; i++) out[g + i] = scaleByStd ? (returns[g + i] - mean) / (std + eps) : returns[g + i] - mean;
  }
  return out;
}

/**
 * GAE over one trajectory: rewards r_t, values V(s_t) for t < T, and the bootstrap value after
 * the last step (0 for a terminal state). Returns advantages and value targets (A + V).
 */
export function gae(
  rewards: readonly number[],
  values: readonly number[],
  lastValue: number,
  gamma: number,
  lambda: number,
): { advantages: number[]; returns: number[] } {
  const T = rewards.length;
  const adv = new Array<number>(T);
  let next = lastValue;
  let acc = 0;
  for (let t = T - 1; t >= 0; t--) {
    const delta = rewards[t] + gamma * next - values[t];
    acc = delta + gamma * lambda * acc;
    adv[t] = acc;
    next = values[t];
  }
  return { advantages: adv, returns: adv.map((a, t) => a + values[t]) };
}

/** Normalise to zero mean, unit variance (no-op for fewer than 2 values). */
export function normalize(xs: readonly number[], eps = 1e-8): number[] {
  if (xs.length < 2) return [...xs];
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const s = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
  return xs.map((x) => (x - m) / (s + eps));
}
