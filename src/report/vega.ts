/**
 * Server-side Vega-Lite → SVG: `vl.compile(spec).spec` → `new vega.View(vega.parse(…),
 * {renderer: 'none'}).toSVG()`, with a shared chart style and real text measurement so the
 * layout in Node matches what a browser draws.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** Metric-compatible with Arial; the same family measures the text here and draws it in the browser. */
export const FONT_FAMILY = "'Liberation Sans', Arial, Helvetica, sans-serif";
const FONT = FONT_FAMILY;

type TextItem = {
  fontSize?: number;
  font?: string;
  fontStyle?: string;
  fontWeight?: string | number;
  limit?: number;
};
let measurerInstalled = false;

/**
 * Vega lays text out with canvas measurements when the `canvas` package exists and otherwise
 * guesses 0.8 em per character, which inflates every label's bounds (big blank gaps, rotated
 * titles pushing panels apart). Install a measurer backed by @napi-rs/canvas (already a
 * dependency); fall back to a closer estimate (0.56 em per character) if it cannot load.
 */
async function installTextMeasurer(): Promise<void> {
  if (measurerInstalled) return;
  measurerInstalled = true;
  let measure: (text: string, font: string, size: number) => number = (text, _font, size) =>
    0.56 * size * text.length;
  try {
    const { createCanvas } = await import('@napi-rs/canvas');
    const ctx = createCanvas(1, 1).getContext('2d');
    const cache = new Map<string, number>();
    measure = (text, font) => {
      const key = `${font}|${text}`;
      let w = cache.get(key);
      if (w === undefined) {
        ctx.font = font;
        w = ctx.measureText(text).width;
        cache.set(key, w);
      }
      return w;
    };
  } catch {
    // keep the estimate
  }
  const tm = (
    vega as unknown as { textMetrics: { width: (item: TextItem, text: unknown) => number } }
  ).textMetrics;
  tm.width = (item, text) => {
    const size = item.fontSize != null ? +item.fontSize || 0 : 11;
    const t = text == null ? '' : String(text).trim();
    if (size <= 0 || !t) return 0;
    const w = measure(
      t,
      (vega as unknown as { font: (item: TextItem) => string }).font(item),
      size,
    );
    // Truncated labels (`limit`) are never wider than the limit.
    return item.limit && item.limit > 0 ? Math.min(w, item.limit) : w;
  };
}

const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#ddd' },
  title: { fontSize: 15, fontWeight: 'bold', anchor: 'start', offset: 10 },
  axis: {
    labelFontSize: 12,
    titleFontSize: 13,
    titleFontWeight: 'normal',
    labelLimit: 220,
    grid: true,
    gridColor: '#eee',
  },
  legend: {
    labelFontSize: 12,
    titleFontSize: 13,
    titleFontWeight: 'normal',
    labelLimit: 320,
    orient: 'bottom',
    direction: 'horizontal',
    columns: 3,
  },
  header: { labelFontSize: 13, titleFontSize: 13, labelFontWeight: 'bold' },
} as const;

/** Compile a Vega-Lite spec and render it to an SVG string (no DOM, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  await installTextMeasurer();
  // Quiet logger: vega-lite warns that the faceted per-kind chart's independent x scales
  // union one field from two forks of the same data, which is exactly what is meant.
  const compiled = vl.compile(
    { ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec,
    {
      logger: vega.logger(vega.Error),
    },
  ).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
