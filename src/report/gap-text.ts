/**
 * How every report and log writes a gap closed and ours' lead over a baseline: the figure, then its interval over the test
 * episodes in brackets, or in brackets why there is none (report/gap-intervals.ts: the reference was not
 * `MIN_GAP_EPISODES` episodes ahead of the guesser in too many resamples). One function, so report.html, MODEL_CARD.md's
 * headline and the demo's closing lines read the same.
 */
import { ci95Text, pct, signedPoints } from './html.js';
import type { GapClosed, HeadlineFigures } from './results.js';
import { MAX_NO_GAP_SHARE } from './gap-intervals.js';

type Split = keyof GapClosed;
/** A fraction as a percentage: html.ts's `pct` ("85.0 %") for the reports, util/percent.ts's ("85.0%") for the terminal. */
type Percent = (x: number | null | undefined) => string;

/**
 * What follows a gap closed (or a lead in it): its interval " [80.1, 90.0]", or why it has none, " [no interval: no gap in
 * 12.3 % of resamples]" (`noGapShare`, gap-intervals.ts), or "" (none recorded).
 */
export function gapIntervalText(
  iv: { low: number; high: number } | null | undefined,
  noGapShare: number | null | undefined,
  fmt: Percent = pct,
): string {
  if (iv) return ci95Text(iv);
  return noGapShare != null && noGapShare > MAX_NO_GAP_SHARE ? ` [no interval: no gap in ${fmt(noGapShare)} of resamples]` : '';
}

/** "85.0 % [80.1, 90.0]", "85.0 % [no interval: no gap in 12.3 % of resamples]", or "–" (no gap closed). */
export function gapClosedText(
  f: Pick<HeadlineFigures, 'gapClosed' | 'gapClosedCi95' | 'gapClosedNoGap'>,
  split: Split,
  fmt: Percent = pct,
): string {
  const x = f.gapClosed[split];
  if (x === null) return fmt(x);
  return fmt(x) + gapIntervalText(f.gapClosedCi95?.[split], f.gapClosedNoGap?.[split], fmt);
}

/** Ours' lead over a baseline in points with its interval, as `gapClosedText` (the same resamples decide). */
export function gapLeadText(
  b: Pick<HeadlineFigures, 'gapClosedNoGap'> & { oursMinus?: { gapClosed: GapClosed; ci95: HeadlineFigures['gapClosedCi95'] } },
  split: Split,
  fmt: Percent = pct,
): string {
  const x = b.oursMinus?.gapClosed[split] ?? null;
  if (x === null) return signedPoints(x);
  return signedPoints(x) + gapIntervalText(b.oursMinus?.ci95?.[split], b.gapClosedNoGap?.[split], fmt);
}
