/**
 * The feedback section of report.html (`askfirst feedback demo`): what human feedback did to the
 * policy. Charts (Vega-Lite rendered to SVG in Node, vega.ts): gap closed against the number of
 * human labels, gold vs proxy reward against KL from the start (Gao et al. 2022, "Scaling Laws
 * for Reward Model Overoptimization") for the plain and the fact-augmented reward models and
 * under the "prefers a confident answer" bias, and reward-model accuracy against human labels
 * for routing strategies (Miranda et al. 2024). Tables: reward models (held-out accuracy,
 * calibration), policies (gap closed, over-asking and the controls abstained on, guessing). Writes `feedback.json` beside it.
 */
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { PairMetrics } from '../rl/reward-model.js';
import { writeFileAtomic } from '../util/fsx.js';
import { checkFileFormat, formatFields, newerVersion, type FileFormat } from '../util/file-format.js';
import { CSS, esc, labelledSvg, num, pct, scrollTable } from './html.js';
import { renderSvg } from './vega.js';
import { MISSING } from '../util/missing.js';
import type { StageTiming } from './results.js';

/** feedback.json's name, and its format (util/file-format.ts: stamped `"format", "version"` first; one without them is version 1). */
export const FEEDBACK_FILE = 'feedback.json';
export const FEEDBACK_RESULTS_FORMAT: FileFormat = { name: 'askfirst-feedback-results', version: 1 };

/**
 * Refuse `json`, read from the feedback.json `file`, when a newer askfirst wrote it (in one line naming the file; `instead`:
 * what else the user may do). Anything else passes, a damaged version too: the feedback demo writes it again.
 */
export function checkNewerFeedback(json: unknown, file: string, instead = ''): void {
  if (newerVersion(json, FEEDBACK_RESULTS_FORMAT) !== undefined) checkFileFormat(json, file, FEEDBACK_RESULTS_FORMAT, instead);
}

export interface GaoPoint {
  update: number;
  kl: number | null;
  proxy: number | null;
  gold: number | null;
  evalAccuracy: number | null;
}

export interface PolicyResult {
  name: string;
  gapClosed: { train: number | null; unseen: number | null; all: number | null };
  accuracy: number;
  /** null when the test suite has no control episode (episode/metrics.ts). */
  overAsking: number | null;
  /**
   * Controls whose first reply was an abstention (beside over-asking, not in it: docs/evaluation.md, "What the rates
   * mean"); null when the test suite has no control episode, absent in feedback.json written before it was recorded.
   */
  controlAbstain?: number | null;
  /** null when no test episode's informativeness is known (episode/metrics.ts). */
  guessRate: number | null;
  psRate: number;
  /** Mean gold (simulator) reward per test episode, all seven kinds. */
  testGold?: number;
  curve: GaoPoint[];
  /** The over-optimisation runs: gold and proxy reward of the policy's plays on the test suite every few updates. */
  testCurve?: GaoPoint[];
}

export interface FeedbackResults {
  createdAt: string;
  command: string;
  config: Record<string, unknown>;
  pairs: number;
  labels: { honest: number; confident: number; honestGoldAgreement: number; confidentGoldAgreement: number };
  reference: { accuracy: number };
  before: { accuracy: number; guessRate: number | null; overAsking: number | null; controlAbstain?: number | null; testGold?: number };
  rewardModels: { name: string; variant: string; labels: number; pairs: number; train: PairMetrics; heldOut: PairMetrics; finalLoss: number }[];
  policies: PolicyResult[];
  routing: { aiLabelGoldAgreement: number; humanLabelGoldAgreement: number; points: { strategy: string; budget: number; humanLabels: number; aiWrongCaught?: number; aiLabelsUsed?: number; goldAccuracy: number }[] };
  /** Each stage's time (StageTiming: a training stage taken up finished or resumed is marked so, with what it took in all, demo/stages.ts). */
  timings: StageTiming[];
  wallSeconds: number;
}

/**
 * Over-optimisation along one run's training curve (Gao et al. 2022), on a moving average of
 * `window` updates (each update's gold and proxy are means over one batch of plays): the peak of
 * the gold reward, where it was, its value at the end, `goldDrop` = peak − end (> 0: the gold
 * reward fell while the run kept optimising), the proxy's rise from the first to the last window,
 * and the KL from the start at the end.
 */
export function gaoSummary(curve: readonly GaoPoint[], window = 5): { peakGold: number; peakKl: number | null; finalGold: number; goldDrop: number; proxyRise: number; finalKl: number | null } | null {
  const pts = curve.filter((c) => c.gold !== null && Number.isFinite(c.gold));
  if (pts.length < window) return null;
  const avg = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const smooth = (f: (c: GaoPoint) => number | null) => pts.slice(window - 1).map((_, i) => avg(pts.slice(i, i + window).map(f)));
  const gold = smooth((c) => c.gold) as number[];
  const proxy = smooth((c) => c.proxy);
  const kl = smooth((c) => c.kl);
  const peak = gold.reduce((best, g, i) => (g > gold[best] ? i : best), 0);
  const finalGold = gold.at(-1)!;
  return { peakGold: gold[peak], peakKl: kl[peak], finalGold, goldDrop: gold[peak] - finalGold, proxyRise: (proxy.at(-1) ?? 0) - (proxy[0] ?? 0), finalKl: kl.at(-1) ?? null };
}

const fin = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : x);

/** Gap closed on the training kinds against the number of labels the reward model learned from (fact RM), with RL on the gold reward as a line. */
export function labelsCurveSpec(r: FeedbackResults): TopLevelSpec | null {
  const pts = r.policies.flatMap((p) => {
    const m = /^rlhf-fact-(\d+)$/.exec(p.name);
    return m ? [{ labels: Number(m[1]), split: 'training kinds', gap: fin(p.gapClosed.train) }, { labels: Number(m[1]), split: 'unseen kinds', gap: fin(p.gapClosed.unseen) }] : [];
  });
  if (!pts.length) return null;
  const gold = r.policies.find((p) => p.name === 'gold');
  return {
    width: 320,
    height: 200,
    title: 'RLHF (fact-augmented reward model): gap closed against human labels',
    layer: [
      { data: { values: pts }, mark: { type: 'line', point: true }, encoding: { x: { field: 'labels', type: 'quantitative', scale: { type: 'log' }, title: 'simulated human labels' }, y: { field: 'gap', type: 'quantitative', title: 'gap closed', axis: { format: '%' } }, color: { field: 'split', type: 'nominal' } } },
      ...(gold ? [{ data: { values: [{ y: fin(gold.gapClosed.train), what: 'RL on the simulator’s reward (training kinds)' }] }, mark: { type: 'rule' as const, strokeDash: [4, 3] }, encoding: { y: { field: 'y', type: 'quantitative' as const } } }] : []),
    ],
  } as TopLevelSpec;
}

/** Gao et al.: gold and proxy reward against KL from the starting policy, one panel per RLHF run. */
export function gaoSpec(r: FeedbackResults): TopLevelSpec | null {
  const names = r.policies.filter((p) => (p.name.startsWith('gao-') || (p.name.startsWith('rlhf-') && (/plain|confident/.test(p.name) || p.name === `rlhf-fact-${Math.max(...(r.config.labels as number[]))}`)))).map((p) => p.name);
  const vals = r.policies
    .filter((p) => names.includes(p.name))
    .flatMap((p) => p.curve.flatMap((c) => (c.kl === null ? [] : [{ run: p.name, kl: c.kl, reward: 'gold (simulator)', value: c.gold }, { run: p.name, kl: c.kl, reward: 'proxy (reward model)', value: c.proxy }])));
  if (!vals.length) return null;
  return {
    data: { values: vals },
    title: 'Gold vs proxy reward as the policy moves away from its start (Gao et al. 2022)',
    // Gold above, proxy below (their scales differ: the reward model's is its own), one column per run.
    facet: { column: { field: 'run', type: 'nominal', title: null }, row: { field: 'reward', type: 'nominal', title: null } },
    spec: { width: 170, height: 120, mark: { type: 'line', point: false }, encoding: { x: { field: 'kl', type: 'quantitative', title: 'KL to the start (per turn)' }, y: { field: 'value', type: 'quantitative', title: 'mean reward', scale: { zero: false } }, color: { field: 'reward', type: 'nominal', legend: null } } },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/** Gao et al. on held-out plays: gold and proxy reward of the same test plays against KL, the plain and the fact-augmented reward model in one regime. */
export function gaoTestSpec(r: FeedbackResults): TopLevelSpec | null {
  const vals = r.policies.flatMap((p) => (p.testCurve ?? []).flatMap((c) => (c.kl === null ? [] : [{ run: p.name, kl: c.kl, reward: 'gold (simulator), test plays', value: c.gold }, { run: p.name, kl: c.kl, reward: 'proxy (its reward model), test plays', value: c.proxy }])));
  if (!vals.length) return null;
  return {
    data: { values: vals },
    title: `Over-optimisation regime: ${String(r.config.gaoLabels)} labels, KL coefficient ${String(r.config.gaoKlCoef)}, ${String(r.config.gaoUpdates)} updates`,
    facet: { column: { field: 'reward', type: 'nominal', title: null } },
    spec: { width: 240, height: 160, mark: { type: 'line', point: true }, encoding: { x: { field: 'kl', type: 'quantitative', title: 'KL to the start (per turn)' }, y: { field: 'value', type: 'quantitative', title: 'mean reward per test episode', scale: { zero: false } }, color: { field: 'run', type: 'nominal' } } },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/** Routing: reward-model accuracy (against the gold preference, held-out pairs) against human labels spent. */
export function routingSpec(r: FeedbackResults): TopLevelSpec | null {
  const pts = r.routing.points.filter((p) => p.strategy !== 'all-human' && p.strategy !== 'all-ai');
  const ends = r.routing.points.filter((p) => p.strategy === 'all-human' || p.strategy === 'all-ai');
  if (!pts.length) return null;
  return {
    width: 320,
    height: 200,
    title: 'Routing labels between people and the AI judge',
    layer: [
      { data: { values: pts }, mark: { type: 'line', point: true }, encoding: { x: { field: 'humanLabels', type: 'quantitative', title: 'human labels' }, y: { field: 'goldAccuracy', type: 'quantitative', title: 'reward-model accuracy (gold, held out)', scale: { zero: false } }, color: { field: 'strategy', type: 'nominal' } } },
      { data: { values: ends }, mark: { type: 'point', filled: true, size: 70, color: 'black' }, encoding: { x: { field: 'humanLabels', type: 'quantitative' }, y: { field: 'goldAccuracy', type: 'quantitative' }, shape: { field: 'strategy', type: 'nominal' } } },
    ],
  } as TopLevelSpec;
}

/** What KL coefficient and how many updates each kind of RL run of the demo had (results of older demos carry no rlhfKlCoef: every run then had the RL stage's default). */
export function regimeNote(config: Record<string, unknown>): string {
  const gao = `gao-* runs: Gao et al.’s regime — both reward models from ${String(config.gaoLabels ?? MISSING)} labels (${String(config.gaoLabelOrder ?? config.labelOrder ?? 'sampled')} order), KL coefficient ${String(config.gaoKlCoef ?? MISSING)}, ${String(config.gaoUpdates ?? MISSING)} updates`;
  const rest = config.rlhfKlCoef === undefined
    ? `every other RL run: ${String(config.rlUpdates)} updates at the RL stage’s default KL coefficient.`
    : `every other RL run: ${String(config.rlUpdates)} updates; RL on the gold reward at the RL stage’s default KL coefficient, the other RLHF runs at ${String(config.rlhfKlCoef)}.`;
  return `${gao}; ${rest}`;
}

/** The section's HTML (charts inline as SVG, tables, notes). */
export async function feedbackSectionHtml(r: FeedbackResults): Promise<string> {
  // each chart an image named by its caption (Vega's SVG has no name: axe's svg-img-alt)
  const captioned: [string, TopLevelSpec | null, string][] = [
    ['fig-labels', labelsCurveSpec(r), 'Chart: gap closed by RLHF with the fact-augmented reward model, on the training and the unseen kinds, against the simulated human labels it learned from (log scale).'],
    ['fig-gao', gaoSpec(r), 'Chart: gold (simulator) and proxy (reward model) reward during training against KL to the starting policy, one column per run (Gao et al. 2022); the last column of the Policies table gives each run’s gold drop.'],
    ['fig-gao-test', gaoTestSpec(r), 'Chart: the over-optimisation regime on the same test plays: mean gold and proxy reward per test episode against KL to the starting policy, one line per run.'],
    ['fig-routing', routingSpec(r), 'Chart: reward-model accuracy (gold, held out) against the human labels used, one line per routing strategy; the figures are in the Routing table below.'],
  ];
  const charts: string[] = [];
  for (const [id, spec, caption] of captioned)
    if (spec) charts.push(`<figure class="chart" id="${id}">${labelledSvg(await renderSvg(spec), `${id}-caption`)}<figcaption id="${id}-caption">${esc(caption)}</figcaption></figure>`);
  // a table: its header row in <thead>, in a box that scrolls sideways on a phone (html.ts scrollTable)
  const table = (head: string, rows: string) => scrollTable(`<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`);
  const rmRows = r.rewardModels
    .map((m) => `<tr><td>${esc(m.name)}</td><td>${esc(m.variant)}</td><td>${m.labels}</td><td>${pct(fin(m.heldOut.accuracy))}</td><td>${pct(fin(m.heldOut.goldAccuracy))}</td><td>${num(fin(m.heldOut.ece), 3)}</td><td>${num(fin(m.heldOut.brier), 3)}</td></tr>`)
    .join('');
  const polRows = r.policies
    .map((p) => {
      const g = p.testCurve ? gaoSummary(p.testCurve, 1) : gaoSummary(p.curve);
      return `<tr><td>${esc(p.name)}</td><td>${pct(fin(p.gapClosed.train))}</td><td>${pct(fin(p.gapClosed.unseen))}</td><td>${pct(p.accuracy)}</td><td>${pct(p.overAsking)}</td><td>${pct(p.controlAbstain)}</td><td>${pct(p.guessRate)}</td><td>${num(p.psRate)}</td><td>${num(fin(p.testGold), 3)}</td><td>${g ? `${num(g.goldDrop, 3)} (KL ${num(fin(g.finalKl), 3)})` : MISSING}</td></tr>`;
    })
    .join('');
  const routRows = r.routing.points.map((p) => `<tr><td>${esc(p.strategy)}</td><td>${pct(p.budget, 0)}</td><td>${p.humanLabels}</td><td>${p.aiWrongCaught ?? MISSING}</td><td>${p.aiLabelsUsed ?? MISSING}</td><td>${pct(fin(p.goldAccuracy))}</td></tr>`).join('');
  return `<section id="feedback">
<h2>Human feedback that trains the policy</h2>
<p>${r.pairs} pairs of plays by RL’s starting policy, labelled over the workbench’s HTTP API by simulated annotators
(${r.labels.honest} labels with ${pct(Number(r.config.noise), 0)} noise, agreeing with the gold preference on ${pct(r.labels.honestGoldAgreement)} of decided pairs;
${r.labels.confident} labels with the “prefers a confident answer” bias, ${pct(r.labels.confidentGoldAgreement)}).
Supervised model: reference accuracy ${pct(r.reference.accuracy)}, proactive ${pct(r.before.accuracy)}.</p>
${charts.join('\n')}
<h3>Reward models (held-out pairs)</h3>
${table('<th>model</th><th>variant</th><th>labels</th><th>accuracy (labels)</th><th>accuracy (gold)</th><th>ECE</th><th>Brier</th>', rmRows)}
<h3>Policies (test suite, all seven kinds)</h3>
${table('<th>policy</th><th>gap closed (training kinds)</th><th>gap closed (unseen)</th><th>accuracy</th><th>over-asking</th><th>abstained on controls</th><th>guess rate</th><th>ps-rate</th><th>gold reward (test)</th><th>gold: peak − end (training batches, 5-update mean; gao-*: test plays)</th>', polRows)}
<p class="note">${esc(regimeNote(r.config))}</p>
<h3>Routing (AI judge agrees with gold on ${pct(r.routing.aiLabelGoldAgreement)} of decided pairs, people on ${pct(r.routing.humanLabelGoldAgreement)})</h3>
${table('<th>strategy</th><th>human share</th><th>human labels</th><th>of them on pairs where the AI’s label differs</th><th>AI labels used</th><th>RM accuracy (gold, held out)</th>', routRows)}
</section>`;
}

/** Write `feedback.json` (stamped with its format first) and `report.html` (the feedback section as its own page) into `dir`. */
export async function writeFeedbackReport(dir: string, r: FeedbackResults): Promise<{ json: string; html: string }> {
  const json = join(dir, FEEDBACK_FILE);
  const html = join(dir, 'report.html');
  await writeFileAtomic(json, `${JSON.stringify({ ...formatFields(FEEDBACK_RESULTS_FORMAT), ...r }, null, 2)}\n`);
  await writeFileAtomic(html, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>askfirst — human feedback</title><style>${CSS}</style></head><body><main>\n<h1>askfirst — human feedback</h1>\n${await feedbackSectionHtml(r)}\n<p class="note">${esc(r.command)} — ${num(r.wallSeconds / 60, 1)} min</p></main></body></html>\n`);
  return { json, html };
}
