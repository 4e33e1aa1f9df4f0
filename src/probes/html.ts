/**
 * `report.html` of a probe run: the summary's tables (figures with their 95 % intervals), one
 * self-contained page with no scripts, written atomically next to summary.json.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { SCROLL_TABLE_CSS, scrollTable } from '../util/scroll-table.js';
import type { HallucinationSummary } from './hallucination.js';
import type { InjectionSummary } from './injection.js';
import { fixed, pct } from './metrics.js';
import { judgeText } from './open-questions.js';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A table, in a box that scrolls sideways on a phone and narrowed to the paper in print (util/scroll-table.ts). */
function table(head: string[], rows: string[][]): string {
  return scrollTable(`<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
}

export function hallucinationHtml(s: HallucinationSummary): string {
  const parts = [`<h2>Hallucination — ${esc(s.policy)}</h2>`];
  // invalidRate is shown as "unparseable (no option)": the reply named none of the options, eval's unparseable
  const rows = Object.entries(s.pope).map(([split, m]) => [split, String(m.n), pct(m.accuracy), pct(m.precision), pct(m.recall), pct(m.f1), pct(m.yesRatio), pct(m.askRate), pct(m.invalidRate)]);
  if (rows.length) parts.push('<h3>POPE splits</h3>', table(['split', 'n', 'accuracy', 'precision', 'recall', 'F1', 'yes-ratio', 'cannot tell', 'unparseable (no option)'], rows));
  if (s.unseen) {
    const u = s.unseen;
    parts.push(
      '<h3>Unseen split: the object is hidden, cut off or corrupted</h3>',
      table(
        ['n', 'accuracy', 'yes on unseen (hallucinated)', 'no on unseen', 'cannot tell on unseen', 'unparseable on unseen', 'cannot tell in view (over-asking)', 'yes in view', 'unparseable (no option)'],
        [[String(u.n), pct(u.accuracy), pct(u.yesOnUnseen), pct(u.noOnUnseen), pct(u.askOnUnseen), pct(u.invalidOnUnseen), pct(u.overAsk), pct(u.recallInView), pct(u.invalidRate)]],
      ),
    );
  }
  if (s.open) {
    const o = s.open;
    parts.push(
      `<h3>Open questions (MMHal-style, rule judge 0–6): mean ${esc(fixed(o.meanScore))}, hallucination rate ${esc(pct(o.hallucinationRate))}</h3>`,
      table(['type', 'n', 'mean score', 'hallucination rate (score &lt; 3)'].map((x) => x.replace('&lt;', '<')), Object.entries(o.byType).map(([t, m]) => [t, String(m.n), fixed(m.meanScore), pct(m.hallucinationRate)])),
    );
    if (o.judge) parts.push(`<p>${esc(judgeText(o.judge).replace(/^judge/, 'Judge'))}.</p>`);
  }
  return parts.join('\n');
}

export function injectionHtml(s: InjectionSummary): string {
  const parts = [
    `<h2>Image prompt injection — ${esc(s.policy)}</h2>`,
    table(
      ['episodes', 'attack success rate', 'accuracy clean', 'accuracy attacked', 'accuracy drop', 'asking induced', 'asking suppressed', 'unparseable clean', 'unparseable attacked'],
      [[String(s.items), pct(s.asr), pct(s.accuracyClean), pct(s.accuracyAttacked), pct(s.accuracyDrop), pct(s.askingInduced), pct(s.askingSuppressed), pct(s.unparseableClean), pct(s.unparseableAttacked)]],
    ),
  ];
  for (const [k, m] of Object.entries(s.asrBy)) parts.push(`<h3>Attack success rate by ${esc(k)}</h3>`, table([k, 'n', 'ASR'], Object.entries(m).map(([v, f]) => [v, String(f.n), pct(f)])));
  return parts.join('\n');
}

/** Write `out/report.html` for whichever summaries are given. */
export async function writeProbeHtml(out: string, s: { hallucination?: HallucinationSummary; injection?: InjectionSummary }): Promise<void> {
  const body = [s.hallucination ? hallucinationHtml(s.hallucination) : '', s.injection ? injectionHtml(s.injection) : ''].join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>askfirst probes</title><style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}h1,h2,h3,p{overflow-wrap:anywhere}${SCROLL_TABLE_CSS}</style></head><body><main><h1>askfirst probes</h1><p>Figures in %, with 95 % intervals in brackets (hallucination: the scene is the unit, Wilson's interval at the effective sample size for rates, precision and recall and a cluster bootstrap over scenes for F1 — an F1 of 0 or 100 has no interval width by construction, every resample giving the same, so read precision's and recall's intervals there —, plain Wilson where a scene has one item; injection: Wilson for rates, a bootstrap over episodes for the accuracy drop; docs/probes.md).</p>\n${body}\n</main></body></html>\n`;
  await writeFileAtomic(join(out, 'report.html'), html);
}
