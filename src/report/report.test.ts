/** report.html and MODEL_CARD.md from a realistic fake results object: structure, figures, escaping, self-containedness. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePNG } from '../scenes/codec.js';
import { createImage } from '../scenes/image.js';
import { mdCell, mdCode, renderModelCard, writeModelCard } from './model-card.js';
import { perKindSpec, renderSvg } from './charts.js';
import { codeSpanText } from '../testing/code-span.js';
import { fakeResults } from '../testing/report-fixture.js';
import { tmpDir } from '../testing/tmp.js';
import { headlineRows } from './headline.js';
import { duration, esc, pct } from './html.js';
import type { Results } from './results.js';
import { renderReport, writeDemoOutputs, writeReport } from './report.js';
import { MODEL_CARD_FILE, readResults, REPORT_FILE } from './results-io.js';

let dir: string;
let html: string;
let results: Results;

beforeAll(async () => {
  dir = tmpDir('askfirst-report');
  results = fakeResults();
  const file = await writeReport(dir, results, { notes: ['note <b>from</b> the caller'] });
  expect(file).toBe(join(dir, REPORT_FILE));
  html = await readFile(file, 'utf8');
});

/** The SVG of one figure. */
function svgOf(id: string): string {
  const m = new RegExp(`<figure id="fig-${id}">(<svg[\\s\\S]*?</svg>)`).exec(html);
  expect(m, `figure ${id}`).not.toBeNull();
  return m![1];
}

describe('report.html', () => {
  it('is self-contained: no script, no external resource', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    const imgs = [...html.matchAll(/<img src="([^"]*)"/g)].map((m) => m[1]);
    expect(imgs.length).toBe(
      results.examples.reduce((a, e) => a + e.before.turns.length + e.after.turns.length, 0),
    );
    for (const src of imgs) expect(src).toMatch(/^data:image\/png;base64,/);
  });

  it('renders every chart as inline SVG with titles and labelled axes', () => {
    const expected: Record<string, string[]> = {
      training: [
        'Accuracy during RL',
        'measured on',
        'held-out evaluation',
        'training rollouts',
        'RL update',
        'accuracy',
        'mean interventions per episode',
        'oracle minimum',
        'share of controls that asked first',
        'ours (GRPO)',
        'ProactiveBench reward, r_p = 1',
      ],
      'per-kind': [
        'Accuracy per scenario kind',
        'scenario kind',
        'accuracy',
        'trained with RL',
        'unseen in RL',
        'before RL',
        'after RL',
        'reference (clearest view)',
        'late-event',
      ],
      'ask-vs-guess': [
        'First move: ask or guess?',
        'share of episodes',
        'asked for an intervention',
        'guessed a category',
        'uninformative first view',
        'control first view',
      ],
      baselines: [
        'Ours vs ProactiveBench single-turn reward',
        'accuracy',
        'ps-rate (dashed: oracle minimum)',
        'ProactiveBench reward, r_p = 0.5',
      ],
      diagnostics: [
        'RL diagnostics',
        'KL to the starting policy',
        'KL divergence',
        'Policy entropy per turn',
        'RL update',
      ],
    };
    for (const [id, texts] of Object.entries(expected)) {
      const svg = svgOf(id);
      expect(svg).toMatch(/^<svg[^>]*viewBox=/);
      for (const t of texts) expect(svg, `${id}: ${t}`).toContain(esc(t));
    }
  });

  it('draws accuracy and share axes from 0 % to 100 %', () => {
    for (const id of ['training', 'per-kind', 'ask-vs-guess', 'baselines']) {
      const svg = svgOf(id);
      expect(svg, id).toContain('>0%<');
      expect(svg, id).toContain('>100%<');
    }
  });

  it('shows the headline figures exactly as in results', () => {
    const rows = headlineRows(results);
    const cell = (key: string) =>
      new RegExp(`data-key="${key.replace('.', '\\.')}" data-value="([^"]*)">([^<]*)<`).exec(html);
    for (const row of rows) {
      const m = cell(row.key);
      expect(m, row.key).not.toBeNull();
      expect(m![1] === '' ? null : Number(m![1]), row.key).toBe(row.value);
      expect(m![2]).toBe(esc(row.text));
    }
    const value = (key: string) => Number(cell(key)![1]);
    expect(value('gapClosed.train')).toBe(results.gapClosed.train);
    expect(value('gapClosed.unseen')).toBe(results.gapClosed.unseen);
    expect(value('gapClosed.all')).toBe(results.gapClosed.all);
    expect(value('overAsking')).toBe(results.overAsking);
    expect(value('psRate')).toBe(results.psRate);
    expect(value('oraclePsRate')).toBe(results.oraclePsRate);
    expect(value('accuracy.after')).toBe(results.accuracy.after.overall);
    expect(value('wallSeconds')).toBe(results.wallSeconds);
    expect(cell('gapClosed.train')![2]).toBe(pct(results.gapClosed.train));
    for (const k of results.data.kinds)
      expect(value(`after.${k}`)).toBe(results.accuracy.after.byKind[k]);
    for (const t of results.timings) expect(value(`timing.${t.stage}`)).toBe(t.seconds);
    expect(html).toContain(duration(results.wallSeconds));
  });

  it('escapes text that comes from data', () => {
    expect(html).toContain('A. star &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('note &lt;b&gt;from&lt;/b&gt; the caller');
  });

  it('shows the example episodes with their turns and outcomes', () => {
    expect(html.match(/<section class="example">/g)?.length).toBe(results.examples.length);
    expect(html).toContain('asked: “Move the camera left.” — valid, next view');
    expect(html).toContain('answered “star” — wrong (it is “circle”)');
    expect(html).toContain('control: answerable at once');
  });

  it('escapes data inside the SVG charts too', async () => {
    const r = fakeResults();
    r.data.kinds = [...r.data.kinds.slice(0, 6), 'x<img src=y onerror=alert(1)>'];
    r.accuracy.after.byKind['x<img src=y onerror=alert(1)>'] = 0.5;
    const svg = await renderSvg(perKindSpec(r));
    expect(svg).not.toContain('<img');
    expect(svg).toContain('x&lt;img');
  });

  it('inlines example images given as paths, marks missing ones and targets not met', async () => {
    const d = tmpDir('askfirst-report-img');
    await mkdir(join(d, 'examples'));
    await writeFile(join(d, 'examples', 'v0.png'), encodePNG(createImage(3, 3, [1, 2, 3])));
    const r = fakeResults();
    r.examples[0].before.turns[0].image = 'examples/v0.png';
    r.examples[0].after.turns[0].image = 'examples/missing.png';
    r.examples[0].after.turns[1].image = '../../etc/passwd.png';
    r.gapClosed.train = 0.97;
    r.gapClosed.unseen = 0.3;
    r.overAsking = 0.25;
    const page = await renderReport(d, r);
    expect(page).toContain(
      `data:image/png;base64,${encodePNG(createImage(3, 3, [1, 2, 3])).toString('base64')}`,
    );
    expect(page).toContain('image not available: examples/missing.png');
    expect(page).toContain('image not available: ../../etc/passwd.png');
    expect(page).toMatch(
      /data-key="gapClosed\.unseen"[^>]*>30\.0 %<\/td><td class="num">≥ 70 %<\/td><td class="fail">/,
    );
    expect(page).toMatch(
      /data-key="overAsking"[^>]*>25\.0 %<\/td><td class="num">≤ 5 %<\/td><td class="fail">/,
    );
    expect(page).toMatch(
      /data-key="gapClosed\.train"[^>]*>[^<]*<\/td><td class="num">≥ 95 %<\/td><td class="pass">/,
    );
  });

  it('breaks the corruption kind down by operation when the summaries name variants, and not otherwise', async () => {
    expect(html).not.toContain('id="per-variant"');
    const r = fakeResults();
    const withVariants = (s: Results['summaries']['after'], acc: number) => ({ ...s, byVariant: { 'corruption/saturation': { ...s.byKind.corruption, episodes: 14, accuracy: acc, invalidRate: 1 - acc } } });
    r.summaries = { reference: withVariants(r.summaries.reference, 0.93), before: withVariants(r.summaries.before, 0.21), after: withVariants(r.summaries.after, 0) };
    r.baselines = r.baselines.map((b, i) => ({ ...b, summary: withVariants(b.summary, i / 10) }));
    const page = await renderReport(dir, r);
    const table = /<table id="per-variant">[\s\S]*?<\/table>/.exec(page)?.[0] ?? '';
    const cells = [...table.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1]);
    expect(cells.slice(0, 5)).toEqual(['corruption/saturation', '14', pct(0.93), pct(0.21), pct(0)]);
    expect(cells.slice(5, 5 + r.baselines.length)).toEqual(r.baselines.map((_, i) => pct(i / 10)));
    expect(cells[5 + r.baselines.length]).toBe(pct(1, 0)); // ended on an invalid intervention
    // the variant that fell below the guesser is named for ours (0.21 → 0) and for each baseline below 0.21, not for one above it
    const losses = /<ul id="losses">[\s\S]*?<\/ul>/.exec(page)?.[0] ?? '';
    const items = [...losses.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((x) => x[1]);
    expect(items).toHaveLength(1 + r.baselines.length);
    expect(items[0]).toContain(`<b>corruption/saturation</b> ${pct(0.21)} → ${pct(0)} (3 fewer right of 14 episodes)`);
    r.baselines.forEach((_, i) => expect(items[1 + i].includes('corruption/saturation')).toBe(i / 10 < 0.21));
  });

  it('shows gap closed with its interval over the test episodes, and ours − each baseline paired, when results have them', async () => {
    expect(html).not.toMatch(/gap closed[^<]*\[\d/); // the fixture predates the intervals: none invented
    const r = fakeResults();
    r.gapClosedCi95 = { train: { low: 0.81, high: 0.95 }, unseen: { low: 0.42, high: 0.6 }, all: null };
    r.baselines[1].oursMinus = { gapClosed: { train: 0.1, unseen: 0.114, all: 0.2 }, ci95: { train: null, unseen: { low: 0.072, high: 0.155 }, all: null } };
    r.baselines[1].gapClosedCi95 = { train: null, unseen: { low: 0.3, high: 0.45 }, all: null };
    const page = await renderReport(dir, r);
    expect(page).toContain(`>${esc(pct(r.gapClosed.train))} [81.0, 95.0]<`); // the headline cell
    expect(page).toContain(`>${esc(pct(r.gapClosed.all))}<`); // no interval: none shown
    expect(page).toContain('+11.4<span class="meta"> [7.2, 15.5]</span>'); // ours − r_p = 1 on the unseen kinds
    expect(page).toContain(`${esc(pct(r.baselines[1].gapClosed.unseen))}<span class="meta"> [30.0, 45.0]</span>`);
    expect(page).toMatch(/<td>ProactiveBench reward, r_p = 0\.5<\/td>(<td[^>]*>[^]*?<\/td>){6}<td class="num">–<\/td><\/tr>/); // no lead computed: "–"
    const card = renderModelCard(r);
    expect(card).toContain(`${pct(r.gapClosed.unseen)} [42.0, 60.0]`);
    r.baselines[0].oursMinus = { gapClosed: { train: null, unseen: -0.02, all: null }, ci95: { train: null, unseen: { low: -0.06, high: 0.02 }, all: null } };
    expect(await renderReport(dir, r)).toContain('-2.0<span class="meta"> [-6.0, 2.0]</span>'); // behind: signed as pct signs it
  });

  it('says why a gap closed has no interval (too many resamples without a gap) in the headline, the baselines table and the model card', async () => {
    const r = fakeResults();
    r.gapClosedCi95 = { train: { low: 0.81, high: 0.95 }, unseen: null, all: null };
    r.gapClosedNoGap = { train: 0, unseen: 0.123, all: 0.01 };
    r.baselines[1].gapClosedCi95 = { train: null, unseen: null, all: null };
    r.baselines[1].gapClosedNoGap = r.gapClosedNoGap;
    r.baselines[1].oursMinus = { gapClosed: { train: 0.1, unseen: 0.114, all: 0.2 }, ci95: { train: null, unseen: null, all: null } };
    const page = await renderReport(dir, r);
    const why = ' [no interval: no gap in 12.3 % of resamples]';
    expect(page).toContain(`>${esc(pct(r.gapClosed.unseen) + why)}<`); // the headline cell
    expect(page).toContain(`${esc(pct(r.gapClosed.unseen))}<span class="meta">${esc(why)}</span>`); // ours' row of the baselines table
    expect(page).toContain(`+11.4<span class="meta">${esc(why)}</span>`); // ours − r_p = 1 on the unseen kinds
    expect(page).toContain(`>${esc(pct(r.gapClosed.all))}<`); // 1 % without a gap is not a reason: no interval, none said
    expect(renderModelCard(r)).toContain(`${pct(r.gapClosed.unseen)}${why}`);
  });

  it('shows abstentions on controls beside over-asking (headline, per kind, baselines) and apart from unparseable replies in the first-move chart', async () => {
    const r = fakeResults();
    r.summaries.after.controlAbstain = 0.125;
    r.summaries.after.byKind.camera.controlAbstain = 0.25;
    r.baselines[0].summary.controlAbstain = 0.375;
    const page = await renderReport(dir, r);
    expect(page).toMatch(/data-key="controlAbstain" data-value="0\.125">12\.5 %</);
    const perKind = /<table id="per-kind">[\s\S]*?<\/table>/.exec(page)?.[0] ?? '';
    expect(perKind).toContain('<th class="num">over-asking</th><th class="num">abstained on controls</th>');
    const camera = /<tr><td>camera<\/td>[\s\S]*?<\/tr>/.exec(perKind)?.[0] ?? '';
    expect(camera).toMatch(new RegExp(`<td class="num">${esc(pct(r.summaries.after.byKind.camera.overAsking, 0))}</td><td class="num">25 %</td></tr>$`));
    const baselines = /<table id="baselines">[\s\S]*?<\/table>/.exec(page)?.[0] ?? '';
    expect(baselines).toContain(`<td class="num">${esc(pct(r.overAsking))}</td><td class="num">12.5 %</td>`);
    expect(baselines).toContain(`<td class="num">${esc(pct(r.baselines[0].overAsking))}</td><td class="num">37.5 %</td>`);
    // the chart's legend names abstentions and unparseable replies apart (results that split them) …
    const chart = /<figure id="fig-ask-vs-guess">[\s\S]*?<\/figure>/.exec(page)?.[0] ?? '';
    expect(chart).toContain('>abstained<');
    expect(chart).toContain('>unparseable (named no option)<');
    expect(chart).not.toContain('abstained / unparseable');
    // … and together, as before, for a results.json written before the split (nothing there to split them by)
    for (const a of [r.askVsGuess.before, r.askVsGuess.after, ...r.baselines.map((b) => b.askVsGuess!)])
      for (const s of [a.uninformative, a.control]) {
        delete s.abstained;
        delete s.unparseable;
      }
    const old = /<figure id="fig-ask-vs-guess">[\s\S]*?<\/figure>/.exec(await renderReport(dir, r))?.[0] ?? '';
    expect(old).toContain('abstained / unparseable');
    expect(old).not.toContain('named no option');
    const card = renderModelCard(r);
    expect(card).toMatch(/\| over-asking \| abstained on controls \|/);
    expect(card).toMatch(/\| camera \|.*\| 25\.0 % \|$/m);
    expect(card).toContain(`| ${pct(r.overAsking)} | 12.5 % |`);
    expect(card).toContain(`| ${pct(r.baselines[0].overAsking)} | 37.5 % |`);
    expect(card).toContain(`| ${mdCell(headlineRows(r).find((h) => h.key === 'controlAbstain')!.label)} | 12.5 % |`);
  });

  it('renders a sparse run (no baselines, no curves, no examples) without inventing data', async () => {
    const r = fakeResults();
    r.baselines = [];
    r.training.curves = [];
    r.examples = [];
    r.quick = true;
    const page = await renderReport(dir, r);
    expect(page).not.toContain('id="fig-training"');
    expect(page).not.toContain('id="fig-diagnostics"');
    expect(page).toContain('id="fig-per-kind"');
    expect(page).toContain('id="fig-baselines"');
    expect(page).not.toContain('ProactiveBench reward, r_p');
    expect(page).toContain('<p class="note" id="no-baselines">No baseline was run'); // said, as the model card says it
    expect(html).not.toContain('id="no-baselines"'); // and only then
    expect(page).toContain('No example episodes were recorded.');
    expect(page).toContain('Quick run (--quick)');
    expect(page).not.toMatch(/data-key="wallSeconds"[^>]*>[^<]*<\/td><td class="num">≤/);
  });

  it('writes results.json, report.html and MODEL_CARD.md together', async () => {
    const d = tmpDir('askfirst-report-all');
    const r = fakeResults(3);
    const paths = await writeDemoOutputs(d, r);
    expect(paths).toEqual({
      results: join(d, 'results.json'),
      report: join(d, REPORT_FILE),
      modelCard: join(d, MODEL_CARD_FILE),
    });
    expect(await readResults(d)).toEqual(r);
    expect(await readFile(paths.modelCard, 'utf8')).toContain(pct(r.gapClosed.train));
  });

  it('rejects invalid results before rendering', async () => {
    const bad = fakeResults();
    (bad as { accuracy: unknown }).accuracy = { reference: { overall: 2, byKind: {} } };
    await expect(renderReport(dir, bad)).rejects.toThrow(/accuracy/);
  });
});

describe('mdCode (a path or command line as a Markdown code span)', () => {
  it.each(['runs/rl/final', 'runs/a`b/final', 'a``b`c', '`lead', 'trail`', '``', ' both ', 'x ` y'])('shows %j exactly as it is', (s) => {
    expect(codeSpanText(mdCode(s))).toBe(s);
  });

  it('fences a path with a backtick by a longer run (a`b in ``a`b``), and a plain one by one backtick', () => {
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('runs/rl')).toBe('`runs/rl`');
  });
});

describe('MODEL_CARD.md', () => {
  it('shows a checkpoint path and the command line with backticks in them as they are', () => {
    const md = renderModelCard({ ...results, command: 'askfirst demo --out "runs/a`b"', model: { ...results.model, checkpoint: 'runs/a`b/rl/final' } });
    expect(md).toContain('- **Checkpoint**: ``runs/a`b/rl/final`` (safetensors + JSON config)');
    expect(md).toContain(', ``askfirst demo --out "runs/a`b"``).');
    expect(md).not.toContain("a'b");
  });

  it('has the model-card sections and the figures from results', async () => {
    const file = await writeModelCard(dir, results);
    expect(file).toBe(join(dir, MODEL_CARD_FILE));
    const md = await readFile(file, 'utf8');
    for (const h of [
      '# Model card: ',
      '## Model details',
      '## Intended use',
      '### Out-of-scope use',
      '## Factors',
      '## Metrics',
      '## Training data',
      '## Evaluation data',
      '## Quantitative analyses',
      '## Ethical considerations',
      '## Caveats and recommendations',
    ])
      expect(md).toContain(h);
    for (const row of headlineRows(results))
      expect(md).toContain(`| ${mdCell(row.label)} | ${row.text} |`);
    for (const k of results.data.kinds) {
      const line = md.split('\n').find((l) => l.startsWith(`| ${k} |`));
      expect(line, k).toBeDefined();
      expect(line).toContain(pct(results.accuracy.after.byKind[k]));
      expect(line).toContain(pct(results.accuracy.before.byKind[k]));
      expect(line).toContain(pct(results.accuracy.reference.byKind[k]));
      expect(line).toContain(results.data.trainKinds.includes(k) ? 'RL-trained' : 'unseen');
    }
    for (const b of results.baselines)
      expect(md).toContain(`| ${mdCell(b.label)} | ${pct(b.accuracy.after.overall)} |`);
    // the section of missed targets is there exactly when a headline target is missed
    expect(md.includes('Targets not met')).toBe(headlineRows(results).some((row) => row.pass === false));
  });

  it('follows the results, lists missed targets and escapes table cells', () => {
    const r = fakeResults(2);
    r.gapClosed.train = 0.42;
    r.model.name = 'pipe|name';
    r.quick = true;
    const md = renderModelCard(r);
    expect(md).toContain('| 42.0 % | ≥ 95 % | **no** |');
    expect(md).toMatch(/Targets not met in this run.*42\.0 %/);
    expect(md).toContain('# Model card: pipe\\|name');
    // an "&" is escaped too: a name holding "&amp;" shows it, not "&" (Markdown reads a bare entity)
    r.model.name = 'a &amp; <b>';
    expect(renderModelCard(r)).toContain('# Model card: a \\&amp; \\<b\\>');
    expect(md).toContain('Quick run');
    const untimed = fakeResults(2);
    untimed.timings = [];
    expect(renderModelCard(untimed)).toContain(`Wall time: ${duration(untimed.wallSeconds)}.\n`);
    // a suite without control episodes: the first-move table shows '–' for the control columns, not 0.0 % over-asking
    r.askVsGuess.after = { uninformative: { n: 10, asked: 0.7, guessed: 0.2, other: 0.1 }, control: { n: 0, asked: 0, guessed: 0, other: 0 } };
    expect(renderModelCard(r)).toMatch(/\| after RL \| 70\.0 % \| 20\.0 % \| – \| – \|/);
    r.askVsGuess.after.control = { n: 8, asked: 0.125, guessed: 0.5, other: 0.375, abstained: 0.25, unparseable: 0.125 };
    expect(renderModelCard(r)).toMatch(/\| after RL \| 70\.0 % \| 20\.0 % \| 12\.5 % \| 50\.0 % \| 25\.0 % \|/); // abstained on controls
    delete r.askVsGuess.after.control.abstained; // results written before the split: unknown, not 0
    expect(renderModelCard(r)).toMatch(/\| after RL \| 70\.0 % \| 20\.0 % \| 12\.5 % \| 50\.0 % \| – \|/);
    expect(md).not.toContain(
      pct(fakeResults(1).accuracy.after.byKind.camera) +
        ' | ' +
        pct(fakeResults(1).gapClosed.train),
    );
  });
});
