/**
 * A contact sheet: one PNG showing an episode the way a person needs to check it — every view
 * (scaled up with nearest-neighbour so 64×64 pixels stay crisp; large photos scaled down), each
 * labelled with its index, first/reference markers and informative / uninformative (when known),
 * the moves offered there and where the valid ones lead, then the question, the hint and the
 * options of the first turn lettered as the model sees them, with valid interventions, abstain
 * options and the correct category marked.
 *
 * Text is drawn with @napi-rs/canvas using DejaVu Sans from the `dejavu-fonts-ttf` npm package,
 * registered explicitly, so the sheet reads the same on a machine without system fonts. If that
 * font cannot be registered, the system's sans-serif is used; with no font at all the text is
 * simply blank (Skia draws nothing) rather than failing.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { optionLetter } from '../episode/parse.js';
import { shownOptions } from '../episode/prompt.js';
import type { RGBImage } from '../scenes/image.js';
import { AskfirstError, describeError } from '../util/errors.js';
import type { SuiteEpisode, ViewLoader } from './types.js';

type Canvas = import('@napi-rs/canvas').Canvas;
type Ctx = import('@napi-rs/canvas').SKRSContext2D;

export interface ContactSheetOptions {
  /** Longest side of a view tile in pixels (views are scaled to it, nearest-neighbour when enlarging). Default 256. */
  tile?: number;
  /** Tiles per row before wrapping. Default 6. */
  perRow?: number;
  /** At most this many views are drawn (the first ones by index); the rest are counted. Default 24. */
  maxViews?: number;
}

const FONT = 'askfirst-sans';
let fontFamily: string | null = null;

/** Register the shipped DejaVu Sans once; returns the canvas module and the family name to use (also used by the injection probe to draw text). */
export async function fonts(): Promise<{ canvas: typeof import('@napi-rs/canvas'); family: string }> {
  let canvas: typeof import('@napi-rs/canvas');
  try {
    canvas = await import('@napi-rs/canvas');
  } catch (e) {
    throw new AskfirstError('INTERNAL', `contact sheets need @napi-rs/canvas, which failed to load: ${describeError(e)}`, { cause: e });
  }
  if (fontFamily === null) {
    fontFamily = 'sans-serif';
    try {
      const require = createRequire(import.meta.url);
      const ttf = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
      const ok = canvas.GlobalFonts.registerFromPath(join(ttf, 'DejaVuSans.ttf'), FONT);
      canvas.GlobalFonts.registerFromPath(join(ttf, 'DejaVuSans-Bold.ttf'), FONT);
      if (ok) fontFamily = FONT;
    } catch {
      // keep sans-serif
    }
  }
  return { canvas, family: fontFamily };
}

/** The family text is drawn with (after the first sheet): 'askfirst-sans' when the shipped font registered. */
export function contactSheetFont(): string | null {
  return fontFamily;
}

const COLOR = {
  bg: '#ffffff',
  text: '#111111',
  dim: '#666666',
  good: '#1b7f2a',
  bad: '#c0392b',
  unknown: '#8a8a8a',
  first: '#1565c0',
  ref: '#7b1fa2',
};

interface Line {
  text: string;
  color?: string;
  bold?: boolean;
  size?: number;
}

function wrap(ctx: Ctx, text: string, width: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/)) {
    const next = cur ? `${cur} ${word}` : word;
    if (cur && ctx.measureText(next).width > width) {
      out.push(cur);
      cur = word;
    } else cur = next;
  }
  if (cur) out.push(cur);
  return out.length ? out : [''];
}

function toCanvas(canvasMod: typeof import('@napi-rs/canvas'), img: RGBImage): Canvas {
  const c = canvasMod.createCanvas(Math.max(1, img.width), Math.max(1, img.height));
  const ctx = c.getContext('2d');
  const id = ctx.createImageData(Math.max(1, img.width), Math.max(1, img.height));
  for (let i = 0, j = 0; j < img.data.length; i += 4, j += 3) {
    id.data[i] = img.data[j];
    id.data[i + 1] = img.data[j + 1];
    id.data[i + 2] = img.data[j + 2];
    id.data[i + 3] = 255;
  }
  ctx.putImageData(id, 0, 0);
  return c;
}

/** Render the contact sheet of `ep` as a PNG. `loader` resolves its views to pixels. */
export async function renderContactSheet(ep: SuiteEpisode, loader: ViewLoader, opts: ContactSheetOptions = {}): Promise<Buffer> {
  const { canvas: cm, family } = await fonts();
  const tile = opts.tile ?? 256;
  const perRow = opts.perRow ?? 6;
  const shownViews = Math.min(ep.views.length, opts.maxViews ?? 24);
  const images = await Promise.all(ep.views.slice(0, shownViews).map((v) => loader(v, ep.id)));

  const pad = 16;
  const gap = 14;
  const font = (size: number, bold = false) => `${bold ? 'bold ' : ''}${size}px "${family}", sans-serif`;
  const cols = Math.min(perRow, shownViews);
  const width = Math.max(pad * 2 + cols * tile + (cols - 1) * gap, 960);
  const textWidth = width - pad * 2;

  // Per-view captions: markers above, moves below (letters as shown at that view).
  const informative = ep.informative;
  const viewHead = (v: number): Line[] => {
    const marks: string[] = [];
    if (v === ep.firstView) marks.push('FIRST');
    if (v === ep.referenceView) marks.push('REFERENCE');
    const inf = informative?.[v];
    const tag = inf === undefined ? 'informative: unknown' : inf ? 'informative' : 'uninformative';
    return [
      { text: `view ${v}${marks.length ? '  ·  ' + marks.join(' · ') : ''}`, bold: true, color: v === ep.firstView ? COLOR.first : v === ep.referenceView ? COLOR.ref : COLOR.text },
      { text: tag, color: inf === undefined ? COLOR.unknown : inf ? COLOR.good : COLOR.bad },
    ];
  };
  // Under the tiles, intervention texts lose the words they all share ("Move the camera to the left." → "…left.").
  const moveTexts = ep.interventions.filter((_, i) => !ep.abstain.includes(i)).map((t) => t.split(' '));
  let common = 0;
  if (moveTexts.length > 1) {
    while (moveTexts.every((w) => common < w.length - 1 && w[common] === moveTexts[0][common])) common++;
  }
  const shortText = (t: string) => {
    const words = t.split(' ');
    const s = common >= 2 ? '…' + words.slice(common).join(' ') : t;
    return s.length > 34 ? s.slice(0, 33) + '…' : s;
  };
  const viewMoves = (v: number): Line[] => {
    const s = shownOptions(ep, v, 'proactive');
    const lines: Line[] = s.interventions.map((o, k) => {
      const letter = optionLetter(k);
      const short = o.abstain ? 'abstain' : shortText(o.text);
      if (o.abstain) return { text: `${letter}. ${short}`, color: COLOR.unknown };
      if (o.valid) return { text: `${letter}. ${short}  → view ${ep.steps[v].next[o.index]}`, color: COLOR.good };
      return { text: `${letter}. ${short}  ✗`, color: COLOR.bad };
    });
    if (s.interventions.length === 0) lines.push({ text: 'no moves offered', color: COLOR.unknown });
    if (ep.steps[v]?.answerable === false) lines.push({ text: 'answers do not count here', color: COLOR.bad });
    return lines;
  };

  // Header and first-turn options.
  const first = shownOptions(ep, ep.firstView, 'proactive');
  const header: Line[] = [
    { text: `${ep.id}   ·   kind: ${ep.kind}${ep.control ? '   ·   CONTROL (answerable at the first view)' : ''}`, bold: true, size: 20 },
    {
      text: `${ep.views.length} views · at most ${ep.maxTurns} turns · fewest interventions needed: ${ep.minInterventions}${typeof ep.meta?.dataset === 'string' ? ` · dataset: ${ep.meta.dataset}` : ''}`,
      color: COLOR.dim,
    },
  ];
  const question: Line[] = [{ text: `Question: ${ep.question}`, bold: true, size: 16 }];
  if (ep.hint) question.push({ text: `Hint: ${ep.hint.replace(/^Hint:\s*/, '')}`, color: COLOR.dim });
  if (ep.referenceQuestion && ep.referenceQuestion !== ep.question) question.push({ text: `Reference question: ${ep.referenceQuestion}`, color: COLOR.dim });
  question.push({ text: `Options at the first view (view ${ep.firstView}), lettered as the model sees them:`, color: COLOR.dim });
  first.interventions.forEach((o, k) => {
    const l = optionLetter(k);
    if (o.abstain) question.push({ text: `${l}. ${o.text}   — abstain (ends the episode as a failure)`, color: COLOR.unknown });
    else if (o.valid) question.push({ text: `${l}. ${o.text}   — valid move → view ${ep.steps[ep.firstView].next[o.index]}`, color: COLOR.good, bold: true });
    else question.push({ text: `${l}. ${o.text}   — not valid here (failure)`, color: COLOR.bad });
  });
  first.categories.forEach((c, k) => {
    const l = optionLetter(first.interventions.length + k);
    if (k === ep.answer) question.push({ text: `${l}. ${c}   ✓ correct category${first.answer < 0 ? ' (but not accepted at this view)' : ''}`, color: COLOR.good, bold: true });
    else question.push({ text: `${l}. ${c}`, color: COLOR.text });
  });
  if (shownViews < ep.views.length) question.push({ text: `… ${ep.views.length - shownViews} more views not drawn (pass a larger maxViews)`, color: COLOR.dim });

  // Layout pass (measure), then draw pass.
  const measure = cm.createCanvas(10, 10).getContext('2d');
  const lh = (l: Line) => Math.round((l.size ?? 14) * 1.4);
  const blockHeight = (lines: Line[], w: number) =>
    lines.reduce((h, l) => {
      measure.font = font(l.size ?? 14, l.bold);
      return h + wrap(measure, l.text, w).length * lh(l);
    }, 0);
  const rows = Math.ceil(shownViews / cols);
  const rowHeights: number[] = [];
  const tileH = (img: RGBImage) => Math.round((tile * img.height) / Math.max(img.width, img.height));
  for (let r = 0; r < rows; r++) {
    let h = 0;
    for (let v = r * cols; v < Math.min(shownViews, (r + 1) * cols); v++) {
      h = Math.max(h, blockHeight(viewHead(v), tile) + 6 + Math.max(tileH(images[v]), tile) + 8 + blockHeight(viewMoves(v), tile));
    }
    rowHeights.push(h);
  }
  const height = pad + blockHeight(header, textWidth) + 10 + rowHeights.reduce((a, b) => a + b + gap, 0) + blockHeight(question, textWidth) + pad;

  const c = cm.createCanvas(width, Math.ceil(height));
  const ctx = c.getContext('2d');
  ctx.fillStyle = COLOR.bg;
  ctx.fillRect(0, 0, width, height);
  ctx.textBaseline = 'top';
  const drawLines = (lines: Line[], x: number, y: number, w: number): number => {
    for (const l of lines) {
      ctx.font = font(l.size ?? 14, l.bold);
      ctx.fillStyle = l.color ?? COLOR.text;
      for (const t of wrap(ctx, l.text, w)) {
        ctx.fillText(t, x, y);
        y += lh(l);
      }
    }
    return y;
  };
  let y = drawLines(header, pad, pad, textWidth) + 10;
  for (let r = 0; r < rows; r++) {
    for (let v = r * cols; v < Math.min(shownViews, (r + 1) * cols); v++) {
      const x = pad + (v - r * cols) * (tile + gap);
      let ty = drawLines(viewHead(v), x, y, tile) + 6;
      const img = images[v];
      const w = Math.round((tile * img.width) / Math.max(img.width, img.height));
      const h = tileH(img);
      const inf = informative?.[v];
      ctx.fillStyle = inf === undefined ? COLOR.unknown : inf ? COLOR.good : COLOR.bad;
      ctx.fillRect(x - 3, ty - 3, w + 6, h + 6);
      ctx.imageSmoothingEnabled = w < img.width; // crisp pixels when enlarging
      ctx.drawImage(toCanvas(cm, img), x, ty, w, h);
      ty += Math.max(h, tile) + 8;
      drawLines(viewMoves(v), x, ty, tile);
    }
    y += rowHeights[r] + gap;
  }
  drawLines(question, pad, y, textWidth);
  return c.toBuffer('image/png');
}
