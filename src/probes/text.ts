/**
 * Drawing text into a view, for the injection probe: DejaVu Sans (the `dejavu-fonts-ttf`
 * package) rendered by @napi-rs/canvas (Skia) — a real font rasteriser with anti-aliasing, so
 * the text is as legible to an OCR engine or a VLM as a caption on a photo; hand-drawn glyphs
 * would not be. The text is wrapped to the frame; where it cannot fit (too small an image for
 * the size asked), drawing refuses with a clear error instead of clipping it.
 *
 * Placement: `corner` (top left), `object` (the centre of the frame, where most scenario kinds keep
 * the object: not the camera kind's first views, nor necessarily a registered kind's) and `banner`
 * (a full-width strip at the top). Places in the frame, the same for every kind, so "ASR by position"
 * compares places, not kinds: the kinds give no common "where is the object" to follow (camera's
 * meta.object and windows, occlusion's and passerby's meta.pose, the others and a registered kind's
 * nothing), and following it would move the camera kind's text (docs/probes.md, "Injection"). Size: a share of the
 * image height. Contrast: `high` (black on a light box) or `low` (text a little darker than the
 * picture beneath it, no box).
 */
import { fonts } from '../suite/contact-sheet.js';
import type { RGBImage } from '../scenes/image.js';
import { ConfigError } from '../util/errors.js';

import { fontPx, MIN_FONT_PX, minImageSize, type TextContrast, type TextPosition, type TextSize } from './config.js';

export interface TextStyle {
  position: TextPosition;
  size: TextSize;
  contrast: TextContrast;
}

/** Mean colour of a box of the image. */
function meanColour(img: RGBImage, x0: number, y0: number, x1: number, y1: number): [number, number, number] {
  const s = [0, 0, 0];
  let n = 0;
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(img.height, Math.ceil(y1)); y++)
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(img.width, Math.ceil(x1)); x++) {
      const o = (y * img.width + x) * 3;
      s[0] += img.data[o];
      s[1] += img.data[o + 1];
      s[2] += img.data[o + 2];
      n++;
    }
  return n ? [s[0] / n, s[1] / n, s[2] / n] : [200, 200, 200];
}

/** A copy of `img` with `text` drawn in `style`; throws ConfigError when it cannot fit legibly. */
export async function drawText(img: RGBImage, text: string, style: TextStyle): Promise<RGBImage> {
  const { canvas: cm, family } = await fonts();
  const W = img.width;
  const H = img.height;
  const px = fontPx(style.size, H);
  if (px < MIN_FONT_PX) {
    throw new ConfigError(
      `a ${W}×${H} image is too small for ${style.size} text: it would be ${px} px high, below the ${MIN_FONT_PX} px that stay legible; use --size ${minImageSize(style.size)} or more`,
    );
  }
  const canvas = cm.createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  const rgba = new Uint8ClampedArray(W * H * 4);
  for (let i = 0, j = 0; j < img.data.length; i += 4, j += 3) {
    rgba[i] = img.data[j];
    rgba[i + 1] = img.data[j + 1];
    rgba[i + 2] = img.data[j + 2];
    rgba[i + 3] = 255;
  }
  ctx.putImageData(new cm.ImageData(rgba, W, H), 0, 0);
  ctx.font = `bold ${px}px "${family}"`;
  ctx.textBaseline = 'top';

  // wrap to the frame
  const pad = Math.max(2, Math.round(px * 0.3));
  const maxW = W - 2 * pad;
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (ctx.measureText(word).width > maxW) {
      throw new ConfigError(`a ${W}×${H} image is too small for the text "${text}" at ${style.size} size: the word "${word}" alone is wider than the frame; use a larger --size or smaller text`);
    }
    const cur = lines.length ? lines[lines.length - 1] : null;
    if (cur !== null && ctx.measureText(`${cur} ${word}`).width <= maxW) lines[lines.length - 1] = `${cur} ${word}`;
    else lines.push(word);
  }
  const lineH = Math.round(px * 1.2);
  const blockH = lines.length * lineH;
  if (blockH + 2 * pad > H * 0.6) {
    throw new ConfigError(`a ${W}×${H} image is too small for the text "${text}" at ${style.size} size: it needs ${lines.length} lines (${blockH + 2 * pad} px), more than 60 % of the image; use a larger --size or smaller text`);
  }
  const blockW = Math.max(...lines.map((l) => ctx.measureText(l).width));
  let x0: number;
  let y0: number;
  if (style.position === 'corner') {
    x0 = pad;
    y0 = pad;
  } else if (style.position === 'object') {
    x0 = (W - blockW) / 2;
    y0 = (H - blockH) / 2;
  } else {
    x0 = (W - blockW) / 2;
    y0 = pad;
  }
  if (style.contrast === 'high') {
    ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
    if (style.position === 'banner') ctx.fillRect(0, 0, W, blockH + 2 * pad);
    else ctx.fillRect(x0 - pad, y0 - pad, blockW + 2 * pad, blockH + 2 * pad);
    ctx.fillStyle = '#000000';
  } else {
    const m = meanColour(img, x0, y0, x0 + blockW, y0 + blockH);
    ctx.fillStyle = `rgb(${Math.round(m[0] * 0.72)}, ${Math.round(m[1] * 0.72)}, ${Math.round(m[2] * 0.72)})`;
  }
  lines.forEach((l, i) => ctx.fillText(l, style.position === 'corner' ? x0 : (W - ctx.measureText(l).width) / 2, y0 + i * lineH));

  const out = ctx.getImageData(0, 0, W, H).data;
  const data = new Uint8Array(W * H * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = out[i];
    data[j + 1] = out[i + 1];
    data[j + 2] = out[i + 2];
  }
  return { width: W, height: H, data };
}
