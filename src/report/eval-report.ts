/**
 * `askfirst report RUN…`: one offline page (and a Markdown twin) comparing any `askfirst eval`
 * runs — per-model and per-kind tables with 95 % intervals (Wilson for rates, Student's t for
 * the ps-rate), the ask-vs-guess bars and per-kind accuracy chart (the demo's chart code,
 * charts.ts / vega.ts, rendered to static SVG), paired McNemar tests between every two runs on
 * the episodes they share, and example episodes with their images, prompts, raw replies, the
 * option each reply was read as, and what was right.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { EVAL_MODES, type EpisodeRecord, type EpisodeRecordCore, type EvalMode } from '../episode/types.js';
import { unparseableCauses, unparseableCausesText } from '../episode/metrics.js';
import { recordProblem } from '../episode/validate.js';
import { EpisodeState } from '../episode/state.js';
import { intervalSummary, type IntervalSummary, type Intervals } from '../eval/intervals.js';
import { formatTable } from '../eval/table.js';
import { EVAL_SUMMARY_FORMAT } from '../eval/formats.js';
import { checkFileFormat } from '../util/file-format.js';
import { loadDataEpisodes } from '../suite/open.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { pngDataUrl } from '../scenes/png.js';
import { fitPixels } from '../scenes/resize.js';
import { streamJsonl } from '../util/jsonl.js';
import { progress, withBar, type Progress } from '../util/progress.js';
import { countSplitLines, readTextFileSync } from '../util/text-file.js';
import { mcnemar, type McNemar, type RateInterval } from '../util/stats.js';
import { DataError, InputError, NotFoundError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsx.js';
import { linkTrouble } from '../util/fs-errors.js';
import { askVsGuessRowsSpec, COLORS, renderSvg } from './charts.js';
import { askVsGuess } from './data.js';
import type { AskVsGuess } from './results.js';
import { CSS, esc, labelledSvg, num, pct, scrollTable } from './html.js';
import { mdCell, mdCode } from './model-card.js';
import { MISSING } from '../util/missing.js';

/**
 * One `askfirst eval --out DIR`: its summary.json and every mode's records. readEvalRun keeps the records without their
 * text and per-turn lists (compactRecord: a run of thousands of episodes holds its replies, prompts, views and later moves nowhere), and `files` names the
 * results.jsonl each mode was read from, read a second time for the full records of the example episodes only
 * (readFullRecords). A run made in memory may leave `files` out and give full records.
 */
export interface EvalRun {
  dir: string;
  label: string;
  summary: Record<string, unknown>;
  records: Partial<Record<EvalMode, EpisodeRecordCore[]>>;
  intervals: Partial<Record<EvalMode, IntervalSummary>>;
  files?: Partial<Record<EvalMode, string>>;
  /**
   * The <mode>/results.jsonl files of `dir` that summary.json does not count (not in its `modes`: an eval of that mode
   * stopped before it finished, or a folder left by an earlier run): not read, and named in the report's notes.
   */
  uncounted?: string[];
}

/** `onLines`: told how many lines of a results.jsonl were read since it was last told (a progress bar over them). */
export async function readEvalRun(dir: string, onLines?: (n: number) => void): Promise<EvalRun> {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) {
    // an eval stopped before it finished (Ctrl-C, a server that gave up) has its modes' run.json and records but no
    // summary.json yet: it is an eval run's --out, unfinished, and the same eval command finishes it
    const started = EVAL_MODES.filter((m) => existsSync(join(dir, m, 'run.json')));
    if (started.length && !linkTrouble(dir)) {
      throw new InputError(
        `${dir} holds an askfirst eval run that has not finished (${join(dir, started[0], 'run.json')}, but no summary.json, which eval writes once every episode is played): re-run its askfirst eval command (the same --policy, --data and --out) to finish it, then report it`,
      );
    }
    throw new NotFoundError(`${dir}: ${linkTrouble(dir) ?? 'no summary.json'} — give the --out directory of an askfirst eval run`);
  }
  let summary: Record<string, unknown>;
  try {
    summary = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new DataError('does not parse as JSON (damaged?); re-run the same askfirst eval command to write it again', { file, cause: e });
  }
  if (!summary || typeof summary !== 'object' || Array.isArray(summary)) throw new DataError('must hold one JSON object (the summary askfirst eval writes)', { file });
  checkFileFormat(summary, file, EVAL_SUMMARY_FORMAT);
  const records: EvalRun['records'] = {};
  const intervals: EvalRun['intervals'] = {};
  const files: NonNullable<EvalRun['files']> = {};
  const uncounted: string[] = [];
  const summed = summaryModes(summary);
  for (const mode of EVAL_MODES) {
    const f = join(dir, mode, 'results.jsonl');
    if (!existsSync(f)) continue;
    // a mode summary.json does not count (its eval stopped part-way, or a folder an earlier run left: other data, other
    // settings) is not this run's: read, its records were reported as the run's, figures no summary vouches for
    if (summed && !summed.has(mode)) {
      uncounted.push(f);
      continue;
    }
    const recs = await episodeRecords(f, onLines);
    if (!recs.length) continue;
    // a summary.json of another play of this folder: an eval started again with --overwrite (or on more episodes) and
    // stopped before it finished leaves the summary of the run it discarded beside the records of the one it began
    // (policy, data fingerprint, settings and every figure of the other): the records and the summary would disagree
    const counted = summaryEpisodes(summary, mode);
    if (counted !== undefined && counted !== recs.length) {
      throw new DataError(
        `holds ${recs.length} ${mode} episode${recs.length === 1 ? '' : 's'}, but ${join(dir, 'summary.json')} counts ${counted}: the run was started again (--overwrite, other --data or --limit) and has not finished, or the file was edited; re-run its askfirst eval command (the same --policy, --data and --out) to finish it, then report it`,
        { file: f },
      );
    }
    records[mode] = recs;
    intervals[mode] = intervalSummary(recs);
    files[mode] = f;
  }
  if (!Object.keys(records).length) {
    const also = uncounted.length ? ` (${uncounted.join(', ')} ${uncounted.length === 1 ? 'is' : 'are'} not counted by ${file}: re-run its askfirst eval command to finish ${uncounted.length === 1 ? 'it' : 'them'})` : '';
    throw new InputError(`${dir}: no <mode>/results.jsonl with episodes in it${also}`);
  }
  // the policy as eval names it (a string); anything else (a summary of another askfirst, edited) is not shown as "[object Object]"
  const label = typeof summary.policy === 'string' && summary.policy ? summary.policy : basename(dir);
  return { dir, label, summary, records, intervals, files, ...(uncounted.length ? { uncounted } : {}) };
}

/** The modes summary.json counts (the keys of its `modes`), or undefined where it has no `modes` object (an older askfirst's: every mode's file is read). */
function summaryModes(summary: Record<string, unknown>): Set<string> | undefined {
  const modes = summary.modes;
  return modes && typeof modes === 'object' && !Array.isArray(modes) ? new Set(Object.keys(modes)) : undefined;
}

/** How many episodes of `mode` summary.json counts (`modes.<mode>.episodes`); undefined where it records none (an older askfirst's, a mode it did not play). */
function summaryEpisodes(summary: Record<string, unknown>, mode: EvalMode): number | undefined {
  const modes = summary.modes;
  if (!modes || typeof modes !== 'object') return undefined;
  const m = (modes as Record<string, unknown>)[mode];
  const n = m && typeof m === 'object' ? (m as Record<string, unknown>).episodes : undefined;
  return typeof n === 'number' ? n : undefined;
}

/**
 * The records of a results.jsonl, one per episode, compact (compactRecord), read a line at a time. A line
 * cut short by a crash (the last, without its newline) is dropped, as the results store does when the run resumes
 * (eval/store.ts); a second record of an episode — a file concatenated or merged by hand — is an error naming both
 * lines: it would count the episode twice in every metric, and quietly keeping either would hide that (or which play the
 * numbers describe). Whether the second is the same record is told by a SHA-256 of each record's JSON, not the JSON
 * itself, so the check holds no record a second time.
 */
async function episodeRecords(file: string, onLines?: (n: number) => void): Promise<EpisodeRecordCore[]> {
  const first = new Map<string, { line: number; digest: string }>();
  const recs: EpisodeRecordCore[] = [];
  let at = 0;
  for await (const { line, value } of streamJsonl<EpisodeRecord>(file, { tolerateTruncatedTail: true })) {
    onLines?.(line - at);
    at = line;
    checkRecord(value, file, line);
    const digest = createHash('sha256').update(JSON.stringify(value)).digest('base64');
    const seen = first.get(value.id);
    if (seen) {
      throw new DataError(
        `episode "${value.id}" is recorded a second time (first on line ${seen.line}${seen.digest === digest ? ', the same record' : ', another play'}): it would count twice in every metric. Keep one of the two lines (results.jsonl holds one record per episode; was the file concatenated or merged by hand?)`,
        { file, line },
      );
    }
    first.set(value.id, { line, digest });
    recs.push(compactRecord(value));
  }
  return recs;
}

function checkRecord(value: EpisodeRecord, file: string, line: number): void {
  const problem = recordProblem(value);
  if (problem) throw new DataError(`${problem}; delete that line (the same askfirst eval command then plays its episode again)`, { file, line });
}

/**
 * What the report holds of a record (a new object: nothing else of the record is kept alive by it): no per-turn text
 * and no views, `actions` cut to the first move and `informative` to the last view's entry — all that any figure reads
 * (EpisodeRecordCore); the examples read their full records again (readFullRecords).
 */
export function compactRecord(r: EpisodeRecord): EpisodeRecordCore {
  const { replies: _replies, prompts: _prompts, parsed: _parsed, targets: _targets, views: _views, actions, informative, ...rest } = r;
  return { ...rest, actions: actions.slice(0, 1), ...(informative ? { informative: informative.slice(-1) } : {}) };
}

/**
 * The full records of `ids` from a results.jsonl readEvalRun read (a second pass, a line at a time): only those are
 * kept, each the first record of its id, as the first pass kept it. An id no longer there (the file replaced while the
 * report read it) is a DataError saying to run the report again.
 */
export async function readFullRecords(file: string, ids: ReadonlySet<string>): Promise<Map<string, EpisodeRecord>> {
  const out = new Map<string, EpisodeRecord>();
  for await (const { line, value } of streamJsonl<EpisodeRecord>(file, { tolerateTruncatedTail: true })) {
    checkRecord(value, file, line);
    if (ids.has(value.id) && !out.has(value.id)) out.set(value.id, value);
  }
  const missing = [...ids].filter((id) => !out.has(id));
  if (missing.length) throw new DataError(`episode "${missing[0]}" is no longer in it (was the file replaced while the report read it?); run askfirst report again`, { file });
  return out;
}

const CAUSE_NOTE = 'Unparseable replies the model\'s server said had no usable text (the rest of the unparseable column named no option):';

/** Per run with any: "label: 2 cut off at the token limit, 1 stopped by a content filter (of 5 unparseable)" (episode/metrics.ts unparseableCauses). */
function causeLines(runs: readonly EvalRun[], mode: EvalMode): string[] {
  return runs.flatMap((r) => {
    const recs = r.records[mode] ?? [];
    const text = unparseableCausesText(unparseableCauses(recs));
    return text ? [`${r.label}: ${text} (of ${recs.filter((x) => x.outcome === 'unparseable').length} unparseable)`] : [];
  });
}

/** `--labels` (askfirst report's and compare's): one name per run, in the runs' order; another count is refused. */
export function checkLabels(labels: readonly string[] | undefined, runs: number): void {
  if (labels && labels.length !== runs) throw new InputError(`--labels gives ${labels.length} name${labels.length === 1 ? '' : 's'} for ${runs} runs: give one per run, in the runs' order`);
}

/** Name `runs` by `labels` (checkLabels), instead of the policy each summary.json names; none: left as they are. */
export function labelRuns(runs: EvalRun[], labels: readonly string[] | undefined): void {
  checkLabels(labels, runs.length);
  labels?.forEach((l, i) => (runs[i].label = l));
}

/** Runs with the same policy name are told apart by their directory. */
export function uniqueLabels(runs: EvalRun[]): void {
  const count = new Map<string, number>();
  for (const r of runs) count.set(r.label, (count.get(r.label) ?? 0) + 1);
  for (const r of runs) if (count.get(r.label)! > 1) r.label = `${r.label} (${basename(resolve(r.dir))})`;
}

/** Modes every run has, in protocol order. */
export function sharedModes(runs: readonly EvalRun[]): EvalMode[] {
  return EVAL_MODES.filter((m) => runs.every((r) => r.records[m]?.length));
}

export interface PairTest extends McNemar {
  mode: EvalMode;
  a: string;
  b: string;
  /** Accuracy of each run on the shared episodes; null when they share none. */
  accA: number | null;
  accB: number | null;
}

/** McNemar's test for every two runs, on the episodes both played in `mode` (matched by id). */
export function pairwiseMcnemar(runs: readonly EvalRun[], mode: EvalMode): PairTest[] {
  const out: PairTest[] = [];
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      const a = new Map((runs[i].records[mode] ?? []).map((r) => [r.id, r.success]));
      const ids = (runs[j].records[mode] ?? []).filter((r) => a.has(r.id));
      const sa = ids.map((r) => a.get(r.id)!);
      const sb = ids.map((r) => r.success);
      const m = mcnemar(sa, sb);
      const acc = (right: number) => (m.n ? right / m.n : null);
      out.push({ ...m, mode, a: runs[i].label, b: runs[j].label, accA: acc(m.both + m.onlyA), accB: acc(m.both + m.onlyB) });
    }
  }
  return out;
}

const ci = (r: RateInterval | undefined) => (r && r.rate !== null ? `${pct(r.rate)} [${(100 * r.low!).toFixed(1)}, ${(100 * r.high!).toFixed(1)}]` : MISSING);
/** The ps-rate with its interval; one cut at 0 (psInterval) says so, as the seed aggregates' do ("(cut to the range)"). */
const psCi = (i: Intervals) => {
  const { mean, ci95 } = i.psRate;
  if (mean === null) return MISSING;
  return ci95 ? `${num(mean)} [${num(ci95.low)}, ${num(ci95.high)}]${ci95.clipped ? ' (cut to the range)' : ''}` : num(mean);
};
/**
 * An exact p for the pair tables (`askfirst report`'s and `askfirst compare`'s, McNemar's and Holm's): 4 decimals from
 * 0.001 (2 significant digits at least), below it 3 significant digits in exponent form ("1.13e-4", not "0.0001") — from
 * its log10 once it is below the normal doubles (2.2e-308), where the double has lost its digits or is 0 ("1.74e-602"
 * for 2,000 to 0, not "0.00e+0"). `pValueParts` is that form in parts, for a format that writes the power of ten its
 * own way (compare's LaTeX: "$1.13\times10^{-4}$").
 */
export function pValue(t: Pick<McNemar, 'pExact' | 'log10PExact'>): string {
  const p = pValueParts(t);
  return p.fixed ?? `${p.mantissa}e${p.exponent}`;
}

/** A p as `pValue` writes it: `fixed` (from 0.001), else a mantissa of 3 significant digits in [1.00, 9.99] and its power of ten. */
export type PValueParts = { fixed: string; mantissa?: undefined; exponent?: undefined } | { fixed?: undefined; mantissa: string; exponent: number };

export function pValueParts(t: Pick<McNemar, 'pExact' | 'log10PExact'>): PValueParts {
  if (t.pExact >= 0.001) return { fixed: t.pExact.toFixed(4) };
  // a normal double holds its digits: scaled by a power of ten; below, the p is read from its log10
  const normal = t.pExact >= Number.MIN_VALUE * 2 ** 52;
  const scaled = (e: number) => (normal ? t.pExact * 10 ** -e : 10 ** (t.log10PExact - e));
  let e = Math.floor(normal ? Math.log10(t.pExact) : t.log10PExact);
  let m = Number(scaled(e).toFixed(2));
  if (m < 1) m = Number(scaled(--e).toFixed(2)); // log10 rounded up to a whole number: one power lower
  if (m >= 10) [m, e] = [m / 10, e + 1]; // 9.995… rounds up to 10.00: carried
  return { mantissa: m.toFixed(2), exponent: e };
}

/**
 * Rows of the per-model table: label, episodes, accuracy, ps-rate, guess, abstain, invalid intervention, unparseable,
 * over-asking and abstaining at once on the controls — each rate with its interval. Invalid and unparseable are apart: a
 * reply that names an option the view does not allow is a decision, one that names no option is a format failure, and
 * someone debugging a model behind HTTP needs to know which. Computed from the records, so runs of any askfirst version
 * have every column.
 */
function modelRows(runs: readonly EvalRun[], mode: EvalMode): string[][] {
  return runs.map((r) => {
    const i = r.intervals[mode]!;
    return [r.label, String(i.accuracy.n), ci(i.accuracy), psCi(i), ci(i.guessRate), ci(i.abstainRate), ci(i.invalidRate), ci(i.unparseableRate), ci(i.overAsking), ci(i.controlAbstain)];
  });
}
const MODEL_HEAD = ['model', 'episodes', 'accuracy [95 % CI]', 'ps-rate [95 % CI]', 'guess', 'abstain', 'invalid intervention', 'unparseable', 'over-asking (controls)', 'abstained at once (controls)'];

/** Accuracy [95 % CI] per kind (or, with `by` = byVariant, per variant within a kind), one column per run; no rows when no run has them. */
function groupRows(runs: readonly EvalRun[], mode: EvalMode, by: 'byKind' | 'byVariant'): { head: string[]; rows: string[][] } {
  const groups = [...new Set(runs.flatMap((r) => Object.keys(r.intervals[mode]?.[by] ?? {})))].sort();
  return { head: [by === 'byKind' ? 'kind' : 'variant', ...runs.map((r) => r.label)], rows: groups.map((g) => [g, ...runs.map((r) => ci(r.intervals[mode]?.[by]?.[g]?.accuracy))]) };
}

const VARIANT_NOTE = '<p class="meta">Variants within a kind: the corruption kind\'s operations (and ImageNet-C\'s corruptions, read from the enhancement that undoes them), as ImageNet-C results are reported per corruption; a kind\'s mean can hide one that fails.</p>';

function pairRows(tests: readonly PairTest[]): string[][] {
  return tests.map((t) => [t.a, t.b, String(t.n), pct(t.accA), pct(t.accB), String(t.onlyA), String(t.onlyB), pValue(t), t.chi2.toFixed(2)]);
}
const PAIR_HEAD = ['A', 'B', 'shared episodes', 'accuracy A', 'accuracy B', 'only A right', 'only B right', 'exact p (two-sided)', 'χ² (cont. corr.)'];

function htmlTable(head: string[], rows: string[][], numFrom = 1): string {
  const th = head.map((h, i) => `<th${i >= numFrom ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${i >= numFrom ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return scrollTable(`<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`);
}

/**
 * The per-model table in HTML: ten columns, eight of them a rate with its interval, are wider than the page on one line
 * each, so a cell's interval goes under its rate ("25.0 %" / "[7.1, 59.1]") and the headers wrap (`STACK_CSS`).
 */
function stackedTable(head: string[], rows: string[][]): string {
  const cell = (c: string) => {
    const m = /^(.*?) (\[.*\](?: \(cut to the range\))?)$/.exec(c); // the interval, and its mark when it was cut
    return m ? `${esc(m[1])}<br><span class="ci">${esc(m[2])}</span>` : esc(c);
  };
  const th = head.map((h, i) => `<th${i ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${i ? ' class="num"' : ''}>${cell(c)}</td>`).join('')}</tr>`).join('\n');
  return scrollTable(`<table class="stack"><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`);
}
/** A chart as a figure `id`: its SVG an image whose text alternative is its caption, `text`. */
function figureHtml(id: string, svg: string, text: string): string {
  return `<figure id="${esc(id)}">${labelledSvg(svg, `${id}-caption`)}<figcaption id="${esc(id)}-caption">${esc(text)}</figcaption></figure>`;
}

/** The ask-vs-guess chart in words: per run and situation, the episodes and the share of each first move. */
function askVsGuessText(rows: readonly [string, AskVsGuess][]): string {
  const situation = { uninformative: 'on an uninformative first view (asking is right)', control: 'on a control first view (answering is right)' } as const;
  const runs = rows.map(([label, a]) =>
    (Object.keys(situation) as (keyof typeof situation)[])
      .map((k) => {
        const s = a[k];
        const moves = [`asked ${pct(s.asked)}`, `guessed ${pct(s.guessed)}`, ...(s.abstained !== undefined && s.unparseable !== undefined ? [`abstained ${pct(s.abstained)}`, `unparseable ${pct(s.unparseable)}`] : [`other ${pct(s.other)}`])];
        return `${label} ${situation[k]}, ${s.n} episodes: ${moves.join(', ')}`;
      })
      .join('; '),
  );
  return `Chart: each model's first move, as shares of its episodes. ${runs.join('. ')}.`;
}

const STACK_CSS = `
table.stack th.num { white-space: normal; overflow-wrap: normal; }
table.stack .ci { color: var(--muted); font-size: 13px; }
`;

export function mdTable(head: string[], rows: string[][]): string {
  return [`| ${head.map(mdCell).join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n');
}

/** Accuracy per kind, one bar per run, with its Wilson 95 % interval as a rule. */
export function perKindAccuracySpec(runs: readonly EvalRun[], mode: EvalMode): TopLevelSpec {
  const values = runs.flatMap((r) =>
    Object.entries(r.intervals[mode]?.byKind ?? {}).map(([kind, i]) => ({ run: r.label, kind, accuracy: i.accuracy.rate, low: i.accuracy.low, high: i.accuracy.high, n: i.accuracy.n })),
  );
  const palette = [COLORS.after, COLORS.before, ...COLORS.baselines, COLORS.oracle];
  const color = { field: 'run', type: 'nominal', title: null, sort: runs.map((r) => r.label), scale: { range: palette } };
  return {
    data: { values },
    title: `Accuracy per kind (${mode} mode), 95 % Wilson intervals`,
    width: 560,
    height: { step: 16 },
    encoding: {
      y: { field: 'kind', type: 'nominal', title: null },
      yOffset: { field: 'run', type: 'nominal', sort: runs.map((r) => r.label) },
    },
    layer: [
      { mark: 'bar', encoding: { x: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { title: 'accuracy', format: '.0%' } }, color } },
      { mark: { type: 'rule', color: '#222' }, encoding: { x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
    ],
  } as unknown as TopLevelSpec;
}

// ─── Example episodes ───────────────────────────────────────────────────────────────────

/** Up to `max` episode ids (one per kind first; non-control, many-turn ones first) on which the runs' outcomes differ, else any. */
export function pickDisagreements(runs: readonly EvalRun[], mode: EvalMode, max = 6): string[] {
  const maps = runs.map((r) => new Map((r.records[mode] ?? []).map((x) => [x.id, x])));
  const shared = (runs[0].records[mode] ?? []).filter((x) => maps.every((m) => m.has(x.id)));
  const differ = shared.filter((x) => new Set(maps.map((m) => m.get(x.id)!.success)).size > 1);
  // Multi-turn, non-control episodes first: they show asking versus guessing.
  const turns = (id: string) => Math.max(...maps.map((m) => m.get(id)!.turns));
  const pool = [...(differ.length ? differ : shared)].sort((x, y) => Number(x.control) - Number(y.control) || turns(y.id) - turns(x.id));
  const ids: string[] = [];
  const kinds = new Set<string>();
  for (const x of pool) {
    if (kinds.has(x.kind) || ids.length >= max) continue;
    kinds.add(x.kind);
    ids.push(x.id);
  }
  for (const x of pool) if (!ids.includes(x.id) && ids.length < max) ids.push(x.id);
  return ids;
}

/** The episodes the examples show (only those: loadDataEpisodes) and the loader of their views. */
interface ExampleData {
  episodes: ReadonlyMap<string, SuiteEpisode>;
  loader: ViewLoader;
}

async function viewImage(data: ExampleData | null, id: string, view: number): Promise<string | null> {
  const ep = data?.episodes.get(id);
  if (!data || !ep || !ep.views[view]) return null;
  try {
    return pngDataUrl(fitPixels(await data.loader(ep.views[view], id), 160 * 160));
  } catch {
    return null;
  }
}

interface Example {
  id: string;
  kind: string;
  runs: { label: string; rec: EpisodeRecord; images: (string | null)[] }[];
}

const isFull = (r: EpisodeRecordCore): r is EpisodeRecord => Array.isArray((r as Partial<EpisodeRecord>).replies);

/** The full records of `ids` in a run's `mode`: read again from its results.jsonl, or its own records when it has no file (made in memory). */
async function fullRecords(run: EvalRun, mode: EvalMode, ids: readonly string[]): Promise<Map<string, EpisodeRecord>> {
  const file = run.files?.[mode];
  if (file) return readFullRecords(file, new Set(ids));
  const out = new Map<string, EpisodeRecord>();
  for (const r of run.records[mode] ?? []) {
    if (!ids.includes(r.id)) continue;
    if (!isFull(r)) throw new Error(`${run.dir}: the ${mode} record of "${r.id}" carries no replies and the run names no results.jsonl to read them from`);
    out.set(r.id, r);
  }
  return out;
}

/**
 * The first example episode of `mode` whose first prompt in the data is not the one its record shows (a record's
 * `prompts[0]`, when it has one): the data was generated again or edited since the runs played it, and its views are
 * another episode's. The data fingerprint would tell any change, but it hashes every image of the data; this reads
 * only the examples'.
 */
function staleExample(full: readonly Map<string, EpisodeRecord>[], mode: EvalMode, ids: readonly string[], data: ExampleData): string | undefined {
  for (const id of ids) {
    const ep = data.episodes.get(id);
    if (!ep) continue;
    let shown: string;
    try {
      shown = new EpisodeState(ep, mode).observe().prompt;
    } catch {
      return id; // an episode the protocol cannot play is not the one played
    }
    for (const recs of full) {
      const played = recs.get(id)?.prompts?.[0];
      if (played !== undefined && played !== shown) return id;
    }
  }
  return undefined;
}

/** `stale`: the episode the data shows otherwise than the runs played it (staleExample); the examples then show no images. */
async function buildExamples(runs: readonly EvalRun[], mode: EvalMode, ids: readonly string[], dataIn: ExampleData | null): Promise<{ examples: Example[]; stale?: string }> {
  const out: Example[] = [];
  if (!ids.length) return { examples: out };
  const full = await Promise.all(runs.map((r) => fullRecords(r, mode, ids)));
  const stale = dataIn ? staleExample(full, mode, ids, dataIn) : undefined;
  const data = stale === undefined ? dataIn : null;
  for (const id of ids) {
    const per = await Promise.all(
      runs.map(async (r, i) => {
        const rec = full[i].get(id)!;
        return { label: r.label, rec, images: await Promise.all(rec.views.map((v) => viewImage(data, id, v))) };
      }),
    );
    out.push({ id, kind: per[0].rec.kind, runs: per });
  }
  return { examples: out, stale };
}

function exampleHtml(e: Example): string {
  const runs = e.runs
    .map(({ label, rec, images }) => {
      const turns = rec.replies
        .map((reply, t) => {
          const img = images[t] ? `<img src="${images[t]}" alt="view ${rec.views[t]}">` : `<div class="missing">view ${rec.views[t]} (data not found)</div>`;
          const prompt = rec.prompts?.[t] ? `<details><summary>prompt</summary><pre>${esc(rec.prompts[t])}</pre></details>` : '';
          return `<div class="turn">${img}<div><div class="reply">turn ${t + 1}: reply <code>${esc(JSON.stringify(reply).slice(0, 300))}</code></div><div class="reply">read as: <strong>${esc(rec.parsed?.[t] ?? rec.actions[t]?.type ?? MISSING)}</strong></div><div class="reply">right: ${esc(rec.targets?.[t] ?? MISSING)}</div>${prompt}</div></div>`;
        })
        .join('');
      return `<div class="run"><h4>${esc(label)}</h4>${turns}<div class="outcome ${rec.success ? 'action ok' : 'action bad'}">${esc(rec.outcome)}${rec.interventions ? ` after ${rec.interventions} intervention(s)` : ''}</div></div>`;
    })
    .join('');
  return `<section class="example"><header><strong>${esc(e.id)}</strong> <span class="badge">${esc(e.kind)}</span>${e.runs[0].rec.control ? ' <span class="badge control">control</span>' : ''}</header><div class="runs" style="grid-template-columns:repeat(${e.runs.length},1fr)">${runs}</div></section>`;
}

/**
 * An example in report.md: the episode's id, the options read and right (a suite's own text) and the run's label escaped
 * as Markdown (mdCell), as in the tables; each reply (JSON, cut at 160 characters) as a code span (mdCode), backticks shown as written.
 */
function exampleMd(e: Example): string {
  const lines = [`#### ${mdCell(e.id)} (${mdCell(e.kind)}${e.runs[0].rec.control ? ', control' : ''})`, ''];
  for (const { label, rec } of e.runs) {
    lines.push(`- **${mdCell(label)}** → ${mdCell(rec.outcome)}`);
    rec.replies.forEach((reply, t) => lines.push(`  - turn ${t + 1} (view ${rec.views[t]}): reply ${mdCode(JSON.stringify(reply).slice(0, 160))}, read as ${mdCell(rec.parsed?.[t] ?? rec.actions[t]?.type ?? MISSING)}; right: ${mdCell(rec.targets?.[t] ?? MISSING)}`));
  }
  return lines.join('\n');
}

// ─── The page ─────────────────────────────────────────────────────────────────────────

export interface EvalReport {
  html: string;
  markdown: string;
  /** The first shared mode's per-model table in Markdown, as report.md has it (its brackets and markup escaped). */
  markdownTable: string;
  /**
   * The same table for a terminal (printed by `askfirst report` and by `eval` with several policies): columns aligned,
   * nothing escaped ("100.0 % [67.6, 100.0]", not report.md's "100.0 % \\[67.6, 100.0\\]"), a line break in a label a space.
   */
  textTable: string;
}

/** A cell of the terminal's table: on one line (a label's line breaks and other control characters as spaces), unescaped. */
const terminalCell = (s: string): string => s.replace(/\p{Cc}+/gu, ' ');

/**
 * What a run's summary.json says of its data: the `--data` spec and fingerprint, each null when not recorded (a summary of
 * an older askfirst), its format, and the older forms of its fingerprint it records (`earlierFingerprints`: ProactiveBench
 * data, whose fingerprint once hashed each entry's file by its full path; src/suite/fingerprint.ts), or null when it
 * records none: a summary written before they were recorded, or of data whose fingerprint has one form only.
 */
export function dataOf(r: EvalRun): { spec: string | null; fingerprint: string | null; format: string | null; earlier: string[] | null } {
  const d = (r.summary.dataInfo ?? {}) as Record<string, unknown>;
  const str = (x: unknown) => (typeof x === 'string' && x !== '' ? x : null);
  const earlier = Array.isArray(d.earlierFingerprints) ? d.earlierFingerprints.filter((x): x is string => typeof x === 'string') : null;
  return { spec: str(d.spec ?? r.summary.data), fingerprint: str(d.fingerprint ?? r.summary.dataFingerprint), format: str(d.format), earlier };
}

/**
 * The runs that record a fingerprint, grouped by the data they played: two runs are of the same data when their
 * fingerprints are equal, or one's is an older form the other records (the same data where it was, fingerprinted by an
 * askfirst of before the form changed).
 */
export function dataGroups(runs: readonly EvalRun[]): EvalRun[][] {
  let groups: { forms: Set<string>; runs: EvalRun[] }[] = [];
  for (const r of runs) {
    const { fingerprint, earlier } = dataOf(r);
    if (!fingerprint) continue;
    const forms = [fingerprint, ...(earlier ?? [])];
    const joined = groups.filter((g) => forms.some((f) => g.forms.has(f)));
    const merged = { forms: new Set([...forms, ...joined.flatMap((g) => [...g.forms])]), runs: [...joined.flatMap((g) => g.runs), r] };
    groups = [...groups.filter((g) => !joined.includes(g)), merged];
  }
  return groups.map((g) => g.runs);
}

/** The heading of the runs' list in both files: how a report.html or report.md askfirst wrote is told from another (foreignReportFiles). */
const RUNS_MD = '## Runs';
const RUNS_HTML = '<h2>Runs</h2>';

/** One line per run: its label, directory, data and the askfirst that wrote it; what its summary.json does not record is said to be so. */
function provenanceLine(r: EvalRun): string {
  const p = r.summary.provenance as Record<string, unknown> | undefined;
  const { spec, fingerprint } = dataOf(r);
  const data = spec ? `data ${spec}${fingerprint ? ` (${fingerprint.slice(0, 19)}…)` : ''}` : 'data not recorded';
  const made = p
    ? `askfirst ${String(p.askfirstVersion ?? '?')} @ ${String(p.gitCommit ?? 'no git').slice(0, 10)}${p.gitDirty ? '+changes' : ''} · ${String(p.date ?? '')}`
    : 'askfirst version not recorded';
  return `${r.label}: ${r.dir} · ${data} · ${made}`;
}

/**
 * The page and its Markdown. `bar`: told each step done — the example episodes' data, then per mode its tables and tests,
 * its charts, and its examples (their records read again from each results.jsonl: seconds at 200,000 records).
 */
export async function renderEvalReport(runs: EvalRun[], o: { title?: string; bar?: Progress } = {}): Promise<EvalReport> {
  if (!runs.length) throw new InputError('askfirst report needs at least one eval run directory');
  uniqueLabels(runs);
  const modes = sharedModes(runs);
  if (!modes.length) throw new InputError(`the runs share no evaluation mode (${runs.map((r) => `${r.dir}: ${Object.keys(r.records).join('/')}`).join('; ')})`);
  o.bar?.setTotal(1 + 3 * modes.length);
  o.bar?.tick(0); // said at once: picking the examples and reading their data come first
  // a run whose summary.json records no fingerprint (an older askfirst) is not "other data": it is unknown, and said so
  const groups = dataGroups(runs);
  // ProactiveBench data's fingerprint changed form: a summary that records no other form may be of the same data as a run
  // in another group, and nothing here can tell (the older form hashed the data's path as --data spelled it)
  const formUnknown = groups.length > 1 ? runs.filter((r) => dataOf(r).fingerprint && dataOf(r).format === 'proactivebench' && !dataOf(r).earlier).map((r) => r.label) : [];
  const unknown = runs.filter((r) => !dataOf(r).fingerprint).map((r) => r.label);
  // a mode some run played and another did not (its results.jsonl empty, or not run) was left out without a word
  const leftOut = EVAL_MODES.filter((m) => !modes.includes(m) && runs.some((r) => r.records[m]?.length));
  const notes = [
    ...runs.flatMap((r) => (r.uncounted ?? []).map((f) => `${f} is left out: ${r.label}'s summary.json does not count that mode (its askfirst eval stopped before it finished, or the file is left from an earlier run).`)),
    ...leftOut.map((m) => `The ${m} mode is left out: ${runs.filter((r) => !r.records[m]?.length).map((r) => r.label).join(', ')} played no episode in it (a mode is compared only when every run played it).`),
    ...(groups.length > 1 ? ['The runs were made on different data (their fingerprints differ): paired tests use only the episode ids they share.'] : []),
    ...(formUnknown.length
      ? [
          `${formUnknown.join(', ')} ran on ProactiveBench data, whose fingerprint changed form (askfirst now hashes each entry's file relative to the data's folder, not by its full path), and ${formUnknown.length === 1 ? 'its summary.json records' : 'their summary.json files record'} one form only: a run made before the change shows as other data beside a newer one on the same data. To compare them, re-run ${formUnknown.length === 1 ? 'its' : 'each one\'s'} askfirst eval command (same --data, same --out) with this askfirst: it resumes the results without playing an episode again (while the data is where it was) and records both forms.`,
        ]
      : []),
    // askfirst eval and the library's evaluate() always record it: such a summary.json is an older askfirst's, or made by hand
    ...(unknown.length && runs.length > 1 ? [`The data of ${unknown.join(', ')} is not recorded in ${unknown.length === 1 ? 'its summary.json' : 'their summary.json files'} (written by an older askfirst, or by hand: askfirst eval and evaluate() record it), so whether the runs played the same data is not known: paired tests use the episode ids they share.`] : []),
  ];
  // example images from the first run that names its data
  const dataSpec = runs.map((r) => dataOf(r).spec).find((x) => x !== null) ?? null;
  // the examples' ids of every mode first: only those episodes are read from the data
  const exampleIds = new Map(modes.map((m) => [m, pickDisagreements(runs, m)]));
  let data: ExampleData | null = null;
  try {
    if (dataSpec) data = await loadDataEpisodes(dataSpec, new Set([...exampleIds.values()].flat()));
    else notes.push('No run records its data, so example episodes show no images.');
  } catch {
    notes.push(`The data (${dataSpec}) could not be opened from here, so example episodes show no images.`);
  }
  o.bar?.tick();
  const title = o.title ?? `askfirst eval report: ${runs.map((r) => r.label).join(' vs ')}`;
  const html: string[] = [];
  const md: string[] = []; // its head, the notes among it, is put before it once every mode is read (a note may come from a mode's examples)
  let markdownTable = '';
  let textTable = '';
  for (const mode of modes) {
    const models = modelRows(runs, mode);
    const kinds = groupRows(runs, mode, 'byKind');
    const variants = groupRows(runs, mode, 'byVariant');
    const tests = pairwiseMcnemar(runs, mode);
    o.bar?.tick();
    const mt = mdTable(MODEL_HEAD, models);
    if (!markdownTable) {
      markdownTable = `${mode} mode\n${mt}`;
      textTable = `${mode} mode\n${formatTable(MODEL_HEAD, models.map((r) => r.map(terminalCell)))}`;
    }
    // each chart an image with a text alternative (its figures in words) and a caption a sighted reader sees too
    const charts = [
      figureHtml(`fig-${mode}-per-kind`, await renderSvg(perKindAccuracySpec(runs, mode)), `Chart: accuracy per kind with its 95 % interval, one bar per model (${runs.map((r) => r.label).join(', ')}); the figures are in the table "Per kind: accuracy [95 % CI]" above.`),
    ];
    if (mode !== 'reference') {
      const rows = runs.map((r) => [r.label, askVsGuess(r.records[mode]!)] as [string, AskVsGuess]);
      charts.push(figureHtml(`fig-${mode}-ask-vs-guess`, await renderSvg(askVsGuessRowsSpec(rows)), askVsGuessText(rows)));
    }
    o.bar?.tick();
    const { examples, stale } = await buildExamples(runs, mode, exampleIds.get(mode)!, data);
    if (stale !== undefined) {
      notes.push(`The data ${dataSpec} is not what the runs played: its episode ${stale} shows another prompt than its record (the suite was generated again or edited since), so example episodes show no images.`);
      data = null;
    }
    o.bar?.tick();
    const causes = causeLines(runs, mode);
    html.push(
      `<h2>${esc(mode)} mode</h2>`,
      `<h3>Per model</h3>${stackedTable(MODEL_HEAD, models)}`,
      '<p class="meta">Rates with Wilson 95 % score intervals; ps-rate (ProactiveBench\'s suggestions per episode, turns − 1: the interventions asked, one fewer on an episode that reached its turn limit) with a Student\'s t 95 % interval, cut at 0 when it reached below (a mean of counts is never negative: "cut to the range"); invalid intervention: the reply named an intervention the view does not offer as valid; unparseable: it named no option (neither its text nor its letter); over-asking and abstained at once are over the control episodes (answerable at the first view): the first reply asked for an intervention, or abstained.</p>',
      ...(causes.length ? [`<p class="meta">${esc(CAUSE_NOTE)}</p><ul class="meta">${causes.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>`] : []),
      `<h3>Per kind: accuracy [95 % CI]</h3>${htmlTable(kinds.head, kinds.rows)}`,
      ...charts,
      ...(variants.rows.length ? [`<h3>Per variant: accuracy [95 % CI]</h3>${htmlTable(variants.head, variants.rows)}`, VARIANT_NOTE] : []),
      `<h3>Paired comparisons (McNemar)</h3>${tests.length ? htmlTable(PAIR_HEAD, pairRows(tests), 2) : '<p class="meta">One run: nothing to pair.</p>'}`,
      '<p class="meta">Each pair on the episodes both runs played: "only A right" (b) and "only B right" (c) are the discordant episodes; the exact two-sided p = 2·P(X ≤ min(b, c)), X ~ Binomial(b + c, ½); χ² = max(0, |b − c| − 1)² / (b + c), with 1 degree of freedom. p below 0.05 means the accuracy difference is unlikely to be chance on these episodes.</p>',
      `<h3>Example episodes</h3>${examples.map(exampleHtml).join('\n') || '<p class="meta">No episodes shared by all runs.</p>'}`,
    );
    md.push(`## ${mode} mode`, '', '### Per model', '', mt, '', ...(causes.length ? [mdCell(CAUSE_NOTE), '', ...causes.map((c) => `- ${mdCell(c)}`), ''] : []), '### Per kind: accuracy [95 % CI]', '', mdTable(kinds.head, kinds.rows), '', ...(variants.rows.length ? ['### Per variant: accuracy [95 % CI]', '', mdTable(variants.head, variants.rows), ''] : []), '### Paired comparisons (McNemar)', '', tests.length ? mdTable(PAIR_HEAD, pairRows(tests)) : 'One run: nothing to pair.', '', '### Example episodes', '', ...examples.map(exampleMd), '');
  }
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}${STACK_CSS}</style></head>
<body><main>
<h1>${esc(title)}</h1>
${notes.map((n) => `<div class="note">${esc(n)}</div>`).join('')}
${RUNS_HTML}<ul>${runs.map((r) => `<li class="meta">${esc(provenanceLine(r))}</li>`).join('')}</ul>
${html.join('\n')}
</main></body></html>
`;
  const mdHead = [`# ${mdCell(title)}`, '', ...notes.map((n) => `> ${mdCell(n)}\n`), RUNS_MD, '', ...runs.map((r) => `- ${mdCell(provenanceLine(r))}`), ''];
  return { html: page, markdown: [...mdHead, ...md].join('\n'), markdownTable, textTable };
}

/**
 * Read the runs and render their report (nothing is written: a command may stop at once meanwhile; `saveEvalReport`
 * writes it). `progress`: a bar on stderr over the lines of every results.jsonl read (200,000 records take seconds), then
 * one over rendering (`renderEvalReport`'s steps).
 */
export async function readEvalReport(dirs: readonly string[], o: { title?: string; labels?: readonly string[]; progress?: boolean } = {}): Promise<EvalReport & { runs: EvalRun[] }> {
  checkLabels(o.labels, dirs.length); // before the runs are read
  const runs = await readEvalRuns(dirs, o);
  labelRuns(runs, o.labels);
  // then a bar over rendering, which reads each example's records again (about 10 s at 260,000 records, said nothing)
  const rendering = progress('rendering report', 0, { enabled: o.progress ?? false, unit: 'steps' });
  return { ...(await withBar(rendering, () => renderEvalReport(runs, { title: o.title, bar: rendering }))), runs };
}

/**
 * Read eval run directories (`readEvalRun`), each given once (a run compared with itself is refused), with a bar on
 * stderr over the lines of every results.jsonl when `progress` (200,000 records take seconds): `askfirst report`'s and
 * `askfirst compare`'s reading.
 */
export async function readEvalRuns(dirs: readonly string[], o: { progress?: boolean } = {}): Promise<EvalRun[]> {
  const seen = new Map<string, string>();
  for (const d of dirs) {
    const key = resolve(d);
    if (seen.has(key)) throw new InputError(`${d} is given twice${seen.get(key) !== d ? ` (as ${seen.get(key)})` : ''}: a run compared with itself shows no difference; give each run once`);
    seen.set(key, d);
  }
  // one bar over every file (the runs are read at once); a file that cannot be counted is left to the reader to name
  const files = o.progress ? dirs.flatMap((d) => EVAL_MODES.map((m) => join(d, m, 'results.jsonl'))).filter((f) => existsSync(f)) : [];
  const total = (await Promise.all(files.map((f) => countSplitLines(f).catch(() => 0)))).reduce((a, b) => a + b, 0);
  const bar = progress('reading results', total, { enabled: o.progress ?? false, unit: 'lines' });
  let read = 0;
  return withBar(bar, async () => {
    const rs = await Promise.all(dirs.map((d) => readEvalRun(d, (n) => ((read += n), bar.tick(n)))));
    if (total > read) bar.tick(total - read); // blank lines at the ends, a torn last line
    return rs;
  });
}

/**
 * The report.html and report.md in `outDir` that askfirst did not write (a file there without the runs' list every
 * report of `renderEvalReport` has): `askfirst report --out` (default `.`) replaced a project's own report.md silently.
 */
export function foreignReportFiles(outDir: string): string[] {
  return [
    [join(outDir, 'report.html'), RUNS_HTML],
    [join(outDir, 'report.md'), `\n${RUNS_MD}\n`],
  ].flatMap(([file, mark]) => {
    if (statSync(file, { throwIfNoEntry: false })?.isFile() !== true) return [];
    try {
      return readTextFileSync(file).includes(mark) ? [] : [file];
    } catch {
      return [file]; // unreadable: not known to be ours
    }
  });
}

/**
 * Remove the report.html and report.md askfirst wrote in `outDir` (a file askfirst did not write stays: foreignReportFiles).
 * `askfirst eval --overwrite` of several --policy discards the runs they compare, so they go before any is played: a run
 * stopped part-way then leaves no report of the discarded runs beside the new ones (one is written once all finish).
 */
export async function removeEvalReport(outDir: string): Promise<void> {
  const foreign = new Set(foreignReportFiles(outDir));
  for (const file of [join(outDir, 'report.html'), join(outDir, 'report.md')]) if (!foreign.has(file)) await rm(file, { force: true });
}

/** Write a read report (`readEvalReport`) to `<out>/report.html` and `<out>/report.md`; returns the paths and the first table. */
export async function saveEvalReport(rep: EvalReport & { runs: EvalRun[] }, outDir: string): Promise<{ html: string; markdown: string; markdownTable: string; textTable: string; runs: EvalRun[] }> {
  const html = join(outDir, 'report.html');
  const markdown = join(outDir, 'report.md');
  await writeFileAtomic(html, rep.html);
  await writeFileAtomic(markdown, rep.markdown);
  return { html, markdown, markdownTable: rep.markdownTable, textTable: rep.textTable, runs: rep.runs };
}
