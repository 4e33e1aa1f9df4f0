/** Plain-text tables of summaries, one row per scenario kind, for the terminal. */
import type { AccuracyLoss } from '../episode/losses.js';
import type { Metrics, Summary } from '../episode/metrics.js';
import type { RateInterval } from '../util/stats.js';
import type { IntervalSummary, Intervals } from './intervals.js';
import stringWidth from 'string-width';
import { MISSING } from '../util/missing.js';
import { percent as pct } from '../util/percent.js';

const num = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : MISSING);

/**
 * Columns two apart, the first left-aligned and the rest right-aligned, each as wide as a terminal shows its widest cell
 * (string-width, as progress bars measure: a CJK character or an emoji takes two columns, so `.length` would misalign).
 */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(stringWidth(h), ...rows.map((r) => stringWidth(r[i]))));
  const pad = (c: string, w: number) => ' '.repeat(Math.max(0, w - stringWidth(c)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c + pad(c, widths[i]) : pad(c, widths[i]) + c)).join('  ');
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A rate with its 95 % interval, "62.5% [40.9, 80.0]". */
export function pctInterval(r: RateInterval | undefined, fallback: number): string {
  if (!r || r.rate === null) return pct(fallback);
  return `${pct(r.rate)} [${(100 * r.low!).toFixed(1)}, ${(100 * r.high!).toFixed(1)}]`;
}

/**
 * One row per kind plus an "all" row: accuracy (with its Wilson 95 % interval when given), ps-rate vs oracle minimum, the
 * shares of episodes ending in a guess, an abstention, an invalid intervention (a move the view does not offer as valid)
 * and an unparseable reply (naming no option: the reply format, not the decision, failed), then over the control
 * episodes the shares whose first move was an intervention (over-asking) and an abstention (`ctl abstain`).
 */
export function summaryTable(s: Summary, title?: string, iv?: IntervalSummary): string {
  const rows = Object.entries(s.byKind).map(([k, m]) => metricsRow(k, m, iv?.byKind[k]));
  rows.push(metricsRow('all', s, iv));
  return (title ? `${title}\n` : '') + formatTable(metricsHeaders('kind', !!iv), rows);
}

/** The same columns per variant within a kind ("corruption/blur", …), with accuracy intervals when given; '' when the summary has none. */
export function variantTable(s: Summary, title?: string, iv?: IntervalSummary): string {
  if (!s.byVariant) return '';
  const rows = Object.entries(s.byVariant).map(([v, m]) => metricsRow(v, m, iv?.byVariant?.[v]));
  return (title ? `${title}\n` : '') + formatTable(metricsHeaders('variant', !!iv?.byVariant), rows);
}

function metricsHeaders(first: string, withInterval: boolean): string[] {
  return [first, 'episodes', withInterval ? 'accuracy [95% CI]' : 'accuracy', 'ps-rate', 'oracle ps', 'guess', 'abstain', 'invalid', 'unparseable', 'over-ask', 'ctl abstain'];
}

function metricsRow(name: string, m: Metrics, i?: Intervals): string[] {
  return [
    name,
    String(m.episodes),
    i ? pctInterval(i.accuracy, m.accuracy) : pct(m.accuracy),
    num(m.psRate),
    num(m.oraclePsRate),
    m.guessRate === null ? MISSING : pct(m.guessRate),
    pct(m.abstainRate),
    pct(m.invalidRate),
    pct(m.unparseableRate),
    m.overAsking === null ? MISSING : pct(m.overAsking),
    m.controlAbstain === null ? MISSING : pct(m.controlAbstain),
  ];
}

/**
 * One fall of accuracy, "corruption/saturation 41.7% → 0.0% (5 fewer right of 12 episodes)": the words of the terminal's
 * line and of report.html's list, which passes the group's name and the rates already marked up.
 */
export function lossText(l: AccuracyLoss, name: string = l.group, rate: (x: number) => string = pct): string {
  return `${name} ${rate(l.before)} → ${rate(l.after)} (${l.lost} fewer right of ${l.episodes} episodes)`;
}

/** One line naming where `after` answers fewer episodes right than `before` (episode/losses.ts), or that it does nowhere. */
export function lossesLine(losses: readonly AccuracyLoss[], who: string, than: string): string {
  if (!losses.length) return `${who}: at or above ${than} on every kind and variant`;
  return `${who}: below ${than} on ${losses.map((l) => lossText(l)).join(', ')}`;
}
