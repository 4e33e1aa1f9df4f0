/**
 * Small ProactiveBench folders for the reader's tests (src/suite/proactivebench/*.test.ts):
 * `<Dataset>_preprocessed.jsonl` files and the images they name, written into a temp folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeJPEG, encodePNG } from '../scenes/codec.js';
import { createImage, type RGBImage } from '../scenes/image.js';
import { filterIds } from '../suite/proactivebench/filter.js';
import { tmpDir } from './tmp.js';

/** ProactiveBench's abstain option. */
export const CANNOT = 'I cannot answer this question.';

/** A valid QuickDraw entry (two images, QD/0000.png and QD/0001.png), with `over` replacing fields. */
export function quickDrawEntry(id = 0, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    image_template: 'QD/{image}.png',
    first_image: 0,
    num_images: 2,
    reference_image: 1,
    prompt: 'What is it?',
    options: ['Add more details to the drawing.', CANNOT],
    categories: ['a', 'b'],
    answer: 'a',
    ...over,
  };
}

/** A w×h image whose pixel (x, y) is (tag, x, y): every file is recognisable from its pixels. */
export function tagged(tag: number, w = 24, h = 24): RGBImage {
  const img = createImage(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      img.data[i] = tag;
      img.data[i + 1] = x;
      img.data[i + 2] = y;
    }
  return img;
}

/** Writes `img` at `dir/rel`, as PNG or (any other extension) JPEG at quality 95. */
export async function putImage(dir: string, rel: string, img: RGBImage): Promise<void> {
  await mkdir(dirname(join(dir, rel)), { recursive: true });
  await writeFile(join(dir, rel), rel.endsWith('.png') ? encodePNG(img) : encodeJPEG(img, 95));
}

/**
 * A new temp folder holding `files` (name → its lines, written as they are) and a small image at
 * every path of `images`.
 */
export async function writeProactiveBench(prefix: string, files: Record<string, string[]>, images: string[] = []): Promise<string> {
  const d = tmpDir(prefix);
  for (const [name, lines] of Object.entries(files)) await writeFile(join(d, name), lines.join('\n') + '\n');
  for (const p of images) await putImage(d, p, tagged(1, 4, 4));
  return d;
}

/** A new temp folder of ProactiveBench's QuickDraw: the first `n` entries its filter keeps (quickDrawEntry) and their two images. */
export function writeQuickDraw(prefix: string, n = 3): Promise<string> {
  const ids = [...filterIds('QuickDraw')!].slice(0, n);
  return writeProactiveBench(prefix, { 'QuickDraw_preprocessed.jsonl': ids.map((id) => JSON.stringify(quickDrawEntry(id))) }, ['QD/0000.png', 'QD/0001.png']);
}
