/**
 * `askfirst compare RUN…`: a paper's table of eval runs on the same episodes — per model accuracy, gap closed (given a
 * baseline run), ps-rate and over-asking, each with its 95 % interval (eval/intervals.ts: Wilson, Student's t;
 * gap-intervals.ts: a bootstrap over the episodes), and per pair of models the paired differences A − B with their
 * 95 % paired-bootstrap intervals (eval/paired.ts), McNemar's exact p on accuracy (util/stats.ts) and that p adjusted
 * for the number of pairs (Holm). Runs on other data, or on other episodes of it, are refused: a paired figure over
 * episodes one run did not play means nothing. Written as Markdown, LaTeX (booktabs) or JSON.
 */
import { join, resolve } from 'node:path';
import type { EpisodeRecordCore, EvalMode } from '../episode/types.js';
import { computeMetrics, gapClosed, isGap, MIN_GAP_EPISODES } from '../episode/metrics.js';
import { pairedDifferences, recordsById, type PairedDifference, type PairedDifferences } from '../eval/paired.js';
import { holmAdjustLog10, mcnemar, type MeanInterval, type RateInterval } from '../util/stats.js';
import { InputError } from '../util/errors.js';
import { MISSING } from '../util/missing.js';
import { dataGroups, dataOf, labelRuns, mdTable, pValue, pValueParts, uniqueLabels, type EvalRun } from './eval-report.js';
import { gapIntervals, MAX_NO_GAP_SHARE } from './gap-intervals.js';
import { pct } from './html.js';
import { mdCell } from './model-card.js';

export const COMPARE_FORMATS = ['md', 'latex', 'json'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

/** A figure with its 95 % interval (ends null when it has none). */
export interface Estimate {
  value: number | null;
  low: number | null;
  high: number | null;
}

export interface CompareRow {
  label: string;
  dir: string;
  episodes: number;
  accuracy: Estimate;
  /** (accuracy − the baseline's) / (the baseline's reference accuracy − the baseline's); absent without a baseline. */
  gapClosed?: Estimate;
  psRate: Estimate;
  overAsking: Estimate;
  /** The control episodes (answerable at the first view) over-asking is a share of: its interval's n, shown beside it. */
  controls: number;
}

export interface ComparePair extends PairedDifferences {
  a: string;
  b: string;
  /** McNemar on accuracy: episodes only A answered right, only B; the exact two-sided p (and its log10, finite below the doubles). */
  onlyA: number;
  onlyB: number;
  pExact: number;
  log10PExact: number;
  /** The exact p adjusted by Holm's method for the number of pairs (and its log10). */
  pHolm: number;
  log10PHolm: number;
}

export interface Comparison {
  mode: EvalMode;
  episodes: number;
  /** The --data every run played (as the first run's summary.json names it), null when none records it. */
  data: string | null;
  /** The baseline's label, when gap closed is given. */
  baseline: string | null;
  /** What a reader of the tables must know: why a gap closed, or its interval, is missing. */
  notes: string[];
  runs: CompareRow[];
  pairs: ComparePair[];
}

const rate = (r: RateInterval): Estimate => ({ value: r.rate, low: r.low, high: r.high });
const mean = (m: MeanInterval): Estimate => ({ value: m.mean, low: m.ci95?.low ?? null, high: m.ci95?.high ?? null });

/** Each run's records in `mode` by episode id, built once per run (the checks and every pair read them). */
type RunIndex = (r: EvalRun) => ReadonlyMap<string, EpisodeRecordCore>;

/** `mode`'s records by id of the runs `indexOf` is asked for, each built on first asking; a run that played none there is refused. */
function runIndex(mode: EvalMode): RunIndex {
  const built = new Map<EvalRun, ReadonlyMap<string, EpisodeRecordCore>>();
  return (r) => {
    let byId = built.get(r);
    if (!byId) {
      const recs = r.records[mode];
      if (!recs?.length) {
        const has = Object.keys(r.records);
        const stopped = notCounted(r, mode);
        if (stopped) throw new InputError(`${r.dir} played no episode in the ${mode} mode that its summary.json counts: ${stopped}; or give --mode ${has[0]}`);
        throw new InputError(`${r.dir} played no episode in the ${mode} mode (it holds ${has.join(', ')}): give --mode ${has[0]}, or evaluate it with --mode ${mode}`);
      }
      byId = recordsById(recs);
      built.set(r, byId);
    }
    return byId;
  };
}

/**
 * Why `mode`'s results of `r` were not read, when its summary.json does not count them (EvalRun.uncounted: an eval of that
 * mode stopped before it finished, or a file left by an earlier run), and how to finish it, as the report's note says; null otherwise.
 */
function notCounted(r: EvalRun, mode: EvalMode): string | null {
  const f = r.uncounted?.find((x) => resolve(x) === resolve(join(r.dir, mode, 'results.jsonl')));
  return f ? `${f} is not counted by ${join(r.dir, 'summary.json')} (its askfirst eval stopped before it finished, or the file is left from an earlier run): re-run its askfirst eval command (the same --policy, --data and --out) to finish it` : null;
}

/** Refuse runs that did not play the same episodes in `mode`: other data (by fingerprint), or other ids of it. */
function refuseOtherEpisodes(runs: readonly EvalRun[], mode: EvalMode, indexOf: RunIndex): void {
  const groups = dataGroups(runs);
  if (groups.length > 1) {
    const names = groups.map((g) => `${g.map((r) => r.dir).join(', ')}: ${dataOf(g[0]).spec ?? 'data'} (${(dataOf(g[0]).fingerprint ?? '').slice(0, 19)}…)`);
    // one --data spelled alike with other fingerprints: other episodes of it, or the data changed between the runs
    const alike = new Set(groups.map((g) => dataOf(g[0]).spec)).size === 1;
    throw new InputError(
      `the runs played different data (${names.join('; ')})${alike ? ': the same --data with another --kinds or --limit, or data that changed between the runs' : ''}: a paired comparison needs the same episodes; evaluate every model on the same --data${alike ? ', --kinds and --limit' : ''} (askfirst report shows runs on different data side by side)`,
    );
  }
  const first = runs[0];
  const ids = indexOf(first);
  for (const r of runs.slice(1)) {
    const other = indexOf(r);
    let shared = 0;
    for (const id of other.keys()) if (ids.has(id)) shared++;
    if (shared !== ids.size || other.size !== ids.size) {
      throw new InputError(
        `${r.dir} played ${shared} of the ${ids.size} ${mode} episodes of ${first.dir}${other.size > shared ? ` and ${other.size - shared} others` : ''}: a paired comparison needs the same episodes; evaluate both with the same --data, --kinds and --limit (re-running an unfinished eval command resumes it)`,
      );
    }
    // The same ids, but an episode a control (answerable at the first view) in one run and not in the other: a pair's
    // controls and Δ over-asking are counted from the first run's flags (eval/paired.ts), so they would mix the two
    // runs' controls. Runs that record their data's fingerprint differ by it (every field of an episode, its control
    // flag too, is hashed: refused above); a run that records none (an older askfirst's summary.json, a hand-made one)
    // was paired on its ids alone. Refused here, as other data is.
    const differ = [...ids].filter(([id, x]) => Boolean(x.control) !== Boolean(other.get(id)!.control)).map(([id]) => id);
    if (differ.length) {
      throw new InputError(
        `${r.dir} played the ${ids.size} ${mode} episodes of ${first.dir} by id, but ${differ.length} of them (${differ.slice(0, 3).join(', ')}${differ.length > 3 ? ', …' : ''}) ${differ.length === 1 ? 'is a control' : 'are controls'} (answerable at the first view) in one run and not in the other: other data under the same ids (a suite generated again with another --control-share?); a paired comparison needs the same episodes; evaluate both on the same --data`,
      );
    }
  }
}

/**
 * The comparison of `runs` (at least two, in the order given) in `mode`. `baseline`: the run of the model before
 * training (or any model the gap is measured from), read in `mode` and in its reference mode, on the same episodes.
 * `labels`: one name per run for the tables (default: the policy each summary.json names).
 */
export function compareRuns(runs: EvalRun[], mode: EvalMode, o: { baseline?: EvalRun; labels?: readonly string[] } = {}): Comparison {
  if (runs.length < 2) throw new InputError('askfirst compare needs at least two eval runs (one run\'s figures and intervals are in its summary.json)');
  labelRuns(runs, o.labels);
  uniqueLabels(runs);
  if (o.baseline && mode === 'reference') throw new InputError('--baseline measures gap closed toward the baseline\'s reference mode, so it needs --mode proactive or hint');
  const indexOf = runIndex(mode);
  refuseOtherEpisodes(o.baseline ? [...runs, o.baseline] : runs, mode, indexOf);
  const n = runs[0].records[mode]!.length;

  let gaps: Map<string, Estimate> | null = null;
  const notes: string[] = [];
  if (o.baseline) {
    const before = o.baseline.records[mode]!;
    const reference = o.baseline.records.reference;
    if (!reference?.length) {
      const stopped = notCounted(o.baseline, 'reference');
      throw new InputError(`--baseline ${o.baseline.dir} has no reference mode (the clearest view only), which gap closed is measured toward: ${stopped ?? `evaluate it with --mode ${mode},reference`}`);
    }
    const ids = indexOf(o.baseline);
    if (reference.length !== ids.size || reference.some((x) => !ids.has(x.id))) {
      throw new InputError(`--baseline ${o.baseline.dir}: its reference mode played other episodes than its ${mode} mode (${reference.length} against ${ids.size}): evaluate it again with --mode ${mode},reference into a new --out`);
    }
    // accuracy as summary.json records it (computeMetrics, as every report reads it), not counted again here
    const accOf = (recs: readonly EpisodeRecordCore[]) => computeMetrics(recs).accuracy;
    const [accBefore, accRef] = [accOf(before), accOf(reference)];
    // each run's records by id as indexOf built them for the checks above: no map built again per run
    const iv = gapIntervals(reference, ids, runs.map((r) => ({ name: r.label, records: indexOf(r) })), []);
    if (!isGap((accRef - accBefore) * n)) {
      notes.push(`No gap closed: the baseline's reference mode answers ${Math.round((accRef - accBefore) * n)} more of the ${n} episodes right than its ${mode} play, fewer than the ${MIN_GAP_EPISODES} it is told on.`);
    } else if (iv.noGap.all > MAX_NO_GAP_SHARE) {
      notes.push(`Gap closed has no interval: in ${pct(iv.noGap.all)} of the bootstrap's resamples the baseline's reference was not ${MIN_GAP_EPISODES} episodes ahead of its ${mode} play (more episodes narrow it).`);
    }
    gaps = new Map(
      runs.map((r) => {
        const g = gapClosed(accOf(r.records[mode]!), accBefore, accRef, n);
        const all = iv.gapClosed[r.label].all;
        return [r.label, { value: Number.isNaN(g) ? null : g, low: all?.low ?? null, high: all?.high ?? null }];
      }),
    );
  }

  const rows: CompareRow[] = runs.map((r) => {
    const i = r.intervals[mode]!;
    return {
      label: r.label,
      dir: r.dir,
      episodes: i.accuracy.n,
      accuracy: rate(i.accuracy),
      ...(gaps ? { gapClosed: gaps.get(r.label)! } : {}),
      psRate: mean(i.psRate),
      overAsking: rate(i.overAsking),
      controls: i.overAsking.n,
    };
  });
  const pairs: Omit<ComparePair, 'pHolm' | 'log10PHolm'>[] = [];
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      const a = runs[i].records[mode]!;
      const b = indexOf(runs[j]);
      const m = mcnemar(
        a.map((x) => x.success),
        a.map((x) => b.get(x.id)!.success),
      );
      pairs.push({ a: runs[i].label, b: runs[j].label, ...pairedDifferences(a, b), onlyA: m.onlyA, onlyB: m.onlyB, pExact: m.pExact, log10PExact: m.log10PExact });
    }
  }
  const holm = holmAdjustLog10(pairs.map((p) => p.log10PExact));
  // the baseline by its label in the tables when it is one of the runs
  const baseline = o.baseline ? (runs.find((r) => resolve(r.dir) === resolve(o.baseline!.dir))?.label ?? o.baseline.label) : null;
  return { mode, episodes: n, data: dataOf(runs[0]).spec, baseline, notes, runs: rows, pairs: pairs.map((p, k) => ({ ...p, pHolm: 10 ** holm[k], log10PHolm: holm[k] })) };
}

// ─── Writing it ───────────────────────────────────────────────────────────────────────

/** How a table's cells are written: percentages in Markdown carry " %", LaTeX's headers say (\%). */
interface Style {
  percent(e: Estimate): string;
  points(d: PairedDifference): string;
  count(e: Estimate): string;
  countDiff(d: PairedDifference): string;
}

const fixed = (x: number, digits: number, sign = false) => `${sign && x > 0 ? '+' : ''}${x.toFixed(digits)}`;
const ends = (low: number | null, high: number | null, f: (x: number) => string) => (low === null || high === null ? '' : ` [${f(low)}, ${f(high)}]`);

function style(unit: string): Style {
  const p = (x: number, sign = false) => fixed(100 * x, 1, sign);
  return {
    percent: (e) => (e.value === null ? MISSING : `${p(e.value)}${unit}${ends(e.low, e.high, (x) => p(x))}`),
    points: (d) => (d.diff === null ? MISSING : `${p(d.diff, true)}${ends(d.low, d.high, (x) => p(x, true))}`),
    count: (e) => (e.value === null ? MISSING : `${fixed(e.value, 2)}${ends(e.low, e.high, (x) => fixed(x, 2))}`),
    countDiff: (d) => (d.diff === null ? MISSING : `${fixed(d.diff, 2, true)}${ends(d.low, d.high, (x) => fixed(x, 2, true))}`),
  };
}

function modelTable(c: Comparison, s: Style): { head: string[]; rows: string[][] } {
  const gap = c.baseline !== null;
  return {
    // the controls beside over-asking, as the episodes beside accuracy: 7 controls of 42 episodes is why its interval is wide
    head: ['model', 'episodes', 'accuracy [95 % CI]', ...(gap ? ['gap closed [95 % CI]'] : []), 'ps-rate [95 % CI]', 'controls', 'over-asking [95 % CI]'],
    rows: c.runs.map((r) => [r.label, String(r.episodes), s.percent(r.accuracy), ...(gap ? [s.percent(r.gapClosed!)] : []), s.count(r.psRate), String(r.controls), s.percent(r.overAsking)]),
  };
}

function pairTable(c: Comparison, s: Style, p: (x: Pick<ComparePair, 'pExact' | 'log10PExact'>) => string): { head: string[]; rows: string[][] } {
  return {
    // the controls beside Δ over-asking, as in the runs table: the difference is over those episodes only
    head: ['A', 'B', 'Δ accuracy (points) [95 % CI]', 'Δ ps-rate [95 % CI]', 'controls', 'Δ over-asking (points) [95 % CI]', 'only A right', 'only B right', 'McNemar exact p', 'Holm p'],
    rows: c.pairs.map((x) => [x.a, x.b, s.points(x.accuracy), s.countDiff(x.psRate), String(x.controls), s.points(x.overAsking), String(x.onlyA), String(x.onlyB), p(x), p({ pExact: x.pHolm, log10PExact: x.log10PHolm })]),
  };
}

/** What the tables say, in words: the first line of both the Markdown and the LaTeX (as a comment). */
function caption(c: Comparison): string {
  return `${c.mode} mode, ${c.episodes} episodes${c.data ? ` of ${c.data}` : ''}${c.baseline ? `; gap closed from ${c.baseline} toward its reference mode` : ''}`;
}

const NOTES = [
  'Accuracy and over-asking (over the control episodes, answerable at once, as many as the controls column says: the first reply asked) with Wilson 95 % intervals; ps-rate (ProactiveBench\'s suggestions per episode, turns − 1: the interventions asked, one fewer on an episode that reached its turn limit) with a Student\'s t interval; gap closed = (accuracy − the baseline\'s) / (the baseline\'s reference accuracy − the baseline\'s), its interval from a bootstrap over the episodes stratified by kind; it exceeds 100 % where a run answers more right than the baseline does from the clearest view (its reference accuracy below 100 %).',
  'Pairs: A − B on the same episodes (Δ over-asking over the control episodes only, as many as the pair\'s controls column says), each interval from a paired bootstrap stratified by kind (2,000 resamples, seeded); McNemar\'s exact two-sided p on accuracy, and Holm\'s adjustment of it for the number of pairs. A gap closed difference is the accuracy difference divided by the baseline\'s gap.',
];

export function comparisonMarkdown(c: Comparison): string {
  const s = style(' %');
  const m = modelTable(c, s);
  const p = pairTable(c, s, pValue);
  return [`**${mdCell(caption(c))}**`, '', ...c.notes.map((n) => `> ${mdCell(n)}\n`), mdTable(m.head, m.rows), '', mdTable(p.head, p.rows), '', ...NOTES.map((n) => `${mdCell(n)}\n`)].join('\n');
}

/** LaTeX's special characters in text (a label, a data path) written as text. */
export function latexText(s: string): string {
  const map: Record<string, string> = { '\\': '\\textbackslash{}', '{': '\\{', '}': '\\}', '$': '\\$', '&': '\\&', '#': '\\#', '%': '\\%', _: '\\_', '^': '\\textasciicircum{}', '~': '\\textasciitilde{}' };
  return s.replace(/[\\{}$&#%_^~]/g, (ch) => map[ch]);
}

/** A p as LaTeX: "0.0312", "$2.17\times10^{-19}$" (pValueParts: the digits pValue writes, its power of ten in math). */
function latexP(t: Pick<ComparePair, 'pExact' | 'log10PExact'>): string {
  const p = pValueParts(t);
  return p.fixed ?? `$${p.mantissa}\\times10^{${p.exponent}}$`;
}

function latexTabular(head: string[], rows: string[][], textCols: number): string {
  // the text columns (labels) as text; the numbers' minus signs as math minus; a p already in math ("$2.17\times10^{-19}$") as it is
  const cell = (x: string, i: number) => (i < textCols ? latexText(x) : x.startsWith('$') ? x : x.replace(/-(?=\d)/g, '$-$'));
  const spec = head.map((_, i) => (i < textCols ? 'l' : 'r')).join('');
  return [
    `\\begin{tabular}{${spec}}`,
    '\\toprule',
    `${head.map((h) => latexText(h).replace(/ \[95 \\% CI\]/, ' [95\\% CI]').replace('Δ', '$\\Delta$')).join(' & ')} \\\\`,
    '\\midrule',
    ...rows.map((r) => `${r.map(cell).join(' & ')} \\\\`),
    '\\bottomrule',
    '\\end{tabular}',
  ].join('\n');
}

export function comparisonLatex(c: Comparison): string {
  const s = style('');
  const m = modelTable(c, s);
  const p = pairTable(c, s, latexP);
  m.head = m.head.map((h) => (/accuracy|gap closed|over-asking/.test(h) ? h.replace(' [', ' (%) [') : h));
  return [
    `% askfirst compare: ${caption(c)}`.replace(/\n/g, ' '),
    '% needs \\usepackage{booktabs}',
    ...[...c.notes, ...NOTES].map((n) => `% ${n}`),
    latexTabular(m.head, m.rows, 1),
    '',
    latexTabular(p.head, p.rows, 2),
    '',
  ].join('\n');
}

export function comparisonJson(c: Comparison): string {
  return `${JSON.stringify(c, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

export function formatComparison(c: Comparison, format: CompareFormat): string {
  return format === 'latex' ? comparisonLatex(c) : format === 'json' ? comparisonJson(c) : comparisonMarkdown(c);
}
