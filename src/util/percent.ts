/**
 * A fraction as a percentage for the terminal ("12.5%", one decimal), and the missing-value placeholder ("–",
 * missing.ts) when there is none to show: null, undefined or not finite (a rate over no episodes is NaN, never
 * "NaN%"). The one formatter of the CLI's tables and summary lines; the HTML reports write theirs with a space
 * (report/html.ts `pct`).
 */
import { MISSING } from './missing.js';

export function percent(x: number | null | undefined, digits = 1): string {
  return x != null && Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : MISSING;
}
