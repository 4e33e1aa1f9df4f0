/** `askfirst compare`'s table (compare-table.ts): its figures on a hand-computed case, its refusals, its three formats. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EpisodeRecordCore, EvalMode } from '../episode/types.js';
import { intervalSummary } from '../eval/intervals.js';
import { coreRecord } from '../testing/core-record.js';
import { InputError } from '../util/errors.js';
import { compareRuns, comparisonJson, comparisonLatex, comparisonMarkdown, latexText } from './compare-table.js';
import type { EvalRun } from './eval-report.js';

const IDS = ['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3'];

/** An eval run held in memory: its records per mode, on data of `fingerprint`. */
function run(dir: string, records: Partial<Record<EvalMode, EpisodeRecordCore[]>>, fingerprint: string | null = 'sha256:same', spec = 'suite'): EvalRun {
  const intervals = Object.fromEntries(Object.entries(records).map(([m, rs]) => [m, intervalSummary(rs)]));
  return { dir, label: `policy-${dir}`, summary: fingerprint ? { policy: `policy-${dir}`, dataInfo: { spec, fingerprint } } : { policy: `policy-${dir}` }, records, intervals };
}
/** Right on the episodes `right` names, one intervention per episode when `asks`. */
const play = (right: (id: string) => boolean, asks = false, mode: EvalMode = 'proactive') => IDS.map((id) => coreRecord(id, id[0], right(id), { ps: asks ? 1 : 0, mode }));

describe('compareRuns: the figures, by hand', () => {
  // A right on all 8 (asking once each); B and C right on a0 and b0 only; B's reference mode right on 7 of 8
  const a = run('A', { proactive: play(() => true, true) });
  const b = run('B', { proactive: play((id) => id.endsWith('0')), reference: play((id) => id !== 'b3', false, 'reference') });
  const c = run('C', { proactive: play((id) => id.endsWith('0')) });
  const cmp = compareRuns([a, b, c], 'proactive', { baseline: b, labels: ['Ours', 'Before', 'Other'] });

  it('per model: accuracy with its Wilson interval, gap closed from the baseline, ps-rate', () => {
    expect(cmp.episodes).toBe(8);
    expect(cmp.baseline).toBe('Before'); // one of the runs: named as its row is
    const [ours, before] = cmp.runs;
    expect(ours.label).toBe('Ours');
    expect(ours.accuracy.value).toBe(1);
    expect(ours.accuracy.low).toBeCloseTo(8 / (8 + 1.959963984540054 ** 2), 12); // Wilson at k = n: n / (n + z²) = 0.6756
    expect(ours.accuracy.high).toBe(1);
    // gap closed = (1 − 2/8) / (7/8 − 2/8) = 1.2; the baseline's own is 0
    expect(ours.gapClosed!.value).toBeCloseTo(1.2, 12);
    expect(before.gapClosed!.value).toBe(0);
    expect(ours.psRate).toEqual({ value: 1, low: 1, high: 1 }); // sd 0
  });

  it('per pair: the paired difference, McNemar on the discordant episodes, Holm over the three pairs', () => {
    expect(cmp.pairs.map((p) => [p.a, p.b, p.onlyA, p.onlyB])).toEqual([
      ['Ours', 'Before', 6, 0],
      ['Ours', 'Other', 6, 0],
      ['Before', 'Other', 0, 0],
    ]);
    expect(cmp.pairs[0].accuracy.diff).toBe(0.75);
    expect(cmp.pairs[0].pExact).toBeCloseTo(2 * 0.5 ** 6, 14); // 0.03125
    // Holm: 0.03125 · 3, then 0.03125 · 2 raised to 0.09375, then 1 · 1
    expect(cmp.pairs.map((p) => p.pHolm)).toEqual([expect.closeTo(0.09375, 12), expect.closeTo(0.09375, 12), 1]);
    expect(cmp.pairs[2].accuracy).toEqual({ diff: 0, low: 0, high: 0 });
  });

  it('Markdown, LaTeX and JSON say the same figures', () => {
    const md = comparisonMarkdown(cmp);
    expect(md).toContain('| Ours | 8 | 100.0 % \\[67.6, 100.0\\] | 120.0 % | 1.00 \\[1.00, 1.00\\] | 0 | – |'); // no control: no over-asking
    expect(md).toMatch(/\| Ours \| Before \| \+75\.0 \\\[\+\d+\.\d, \+100\.0\\\] \| \+1\.00 \\\[\+1\.00, \+1\.00\\\] \| 0 \| – \| 6 \| 0 \| 0\.0313 \| 0\.0938 \|/);
    // 120.0 %: Ours, all right, against a baseline whose reference mode is not: the footnote says why it can pass 100 %
    expect(md).toContain('it exceeds 100 % where a run answers more right than the baseline does from the clearest view (its reference accuracy below 100 %).');
    expect(comparisonLatex(cmp)).toContain('% Accuracy and over-asking'); // the LaTeX's comments hold the same notes
    expect(comparisonLatex(cmp)).toContain('it exceeds 100 % where a run answers more right than the baseline');
    // 8 episodes: the bootstrap's gap is often under 5 episodes, so gap closed has no interval, and the table says why
    expect(md).toMatch(/> Gap closed has no interval: in \d+\.\d % of the bootstrap's resamples the baseline's reference was not 5 episodes ahead of its proactive play/);
    const tex = comparisonLatex(cmp);
    expect(tex).toContain('\\begin{tabular}{lrrrrrr}');
    expect(tex).toContain('Ours & 8 & 100.0 [67.6, 100.0] & 120.0 & 1.00 [1.00, 1.00] & 0 & – \\\\');
    expect(tex).toContain('Before & 8 & 25.0 [7.1, 59.1] & 0.0 & 0.00 [0.00, 0.00] & 0 & – \\\\');
    expect(tex).toContain('% Gap closed has no interval: ');
    expect(tex).toContain('model & episodes & accuracy (\\%) [95\\% CI] & gap closed (\\%) [95\\% CI]');
    const json = JSON.parse(comparisonJson(cmp)) as { runs: { accuracy: { value: number } }[]; pairs: { pHolm: number }[] };
    expect(json.runs.map((r) => r.accuracy.value)).toEqual([1, 0.25, 0.25]);
    expect(json.pairs[2].pHolm).toBe(1);
  });

  it('gap closed with its interval over enough episodes; none when the baseline\'s reference is not 5 episodes ahead', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `${i % 2 ? 'x' : 'y'}${i}`);
    const of = (right: (i: number) => boolean, mode: EvalMode = 'proactive') => ids.map((id, i) => coreRecord(id, id[0], right(i), { mode }));
    // before: 10 of 40 right, reference: all 40, ours: 31 of 40 → (31 − 10) / (40 − 10) = 0.7
    const base = run('B', { proactive: of((i) => i < 10), reference: of(() => true, 'reference') });
    const ours = run('O', { proactive: of((i) => i < 31) });
    const g = compareRuns([ours, base], 'proactive', { baseline: base }).runs[0].gapClosed!;
    expect(g.value).toBeCloseTo(0.7, 12);
    expect(g.low!).toBeLessThan(0.7);
    expect(g.high!).toBeGreaterThan(0.7);
    const flat = run('F', { proactive: of((i) => i < 10), reference: of((i) => i < 14, 'reference') });
    const none = compareRuns([ours, flat], 'proactive', { baseline: flat });
    expect(none.runs[0].gapClosed).toEqual({ value: null, low: null, high: null });
    expect(none.notes).toEqual(["No gap closed: the baseline's reference mode answers 4 more of the 40 episodes right than its proactive play, fewer than the 5 it is told on."]);
  });

  it('over-asking with the number of controls it is over, in every format (7 of 42 episodes: why [0.0, 35.4] is wide)', () => {
    // 42 episodes, the first 7 controls; A asks first on 2 of them (28.6 %), B on none
    const of = (asks: (i: number) => boolean) => Array.from({ length: 42 }, (_, i) => coreRecord(`c${i}`, 'k', true, { control: i < 7, ps: asks(i) ? 1 : 0 }));
    const cmp = compareRuns([run('A', { proactive: of((i) => i < 2) }), run('B', { proactive: of(() => false) })], 'proactive', {});
    expect(cmp.runs.map((r) => r.controls)).toEqual([7, 7]);
    const md = comparisonMarkdown(cmp);
    expect(md).toContain('| model | episodes | accuracy \\[95 % CI\\] | ps-rate \\[95 % CI\\] | controls | over-asking \\[95 % CI\\] |');
    expect(md).toMatch(/\| policy-A \| 42 \| 100\.0 % \\\[\d+\.\d, 100\.0\\\] \| 0\.05 \\\[[^|]*\\\] \| 7 \| 28\.6 % \\\[8\.2, 64\.1\\\] \|/);
    const tex = comparisonLatex(cmp);
    expect(tex).toContain('model & episodes & accuracy (\\%) [95\\% CI] & ps-rate [95\\% CI] & controls & over-asking (\\%) [95\\% CI] \\\\');
    expect(tex).toMatch(/^policy-B & 42 & .* & 7 & 0\.0 \[0\.0, 35\.4\] \\\\$/m);
    expect((JSON.parse(comparisonJson(cmp)) as { runs: { controls: number }[] }).runs.map((r) => r.controls)).toEqual([7, 7]);
  });

  it("the pairs table says how many controls a pair's Δ over-asking is over, in every format (it showed no count)", () => {
    const of = (asks: (i: number) => boolean) => Array.from({ length: 42 }, (_, i) => coreRecord(`c${i}`, 'k', true, { control: i < 7, ps: asks(i) ? 1 : 0 }));
    const cmp = compareRuns([run('A', { proactive: of((i) => i < 2) }), run('B', { proactive: of(() => false) })], 'proactive', {});
    expect(cmp.pairs[0].controls).toBe(7);
    expect(cmp.pairs[0].overAsking.diff).toBeCloseTo(2 / 7, 12);
    const md = comparisonMarkdown(cmp);
    expect(md).toContain('| A | B | Δ accuracy (points) \\[95 % CI\\] | Δ ps-rate \\[95 % CI\\] | controls | Δ over-asking (points) \\[95 % CI\\] |');
    expect(md).toMatch(/\| policy-A \| policy-B \| \+?0\.0[^|]* \| \+0\.05[^|]* \| 7 \| \+28\.6 \\\[/);
    const tex = comparisonLatex(cmp);
    expect(tex).toContain('A & B & $\\Delta$ accuracy (points) [95\\% CI] & $\\Delta$ ps-rate [95\\% CI] & controls & $\\Delta$ over-asking (points) [95\\% CI]');
    expect(tex).toMatch(/^policy-A & policy-B & .* & 7 & \+28\.6 \[/m);
    expect((JSON.parse(comparisonJson(cmp)) as { pairs: { controls: number }[] }).pairs.map((p) => p.controls)).toEqual([7]);
    // no control: 0 beside the missing difference
    const plain = (asks: boolean) => Array.from({ length: 10 }, (_, i) => coreRecord(`e${i}`, 'k', true, { ps: asks ? 1 : 0 }));
    const none = compareRuns([run('C', { proactive: plain(true) }), run('D', { proactive: plain(false) })], 'proactive', {});
    expect(comparisonMarkdown(none)).toMatch(/\| policy-C \| policy-D \|[^|]*\|[^|]*\| 0 \| – \|/);
  });

  it("LaTeX: a label's special characters as text, negative figures with a math minus, a tiny p in math", () => {
    expect(latexText('Qwen2.5-VL_3B & co. 50% #1 {x} ~ ^ \\ $')).toBe('Qwen2.5-VL\\_3B \\& co. 50\\% \\#1 \\{x\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{} \\$');
    const many = (right: boolean) => run(String(right), { proactive: Array.from({ length: 40 }, (_, i) => coreRecord(`e${i}`, 'k', right)) });
    const tex = comparisonLatex(compareRuns([many(false), many(true)], 'proactive', { labels: ['Qwen2.5-VL-3B', 'B'] }));
    expect(tex).toContain('Qwen2.5-VL-3B & B & $-$100.0 [$-$100.0, $-$100.0] &');
    expect(tex).toContain('$1.82\\times10^{-12}$'); // 2 · 0.5^40
  });

  it("the JSON's every field is named in docs/evaluation.md's section on compare", () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/evaluation.md'), 'utf8');
    const section = doc.slice(doc.indexOf("## A paper's table: `askfirst compare`"), doc.indexOf('\n## ', doc.indexOf("## A paper's table")));
    const keys = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          keys.add(k);
          walk(x);
        }
      }
    };
    walk(JSON.parse(comparisonJson(cmp)));
    expect(keys.size).toBeGreaterThan(20);
    expect([...keys].filter((k) => !new RegExp(`\`${k}\`|[{,] ?${k}[,}]`).test(section))).toEqual([]);
  });

  it("LaTeX's p from the number, the digits Markdown's shows: below the doubles from its log10, a mantissa carried to the next power", () => {
    const many = (right: boolean) => run(String(right), { proactive: Array.from({ length: 40 }, (_, i) => coreRecord(`e${i}`, 'k', right)) });
    const cmp = compareRuns([many(false), many(true)], 'proactive', {});
    const withP = (pExact: number, log10PExact = Math.log10(pExact)) => ({ ...cmp, pairs: [{ ...cmp.pairs[0], pExact, log10PExact, pHolm: pExact, log10PHolm: log10PExact }] });
    const cells = (pExact: number, log10PExact?: number) => {
      const c = withP(pExact, log10PExact);
      const tex = comparisonLatex(c).split('\n').filter((l) => l.startsWith('policy-false & policy-true'))[0].split(' & ');
      const md = comparisonMarkdown(c).split('\n').filter((l) => l.startsWith('| policy-false | policy-true'))[0].split(' | ');
      return { tex: tex.slice(-2).join(' '), md: md.slice(-2).join(' ') };
    };
    expect(cells(0.03125)).toEqual({ tex: '0.0313 0.0313 \\\\', md: '0.0313 0.0313 |' });
    expect(cells(2.44140625e-4)).toEqual({ tex: '$2.44\\times10^{-4}$ $2.44\\times10^{-4}$ \\\\', md: '2.44e-4 2.44e-4 |' });
    expect(cells(9.9996e-5)).toEqual({ tex: '$1.00\\times10^{-4}$ $1.00\\times10^{-4}$ \\\\', md: '1.00e-4 1.00e-4 |' }); // 9.9996 rounds to 10.00: carried
    expect(cells(1e-5)).toEqual({ tex: '$1.00\\times10^{-5}$ $1.00\\times10^{-5}$ \\\\', md: '1.00e-5 1.00e-5 |' }); // a whole power: not 10.00e-6
    expect(cells(0, -601.7591)).toEqual({ tex: '$1.74\\times10^{-602}$ $1.74\\times10^{-602}$ \\\\', md: '1.74e-602 1.74e-602 |' }); // 2,000 to 0: the double is 0
  });

  it('a p in [0.0001, 0.001) with its digits, as report prints it (pValue): not "0.0002"', () => {
    const thirteen = (right: boolean) => run(String(right), { proactive: Array.from({ length: 13 }, (_, i) => coreRecord(`e${i}`, 'k', right)) });
    const cmp = compareRuns([thirteen(true), thirteen(false)], 'proactive', {});
    expect(cmp.pairs[0].pExact).toBeCloseTo(2 * 0.5 ** 13, 14); // 2.44e-4
    expect(comparisonMarkdown(cmp)).toMatch(/\| 13 \| 0 \| 2\.44e-4 \| 2\.44e-4 \|/);
    expect(comparisonLatex(cmp)).toContain('$2.44\\times10^{-4}$');
  });
});

describe('compareRuns: each run indexed once', () => {
  /** `f`'s result and the sizes of the Maps built from a list while it ran (a Map subclass in the global's place, put back after). */
  function mapsBuiltIn<T>(f: () => T): { result: T; lists: number[] } {
    const lists: number[] = [];
    const Native = globalThis.Map;
    class Counted<K, V> extends Native<K, V> {
      constructor(entries?: Iterable<readonly [K, V]> | null) {
        super(entries);
        if (entries) lists.push(this.size);
      }
    }
    globalThis.Map = Counted as MapConstructor;
    try {
      return { result: f(), lists };
    } finally {
      globalThis.Map = Native;
    }
  }
  const runs = ['A', 'B', 'C', 'D'].map((d, i) => run(d, { proactive: play((id) => id.charCodeAt(1) % (i + 2) === 0, i % 2 === 1) }));

  it('builds one map of episode ids per run, not one per pair (4 runs: 4 maps, not 12)', () => {
    const { result: cmp, lists } = mapsBuiltIn(() => compareRuns(runs, 'proactive'));
    expect(cmp.pairs).toHaveLength(6);
    expect(lists.filter((size) => size === IDS.length)).toHaveLength(4);
  });

  it('with --baseline too: the gap intervals read the same maps (4 runs and a baseline: 5 maps, not 11)', () => {
    // the baseline read on its own, as compare.ts reads --baseline (another object than a run even of the same folder)
    const baseline = run('B', { proactive: play((id) => id.endsWith('0')), reference: play(() => true, false, 'reference') });
    const plain = compareRuns(runs, 'proactive', { baseline });
    const { result: cmp, lists } = mapsBuiltIn(() => compareRuns(runs, 'proactive', { baseline }));
    expect(cmp.runs.map((r) => r.gapClosed)).toEqual(plain.runs.map((r) => r.gapClosed));
    expect(cmp.runs[0].gapClosed!.value).toBeCloseTo((0.5 - 0.25) / (1 - 0.25), 12); // A right on a0, a2, b0, b2
    expect(lists.filter((size) => size === IDS.length)).toHaveLength(5);
  });
});

describe('compareRuns: refused, in words', () => {
  const a = run('A', { proactive: play(() => true) });
  const b = run('B', { proactive: play(() => false) });
  const refused = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    throw new Error('not refused');
  };

  it('runs on different data: named with their data, as a user can check it', () => {
    const pb = run('PB', { proactive: play(() => true) }, 'sha256:other', 'proactivebench:pb');
    expect(refused(() => compareRuns([a, b, pb], 'proactive'))).toBe(
      'the runs played different data (A, B: suite (sha256:same…); PB: proactivebench:pb (sha256:other…)): a paired comparison needs the same episodes; evaluate every model on the same --data (askfirst report shows runs on different data side by side)',
    );
    const fewer = run('L', { proactive: play(() => true) }, 'sha256:limit');
    expect(refused(() => compareRuns([a, fewer], 'proactive'))).toMatch(/: the same --data with another --kinds or --limit, or data that changed between the runs: .* the same --data, --kinds and --limit/);
  });

  it('runs that record no data but played other episodes', () => {
    const x = run('X', { proactive: play(() => true) }, null);
    const y = run('Y', { proactive: play(() => true).slice(0, 5) }, null);
    expect(refused(() => compareRuns([x, y], 'proactive'))).toBe(
      'Y played 5 of the 8 proactive episodes of X: a paired comparison needs the same episodes; evaluate both with the same --data, --kinds and --limit (re-running an unfinished eval command resumes it)',
    );
  });

  it('runs that record no data and played the same ids, but not the same control episodes (a pair\'s controls were run A\'s)', () => {
    const of = (controls: number) => Array.from({ length: 42 }, (_, i) => coreRecord(`c${i}`, 'k', true, { control: i < controls }));
    const [x, y, z] = [run('X', { proactive: of(7) }, null), run('Y', { proactive: of(9) }, null), run('Z', { proactive: of(7) }, null)];
    // before: compared, the pair's controls 7 (X's) while Y's row said 9
    expect(refused(() => compareRuns([x, y], 'proactive'))).toBe(
      'Y played the 42 proactive episodes of X by id, but 2 of them (c7, c8) are controls (answerable at the first view) in one run and not in the other: other data under the same ids (a suite generated again with another --control-share?); a paired comparison needs the same episodes; evaluate both on the same --data',
    );
    expect(refused(() => compareRuns([x, z], 'proactive', { baseline: y }))).toMatch(/^Y played the 42 proactive episodes of X by id, but 2 of them/); // the baseline too
    expect(compareRuns([x, z], 'proactive').pairs[0].controls).toBe(7); // the same controls: compared
  });

  it('one run, labels that do not fit, a mode not played, a baseline without its reference mode', () => {
    expect(refused(() => compareRuns([a], 'proactive'))).toMatch(/^askfirst compare needs at least two eval runs/);
    expect(refused(() => compareRuns([a, b], 'proactive', { labels: ['x'] }))).toBe("--labels gives 1 name for 2 runs: give one per run, in the runs' order");
    expect(refused(() => compareRuns([a, b], 'hint'))).toBe('A played no episode in the hint mode (it holds proactive): give --mode proactive, or evaluate it with --mode hint');
    expect(refused(() => compareRuns([a, b], 'proactive', { baseline: b }))).toMatch(/^--baseline B has no reference mode .*: evaluate it with --mode proactive,reference$/);
  });

  it('a mode whose results summary.json does not count (EvalRun.uncounted): the refusal names that file and how to finish it (was: "played no episode" alone)', () => {
    const stopped = join('A', 'reference', 'results.jsonl');
    const a = { ...run('A', { proactive: play(() => true) }), uncounted: [stopped] };
    const b = run('B', { proactive: play(() => true), reference: play(() => true, false, 'reference') });
    const finish = `${stopped} is not counted by ${join('A', 'summary.json')} (its askfirst eval stopped before it finished, or the file is left from an earlier run): re-run its askfirst eval command (the same --policy, --data and --out) to finish it`;
    expect(refused(() => compareRuns([a, b], 'reference'))).toBe(`A played no episode in the reference mode that its summary.json counts: ${finish}; or give --mode proactive`);
    expect(refused(() => compareRuns([b, run('C', { proactive: play(() => true) })], 'proactive', { baseline: a }))).toBe(`--baseline A has no reference mode (the clearest view only), which gap closed is measured toward: ${finish}`);
  });
});
