/**
 * Inter-annotator agreement. Cohen's κ (Cohen 1960) for two raters who labelled the same
 * units; Fleiss' κ (Fleiss 1971) for any number of raters per unit (each unit rated by the same
 * number of raters). κ = (P_o − P_e) / (1 − P_e). Pure functions; `taskAgreement` turns stored
 * labels of one task type into rating units and picks the measure.
 */
import type { AskLabel, PlayLabel, PreferenceLabel, RationaleLabel, TaskType } from './tasks.js';

export interface KappaResult {
  kappa: number;
  /** Observed agreement P_o (Fleiss: mean per-unit agreement P̄). */
  observed: number;
  /** Chance agreement P_e. */
  expected: number;
}

/** Cohen's κ for two raters' labels of the same units, in the same order. */
export function cohenKappa(a: readonly (string | number)[], b: readonly (string | number)[]): KappaResult {
  if (a.length !== b.length) throw new RangeError(`cohenKappa: rater label counts differ (${a.length} vs ${b.length})`);
  const n = a.length;
  if (n === 0) return { kappa: NaN, observed: NaN, expected: NaN };
  const ca = new Map<string | number, number>();
  const cb = new Map<string | number, number>();
  let agree = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) agree++;
    ca.set(a[i], (ca.get(a[i]) ?? 0) + 1);
    cb.set(b[i], (cb.get(b[i]) ?? 0) + 1);
  }
  const po = agree / n;
  let pe = 0;
  for (const [k, v] of ca) pe += (v / n) * ((cb.get(k) ?? 0) / n);
  return { kappa: pe === 1 ? (po === 1 ? 1 : NaN) : (po - pe) / (1 - pe), observed: po, expected: pe };
}

/**
 * Fleiss' κ from a count matrix: `counts[i][j]` = raters who put unit i in category j; every
 * row must sum to the same number of raters n ≥ 2.
 */
export function fleissKappa(counts: readonly (readonly number[])[]): KappaResult {
  const N = counts.length;
  if (N === 0) return { kappa: NaN, observed: NaN, expected: NaN };
  const n = counts[0].reduce((s, x) => s + x, 0);
  if (n < 2) throw new RangeError('fleissKappa: each unit needs at least two ratings');
  const k = counts[0].length;
  const colTotals = new Array<number>(k).fill(0);
  let pBar = 0;
  for (const row of counts) {
    const rs = row.reduce((s, x) => s + x, 0);
    if (rs !== n) throw new RangeError(`fleissKappa: every unit needs the same number of ratings (${n}), found ${rs}`);
    let sq = 0;
    row.forEach((x, j) => {
      colTotals[j] += x;
      sq += x * x;
    });
    pBar += (sq - n) / (n * (n - 1));
  }
  pBar /= N;
  const pe = colTotals.reduce((s, t) => s + (t / (N * n)) ** 2, 0);
  return { kappa: pe === 1 ? (pBar === 1 ? 1 : NaN) : (pBar - pe) / (1 - pe), observed: pBar, expected: pe };
}

/** One rated unit: which annotator gave which category. */
export interface Unit {
  id: string;
  ratings: { rater: number; value: string }[];
}

export interface AgreementReport {
  /** e.g. "rationale", "ask", "preference/hallucination". */
  task: string;
  measure: 'cohen' | 'fleiss' | 'none';
  kappa: number;
  observed: number;
  expected: number;
  /** Units used (rated by the modal number of raters, ≥ 2). */
  units: number;
  raters: number;
}

/** Choose Cohen (exactly two distinct raters on every unit used) or Fleiss (more), and compute κ. */
export function unitAgreement(task: string, units: readonly Unit[]): AgreementReport {
  const rated = units.filter((u) => u.ratings.length >= 2);
  const sizes = new Map<number, number>();
  for (const u of rated) sizes.set(u.ratings.length, (sizes.get(u.ratings.length) ?? 0) + 1);
  const m = [...sizes.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0];
  const used = rated.filter((u) => u.ratings.length === m);
  const raters = new Set(used.flatMap((u) => u.ratings.map((r) => r.rater)));
  if (!used.length) return { task, measure: 'none', kappa: NaN, observed: NaN, expected: NaN, units: 0, raters: raters.size };
  if (m === 2 && raters.size === 2) {
    const [r1] = [...raters].sort((a, b) => a - b);
    const a = used.map((u) => u.ratings.find((r) => r.rater === r1)!.value);
    const b = used.map((u) => u.ratings.find((r) => r.rater !== r1)!.value);
    return { task, measure: 'cohen', ...cohenKappa(a, b), units: used.length, raters: 2 };
  }
  const cats = [...new Set(used.flatMap((u) => u.ratings.map((r) => r.value)))].sort();
  const counts = used.map((u) => cats.map((c) => u.ratings.filter((r) => r.value === c).length));
  return { task, measure: 'fleiss', ...fleissKappa(counts), units: used.length, raters: raters.size };
}

/** A stored label with its task, as agreement needs it. */
export interface RatedLabel {
  taskId: number;
  annotatorId: number;
  type: TaskType;
  payload: unknown;
  label: unknown;
}

/** Rating units per reported task name from one task type's labels. */
export function unitsFor(labels: readonly RatedLabel[]): Map<string, Unit[]> {
  const out = new Map<string, Map<string, Unit>>();
  const add = (task: string, id: string, rater: number, value: string) => {
    const byId = out.get(task) ?? new Map<string, Unit>();
    out.set(task, byId);
    const u = byId.get(id) ?? { id, ratings: [] };
    byId.set(id, u);
    u.ratings.push({ rater, value });
  };
  for (const l of labels) {
    if (l.type === 'rationale') {
      const k = (l.payload as { rationales: string[] }).rationales.length;
      const acc = new Set((l.label as RationaleLabel).accepted);
      for (let i = 0; i < k; i++) add('rationale', `${l.taskId}:${i}`, l.annotatorId, acc.has(i) ? 'accept' : 'reject');
    } else if (l.type === 'ask') {
      add('ask', String(l.taskId), l.annotatorId, (l.label as AskLabel).verdict);
    } else if (l.type === 'preference') {
      const p = l.label as PreferenceLabel;
      add('preference/hallucination', String(l.taskId), l.annotatorId, String(p.lessHallucination));
      add('preference/helpful', String(l.taskId), l.annotatorId, String(p.moreHelpful));
    } else {
      add('play/rating', String(l.taskId), l.annotatorId, String((l.label as PlayLabel).rating));
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v.values()]]));
}

/** Agreement for every reported task name among `labels`. */
export function taskAgreement(labels: readonly RatedLabel[]): AgreementReport[] {
  return [...unitsFor(labels)].map(([task, units]) => unitAgreement(task, units));
}
