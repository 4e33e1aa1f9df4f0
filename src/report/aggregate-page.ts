/**
 * The multi-seed aggregate (aggregate.ts) for people: a short text table for the terminal
 * (mean ± 95 % CI half-width per headline figure) and `aggregate.html`, one self-contained page
 * in the report's style (html.ts) with every seed's value beside the mean and interval, per-kind
 * accuracy, the baselines and the paired differences. No charts.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { AGGREGATE_PAGE, PAIRED_FIGURES, seedStat, type Aggregate, type FigureStats, type PairedFigure, type SeedStat } from './aggregate.js';
import { CSS, esc, pct, scrollTables, signedPoints, valueCell } from './html.js';
import { gapIntervalText } from './gap-text.js';
import { MISSING } from '../util/missing.js';
import { compareText } from '../util/text-order.js';

/** pct: a fraction shown as %; pts: a difference of fractions, in percentage points; ratio: ×; num: plain. */
export type Unit = 'pct' | 'pts' | 'ratio' | 'num';

/** One headline row: a key (as in headline.ts), a label, how to format it and where to find it (undefined: an aggregate written before the figure existed). */
export interface AggregateRow {
  key: string;
  label: string;
  unit: Unit;
  get: (f: FigureStats) => SeedStat | undefined;
}

export const AGGREGATE_ROWS: readonly AggregateRow[] = [
  { key: 'gapClosed.train', label: 'gap closed, RL-trained kinds', unit: 'pct', get: (f) => f.gapClosed.train },
  { key: 'gapClosed.unseen', label: 'gap closed, unseen kinds', unit: 'pct', get: (f) => f.gapClosed.unseen },
  { key: 'gapClosed.all', label: 'gap closed, all kinds', unit: 'pct', get: (f) => f.gapClosed.all },
  { key: 'overAsking', label: 'over-asking on controls', unit: 'pct', get: (f) => f.overAsking },
  // beside over-asking, not in it (docs/evaluation.md, "What the rates mean")
  { key: 'controlAbstain', label: 'abstained on controls', unit: 'pct', get: (f) => f.controlAbstain },
  { key: 'psRate', label: 'ps-rate', unit: 'num', get: (f) => f.psRate },
  { key: 'psRateRatio', label: 'ps-rate ÷ oracle minimum', unit: 'ratio', get: (f) => f.psRateOverOracle },
  { key: 'accuracy.reference', label: 'accuracy, reference', unit: 'pct', get: (f) => f.accuracy.reference.overall },
  { key: 'accuracy.before', label: 'accuracy, before RL', unit: 'pct', get: (f) => f.accuracy.before.overall },
  { key: 'accuracy.after', label: 'accuracy, after RL', unit: 'pct', get: (f) => f.accuracy.after.overall },
];

const PAIRED_LABELS: Record<PairedFigure, string> = {
  'gapClosed.unseen': 'gap closed, unseen kinds',
  'gapClosed.all': 'gap closed, all kinds',
  'accuracy.after': 'accuracy after RL',
};

/** A single value in a unit ("93.4 %", "+12.0 pts", "1.46", "0.74×"); "–" for null. */
export function fmtValue(x: number | null, unit: Unit, signed = false): string {
  if (x == null || !Number.isFinite(x)) return MISSING;
  const sign = signed && x > 0 ? '+' : '';
  if (unit === 'pct') return `${sign}${(100 * x).toFixed(1)} %`;
  if (unit === 'pts') return `${sign}${(100 * x).toFixed(1)} pts`;
  if (unit === 'ratio') return `${sign}${x.toFixed(2)}×`;
  return `${sign}${x.toFixed(2)}`;
}

/**
 * "93.1 ± 4.2 %" (mean ± 95 % CI half-width); an interval cut to the figure's range (a rate's [0, 100 %]) also says where it
 * ends, "95.0 ± 63.5 % (cut to 31.5 … 100.0 %)"; "93.1 % (n = 1, no CI)" with one value; "–" with none.
 */
export function fmtStat(s: Pick<SeedStat, 'n' | 'mean' | 'ci95'>, unit: Unit, signed = false): string {
  if (s.mean == null) return MISSING;
  if (!s.ci95) return `${fmtValue(s.mean, unit, signed)} (n = ${s.n}, no CI)`;
  const scale = unit === 'pct' || unit === 'pts' ? 100 : 1;
  const digits = scale === 100 ? 1 : 2;
  const sign = signed && s.mean > 0 ? '+' : '';
  const suffix = unit === 'pct' ? ' %' : unit === 'pts' ? ' pts' : unit === 'ratio' ? '×' : '';
  const cut = s.ci95.clipped ? ` (cut to ${fmtValue(s.ci95.low, unit)} … ${fmtValue(s.ci95.high, unit)})` : '';
  return `${sign}${(scale * s.mean).toFixed(digits)} ± ${(scale * s.ci95.halfWidth).toFixed(digits)}${suffix}${cut}`;
}

/** The n note of a stat when some seeds have no value. */
const missing = (s: SeedStat, seeds: number) => (s.n < seeds ? ` [n = ${s.n}]` : '');

const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - [...s].length));

/** A row's figure, or one with every seed missing when the aggregate predates it (shown as "–"). */
const rowStat = (agg: Aggregate, r: AggregateRow, f: FigureStats): SeedStat => r.get(f) ?? seedStat(agg.seeds.map(() => null));

/** The terminal table: ours and each baseline, mean ± 95 % CI half-width per headline figure, then the paired differences. */
export function aggregateText(agg: Aggregate): string {
  const k = agg.seeds.length;
  const cols = [{ title: 'ours', f: agg.ours }, ...agg.baselines.map((b) => ({ title: `r_p = ${b.rp}`, f: b.figures }))];
  const cells = AGGREGATE_ROWS.map((r) => [r.label, ...cols.map((c) => fmtStat(rowStat(agg, r, c.f), r.unit) + missing(rowStat(agg, r, c.f), k))]);
  const header = ['figure', ...cols.map((c) => c.title)];
  const widths = header.map((h, i) => Math.max([...h].length, ...cells.map((row) => [...row[i]].length)) + 2);
  const line = (row: string[]) => '  ' + row.map((c, i) => pad(c, widths[i])).join('').trimEnd();
  const out = [
    `askfirst demo over ${k} seed${k === 1 ? '' : 's'} (${agg.seeds.join(', ')})${agg.quick ? ', --quick' : ''}: mean ± 95 % CI half-width (Student's t, df = n − 1)`,
    ...(k < 2 ? ['  (one seed: no interval; run two or more seeds for one)'] : []),
    line(header),
    ...cells.map(line),
  ];
  for (const b of agg.baselines) {
    const parts = PAIRED_FIGURES.map((f) => `${PAIRED_LABELS[f]} ${fmtStat(b.paired[f], 'pts', true)}${missing(b.paired[f], k)}`);
    out.push(`  ours − ${b.label} (paired over seeds): ${parts.join('; ')}`);
    const perSeed = evaluationNoise(agg, b);
    if (perSeed) out.push(`    per seed, unseen kinds, with the interval over its test episodes: ${perSeed}`);
  }
  for (const { who, falls } of belowGuesser(agg)) if (falls.length) out.push(`  below the guesser, ${who}: ${falls.map((f) => fallText(f, f.group)).join(', ')}`);
  return out.join('\n');
}

/** "seed 0 +2.6 [−1.9, 7.0], seed 1 …": each seed's ours − baseline on the unseen kinds with its evaluation interval; "" when no seed has one. */
export function evaluationNoise(agg: Aggregate, b: Aggregate['baselines'][number]): string {
  const ivs = b.evaluationCi95?.['gapClosed.unseen'];
  const noGap = b.evaluationNoGap?.['gapClosed.unseen'];
  // the interval, or why it was withheld (gap-text.ts); "" for a seed with neither
  const after = agg.seeds.map((_, i) => gapIntervalText(ivs?.[i], noGap?.[i]));
  if (!after.some(Boolean)) return '';
  // a seed whose results.json predates these intervals says so, rather than reading as a figure without noise
  return agg.seeds.map((seed, i) => `seed ${seed} ${signedPoints(b.paired['gapClosed.unseen'].values[i])}${after[i] || ' (no interval recorded)'}`).join(', ');
}

// ─── aggregate.html ─────────────────────────────────────────────────────────────────────

function ciText(s: SeedStat, unit: Unit): string {
  if (!s.ci95) return s.n < 2 ? `none (n = ${s.n})` : MISSING;
  return `${fmtValue(s.ci95.low, unit)} … ${fmtValue(s.ci95.high, unit)}${s.ci95.clipped ? ' (cut to the range)' : ''}`;
}

/** A figure's cells: each seed's value (keyed by the seed: `<key>.seed5` under "seed 5"), the mean, the half-width, the interval and n. */
function statCells(agg: Aggregate, key: string, s: SeedStat, unit: Unit, signed = false): string {
  return (
    s.values.map((v, i) => valueCell(`${key}.seed${agg.seeds[i]}`, v, fmtValue(v, unit, signed))).join('') +
    valueCell(`${key}.mean`, s.mean, fmtValue(s.mean, unit, signed)) +
    valueCell(`${key}.halfWidth`, s.ci95?.halfWidth ?? null, s.ci95 ? `± ${fmtValue(s.ci95.halfWidth, unit)}` : MISSING) +
    `<td class="num">${esc(ciText(s, unit))}</td><td class="num">${s.n}</td>`
  );
}

/** The header row: the leading column names, one column per seed, then mean, half-width, interval and n. */
function head(agg: Aggregate, ...first: string[]): string {
  const seeds = agg.seeds.map((s) => `<th class="num">seed ${esc(s)}</th>`).join('');
  return `<thead><tr>${(first.length ? first : ['figure']).map((c) => `<th>${esc(c)}</th>`).join('')}${seeds}<th class="num">mean</th><th class="num">± 95 % CI</th><th class="num">95 % CI</th><th class="num">n</th></tr></thead>`;
}

function figuresTable(agg: Aggregate, id: string, f: FigureStats): string {
  const rows = AGGREGATE_ROWS.map((r) => `<tr><td>${esc(r.label)}</td>${statCells(agg, `${id}.${r.key}`, rowStat(agg, r, f), r.unit)}</tr>`);
  return `<table class="headline" id="${esc(id)}">${head(agg)}<tbody>${rows.join('')}</tbody></table>`;
}

function perKindTable(agg: Aggregate, f: FigureStats): string {
  const rows = Object.keys(f.accuracy.after.byKind).flatMap((k) => {
    const tag = agg.trainKinds.includes(k) ? '<span class="badge train">RL-trained</span>' : '<span class="badge unseen">unseen</span>';
    return (['reference', 'before', 'after'] as const).map(
      (w) => `<tr><td>${esc(k)} ${w === 'reference' ? tag : ''}</td><td>${esc(w)}</td>${statCells(agg, `ours.accuracy.${w}.${k}`, f.accuracy[w].byKind[k], 'pct')}</tr>`,
    );
  });
  return `<table id="per-kind">${head(agg, 'kind', 'accuracy')}<tbody>${rows.join('')}</tbody></table>`;
}

/** Accuracy per variant within a kind (the corruption kind's operations), for ours and each baseline after RL; '' when no run has them. */
function perVariantTable(agg: Aggregate, f: FigureStats): string {
  const after = f.accuracy.after.byVariant;
  if (!after) return '';
  const none = seedStat(agg.seeds.map(() => null));
  const rows = Object.keys(after).flatMap((v) => [
    ...(['reference', 'before', 'after'] as const).map(
      (w) => `<tr><td>${esc(v)}</td><td>${esc(w)}</td>${statCells(agg, `ours.accuracy.${w}.${v}`, f.accuracy[w].byVariant?.[v] ?? none, 'pct')}</tr>`,
    ),
    ...agg.baselines.map(
      (b) => `<tr><td>${esc(v)}</td><td>${esc(b.label)}, after</td>${statCells(agg, `${b.name}.accuracy.after.${v}`, b.figures.accuracy.after.byVariant?.[v] ?? none, 'pct')}</tr>`,
    ),
  ]);
  return `<table id="per-variant">${head(agg, 'variant', 'accuracy')}<tbody>${rows.join('')}</tbody></table>`;
}

/** One kind or variant a policy fell below the guesser on: on how many of the seeds where both have a value, and the means. */
interface Fall {
  group: string;
  seeds: number;
  n: number;
  before: number | null;
  after: number | null;
}

/**
 * Per policy (ours, then each baseline), the kinds and then the variants whose accuracy after RL is below the guesser's
 * (the same supervised model for every policy) on at least one seed, most seeds first: a kind's mean can hide a variant that falls.
 */
export function belowGuesser(agg: Aggregate): { who: string; falls: Fall[] }[] {
  const before = agg.ours.accuracy.before;
  const fallsIn = (groups: Record<string, SeedStat> | undefined, from: Record<string, SeedStat> | undefined): Fall[] =>
    Object.entries(groups ?? {})
      .flatMap(([group, a]): Fall[] => {
        const b = from?.[group];
        if (!b) return [];
        const both = a.values.flatMap((v, i) => (v !== null && b.values[i] !== null ? [[b.values[i]!, v]] : []));
        const seeds = both.filter(([bv, av]) => av < bv).length;
        return seeds ? [{ group, seeds, n: both.length, before: b.mean, after: a.mean }] : [];
      })
      .sort((x, y) => y.seeds - x.seeds || compareText(x.group, y.group));
  const fallsOf = (after: FigureStats['accuracy']['after']) => [...fallsIn(after.byKind, before.byKind), ...fallsIn(after.byVariant, before.byVariant)];
  return [{ who: 'ours', falls: fallsOf(agg.ours.accuracy.after) }, ...agg.baselines.map((b) => ({ who: b.label, falls: fallsOf(b.figures.accuracy.after) }))];
}

const fallText = (f: Fall, name: string) => `${name} on ${f.seeds} of ${f.n} seeds (mean ${pct(f.before)} → ${pct(f.after)})`;

function belowGuesserList(agg: Aggregate): string {
  const items = belowGuesser(agg).map(
    ({ who, falls }) => `<li>${esc(who)}: ${falls.length ? falls.map((f) => fallText(f, `<b>${esc(f.group)}</b>`)).join(', ') : 'on no seed, for no kind or variant'}</li>`,
  );
  return `<ul id="losses">${items.join('')}</ul>`;
}

function pairedTable(agg: Aggregate): string {
  const rows = agg.baselines.flatMap((b) =>
    PAIRED_FIGURES.map((f) => `<tr><td>ours − ${esc(b.label)}: ${esc(PAIRED_LABELS[f])}</td>${statCells(agg, `paired.${b.name}.${f}`, b.paired[f], 'pts', true)}</tr>`),
  );
  const noise = agg.baselines.flatMap((b) => {
    const t = evaluationNoise(agg, b);
    return t ? [`<li>ours − ${esc(b.label)}: ${esc(t)}</li>`] : [];
  });
  return rows.length
    ? `<table id="paired">${head(agg, 'difference')}<tbody>${rows.join('')}</tbody></table>` +
        (noise.length
          ? `<p class="meta">Each seed's difference on the unseen kinds, in points, with its 95 % interval over that seed's test episodes (a paired bootstrap: evaluation noise alone; the interval over seeds above also holds training's variation):</p><ul id="paired-evaluation">${noise.join('')}</ul>`
          : '')
    : '<p class="meta">No baselines were run.</p>';
}

/** The whole of `aggregate.html`. */
export function renderAggregatePage(agg: Aggregate): string {
  const title = `askfirst demo over ${agg.seeds.length} seed${agg.seeds.length === 1 ? '' : 's'}`;
  const notes = [
    ...(agg.quick ? ['Quick runs (--quick): small budgets, so the figures are noisy.'] : []),
    ...(agg.seeds.length < 2 ? ['One seed: a mean of one value has no confidence interval; run two or more seeds.'] : []),
  ];
  const links = agg.runs.map((r) => `<a href="${esc(`${r.dir}/report.html`)}">seed ${esc(r.seed)}</a>`).join(' · ');
  const variants = perVariantTable(agg, agg.ours);
  // every table in a box that scrolls sideways: on a 320 px phone the page itself did not fit (html.ts scrollTable)
  return scrollTables(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${esc(title)}</h1>
<p class="lead">The demo, run once per seed (${esc(agg.seeds.join(', '))}): every figure is the mean over the seeds with a 95 % confidence interval for that mean.
RL trained on ${esc(agg.trainKinds.join(' + '))}; unseen kinds: ${esc(agg.unseenKinds.join(', '))}.</p>
<p class="meta">Written ${esc(agg.createdAt)} · per-seed reports: ${links}</p>
${notes.map((n) => `<div class="note">${esc(n)}</div>`).join('')}
<p class="meta">${esc(agg.method)} An interval that excludes a value (a target, or 0 for a difference) says the seeds agree it is above or below it; it says nothing about other suites or budgets.</p>
<h2>Ours</h2>
${figuresTable(agg, 'ours', agg.ours)}
<h3>Accuracy per scenario kind</h3>
${perKindTable(agg, agg.ours)}
${variants ? `<h3>Accuracy per variant (the corruption kind's operations)</h3>\n${variants}` : ''}
<h3>Below the guesser</h3>
<p class="meta">Where a policy after RL answers fewer episodes right than the supervised model it started from, by kind and by variant.</p>
${belowGuesserList(agg)}
<h2>Paired: ours − baseline</h2>
<p class="meta">Per seed, our figure minus the baseline's on the same suites and guesser; positive favours ours.</p>
${pairedTable(agg)}
${agg.baselines.map((b) => `<h2>${esc(b.label)}</h2>\n${figuresTable(agg, b.name, b.figures)}`).join('\n')}
</main></body></html>
`);
}

/** Write `<dir>/aggregate.html`; returns its path. */
export async function writeAggregatePage(dir: string, agg: Aggregate): Promise<string> {
  const file = join(dir, AGGREGATE_PAGE);
  await writeFileAtomic(file, renderAggregatePage(agg));
  return file;
}
