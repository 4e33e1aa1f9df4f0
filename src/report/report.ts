/**
 * `report.html`: the demo's self-contained report. One HTML file with inline CSS,
 * inline SVG charts rendered server-side (charts.ts) and images as data URLs, so it
 * opens offline with no script, font or image fetched. Every string that comes from data is
 * escaped. Sections: headline figures against the targets and where the time went; training
 * curves; per-kind accuracy before / after / reference; ask vs guess on uninformative and
 * control views; ours beside the ProactiveBench-reward baselines (De Min et al. 2026);
 * example episodes with their views and the model's turns; RL details and the config.
 */
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, join, normalize } from 'node:path';
import { accuracyLosses } from '../episode/losses.js';
import { gapClosed } from '../episode/metrics.js';
import { lossText } from '../eval/table.js';
import { writeFileAtomic } from '../util/fsx.js';
import { writeModelCard } from './model-card.js';
import { renderCharts } from './charts.js';
import { gapClosedText, gapLeadText } from './gap-text.js';
import { headlineRows } from './headline.js';
import { CSS, duration, esc, labelledSvg, num, pct, scrollTables, valueCell } from './html.js';
import type { ExampleRun, ExampleTurn, ReportExample, Results } from './results.js';
import { parseResults, REPORT_FILE, writeResults } from './results-io.js';
import { MISSING } from '../util/missing.js';
import { compareText } from '../util/text-order.js';

export interface ReportExtras {
  /** Page title (default "askfirst demo report"). */
  title?: string;
  /** Short notes shown under the title (e.g. "quick run: small budgets, noisy figures"). */
  notes?: string[];
}

const CAPTIONS: Record<string, string> = {
  training:
    'Per RL update, on the RL-trained kinds: solid lines are the sampled training rollouts, dashed lines the held-out evaluation where it was run. ' +
    'Left: share of episodes ending with the correct category. Middle: mean interventions per episode; the dashed black line is the oracle’s minimum — ' +
    'well below it means guessing, far above it means over-asking. Right: share of control episodes (answerable at the first view) in which the policy asked anyway. ' +
    'Ours beside the ProactiveBench single-turn reward runs.',
  'per-kind':
    'Accuracy on the evaluation episodes of each kind: before RL (the supervised guesser), after RL, and the reference setting (the clearest view shown alone). ' +
    'Left panel: the kinds RL trained on; right panel: kinds RL never saw. Axis from 0 to 100 %.',
  'ask-vs-guess':
    'What the policy did at its first turn. Top: episodes whose first view does not show enough — asking is right, a category is a guess. ' +
    'Bottom: control episodes answerable at once — answering is right, asking is over-asking, abstaining declines what the view shows (reported beside over-asking, not in it). ' +
    'An abstention is a decision, an unparseable reply (one naming no option) a format failure: shown apart. Bars sum to 100 %.',
  baselines:
    'All kinds, evaluation episodes. The ProactiveBench recipe rewards 1 for the correct category, r_p for a valid intervention, 0 otherwise (single-turn). ' +
    'Over-asking is not defined for the reference setting (no interventions offered).',
  diagnostics:
    'Mean reward per trajectory, KL divergence to the frozen starting policy (the supervised model with its ask gate opened) and mean entropy of the policy per turn, per RL update. Each panel has its own scale, from zero.',
};

function figure(id: string, svg: string): string {
  return `<figure id="fig-${esc(id)}">${labelledSvg(svg, `fig-${id}-caption`)}<figcaption id="fig-${esc(id)}-caption">${esc(CAPTIONS[id] ?? '')}</figcaption></figure>`;
}

function headlineTable(r: Results): string {
  const rows = headlineRows(r).map((h) => {
    const verdict =
      h.pass === undefined
        ? '<td></td>'
        : `<td class="${h.pass ? 'pass' : 'fail'}">${h.pass ? '✓ met' : '✗ not met'}</td>`;
    return `<tr><td>${esc(h.label)}</td>${valueCell(h.key, h.value, h.text)}<td class="num">${esc(h.target ?? '')}</td>${verdict}</tr>`;
  });
  return `<table class="headline" id="headline"><thead><tr><th>figure</th><th class="num">value</th><th class="num">target</th><th><span class="sr-only">target met?</span></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function timingsTable(r: Results): string {
  const total = r.wallSeconds > 0 ? r.wallSeconds : r.timings.reduce((a, t) => a + t.seconds, 0);
  const share = (s: number) => (total > 0 ? s / total : 0);
  const rows = r.timings.map((t) => {
    const parts = [
      ...(t.takenUp ? ['taken up finished by this re-run: the time of the run that trained it'] : []),
      ...(t.resumed ? ['resumed by this re-run from a checkpoint: its time plus the work the checkpoint kept (training, with its evaluations)'] : []),
      ...(t.parts ?? []).map((p) => `${p.name} ${duration(p.seconds)}`),
    ]
      .map(esc)
      .join(' · ');
    return `<tr><td>${esc(t.stage)}</td>${valueCell(`timing.${t.stage}`, t.seconds, duration(t.seconds))}<td class="num">${esc(pct(share(t.seconds), 0))}</td><td><span class="timebar" style="width:${(share(t.seconds) * 240).toFixed(1)}px"></span></td><td class="meta">${parts}</td></tr>`;
  });
  const accounted = r.timings.reduce((a, t) => a + t.seconds, 0);
  const rest = r.wallSeconds - accounted;
  if (rest > 0.05 * Math.max(r.wallSeconds, 1))
    rows.push(
      `<tr><td><em>not attributed</em></td><td class="num">${esc(duration(rest))}</td><td class="num">${esc(pct(share(rest), 0))}</td><td></td><td></td></tr>`,
    );
  return `<table id="timings"><thead><tr><th>stage</th><th class="num">wall time</th><th class="num">share</th><th><span class="sr-only">share as a bar</span></th><th>where it went</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function perKindTable(r: Results): string {
  const { reference, before, after } = r.summaries;
  const train = new Set(r.data.trainKinds);
  const kinds = [...r.data.trainKinds, ...r.data.kinds.filter((k) => !train.has(k))];
  const rows = kinds.map((k) => {
    const ref = reference.byKind[k];
    const b = before.byKind[k];
    const a = after.byKind[k];
    const g = a && b && ref ? gapClosed(a.accuracy, b.accuracy, ref.accuracy, a.episodes) : Number.NaN;
    const split = train.has(k)
      ? '<span class="badge train">RL-trained</span>'
      : '<span class="badge unseen">unseen</span>';
    return (
      `<tr><td>${esc(k)}</td><td>${split}</td><td class="num">${a?.episodes ?? MISSING}</td>` +
      valueCell(`reference.${k}`, ref?.accuracy ?? null, pct(ref?.accuracy)) +
      valueCell(`before.${k}`, b?.accuracy ?? null, pct(b?.accuracy)) +
      valueCell(`after.${k}`, a?.accuracy ?? null, pct(a?.accuracy)) +
      `<td class="num">${esc(pct(g, 0))}</td><td class="num">${esc(num(a?.psRate))} / ${esc(num(a?.oraclePsRate))}</td>` +
      `<td class="num">${esc(pct(b?.guessRate, 0))} → ${esc(pct(a?.guessRate, 0))}</td><td class="num">${a?.controls ? esc(pct(a.overAsking, 0)) : MISSING}</td>` +
      `<td class="num">${a?.controls ? esc(pct(a.controlAbstain, 0)) : MISSING}</td></tr>`
    );
  });
  return (
    `<table id="per-kind"><thead><tr><th>kind</th><th>split</th><th class="num">episodes</th><th class="num">reference</th><th class="num">before RL</th><th class="num">after RL</th>` +
    `<th class="num">gap closed</th><th class="num">ps-rate / oracle</th><th class="num">guess rate before → after</th><th class="num">over-asking</th><th class="num">abstained on controls</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

/**
 * Per variant within a kind (the corruption kind's operations): reference, before and after RL, each baseline after its RL,
 * and how ours' episodes ended; '' when the run's summaries name no variant (runs from before the breakdown).
 */
function perVariantTable(r: Results): string {
  const { reference, before, after } = r.summaries;
  if (!after.byVariant) return '';
  const acc = (m: { accuracy: number } | undefined) => esc(pct(m?.accuracy));
  const rows = Object.entries(after.byVariant).map(
    ([v, a]) =>
      `<tr><td>${esc(v)}</td><td class="num">${a.episodes}</td><td class="num">${acc(reference.byVariant?.[v])}</td><td class="num">${acc(before.byVariant?.[v])}</td>` +
      `<td class="num">${acc(a)}</td>${r.baselines.map((b) => `<td class="num">${acc(b.summary.byVariant?.[v])}</td>`).join('')}` +
      `<td class="num">${esc(pct(a.invalidRate, 0))}</td><td class="num">${a.controls ? `${esc(pct(a.overAsking, 0))} of ${a.controls}` : MISSING}</td></tr>`,
  );
  return (
    `<h3>By variant</h3><table id="per-variant"><thead><tr><th>variant</th><th class="num">episodes</th><th class="num">reference</th><th class="num">before RL</th><th class="num">after RL</th>` +
    `${r.baselines.map((b) => `<th class="num">${esc(b.label)}</th>`).join('')}<th class="num">ended on an invalid intervention</th><th class="num">over-asking</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

/**
 * Where each policy answers fewer episodes right than the guesser it started from, by kind and by variant
 * (episode/losses.ts): a kind's mean can hide a variant that falls.
 */
function lossesList(r: Results): string {
  const { before, after } = r.summaries;
  const item = (who: string, s: Results['summaries']['after']) => {
    const ls = accuracyLosses(before, s);
    const what = ls.length
      ? ls.map((l) => lossText(l, `<b>${esc(l.group)}</b>`, (x) => esc(pct(x)))).join(', ')
      : 'nowhere: at or above it on every kind and variant';
    return `<li>${esc(who)}: ${what}</li>`;
  };
  return (
    `<h3>Below the guesser</h3><ul id="losses">${item(`ours (${r.training.algorithm.toUpperCase()})`, after)}` +
    `${r.baselines.map((b) => item(b.label, b.summary)).join('')}</ul>`
  );
}

function baselinesTable(r: Results): string {
  // the figure, and in the lighter type what follows it: its interval, or why there is none (gap-text.ts)
  const split2 = (text: string) => {
    const at = text.indexOf(' [') < 0 ? text.length : text.indexOf(' [');
    return `${esc(text.slice(0, at))}<span class="meta">${esc(text.slice(at))}</span>`;
  };
  const gapCell = (f: Pick<Results, 'gapClosed' | 'gapClosedCi95' | 'gapClosedNoGap'>, split: 'train' | 'unseen' | 'all') =>
    `<td class="num">${split2(gapClosedText(f, split))}</td>`;
  const row = (
    name: string,
    f: Pick<Results, 'gapClosed' | 'gapClosedCi95' | 'gapClosedNoGap' | 'overAsking' | 'psRate' | 'oraclePsRate' | 'accuracy'>,
    controlAbstain: number | null,
    lead: string,
  ) =>
    `<tr><td>${esc(name)}</td><td class="num">${esc(pct(f.accuracy.after.overall))}</td>${gapCell(f, 'train')}${gapCell(f, 'unseen')}${gapCell(f, 'all')}` +
    `<td class="num">${esc(pct(f.overAsking))}</td><td class="num">${esc(pct(controlAbstain))}</td><td class="num">${esc(num(f.psRate))} / ${esc(num(f.oraclePsRate))}</td><td class="num">${lead}</td></tr>`;
  const leadCell = (b: Results['baselines'][number]) =>
    b.oursMinus ? split2(gapLeadText(b, 'unseen')) : MISSING;
  return (
    // headers on two lines: the figures (intervals in brackets) do not wrap, and one-line headers left the run's name a
    // column one letter wide at 1280 px (report.browser.test.ts checks the rows' heights)
    `<table id="baselines"><thead><tr><th>run</th><th class="num">accuracy<br>after RL</th><th class="num">gap closed:<br>trained</th><th class="num">unseen</th><th class="num">all</th>` +
    `<th class="num">over-asking</th><th class="num">abstained<br>on controls</th><th class="num">ps-rate /<br>oracle</th><th class="num">ours − it,<br>unseen (points)</th></tr></thead>` +
    `<tbody>${row(`ours (${r.training.algorithm.toUpperCase()})`, r, r.summaries.after.controlAbstain, '')}${r.baselines.map((b) => row(b.label, b, b.summary.controlAbstain, leadCell(b))).join('')}</tbody></table>` +
    // a run with --no-baselines: the table and chart hold ours alone, and the reader is told why (as the model card does)
    (r.baselines.length ? '' : '<p class="note" id="no-baselines">No baseline was run (<code>askfirst demo --no-baselines</code>): ours is shown alone.</p>') +
    `<p class="meta">In brackets: 95 % intervals over the test episodes — a bootstrap that resamples each kind's episodes, the same draw for every run, so ours − a baseline is paired. They are evaluation noise only; another seed also trains another guesser and policy (<code>askfirst demo --seeds</code> measures that).</p>`
  );
}

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
};

/** An example view as an inline data URL: data URLs pass through, relative paths are read from `dir`. */
async function imageSrc(dir: string, image: string): Promise<string | null> {
  if (/^data:image\/(png|jpeg);base64,[A-Za-z0-9+/=]+$/.test(image)) return image;
  if (image.startsWith('data:') || isAbsolute(image) || normalize(image).startsWith('..'))
    return null;
  const type = IMAGE_TYPES[extname(image).toLowerCase()];
  if (!type) return null;
  try {
    return `data:${type};base64,${(await readFile(join(dir, image))).toString('base64')}`;
  } catch {
    return null;
  }
}

function actionText(t: ExampleTurn, answer: string): { text: string; cls: string } {
  const a = t.action;
  const opt = (i: number) => t.options[i] ?? `option ${i}`;
  switch (a.type) {
    case 'category':
      return a.correct
        ? { text: `answered “${opt(a.option)}” — correct`, cls: 'ok' }
        : { text: `answered “${opt(a.option)}” — wrong (it is “${answer}”)`, cls: 'bad' };
    case 'intervention':
      return a.valid
        ? { text: `asked: “${opt(a.option)}” — valid, next view`, cls: 'ask' }
        : { text: `asked: “${opt(a.option)}” — not valid here`, cls: 'bad' };
    case 'abstain':
      return { text: `abstained: “${opt(a.option)}”`, cls: 'bad' };
    default:
      return { text: 'unparseable reply', cls: 'bad' };
  }
}

const OUTCOMES: Record<string, string> = {
  correct: 'correct',
  'wrong-category': 'wrong category',
  abstain: 'abstained',
  'invalid-intervention': 'invalid intervention',
  unparseable: 'unparseable reply',
  'max-turns': 'ran out of turns',
};

function letter(i: number): string {
  return i < 26
    ? String.fromCharCode(65 + i)
    : `${letter(Math.floor(i / 26) - 1)}${String.fromCharCode(65 + (i % 26))}`;
}

async function runHtml(
  dir: string,
  ex: ReportExample,
  run: ExampleRun,
  title: string,
): Promise<string> {
  const answer = ex.categories[ex.answer] ?? '';
  const turns = await Promise.all(
    run.turns.map(async (t, i) => {
      const src = await imageSrc(dir, t.image);
      const img = src
        ? `<img src="${esc(src)}" alt="view ${t.view}">`
        : `<div class="missing">image not available: ${esc(t.image.slice(0, 80))}</div>`;
      const chosen = t.action.type === 'unparseable' ? -1 : t.action.option;
      const opts = t.options
        .map((o, j) => {
          const cls = [
            j === chosen ? 'chosen' : '',
            j >= t.numInterventions && o === answer ? 'correct' : '',
          ]
            .filter(Boolean)
            .join(' ');
          return `<li${cls ? ` class="${cls}"` : ''}>${letter(j)}. ${esc(o)}</li>`;
        })
        .join('');
      const a = actionText(t, answer);
      const info =
        t.informative === undefined
          ? ''
          : t.informative
            ? ' · informative view'
            : ' · uninformative view';
      return (
        `<div class="turn">${img}<div><div class="meta">turn ${i + 1} · view ${t.view}${info}</div><ul class="opts">${opts}</ul>` +
        `<div class="reply">reply: <code>${esc(t.reply)}</code></div><div class="action ${a.cls}">${esc(a.text)}</div></div></div>`
      );
    }),
  );
  const badge = run.success
    ? '<span class="badge ok">✓ success</span>'
    : '<span class="badge bad">✗ failure</span>';
  return (
    `<div class="run"><h4>${esc(title)}</h4>${turns.join('')}` +
    `<div class="outcome">${badge} ${esc(OUTCOMES[run.outcome] ?? run.outcome)} after ${run.turns.length} turn${run.turns.length === 1 ? '' : 's'}, ${run.interventions} intervention${run.interventions === 1 ? '' : 's'}</div></div>`
  );
}

async function examplesHtml(dir: string, r: Results): Promise<string> {
  if (!r.examples.length) return '<p>No example episodes were recorded.</p>';
  const train = new Set(r.data.trainKinds);
  const cards = await Promise.all(
    r.examples.map(async (ex) => {
      const split = train.has(ex.kind)
        ? '<span class="badge train">RL-trained kind</span>'
        : '<span class="badge unseen">unseen kind</span>';
      const control = ex.control
        ? ' <span class="badge control">control: answerable at once</span>'
        : '';
      return (
        `<section class="example"><header><h3 class="example-title">${esc(ex.kind)}</h3> ${split}${control} <span class="meta">episode ${esc(ex.id)} · oracle needs ${ex.minInterventions} intervention${ex.minInterventions === 1 ? '' : 's'}</span>` +
        `<div>question: “${esc(ex.question)}” · correct answer: <strong>${esc(ex.categories[ex.answer] ?? '?')}</strong></div></header>` +
        `<div class="runs">${await runHtml(dir, ex, ex.before, 'before RL')}${await runHtml(dir, ex, ex.after, 'after RL')}</div></section>`
      );
    }),
  );
  return cards.join('');
}

function trainingDetails(r: Results): string {
  const t = r.training;
  const last = t.curves[t.curves.length - 1];
  const finals = last
    ? Object.entries(last)
        .filter(([k]) => k !== 'step')
        .sort(([a], [b]) => compareText(a, b))
        .map(
          ([k, v]) =>
            `<tr><td><code>${esc(k)}</code></td><td class="num">${esc(v != null && Number.isFinite(v) ? +v.toPrecision(4) : MISSING)}</td></tr>`,
        )
        .join('')
    : '';
  const rewards = t.rewards
    .map((w) => `<tr><td>${esc(w.name)}</td><td class="num">${esc(w.weight)}</td></tr>`)
    .join('');
  return (
    `<p>Algorithm <strong>${esc(t.algorithm.toUpperCase())}</strong>, ${t.updates} updates on ${t.episodes} training episodes of the kinds ${esc(r.data.trainKinds.join(', '))}.</p>` +
    `<div style="display:flex;gap:40px;flex-wrap:wrap"><div><h3>Reward functions</h3><table><thead><tr><th>reward</th><th class="num">weight</th></tr></thead><tbody>${rewards}</tbody></table></div>` +
    (last
      ? `<div><h3>Metrics at the last update (step ${last.step})</h3><table><thead><tr><th>metric</th><th class="num">value</th></tr></thead><tbody>${finals}</tbody></table></div>`
      : '') +
    `</div>`
  );
}

/** Render the report's HTML (validates `results` first). */
export async function renderReport(
  dir: string,
  results: Results,
  extras: ReportExtras = {},
): Promise<string> {
  const r = parseResults(JSON.parse(JSON.stringify(results)), 'results (in memory)');
  const charts = new Map((await renderCharts(r)).map((c) => [c.id, c.svg]));
  const fig = (id: string) =>
    charts.has(id) ? figure(id, charts.get(id)!) : '<p class="meta">No data for this chart.</p>';
  const title = extras.title ?? 'askfirst demo report';
  const notes = [
    ...(r.quick
      ? [
          'Quick run (--quick): small budgets, so the figures are noisy; run without --quick for the real measurement.',
        ]
      : []),
    ...(extras.notes ?? []),
  ];
  const d = r.data;
  // every table in a box that scrolls sideways: on a 320 px phone the page itself scrolled (1184 px wide, html.ts scrollTable)
  return scrollTables(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${esc(title)}</h1>
<p class="lead">Teaching <strong>${esc(r.model.name)}</strong> to ask for an intervention when the view does not show enough, and to answer when it does.
RL on ${esc(d.trainKinds.join(' + '))}; evaluated on all ${d.kinds.length} kinds (${d.evalEpisodes} episodes${d.controlShare != null ? `, ${esc(pct(d.controlShare, 0))} controls` : ''}).</p>
<p class="meta">Finished ${esc(r.createdAt)}${r.command ? ` · <code>${esc(r.command)}</code>` : ''}</p>
${notes.map((n) => `<div class="note">${esc(n)}</div>`).join('')}
<h2>Headline figures</h2>
${headlineTable(r)}
<p class="meta">Gap closed = (accuracy after − before) ÷ (reference − before): the share of the distance between guessing and seeing clearly that RL recovered; in brackets its 95 % interval over the test episodes (evaluation noise only, see the baselines' table). “–” where the reference answers fewer than 5 more episodes right than the guesser (too small a gap to close); no interval where more than 2.5 % of the bootstrap's resamples have no such gap (docs/demo.md).</p>
<h3>Where the time went</h3>
${timingsTable(r)}
<h2>During training</h2>
${fig('training')}
<h2>Per scenario kind</h2>
${fig('per-kind')}
${perKindTable(r)}
${perVariantTable(r)}
${lossesList(r)}
<h2>Ask or guess?</h2>
${fig('ask-vs-guess')}
<h2>Baselines: the ProactiveBench reward</h2>
${fig('baselines')}
${baselinesTable(r)}
<h2>Example episodes</h2>
<p class="meta">Each episode played by the policy before and after RL: the view it saw, the lettered options (the chosen one framed, the correct category shaded), its raw reply and how the protocol read it.</p>
${await examplesHtml(dir, r)}
<h2>RL details</h2>
${trainingDetails(r)}
${fig('diagnostics')}
<h2>Configuration</h2>
<details><summary>Resolved config (JSON)</summary><pre>${esc(JSON.stringify(r.config, null, 2))}</pre></details>
</main></body></html>
`);
}

/** Write `<dir>/report.html`; returns its path. */
export async function writeReport(
  dir: string,
  results: Results,
  extras: ReportExtras = {},
): Promise<string> {
  const file = join(dir, REPORT_FILE);
  await writeFileAtomic(file, await renderReport(dir, results, extras));
  return file;
}

/**
 * Write everything the demo leaves under `--out`: `results.json` (validated), `report.html`
 * and `MODEL_CARD.md`. Returns the three paths.
 */
export async function writeDemoOutputs(
  dir: string,
  results: Results,
  extras: ReportExtras = {},
): Promise<{ results: string; report: string; modelCard: string }> {
  const resultsPath = await writeResults(dir, results);
  const report = await writeReport(dir, results, extras);
  const modelCard = await writeModelCard(dir, results);
  return { results: resultsPath, report, modelCard };
}
