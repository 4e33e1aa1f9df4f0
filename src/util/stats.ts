/** Small descriptive statistics shared by metrics and training logs. */

/** Arithmetic mean (0 for an empty list). */
export function average(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** Running lists of named values, averaged at the end (e.g. per-minibatch losses of one update). */
export class Means {
  private readonly values = new Map<string, number[]>();

  add(row: Record<string, number>): void {
    for (const [k, v] of Object.entries(row)) {
      const list = this.values.get(k);
      if (list) list.push(v);
      else this.values.set(k, [v]);
    }
  }

  /** The mean of every name, keyed `prefix + name`, in the order the names were first added. */
  prefixed(prefix: string): Record<string, number> {
    return Object.fromEntries([...this.values].map(([k, v]) => [prefix + k, average(v)]));
  }
}
