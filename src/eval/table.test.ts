import { describe, expect, it } from 'vitest';
import type { Metrics, Summary } from '../episode/metrics.js';
import { formatTable, lossesLine, summaryTable, variantTable } from './table.js';
import stringWidth from 'string-width';
import { metricsOf } from '../testing/metrics-fixture.js';

const m = (episodes: number, accuracy: number, controls = 0): Metrics =>
  metricsOf(episodes, accuracy, { psRate: 1, interventions: 1, oraclePsRate: 1, invalidRate: 1 - accuracy, overAsking: controls ? 1 : null, controlAbstain: controls ? 0 : null, controls });

/** The table's last row as header → cell (headers may hold single spaces; columns are two or more apart). */
function lastRow(table: string): Record<string, string> {
  const lines = table.split('\n');
  const cells = (l: string) => l.trim().split(/\s{2,}/);
  const head = cells(lines.find((l) => l.startsWith('kind') || l.startsWith('variant'))!);
  const row = cells(lines.at(-1)!);
  expect(row).toHaveLength(head.length);
  return Object.fromEntries(head.map((h, i) => [h, row[i]]));
}

describe('terminal tables', () => {
  const s: Summary = { ...m(3, 2 / 3), byKind: { corruption: m(3, 2 / 3, 1) } };
  it('one row per kind and an "all" row', () => {
    const lines = summaryTable(s, 'title').split('\n');
    expect(lines[0]).toBe('title');
    expect(lines.slice(3).map((l) => l.split(/\s+/)[0])).toEqual(['corruption', 'all']);
  });
  it('prints – for a guess rate that is undefined (no episode knows its views\u2019 informativeness)', () => {
    const row = summaryTable({ ...s, guessRate: null }).split('\n').at(-1)!.split(/\s+/);
    expect(row[0]).toBe('all');
    expect(row[5]).toBe('–');
    expect(summaryTable(s).split('\n').at(-1)!.split(/\s+/)[5]).toBe('0.0%');
  });
  it('one row per variant, nothing when the summary names none', () => {
    expect(variantTable(s)).toBe('');
    const t = variantTable({ ...s, byVariant: { 'corruption/blur': m(2, 1), 'corruption/saturation': m(1, 0, 1) } });
    const rows = t.split('\n').slice(2);
    expect(rows.map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['corruption/blur', '2', '100.0%'],
      ['corruption/saturation', '1', '0.0%'],
    ]);
    expect(rows[1]).toMatch(/100\.0%\s+0\.0%\s+100\.0%\s+0\.0%$/); // invalid, unparseable, over-asking, abstained on controls
  });
  it('shows invalid interventions and unparseable replies in columns of their own, not summed', () => {
    const t = summaryTable({ ...metricsOf(8, 0.25, { invalidRate: 0.25, unparseableRate: 0.5 }), byKind: {} });
    expect(lastRow(t)).toMatchObject({ kind: 'all', invalid: '25.0%', unparseable: '50.0%' });
    const v = lastRow(variantTable({ ...s, byVariant: { 'corruption/blur': metricsOf(4, 0, { invalidRate: 0.75, unparseableRate: 0.25 }) } }));
    expect(v).toMatchObject({ invalid: '75.0%', unparseable: '25.0%' });
  });
  it('shows abstaining at once on the controls beside over-asking, – where there is no control', () => {
    const withControls = { ...metricsOf(10, 0.5, { controls: 4, overAsking: 0.25, controlAbstain: 0.5, abstainRate: 0.2 }), byKind: {} };
    expect(lastRow(summaryTable(withControls))).toMatchObject({ abstain: '20.0%', 'over-ask': '25.0%', 'ctl abstain': '50.0%' });
    expect(lastRow(summaryTable({ ...metricsOf(10, 0.5), byKind: {} }))).toMatchObject({ 'over-ask': '–', 'ctl abstain': '–' });
  });
  it('names where a policy fell below the one it started from, or says it did nowhere', () => {
    expect(lossesLine([], 'after RL', 'the guesser')).toBe('after RL: at or above the guesser on every kind and variant');
    expect(lossesLine([{ group: 'corruption/saturation', episodes: 12, before: 5 / 12, after: 0, lost: 5 }], 'after RL', 'the guesser')).toBe(
      'after RL: below the guesser on corruption/saturation 41.7% → 0.0% (5 fewer right of 12 episodes)',
    );
  });
  it('aligns columns as a terminal shows them: a CJK label and an emoji take two columns each', () => {
    const t = formatTable(['policy', 'accuracy'], [['猫の分類器', '50.0%'], ['🤖 bot', '7.5%'], ['plain', '100.0%']]);
    const lines = t.split('\n');
    // every line ends at the same terminal column
    expect(new Set(lines.map((l) => stringWidth(l))).size).toBe(1);
    expect(lines[2]).toBe(`猫の分類器  ${' '.repeat(3)}50.0%`); // 10 columns of label, then "accuracy"'s 8
    expect(lines[3]).toBe(`🤖 bot${' '.repeat(4)}  ${' '.repeat(4)}7.5%`); // the emoji 2 columns, the label 6 of 10
  });
});
