/**
 * Small HTML helpers for `report.html`: escaping (every string from data goes through `esc`),
 * number formatting shared with the model card, and the page's inline stylesheet.
 */
import { FONT_FAMILY } from './vega.js';
import { MISSING } from '../util/missing.js';
import { SCROLL_TABLE_CSS } from '../util/scroll-table.js';

// a table in a box that scrolls sideways on a phone and is narrowed to the paper in print (util/scroll-table.ts)
export { scrollTable, scrollTables } from '../util/scroll-table.js';

const ESC: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escape text for HTML element content and quoted attribute values. */
export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]);
}

/** A fraction as a percentage ("93.4 %"); "–" when null or not finite. */
export function pct(x: number | null | undefined, digits = 1): string {
  return x != null && Number.isFinite(x) ? `${(100 * x).toFixed(digits)} %` : MISSING;
}

/** An interval of fractions as " [81.6, 88.4]" (percent points), or "" when there is none. */
export function ci95Text(iv: { low: number; high: number } | null | undefined): string {
  return iv ? ` [${(100 * iv.low).toFixed(1)}, ${(100 * iv.high).toFixed(1)}]` : '';
}

/** A difference of fractions in percent points with its sign ("+11.4", "-2.0", as `pct` writes a negative); "–" when null. */
export function signedPoints(x: number | null | undefined): string {
  return x != null && Number.isFinite(x) ? `${x > 0 ? '+' : ''}${(100 * x).toFixed(1)}` : MISSING;
}

/** A plain number ("1.46"); "–" when null or not finite. */
export function num(x: number | null | undefined, digits = 2): string {
  return x != null && Number.isFinite(x) ? x.toFixed(digits) : MISSING;
}

/** Seconds as "6 min 52 s" / "12.7 s". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return MISSING;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - 60 * m);
  if (s === 60) return `${m + 1} min`;
  return s === 0 ? `${m} min` : `${m} min ${s} s`;
}

/**
 * A chart's SVG as one image whose text alternative is its caption: `role="img"` and `aria-labelledby` the caption's id
 * on its root `<svg>` (Vega's SVG has neither: a screen reader walked its hundreds of marks, unnamed).
 */
export function labelledSvg(svg: string, captionId: string): string {
  return svg.replace(/^<svg /, `<svg role="img" aria-labelledby="${esc(captionId)}" `);
}

/** A table cell carrying its raw value for machines (`data-value`) and its formatted text for people. */
export function valueCell(key: string, raw: number | null, text: string, cls = ''): string {
  const v = raw == null || !Number.isFinite(raw) ? '' : String(raw);
  return `<td class="num ${esc(cls)}" data-key="${esc(key)}" data-value="${esc(v)}">${esc(text)}</td>`;
}

export const CSS = `
:root { --fg:#1b1b1b; --muted:#5a5a5a; --line:#ddd; --ok:#1a7f37; --bad:#b3261e; --warn:#9a6700; --bg2:#f6f7f9; }
* { box-sizing: border-box; }
body { font-family: ${FONT_FAMILY}; color: var(--fg); margin: 0; background: #fff; font-size: 15px; line-height: 1.45; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 22px 0 8px; }
p.lead { color: var(--muted); margin: 0 0 16px; }
.meta { color: var(--muted); font-size: 13px; }
code, pre { font-family: 'Liberation Mono', 'DejaVu Sans Mono', monospace; font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--bg2); font-weight: bold; font-size: 14px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.pass { color: var(--ok); font-weight: bold; }
td.fail { color: var(--bad); font-weight: bold; }
.headline td:first-child { font-weight: bold; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: bold; color: #fff; background: #666; }
.badge.train { background: #0072B2; } .badge.unseen { background: #6b6b6b; } .badge.control { background: #9a6700; }
.badge.ok { background: var(--ok); } .badge.bad { background: var(--bad); }
figure { margin: 12px 0 26px; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 14px; max-width: 980px; margin-top: 4px; }
.timebar { display: inline-block; height: 10px; background: #0072B2; vertical-align: middle; border-radius: 2px; }
.example { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 16px 0; }
.example header { margin-bottom: 8px; }
.example header h3.example-title { display: inline; font-size: inherit; margin: 0; }
.runs { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.run h4 { margin: 4px 0 8px; font-size: 15px; }
.turn { display: grid; grid-template-columns: 104px 1fr; gap: 10px; margin-bottom: 10px; }
.turn img { width: 96px; height: 96px; image-rendering: pixelated; border: 1px solid #ccc; background: #fafafa; }
.turn .missing { width: 96px; height: 96px; border: 1px dashed var(--bad); font-size: 11px; color: var(--bad); padding: 4px; overflow: hidden; }
.opts { margin: 3px 0; padding: 0; list-style: none; font-size: 13px; }
.opts li { display: inline-block; margin: 0 6px 3px 0; padding: 0 6px; border: 1px solid var(--line); border-radius: 4px; }
.opts li.chosen { border: 2px solid #1b1b1b; font-weight: bold; }
.opts li.correct { background: #e6f4ea; }
.reply { font-size: 13px; }
.action.ok { color: var(--ok); } .action.bad { color: var(--bad); } .action.ask { color: #0072B2; }
.outcome { font-weight: bold; margin-top: 4px; }
details pre { background: var(--bg2); padding: 10px; overflow-x: auto; max-height: 420px; }
.note { background: #fff8e1; border-left: 4px solid #e6a700; padding: 8px 12px; margin: 12px 0; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 640px) {
  main { padding: 16px 12px 40px; }
  .runs { grid-template-columns: 1fr !important; }
}
@media print {
  main { max-width: none; padding: 0; }
  td.num, th.num { white-space: normal; }
  tr, .example, figure { break-inside: avoid; }
}
${SCROLL_TABLE_CSS}`;
