/** Plain-text tables of summaries, one row per scenario kind, for the terminal. */
import type { Metrics, Summary } from '../episode/metrics.js';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');
const num = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');

export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** One row per kind plus an "all" row: accuracy, ps-rate vs oracle minimum, guess/abstain/invalid, over-asking. */
export function summaryTable(s: Summary, title?: string): string {
  const row = (name: string, m: Metrics) => [
    name,
    String(m.episodes),
    pct(m.accuracy),
    num(m.psRate),
    num(m.oraclePsRate),
    pct(m.guessRate),
    pct(m.abstainRate),
    pct(m.invalidRate + m.unparseableRate),
    m.controls ? pct(m.overAsking) : '–',
  ];
  const headers = ['kind', 'episodes', 'accuracy', 'ps-rate', 'oracle ps', 'guess', 'abstain', 'invalid', 'over-ask'];
  const rows = Object.entries(s.byKind).map(([k, m]) => row(k, m));
  rows.push(row('all', s));
  return (title ? `${title}\n` : '') + formatTable(headers, rows);
}
